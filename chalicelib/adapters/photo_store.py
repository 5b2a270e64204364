"""Account photos in S3 (the bucket from infra/template.json; locally the
s3rver that make run starts). Objects are private; readers get time-limited
presigned URLs, computed locally (no request)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final, Self

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.adapters.config import settings
from chalicelib.domain.errors import DossierError


@lru_cache(maxsize=4)
def _client(endpoint: str | None, region: str) -> Any:
    kwargs: dict[str, Any] = {
        "region_name": region,
        "config": Config(
            signature_version="s3v4",
            s3={"addressing_style": "path" if endpoint else "auto"},
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=3,
            read_timeout=10,
        ),
    }
    if endpoint:
        # s3rver's fixed credentials; presigned URLs are signed with them.
        kwargs.update(endpoint_url=endpoint, aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER")
    return boto3.client("s3", **kwargs)


def s3_client() -> Any:
    """The stage's S3 client (also the document store's)."""
    s = settings()
    return _client(s.s3_endpoint, s.region)


def reset_clients() -> None:
    _client.cache_clear()


_MISSING: Final = frozenset({"404", "NoSuchKey", "NotFound"})


def is_missing(exc: ClientError) -> bool:
    """S3's answer for an object (or upload) that is not there."""
    return str(exc.response.get("Error", {}).get("Code", "")) in _MISSING


class FilesBucket:
    """The stage's files bucket (PHOTOS_BUCKET), private and encrypted: what the document and export stores
    share."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    @classmethod
    def from_settings(cls) -> Self:
        return cls(s3_client(), settings().photos_bucket)

    def _bucket(self) -> str:
        if not self.bucket:
            raise DossierError("Files are not configured for this stage (PHOTOS_BUCKET).")
        return self.bucket


class PhotoStore:
    def __init__(self, client: Any, bucket: str, url_seconds: int) -> None:
        self.client = client
        self.bucket = bucket
        self.url_seconds = url_seconds

    @classmethod
    def from_settings(cls) -> PhotoStore:
        s = settings()
        return cls(s3_client(), s.photos_bucket, s.photo_url_seconds)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        if not self.bucket:
            raise DossierError("Photos are not configured for this stage (PHOTOS_BUCKET).")
        self.client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, CacheControl="private, max-age=86400"
        )

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def url(self, key: str | None) -> str | None:
        if not key:
            return None
        url: str = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=self.url_seconds
        )
        return url
