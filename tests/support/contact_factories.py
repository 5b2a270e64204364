"""Small builders for contacts and accounts, through the HTTP API."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api


def create_contact(
    api: Api, first_name: str = "Anna", last_name: str = "Smith", emails: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    """POST /contacts and return the created contact (asserting 201)."""
    body: dict[str, Any] = {"first_name": first_name, "last_name": last_name, **extra}
    if emails is not None:
        body["emails"] = emails
    r = api.post("/contacts", body)
    assert r.status == 201, r.body
    created: dict[str, Any] = r.body
    return created


def create_account(
    api: Api,
    name: str,
    *,
    contact_ids: list[str] | None = None,
    team: list[str] | None = None,
    tags: list[str] | None = None,
    new_contact: dict[str, Any] | None = None,
    description: str = "",
) -> dict[str, Any]:
    """POST /accounts linking existing contacts (or one new inline contact)."""
    links: list[dict[str, Any]] = [{"contact_id": c, "description": description} for c in contact_ids or []]
    if new_contact is not None or not links:
        links.append(new_contact or {"first_name": "Filler", "last_name": name})
    body: dict[str, Any] = {
        "name": name,
        "type": "company",
        "contacts": links,
        "team_member_ids": team or [],
        "tags": tags or [],
    }
    r = api.post("/accounts", body)
    assert r.status == 201, r.body
    created: dict[str, Any] = r.body
    return created


def linked_contact(account: dict[str, Any], contact_id: str) -> dict[str, Any]:
    """The contact ``contact_id`` as shown on an account's Info tab."""
    found: list[dict[str, Any]] = [c for c in account["contacts"] if c["id"] == contact_id]
    assert len(found) == 1, account["contacts"]
    return found[0]
