"""Export files in S3: the photos' bucket (private, encrypted), under
``exports/<firm>/<job>/``. A file is written as one multipart upload across
the job's chunks; the unfinished tail of a chunk (less than a part) waits in
a small object of its own until the next chunk reads it (services/exports.py
explains the design). The client downloads with a presigned GET."""

from __future__ import annotations

from typing import Final

from botocore.exceptions import ClientError

from chalicelib.adapters.photo_store import FilesBucket, is_missing

# S3's minimum for every part but the last.
MIN_PART_BYTES: Final = 5 * 1024 * 1024


def prefix(firm_id: str, job_id: str) -> str:
    """Where everything of one export lies: its file and its tails."""
    return f"exports/{firm_id}/{job_id}/"


class ExportStore(FilesBucket):
    def start_upload(self, key: str, content_type: str) -> str:
        """A new multipart upload of ``key``: its upload id."""
        answer = self.client.create_multipart_upload(Bucket=self._bucket(), Key=key, ContentType=content_type)
        return str(answer["UploadId"])

    def upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> str:
        """Part ``number`` (uploading the same number again replaces it): its ETag."""
        answer = self.client.upload_part(
            Bucket=self._bucket(), Key=key, UploadId=upload_id, PartNumber=number, Body=data
        )
        return str(answer["ETag"])

    def complete(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        self.client.complete_multipart_upload(
            Bucket=self._bucket(),
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in parts]},
        )

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self._bucket(), Key=key, Body=data)

    def get(self, key: str) -> bytes | None:
        """The whole object (a tail: less than one part), or None when it is gone."""
        try:
            got = self.client.get_object(Bucket=self._bucket(), Key=key)
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise
        data: bytes = got["Body"].read()
        return data

    def size(self, key: str) -> int | None:
        """The object's size, or None when it does not exist (yet)."""
        try:
            head = self.client.head_object(Bucket=self._bucket(), Key=key)
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise
        return int(head["ContentLength"])

    def keys_under(self, key_prefix: str) -> list[str]:
        """The keys of every object under ``key_prefix`` (ListObjectsV2, 1,000 a page)."""
        found: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket(), Prefix=key_prefix)
        for page in pages:
            found += [str(o["Key"]) for o in page.get("Contents", [])]
        return found

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # DeleteObjects' limit
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            if batch:
                self.client.delete_objects(Bucket=self._bucket(), Delete={"Objects": batch, "Quiet": True})

    def download_url(self, key: str, content_type: str, filename: str, seconds: int) -> str:
        params = {
            "Bucket": self._bucket(),
            "Key": key,
            "ResponseContentType": content_type,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
            "ResponseCacheControl": "private, no-store",
        }
        url: str = self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)
        return url
