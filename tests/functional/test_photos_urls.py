"""Account photos (issue 6, part 2): photo_url wherever an account is shown (Info tab,
clients list, a contact's accounts, related accounts, the overview header, search hits).

moto only: the conftest creates the photo bucket in moto's S3; DynamoDB Local runs have no S3
(tests/integration/test_photos_s3rver.py uses s3rver).
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm
from tests.support.factories import contact_spec, new_account, new_tag
from tests.support.photos import image, key_of, uploaded
from tests.support.stream import search_poller

pytestmark = pytest.mark.parametrize("table", ["moto"], indirect=True)


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
