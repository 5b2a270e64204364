"""Account photos (issue 6, part 2): PUT/DELETE /accounts/{id}/photo, the
content checks of chalicelib/domain/photos.py, the S3 objects, and photo_url
wherever an account is shown (Info tab, clients list, a contact's accounts,
related accounts, the overview header, search hits).

moto only: the conftest creates the photo bucket in moto's S3; DynamoDB
Local runs have no S3 (tests/integration/test_photos_s3rver.py uses s3rver).
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
import pytest
import requests
from PIL import Image

from chalicelib.adapters.photo_store import PhotoStore
from chalicelib.domain import photos
from chalicelib.repo import keys
from chalicelib.repo.table import Table
from tests.support.api import Api, Reply, TestFirm, make_firm, snapshot
from tests.support.factories import contact_spec, new_account, new_tag
from tests.support.problems import assert_problem
from tests.support.stream import search_poller

pytestmark = pytest.mark.parametrize("table", ["moto"], indirect=True)

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


# --- uploads that succeed ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_upload_each_format(api: Api, firm: TestFirm, fmt: str) -> None:
    content_type, ext = FORMATS[fmt]
    account = new_account(api, f"Photo {fmt}")
    assert account["photo_url"] is None
    data = image(fmt, (40, 30))

    r = put_photo(api, account["id"], data, content_type)

    assert r.status == 200, r.body
    out = r.body
    assert out["id"] == account["id"] and out["name"] == account["name"]  # the Info tab
    assert {"contacts", "related_accounts", "quickbooks", "credit_balance"} <= set(out)
    assert out["version"] == account["version"] + 1
    assert r.etag == f'"{out["version"]}"'
    key = key_of(out["photo_url"])
    assert re.fullmatch(key_pattern(firm, account["id"], ext), key), key
    assert objects() == {key: (data, content_type)}
    # the Info tab read afterwards points at the same object
    again = info(api, account["id"])
    assert key_of(again.body["photo_url"]) == key
    assert again.etag == r.etag


def test_presigned_url_serves_the_bytes(api: Api) -> None:
    account = new_account(api, "Served")
    data = image("JPEG", (16, 16))
    url = uploaded(api, account["id"], data, "image/jpeg")["photo_url"]

    got = requests.get(url, timeout=10)  # moto answers S3 URLs inside mock_aws

    assert got.status_code == 200
    assert got.content == data
    assert got.headers["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("fmt", "sent_as"),
    [
        ("PNG", "image/jpeg"),
        ("PNG", "application/octet-stream"),
        ("JPEG", "image/png"),
        ("WEBP", "image/jpeg"),
        ("JPEG", "application/octet-stream"),
    ],
)
def test_the_content_decides_not_the_header(api: Api, firm: TestFirm, fmt: str, sent_as: str) -> None:
    content_type, ext = FORMATS[fmt]
    account = new_account(api, "Mislabelled")
    data = image(fmt)

    key = key_of(uploaded(api, account["id"], data, sent_as)["photo_url"])

    assert re.fullmatch(key_pattern(firm, account["id"], ext), key), key
    assert objects() == {key: (data, content_type)}


def test_replacing_deletes_the_old_object(api: Api, firm: TestFirm) -> None:
    account = new_account(api, "Replaced")
    first, second = image("PNG"), image("JPEG")
    old = key_of(uploaded(api, account["id"], first)["photo_url"])

    out = uploaded(api, account["id"], second, "image/jpeg")

    new = key_of(out["photo_url"])
    assert new != old
    assert re.fullmatch(key_pattern(firm, account["id"], "jpg"), new), new
    assert objects() == {new: (second, "image/jpeg")}
    assert out["version"] == account["version"] + 2


def test_the_same_bytes_again_get_a_new_key(api: Api) -> None:
    account = new_account(api, "Again")
    data = image("PNG")
    old = key_of(uploaded(api, account["id"], data)["photo_url"])

    new = key_of(uploaded(api, account["id"], data)["photo_url"])

    assert new != old  # a new URL, so no cache serves the old one
    assert objects() == {new: (data, "image/png")}


def test_photos_of_two_accounts_are_kept_apart(api: Api) -> None:
    one, two = new_account(api, "One"), new_account(api, "Two")
    a, b = image("PNG"), image("WEBP")
    key_a = key_of(uploaded(api, one["id"], a)["photo_url"])
    key_b = key_of(uploaded(api, two["id"], b, "image/webp")["photo_url"])

    assert api.delete(f"/accounts/{one['id']}/photo").status == 204

    assert objects() == {key_b: (b, "image/webp")}
    assert key_a not in objects()
    assert key_of(info(api, two["id"]).body["photo_url"]) == key_b


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("exactly 2 MB", padded_png(MB2)),
        ("8000 px wide", image("PNG", (8000, 1))),
        ("8000 px high", image("JPEG", (1, 8000))),
        ("1 x 1", image("WEBP", (1, 1))),
        ("palette PNG", image("PNG", (20, 20), mode="P")),
        ("greyscale JPEG", image("JPEG", (20, 20), mode="L")),
    ],
)
def test_uploads_at_the_limits_are_accepted(api: Api, label: str, data: bytes) -> None:
    account = new_account(api, "Limits")

    r = put_photo(api, account["id"], data, "application/octet-stream")

    assert r.status == 200, (label, r.body)
    assert [body for body, _ in objects().values()] == [data]


# --- DELETE ----------------------------------------------------------------------------------


def test_delete_removes_the_photo_and_the_object(api: Api) -> None:
    account = new_account(api, "Deleted")
    version = uploaded(api, account["id"], image("PNG"))["version"]

    r = api.delete(f"/accounts/{account['id']}/photo")

    assert r.status == 204 and r.body is None
    after = info(api, account["id"])
    assert after.body["photo_url"] is None
    assert after.body["version"] == version + 1
    assert objects() == {}


def test_delete_without_a_photo_writes_nothing(api: Api, table: Table) -> None:
    account = new_account(api, "Bare")
    before = snapshot(table)

    assert api.delete(f"/accounts/{account['id']}/photo").status == 204

    assert snapshot(table) == before
    assert info(api, account["id"]).body["photo_url"] is None


def test_upload_after_delete(api: Api) -> None:
    account = new_account(api, "Back")
    uploaded(api, account["id"], image("PNG"))
    assert api.delete(f"/accounts/{account['id']}/photo").status == 204
    data = image("WEBP")

    key = key_of(uploaded(api, account["id"], data, "image/webp")["photo_url"])

    assert objects() == {key: (data, "image/webp")}


# --- bad uploads: 400, nothing written ----------------------------------------------------------


def _text() -> bytes:
    return b"These are my notes, not a picture.\n" * 20


def _truncated(fmt: str) -> bytes:
    data = image(fmt, (64, 64), noise=True)
    return data[: len(data) // 2]


BAD_UPLOADS: list[tuple[str, str, Any]] = [
    ("text sent as PNG", "image/png", _text),
    ("text sent as JPEG", "image/jpeg", _text),
    ("SVG", "image/png", lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
    ("HTML", "application/octet-stream", lambda: b"<html><script>alert(1)</script></html>"),
    ("empty body", "image/png", lambda: b""),
    ("PNG signature only", "image/png", lambda: b"\x89PNG\r\n\x1a\n"),
    ("truncated PNG", "image/png", lambda: _truncated("PNG")),
    ("truncated JPEG", "image/jpeg", lambda: _truncated("JPEG")),
    ("truncated WebP", "image/webp", lambda: _truncated("WEBP")),
    ("JPEG without its end", "image/jpeg", lambda: image("JPEG", (64, 64), noise=True)[:-20]),
    ("2 MB + 1 byte", "image/png", lambda: padded_png(MB2 + 1)),
    ("3 MB of noise", "image/png", lambda: image("PNG", (1000, 1000), noise=True)),
    ("GIF", "image/png", lambda: image("GIF")),
    ("GIF as octet-stream", "application/octet-stream", lambda: image("GIF")),
    ("BMP", "image/jpeg", lambda: image("BMP")),
    ("TIFF", "image/webp", lambda: image("TIFF")),
    ("8001 px wide", "image/png", lambda: image("PNG", (8001, 1))),
    ("8001 px high", "image/jpeg", lambda: image("JPEG", (1, 8001))),
    ("49 Mpx in 7000 x 7000", "image/png", lambda: forged_png(7000, 7000)),
    ("bomb 100000 x 100000", "image/png", lambda: forged_png(100_000, 100_000)),
]


@pytest.mark.parametrize(("label", "content_type", "make"), BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS])
def test_bad_upload_is_400_and_writes_nothing(api: Api, table: Table, label: str, content_type: str, make: Any) -> None:
    account = new_account(api, "Strict")
    data: bytes = make()
    before = snapshot(table)

    body = refused(table, put_photo(api, account["id"], data, content_type), 400, before, {})

    assert body["errors"][0]["loc"] == ["body"], body
    if "px" in label:
        assert "pixels" in body["detail"], body
    if "MB" in label:
        assert len(data) > photos.MAX_BYTES and "2 MB" in body["detail"], body


def test_bad_upload_keeps_the_current_photo(api: Api, table: Table) -> None:
    account = new_account(api, "Keeps")
    data = image("PNG")
    key = key_of(uploaded(api, account["id"], data)["photo_url"])
    before, stored = snapshot(table), objects()

    for bad in (_text(), _truncated("JPEG"), image("GIF"), padded_png(MB2 + 1)):
        refused(table, put_photo(api, account["id"], bad), 400, before, stored)

    assert key_of(info(api, account["id"]).body["photo_url"]) == key
    assert stored == {key: (data, "image/png")}


# --- who, which account, which version ------------------------------------------------------------


def test_without_manage_right_is_403(api: Api, firm: TestFirm, table: Table) -> None:
    _, token = firm.add_member("employee", view_all=True)
    teammate_id, teammate_token = firm.add_member("employee")
    account = new_account(api, "Guarded", team_member_ids=[teammate_id])
    uploaded(api, account["id"], image("PNG"))
    before, stored = snapshot(table), objects()

    for who in (token, teammate_token):
        caller = api.as_(who)
        assert caller.get(f"/accounts/{account['id']}").status == 200  # may open it
        refused(table, put_photo(caller, account["id"], image("JPEG"), "image/jpeg"), 403, before, stored)
        refused(table, caller.delete(f"/accounts/{account['id']}/photo"), 403, before, stored)
        refused(table, put_photo(caller, account["id"], _text()), 403, before, stored)  # rights before content


def test_manage_right_or_admin_may_change_it(api: Api, firm: TestFirm) -> None:
    manager_id, manager_token = firm.add_member("employee", manage=True)
    _, admin_token = firm.add_member("admin")
    account = new_account(api, "Managed", team_member_ids=[manager_id])

    for who in (manager_token, admin_token):
        caller = api.as_(who)
        data = image("PNG", (12, 12))
        key = key_of(uploaded(caller, account["id"], data)["photo_url"])
        assert objects() == {key: (data, "image/png")}
        assert caller.delete(f"/accounts/{account['id']}/photo").status == 204
        assert objects() == {}


def test_invisible_or_unknown_account_is_404(api: Api, firm: TestFirm, table: Table) -> None:
    _, outsider_token = firm.add_member("employee", manage=True)  # manage right, but not on the team
    account = new_account(api, "Hidden")
    other_firm = make_firm(table, "Other & Co")
    before = snapshot(table)
    outsider, foreigner = api.as_(outsider_token), api.as_(other_firm.owner_token)

    for caller, account_id in (
        (outsider, account["id"]),
        (foreigner, account["id"]),
        (api, "01ARZ3NDEKTSV4RRFFQ69G5FAV"),
    ):
        refused(table, put_photo(caller, account_id, image("PNG")), 404, before, {})
        refused(table, caller.delete(f"/accounts/{account_id}/photo"), 404, before, {})


def test_archived_account_is_409(api: Api, table: Table) -> None:
    account = new_account(api, "Archived")
    uploaded(api, account["id"], image("PNG"))
    assert api.delete(f"/accounts/{account['id']}").status == 204
    before, stored = snapshot(table), objects()

    refused(table, put_photo(api, account["id"], image("JPEG"), "image/jpeg"), 409, before, stored)
    refused(table, api.delete(f"/accounts/{account['id']}/photo"), 409, before, stored)

    # the archived account's Info tab still shows its photo; restored, it can change again
    assert key_of(info(api, account["id"]).body["photo_url"]) in stored
    assert api.post(f"/accounts/{account['id']}/restore").status in (200, 204)
    assert api.delete(f"/accounts/{account['id']}/photo").status == 204
    assert objects() == {}


def test_if_match(api: Api, table: Table) -> None:
    account = new_account(api, "Versioned")
    stale = f'"{account["version"]}"'
    current = uploaded(api, account["id"], image("PNG"))
    before, stored = snapshot(table), objects()

    stale_put = put_photo(api, account["id"], image("JPEG"), "image/jpeg", **{"If-Match": stale})
    refused(table, stale_put, 412, before, stored)
    refused(table, api.delete(f"/accounts/{account['id']}/photo", headers={"If-Match": stale}), 412, before, stored)

    fresh = f'"{current["version"]}"'
    replaced = put_photo(api, account["id"], image("WEBP"), "image/webp", **{"If-Match": fresh})
    assert replaced.status == 200, replaced.body
    r = api.delete(f"/accounts/{account['id']}/photo", headers={"If-Match": replaced.etag or ""})
    assert r.status == 204, r.body
    assert objects() == {}


def test_stale_if_match_on_delete_without_photo_is_412(api: Api, table: Table) -> None:
    account = new_account(api, "No photo")
    assert api.patch(f"/accounts/{account['id']}", {"name": "No photo yet"}).status == 200
    before = snapshot(table)

    stale = api.delete(f"/accounts/{account['id']}/photo", headers={"If-Match": f'"{account["version"]}"'})
    refused(table, stale, 412, before, {})


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "image/gif", "image/svg+xml", "image/jpg"])
def test_other_content_types_are_415(api: Api, table: Table, content_type: str) -> None:
    account = new_account(api, "Typed")
    before = snapshot(table)

    r = put_photo(api, account["id"], image("PNG"), content_type)

    assert r.status == 415, r.body
    assert snapshot(table) == before
    assert objects() == {}


def test_415_is_problem_json(api: Api) -> None:
    account = new_account(api, "Typed")

    assert_problem(put_photo(api, account["id"], image("PNG"), "text/plain"), 415)


def test_without_a_token_is_401(api: Api, table: Table) -> None:
    account = new_account(api, "Anonymous")
    before = snapshot(table)

    r = put_photo(api.as_(None), account["id"], image("PNG"))

    assert r.status == 401
    assert snapshot(table) == before and objects() == {}
    assert api.as_(None).delete(f"/accounts/{account['id']}/photo").status == 401


# --- failures around the write ------------------------------------------------------------------


def test_a_concurrent_edit_leaves_no_object(
    api: Api, firm: TestFirm, table: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another request changes the account between the read and the write of
    an upload pinned by If-Match: 412, and the object already stored is
    deleted again. (Without If-Match the upload reads again and lands.)"""
    account = new_account(api, "Raced")
    key = keys.account(firm.firm_id, account["id"])
    # At the S3 boundary: right after the object is stored, another request edits the account.
    events = PhotoStore.from_settings().client.meta.events

    def put_then_edit(**_: Any) -> None:
        events.unregister("after-call.s3.PutObject", put_then_edit)
        assert len(objects()) == 1
        table.client.update_item(
            TableName=table.name,
            Key={"PK": {"S": key.pk}, "SK": {"S": key.sk}},
            UpdateExpression="SET #v = #v + :one",
            ExpressionAttributeNames={"#v": "version"},
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    events.register("after-call.s3.PutObject", put_then_edit)
    try:
        pinned = {"If-Match": f'"{account["version"]}"'}
        assert_problem(put_photo(api, account["id"], image("PNG"), **pinned), 412)
    finally:
        events.unregister("after-call.s3.PutObject", put_then_edit)

    assert objects() == {}
    after = info(api, account["id"])
    assert after.body["photo_url"] is None and after.body["version"] == account["version"] + 1


def test_failing_to_delete_the_old_object_still_answers_200(
    api: Api, monkeypatch: pytest.MonkeyPatch, app_logs: pytest.LogCaptureFixture
) -> None:
    account = new_account(api, "Orphan")
    old = key_of(uploaded(api, account["id"], image("PNG"))["photo_url"])

    events = PhotoStore.from_settings().client.meta.events

    def broken(**_: Any) -> None:  # S3 refusing deletes, at the client's boundary
        raise RuntimeError("S3 is down")

    events.register("before-call.s3.DeleteObject", broken)
    try:
        data = image("JPEG")
        new = key_of(uploaded(api, account["id"], data, "image/jpeg")["photo_url"])
    finally:
        events.unregister("before-call.s3.DeleteObject", broken)

    assert set(objects()) == {old, new}  # the old one is only orphaned
    assert key_of(info(api, account["id"]).body["photo_url"]) == new
    assert any("orphaned" in r.getMessage() for r in app_logs.records)


# --- photo_url wherever the account appears ------------------------------------------------------------


def _keys_of(items: list[dict[str, Any]], account_id: str, id_field: str = "id") -> list[str | None]:
    urls = [i["photo_url"] for i in items if i[id_field] == account_id]
    assert len(urls) == 1, items
    return [key_of(u) if u else None for u in urls]


def _everywhere(api: Api, teammate: Api, account: dict[str, Any], sibling_id: str, tag_id: str) -> list[str | None]:
    """The photo's key (or None) as every place that shows the account gives it."""
    account_id, contact_id = account["id"], account["contacts"][0]["id"]
    found: list[str | None] = []
    for caller in (api, teammate):
        r = caller.get("/accounts?limit=100")
        assert r.status == 200, r.body
        found += _keys_of(r.body["items"], account_id)
        r = caller.get(f"/contacts/{contact_id}/accounts")
        assert r.status == 200, r.body
        found += _keys_of(r.body["items"], account_id)
        r = caller.get(f"/accounts/{account_id}/overview")
        assert r.status == 200, r.body
        assert r.body["account"]["id"] == account_id
        found += [key_of(r.body["account"]["photo_url"]) if r.body["account"]["photo_url"] else None]
        r = caller.get("/search?q=zanzibar")
        assert r.status == 200, r.body
        found += _keys_of(r.body["items"], account_id, "account_id")
    r = api.get(f"/accounts?tag={tag_id}")  # a tag's list: the account's list entries
    assert r.status == 200, r.body
    found += _keys_of(r.body["items"], account_id)
    r = api.get(f"/accounts/{sibling_id}")
    assert r.status == 200, r.body
    found += _keys_of(r.body["related_accounts"], account_id)
    return found


def test_photo_url_everywhere(api: Api, firm: TestFirm, table: Table) -> None:
    teammate_id, teammate_token = firm.add_member("employee")  # sees the account through its team list
    teammate = api.as_(teammate_token)
    tag_id = new_tag(api, "Pictured")
    stream = search_poller(table)
    account = new_account(
        api,
        "Zanzibar Traders",
        tags=[tag_id],
        team_member_ids=[teammate_id],
        contacts=[contact_spec("Pia", "Picture")],
    )
    contact_id = account["contacts"][0]["id"]
    sibling = new_account(api, "Sibling", team_member_ids=[teammate_id], contacts=[{"contact_id": contact_id}])
    stream.drain()
    assert set(_everywhere(api, teammate, account, sibling["id"], tag_id)) == {None}

    key = key_of(uploaded(api, account["id"], image("PNG"))["photo_url"])
    stream.drain()
    assert set(_everywhere(api, teammate, account, sibling["id"], tag_id)) == {key}

    new = key_of(uploaded(api, account["id"], image("WEBP"), "image/webp")["photo_url"])
    stream.drain()
    assert new != key
    assert set(_everywhere(api, teammate, account, sibling["id"], tag_id)) == {new}

    assert api.delete(f"/accounts/{account['id']}/photo").status == 204
    stream.drain()
    assert set(_everywhere(api, teammate, account, sibling["id"], tag_id)) == {None}
