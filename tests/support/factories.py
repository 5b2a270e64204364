"""Builders for request bodies and resources, and the problem+json assertion.

Everything goes through the HTTP API (no direct table writes), so a factory
exercises the same code a client would.
"""

from __future__ import annotations

from typing import Any

from chalicelib.ids import new_id
from tests.support.api import Api, Reply


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
    r = api.post("/accounts", account_body(name, type_=type_, **fields))
    assert r.status == 201, r.body
    body: dict[str, Any] = r.body
    return body


def new_tag(api: Api, name: str, color: str | None = None) -> str:
    payload: dict[str, Any] = {"name": name}
    if color is not None:
        payload["color"] = color
    r = api.post("/tags", payload)
    assert r.status == 201, r.body
    tag_id: str = r.body["id"]
    return tag_id


def new_contact(api: Api, first_name: str = "Carl", last_name: str = "Contact", **fields: Any) -> dict[str, Any]:
    """A stand-alone contact (POST /contacts), not yet linked to an account."""
    payload: dict[str, Any] = {"first_name": first_name, "last_name": last_name, **fields}
    payload.setdefault("emails", [unique_email(first_name.lower() or "person")])
    r = api.post("/contacts", payload)
    assert r.status == 201, r.body
    body: dict[str, Any] = r.body
    return body


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


def assert_problem(reply: Reply, status: int, *, loc: tuple[str | int, ...] | None = None) -> dict[str, Any]:
    """The reply is an application/problem+json error with the given status.

    With ``loc``, at least one entry of ``errors`` has a ``loc`` that starts
    with it (so a test pins which input was refused).
    """
    assert reply.status == status, (reply.status, reply.body)
    assert reply.headers.get("content-type", "").startswith("application/problem+json"), reply.headers
    body = reply.body
    assert isinstance(body, dict), body
    assert {"type", "title", "status", "detail", "errors"} <= set(body), body
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], list)
    for entry in body["errors"]:
        assert isinstance(entry["loc"], list), entry
        assert isinstance(entry["msg"], str), entry
    if loc is not None:
        prefixes = [tuple(e["loc"][: len(loc)]) for e in body["errors"]]
        assert loc in prefixes, (loc, body["errors"])
    return body
