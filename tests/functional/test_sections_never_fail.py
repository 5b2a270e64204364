"""No input to the activity routes may produce a 5xx: odd bodies, odd
values in every field, odd query parameters and path segments (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.domain.sections import SECTIONS
from chalicelib.repo.table import Table
from tests.support.api import Api, make_firm
from tests.support.factories import created, new_account
from tests.support.portal import activate

ODD_VALUES: list[Any] = [
    None, True, 0, -1, 10**20, 1.5, "", " ", "x" * 20_000, "²", "١٢٠", "0.001", "-5", "2026-02-30",
    "2026-11-26T25:00:00Z", "9999-12-31T23:59:59+14:00", "\u0000", "<script>", [], [1, "a"], {}, {"$ne": 1},
]  # fmt: skip
ODD_BODIES = ["", "null", "[]", '"text"', "{", '{"a":', "1e999", "{}", json.dumps({"body": {"nested": [1] * 1000}})]
ODD_QUERIES = ["limit=0", "limit=abc", "limit=²", "cursor=abc", "cursor=" + "A" * 500, "status=%00", "status=", "x=1"]


@pytest.fixture
def owner(moto_table: Table) -> Iterator[Api]:
    from app import app

    firm = make_firm(moto_table)
    with Client(app) as client:
        yield Api(client, firm.owner_token)


def _fields(section: str) -> list[str]:
    definition = SECTIONS[section]
    return sorted(set(definition.create.model_fields) | set(definition.patch.model_fields))


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_no_input_gives_a_server_error(owner: Api, section: str) -> None:
    account_body = new_account(owner, "Fuzz Ltd")
    account = account_body["id"]
    person = account_body["contacts"][0]
    activate(owner, person["id"], person["emails"][0]["address"])
    base = f"/accounts/{account}/{section}"
    pipeline = created(owner, "/pipelines", {"name": "P", "stages": [{"name": "S"}]})
    valid: dict[str, Any] = {
        "documents": {"name": "d", "uploaded_by": "client"},
        "tasks": {"title": "t"},
        "emails": {"subject": "s", "direction": "inbound"},
        "jobs": {"name": "j", "pipeline_id": pipeline["id"], "stage_id": pipeline["stages"][0]["id"]},
        "chats": {"subject": "c"},
        "invoices": {"number": "1", "amount": "5"},
        "approvals": {"document_name": "a"},
        "signatures": {"document_name": "s"},
        "organizers": {"name": "o"},
        "logins": {"email": person["emails"][0]["address"]},
        "notes": {"title": "n"},
        "time_entries": {"minutes": 5},
        "proposals": {"name": "p", "kind": "proposal"},
    }
    item = created(owner, base, valid[section])["id"]
    statuses: list[tuple[str, str, int]] = []

    def call(method: str, path: str, **kw: Any) -> None:
        statuses.append((method, path, owner.call(method, path, **kw).status))

    for raw in ODD_BODIES:
        call("POST", base, raw=raw)
        call("PATCH", f"{base}/{item}", raw=raw)
    for name in _fields(section):
        for value in ODD_VALUES:
            call("POST", base, body={**valid[section], name: value})
            call("PATCH", f"{base}/{item}", body={name: value})
    for query in ODD_QUERIES:
        call("GET", f"{base}?{query}")
    for segment in ("%00", "..", "a" * 100, "ITEM%23x", "%F0%9F%98%80"):
        for method in ("GET", "PATCH", "DELETE"):
            call(method, f"{base}/{segment}", body={})
    for header in ('"x"', "W/", '"99999999999999999999"', "*"):
        call("PATCH", f"{base}/{item}", body={}, headers={"If-Match": header})

    failures = [s for s in statuses if s[2] >= 500]
    assert failures == [], failures[:10]
    assert len(statuses) > 100


def test_no_input_to_the_other_activity_routes_gives_a_server_error(owner: Api) -> None:
    account = new_account(owner, "Fuzz Extras Ltd")["id"]
    chat = created(owner, f"/accounts/{account}/chats", {"subject": "c"})["id"]
    invoice = created(owner, f"/accounts/{account}/invoices", {"number": "1", "amount": "5"})["id"]
    document = created(owner, f"/accounts/{account}/documents", {"name": "d", "uploaded_by": "client"})["id"]
    pipeline = created(owner, "/pipelines", {"name": "P", "stages": [{"name": "S"}]})["id"]
    targets = {
        f"/accounts/{account}/chats/{chat}/messages": ("body", "author"),
        f"/accounts/{account}/credits": ("amount", "note"),
        "/pipelines": ("name", "stages"),
        f"/pipelines/{pipeline}": ("name", "stages"),
    }
    statuses: list[tuple[str, str, int]] = []
    for path, fields in targets.items():
        method = "PATCH" if path.startswith("/pipelines/") else "POST"
        for raw in ODD_BODIES:
            statuses.append((method, path, owner.call(method, path, raw=raw).status))
        for name in fields:
            for value in [*ODD_VALUES, [{"id": "x"}], [{"name": value} for value in ODD_VALUES[:5]]]:
                statuses.append((method, path, owner.call(method, path, body={name: value}).status))
        for query in ODD_QUERIES:
            statuses.append(("GET", path, owner.get(f"{path}?{query}").status))
    for path in (
        f"/accounts/{account}/invoices/{invoice}/apply-credit",
        f"/accounts/{account}/documents/{document}/view",
        f"/accounts/{account}/invoices/%00/apply-credit",
        f"/accounts/{account}/documents/{invoice}/view",
    ):
        for raw in ODD_BODIES:
            statuses.append(("POST", path, owner.call("POST", path, raw=raw).status))
    for query in ODD_QUERIES:
        statuses.append(("GET", "overview", owner.get(f"/accounts/{account}/overview?{query}").status))

    failures = [s for s in statuses if s[2] >= 500]
    assert failures == [], failures[:10]
    assert len(statuses) > 100
