"""Helpers of the ``GET /search`` tests: a search and its hits, what matched, and accounts whose
one contact holds exactly the given addresses.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.support.api import Api, Reply
from tests.support.factories import contact_spec, new_account

HIT_FIELDS = {"account_id", "name", "type", "photo_url", "matched"}


def search(api: Api, q: str) -> Reply:
    return api.get(f"/search?q={quote(q, safe='')}")


def hits(api: Api, q: str) -> list[dict[str, Any]]:
    r = search(api, q)
    assert r.status == 200, (q, r.body)
    assert set(r.body) == {"items"}, r.body
    items: list[dict[str, Any]] = r.body["items"]
    for hit in items:
        assert set(hit) == HIT_FIELDS, hit
    return items


def found(api: Api, q: str) -> list[str]:
    """Ids of the hits for ``q``, in the order answered."""
    return [h["account_id"] for h in hits(api, q)]


def matched(api: Api, q: str) -> dict[str, list[dict[str, str]]]:
    """What matched, by account id."""
    return {h["account_id"]: h["matched"] for h in hits(api, q)}


def name(value: str) -> dict[str, Any]:
    return {"field": "name", "value": value, "contact": None}


def email(value: str) -> dict[str, Any]:
    return {"field": "email", "value": value, "contact": None}


def account(api: Api, account_name: str, *emails: str, type_: str = "company", team: list[str] | None = None) -> str:
    """An account with one new contact holding exactly ``emails``; its id."""
    body = new_account(
        api,
        account_name,
        type_=type_,
        contacts=[contact_spec("", "Hollis", emails=list(emails))],
        team_member_ids=team or [],
    )
    account_id: str = body["id"]
    return account_id


def contact_of(api: Api, account_id: str) -> str:
    r = api.get(f"/accounts/{account_id}")
    assert r.status == 200, r.body
    contact_id: str = r.body["contacts"][0]["id"]
    return contact_id


def ok(r: Reply, status: int = 200) -> Reply:
    assert r.status == status, (r.status, r.body)
    return r
