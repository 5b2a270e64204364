"""Helpers of the account photo tests: images of each format (padded, forged), the photo bucket's
objects in moto's S3, uploads, and a refusal that writes nothing.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zlib
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
from PIL import Image

from chalicelib.repo.table import Table
from tests.support.api import Api, Reply, TestFirm, snapshot
from tests.support.problems import assert_problem

BUCKET = os.environ["PHOTOS_BUCKET"]
MB2 = 2 * 1024 * 1024
FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "WEBP": ("image/webp", "webp")}


# --- images ----------------------------------------------------------------------------


def image(fmt: str, size: tuple[int, int] = (32, 24), *, noise: bool = False, mode: str = "RGB") -> bytes:
    """A real image made by Pillow (noise compresses badly: large files, long streams)."""
    if noise:
        im = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        im = Image.new(mode, size, "teal" if mode == "RGB" else 1)
    buf = io.BytesIO()
    im.save(buf, fmt)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def padded_png(total: int) -> bytes:
    """A valid PNG of exactly ``total`` bytes: a private ancillary chunk
    (which decoders skip) after IHDR makes up the size."""
    base = image("PNG", (8, 8))
    ihdr_end = 8 + 25  # signature, then IHDR (4 length + 4 type + 13 data + 4 crc)
    filler = _chunk(b"prVt", b"\0" * (total - len(base) - 12))
    data = base[:ihdr_end] + filler + base[ihdr_end:]
    assert len(data) == total
    return data


def forged_png(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (1-bit grey) over a
    tiny data stream: what a decompression bomb looks like before decoding."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    pixels = _chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + pixels + _chunk(b"IEND", b"")


# --- helpers ---------------------------------------------------------------------------


def s3() -> Any:
    return boto3.client("s3", region_name="us-east-1")


def objects() -> dict[str, tuple[bytes, str]]:
    """Every object in the photo bucket: key → (bytes, ContentType)."""
    client = s3()
    found: dict[str, tuple[bytes, str]] = {}
    for entry in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        got = client.get_object(Bucket=BUCKET, Key=entry["Key"])
        found[entry["Key"]] = (got["Body"].read(), got["ContentType"])
    return found


def put_photo(api: Api, account_id: str, data: bytes, content_type: str = "image/png", **headers: str) -> Reply:
    return api.put(f"/accounts/{account_id}/photo", raw=data, headers={"Content-Type": content_type, **headers})


def uploaded(api: Api, account_id: str, data: bytes, content_type: str = "image/png") -> dict[str, Any]:
    r = put_photo(api, account_id, data, content_type)
    assert r.status == 200, r.body
    body: dict[str, Any] = r.body
    return body


def info(api: Api, account_id: str) -> Reply:
    r = api.get(f"/accounts/{account_id}")
    assert r.status == 200, r.body
    return r


def key_of(url: str) -> str:
    """The object key a presigned URL points at (and a check of its shape)."""
    parts = urlsplit(url)
    assert parts.scheme == "https", url
    assert parts.netloc == f"{BUCKET}.s3.amazonaws.com", url
    query = parse_qs(parts.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"], url
    assert query["X-Amz-Expires"] == ["3600"], url  # an hour
    assert re.fullmatch(r"[0-9a-f]{64}", query["X-Amz-Signature"][0]), url
    return unquote(parts.path).removeprefix("/")


def key_pattern(firm: TestFirm, account_id: str, ext: str) -> str:
    return rf"{firm.firm_id}/{account_id}/photo-[0-9A-HJKMNP-TV-Z]{{26}}\.{ext}"


def refused(table: Table, reply: Reply, status: int, before: list[dict[str, Any]], stored: Any) -> dict[str, Any]:
    """A refusal that wrote nothing: neither the table nor the bucket changed."""
    body = assert_problem(reply, status)
    assert snapshot(table) == before, "a refused upload must not write to the table"
    assert objects() == stored, "a refused upload must not leave an object in S3"
    return body
