"""Builders for request bodies and resources.

Everything goes through the HTTP API (no direct table writes), so a factory
exercises the same code a client would.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.ids import new_id
from tests.support.api import Api


def created(api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` to ``path``, assert 201 and return the created resource."""
    r = api.post(path, body)
    assert r.status == 201, r.body
    resource: dict[str, Any] = r.body
    return resource


def unique_email(local: str = "person") -> str:
    """An address no other contact of the firm has (addresses are unique per firm)."""
    return f"{local}.{new_id().lower()}@client.example"


def contact_spec(
    first_name: str = "Anna",
    last_name: str = "Example",
    *,
    emails: list[str] | None = None,
    description: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """An inline new contact for POST /accounts or POST /accounts/{id}/contacts."""
    return {
        "first_name": first_name,
        "last_name": last_name,
        "emails": emails if emails is not None else [unique_email(first_name.lower() or "person")],
        "description": description,
        **extra,
    }


def account_body(name: str = "Acme Ltd", *, type_: str = "company", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "type": type_, **fields}
    body.setdefault("contacts", [contact_spec()])
    return body


def new_account(api: Api, name: str = "Acme Ltd", *, type_: str = "company", **fields: Any) -> dict[str, Any]:
    """Create an account (201 expected) and return its Info-tab body."""
    return created(api, "/accounts", account_body(name, type_=type_, **fields))


def new_tag(api: Api, name: str, color: str | None = None) -> str:
    payload: dict[str, Any] = {"name": name}
    if color is not None:
        payload["color"] = color
    tag_id: str = created(api, "/tags", payload)["id"]
    return tag_id


def new_contact(api: Api, first_name: str = "Carl", last_name: str = "Contact", **fields: Any) -> dict[str, Any]:
    """A stand-alone contact (POST /contacts), not yet linked to an account."""
    payload: dict[str, Any] = {"first_name": first_name, "last_name": last_name, **fields}
    payload.setdefault("emails", [unique_email(first_name.lower() or "person")])
    return created(api, "/contacts", payload)


def list_all(api: Api, path: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """Every item of a paged list, following next_cursor."""
    sep = "&" if "?" in path else "?"
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):
        url = f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        r = api.get(url)
        assert r.status == 200, r.body
        items.extend(r.body["items"])
        cursor = r.body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError(f"{path} did not finish paging")


def create_contact(
    api: Api, first_name: str = "Anna", last_name: str = "Smith", emails: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    """POST /contacts and return the created contact (asserting 201)."""
    body: dict[str, Any] = {"first_name": first_name, "last_name": last_name, **extra}
    if emails is not None:
        body["emails"] = emails
    return created(api, "/contacts", body)


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
    return created(api, "/accounts", body)


def linked_contact(account: dict[str, Any], contact_id: str) -> dict[str, Any]:
    """The contact ``contact_id`` as shown on an account's Info tab."""
    found: list[dict[str, Any]] = [c for c in account["contacts"] if c["id"] == contact_id]
    assert len(found) == 1, account["contacts"]
    return found[0]
