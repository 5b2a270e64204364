"""Document files in S3: the photos' bucket (private, encrypted), under the
firm's prefix (``<firm>/<account>/documents/<item>``). Uploads and downloads
go straight between the client and S3 with presigned URLs, signed locally
(no request); the API reads only a few kilobytes of an upload to check it."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.photo_store import FilesBucket, is_missing


class DocumentStore(FilesBucket):
    def upload_url(self, key: str, content_type: str, size: int | None, seconds: int) -> str:
        """A presigned PUT that S3 accepts only with this Content-Type and Content-Length (both signed);
        without a size, any length (the caller checks the size after the upload)."""
        params: dict[str, Any] = {"Bucket": self._bucket(), "Key": key, "ContentType": content_type}
        if size is not None:
            params["ContentLength"] = size
        url: str = self.client.generate_presigned_url("put_object", Params=params, ExpiresIn=seconds)
        return url

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store an object from here (the admin CLI's import file; clients upload with upload_url)."""
        self.client.put_object(Bucket=self._bucket(), Key=key, Body=data, ContentType=content_type)

    def download_url(self, key: str, content_type: str, disposition: str, seconds: int) -> str:
        params = {
            "Bucket": self._bucket(),
            "Key": key,
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
            "ResponseCacheControl": "private, no-store",
        }
        url: str = self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)
        return url

    def size(self, key: str) -> int | None:
        """The object's size, or None when nothing was uploaded."""
        found = self.head(key)
        return found[0] if found is not None else None

    def head(self, key: str) -> tuple[int, str] | None:
        """The object's size and ETag (another object under the key has another ETag), or None when absent."""
        try:
            head = self.client.head_object(Bucket=self._bucket(), Key=key)
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise
        return int(head["ContentLength"]), str(head.get("ETag", ""))

    def read(self, key: str, byte_range: str) -> bytes | None:
        """Part of the object: ``bytes=0-8191`` (its start) or ``bytes=-65536`` (its end); None
        when it is gone (deleted since it was found)."""
        got = self.read_tagged(key, byte_range)
        return got[0] if got is not None else None

    def read_tagged(self, key: str, byte_range: str) -> tuple[bytes, str] | None:
        """``read`` with the whole object's ETag (as of the bytes read: a range of a replaced object is told
        by it); an empty object (no range to give: S3 answers 416) is ``b""`` with no ETag."""
        try:
            got = self.client.get_object(Bucket=self._bucket(), Key=key, Range=byte_range)
        except ClientError as exc:
            if is_missing(exc):
                return None
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                return b"", ""
            raise
        data: bytes = got["Body"].read()
        return data, str(got.get("ETag", ""))

    def copy(self, source: str, target: str) -> None:
        """A server-side copy (documents are at most 25 MB: one CopyObject, within its 5 GB)."""
        bucket = self._bucket()
        self.client.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": source})

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self._bucket(), Key=key)
