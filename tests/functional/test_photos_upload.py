"""Account photos (issue 6, part 2): PUT/DELETE /accounts/{id}/photo that succeed, and the
S3 objects they leave, also when a write around them fails.

moto only: the conftest creates the photo bucket in moto's S3; DynamoDB Local runs have no S3
(tests/integration/test_photos_s3rver.py uses s3rver).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from chalicelib.adapters.photo_store import PhotoStore
from chalicelib.repo import keys
from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, snapshot
from tests.support.factories import new_account
from tests.support.photos import (
    FORMATS,
    MB2,
    image,
    info,
    key_of,
    key_pattern,
    objects,
    padded_png,
    put_photo,
    uploaded,
)
from tests.support.problems import assert_problem

pytestmark = pytest.mark.parametrize("table", ["moto"], indirect=True)


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
