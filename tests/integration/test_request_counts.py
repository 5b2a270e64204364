"""How many DynamoDB requests the Info tab and account creation make,
counted with botocore's event hooks on the real client (DynamoDB Local)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.repo.table import Table
from tests.support.api import Api, make_firm

pytestmark = pytest.mark.integration


@contextmanager
def counting(table: Table) -> Iterator[list[str]]:
    calls: list[str] = []

    def record(event_name: str, **_: Any) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    table.client.meta.events.register("before-call.dynamodb", record)
    try:
        yield calls
    finally:
        table.client.meta.events.unregister("before-call.dynamodb", record)


def _contacts(n: int, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "first_name": f"P{i:02d}",
            "last_name": tag,
            "emails": [f"p{i}.{tag}@a.example", f"p{i}.{tag}@b.example"],
            "description": "member",
        }
        for i in range(n)
    ]


def test_info_tab_reads_with_at_most_three_requests(local_table: Table) -> None:
    firm = make_firm(local_table)
    from app import app

    with Client(app) as client:
        api = Api(client, firm.owner_token)
        team = [firm.add_member("employee")[0] for _ in range(3)]
        tags = [api.post("/tags", {"name": f"T{i}"}).body["id"] for i in range(3)]
        main = api.post(
            "/accounts",
            {
                "name": "Big Family",
                "type": "other",
                "tags": tags,
                "team_member_ids": team,
                "contacts": _contacts(10, "x"),
            },
        )
        assert main.status == 201, main.body
        # One create is one transaction (at most 100 items): link the other 15 one by one.
        for person in _contacts(25, "x")[10:]:
            r = api.post(f"/accounts/{main.body['id']}/contacts", person)
            assert r.status == 201, r.body
        main = api.get(f"/accounts/{main.body['id']}")
        # Every contact is also linked to another account: 25 related accounts.
        for i, contact in enumerate(main.body["contacts"]):
            r = api.post(
                "/accounts",
                {"name": f"Side {i}", "type": "company", "contacts": [{"contact_id": contact["id"]}]},
            )
            assert r.status == 201, r.body

        with counting(local_table) as calls:
            got = api.get(f"/accounts/{main.body['id']}")

    assert got.status == 200
    assert len(got.body["contacts"]) == 25
    assert all(len(c["emails"]) == 2 for c in got.body["contacts"])
    assert len(got.body["related_accounts"]) == 25
    assert [t["name"] for t in got.body["tags"]] == ["T0", "T1", "T2"]
    assert len(got.body["team_members"]) == 3
    assert len(calls) <= 3, calls


def test_account_create_with_new_contacts_is_one_transaction(local_table: Table) -> None:
    firm = make_firm(local_table)
    from app import app

    with Client(app) as client:
        api = Api(client, firm.owner_token)
        with counting(local_table) as calls:
            r = api.post("/accounts", {"name": "One Shot", "type": "company", "contacts": _contacts(5, "y")})
    assert r.status == 201, r.body
    writes = [c for c in calls if c in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")]
    assert writes == ["TransactWriteItems"], calls
