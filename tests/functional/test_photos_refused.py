"""Account photos (issue 6, part 2): refused uploads (the content checks of
chalicelib/domain/photos.py: 400, nothing written), and who may change which account's photo, at
which version (403, 404, 409, 412, 415, 401).

moto only: the conftest creates the photo bucket in moto's S3; DynamoDB Local runs have no S3
(tests/integration/test_photos_s3rver.py uses s3rver).
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain import photos
from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, make_firm, snapshot
from tests.support.factories import new_account
from tests.support.photos import MB2, forged_png, image, info, key_of, objects, padded_png, put_photo, refused, uploaded
from tests.support.problems import assert_problem

pytestmark = pytest.mark.parametrize("table", ["moto"], indirect=True)


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
