"""Creating accounts through the HTTP API: POST /accounts, its refused requests, and the
Idempotency-Key.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.domain.ids import new_id
from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, ids, make_firm, names, snapshot
from tests.support.factories import account_body, contact_spec, new_account, new_contact, new_tag, unique_email
from tests.support.problems import Loc, assert_problem

# --- POST /accounts: success -------------------------------------------------------


def test_create_account_with_new_and_existing_contacts(api: Api, firm: TestFirm) -> None:
    vip = new_tag(api, "VIP", "#FF0000")
    tax = new_tag(api, "Tax")
    member_id, _ = firm.add_member(name="Erin Employee")
    existing = new_contact(api, "Bruno", "Bauer")
    anna_email = unique_email("anna")

    r = api.post(
        "/accounts",
        {
            "name": "  Müller GmbH ",
            "type": "company",
            "tags": [vip, tax],
            "team_member_ids": [member_id],
            "address": {"line1": "Hauptstraße 1", "city": "Berlin", "postal_code": "10115", "country": "DE"},
            "contacts": [
                {"first_name": "Anna", "last_name": "Müller", "emails": [anna_email], "description": "CEO"},
                {"contact_id": existing["id"], "description": "Accountant", "signer_priority": 2},
            ],
        },
    )

    assert r.status == 201, r.body
    account_id = r.body["id"]
    assert r.headers["location"] == f"/accounts/{account_id}"
    assert r.etag == '"1"'
    assert r.body["version"] == 1
    assert r.body["name"] == "Müller GmbH"
    assert r.body["type"] == "company"
    assert r.body["archived"] is False
    assert r.body["tags"] == [
        {"id": vip, "name": "VIP", "color": "#FF0000"},
        {"id": tax, "name": "Tax", "color": "#9E9E9E"},
    ]
    assert r.body["team_members"] == [{"id": member_id, "name": "Erin Employee"}]
    assert r.body["address"] == {
        "line1": "Hauptstraße 1",
        "line2": "",
        "city": "Berlin",
        "region": "",
        "postal_code": "10115",
        "country": "DE",
    }
    assert r.body["custom_fields"] == {}
    by_name = {c["display_name"]: c for c in r.body["contacts"]}
    assert set(by_name) == {"Anna Müller", "Bruno Bauer"}
    anna, bruno = by_name["Anna Müller"], by_name["Bruno Bauer"]
    assert (anna["description"], anna["signer_priority"]) == ("CEO", None)
    assert [e["address"] for e in anna["emails"]] == [anna_email]
    assert bruno["id"] == existing["id"]
    assert (bruno["description"], bruno["signer_priority"]) == ("Accountant", 2)
    assert r.body["related_accounts"] == []

    got = api.get(r.headers["location"])
    assert got.status == 200
    assert got.etag == '"1"'
    assert got.body == r.body
    linked = api.get(f"/contacts/{existing['id']}/accounts")
    assert ids(linked.body["items"]) == [account_id]


def test_created_account_is_listed(api: Api) -> None:
    account = new_account(api, "Solo Trader", type_="individual")
    listed = api.get("/accounts")
    assert listed.status == 200
    assert listed.body["items"] == [
        {
            "id": account["id"],
            "name": "Solo Trader",
            "type": "individual",
            "photo_url": None,
            "tags": [],
            "team_members": [],
            "archived": False,
        }
    ]
    assert listed.body["next_cursor"] is None


def test_employee_without_view_all_who_creates_an_account_joins_its_team(client: Client, firm: TestFirm) -> None:
    member_id, token = firm.add_member(manage=True, name="Mia Manager")
    mia = Api(client, token)

    created = new_account(mia, "Mia's Client")

    assert {"id": member_id, "name": "Mia Manager"} in created["team_members"]
    assert ids(mia.get("/accounts").body["items"]) == [created["id"]]
    assert mia.get(f"/accounts/{created['id']}").status == 200


def test_employee_without_manage_right_cannot_create(client: Client, firm: TestFirm, table: Table) -> None:
    _, token = firm.add_member(view_all=True)
    before = snapshot(table)

    r = Api(client, token).post("/accounts", account_body("Not Allowed"))

    assert_problem(r, 403)
    assert snapshot(table) == before


# --- POST /accounts: refused requests -----------------------------------------------

BAD_BODIES: dict[str, tuple[dict[str, Any], Loc]] = {
    "unknown field": (account_body(nickname="Acme"), ("body", "nickname")),
    "name is a number": ({**account_body(), "name": 123}, ("body", "name")),
    "name missing": ({"type": "company", "contacts": [contact_spec()]}, ("body", "name")),
    "name blank": (account_body("   "), ("body", "name")),
    "name too long": (account_body("x" * 201), ("body", "name")),
    "bad type": (account_body(type_="person"), ("body", "type")),
    "type missing": ({"name": "Acme", "contacts": [contact_spec()]}, ("body", "type")),
    "tags not a list": (account_body(tags="vip"), ("body", "tags")),
    "tag id is a number": (account_body(tags=[7]), ("body", "tags")),
    "no contacts": (account_body(contacts=[]), ("body", "contacts")),
    "contacts missing": ({"name": "Acme", "type": "company"}, ("body", "contacts")),
    "contact with unknown field": (
        account_body(contacts=[{"first_name": "Anna", "shoe_size": 42}]),
        ("body", "contacts", 0),
    ),
    "contact with bad email": (account_body(contacts=[contact_spec(emails=["not-an-email"])]), ("body", "contacts", 0)),
    "contact_id entry with unknown field": (
        account_body(contacts=[{"contact_id": "01ABC", "role": "CEO"}]),
        ("body", "contacts", 0),
    ),
    "signer_priority zero": (account_body(contacts=[contact_spec(signer_priority=0)]), ("body", "contacts", 0)),
    "address not an object": (account_body(address="Main St 1"), ("body", "address")),
    "address unknown field": (account_body(address={"street": "Main St 1"}), ("body", "address")),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_create_refuses_bad_input_with_400(api: Api, table: Table, case: str) -> None:
    body, loc = BAD_BODIES[case]
    before = snapshot(table)

    r = api.post("/accounts", body)

    assert_problem(r, 400, loc=loc)
    assert snapshot(table) == before


@pytest.mark.parametrize(
    "raw",
    ['{"name": "Acme", "type": ', "not json at all", "", "[]", '"Acme"', "null", b"\xff\xfe{}"],
    ids=["truncated", "text", "empty", "array", "string", "null", "not utf-8"],
)
def test_create_refuses_malformed_json_with_400(api: Api, table: Table, raw: str | bytes) -> None:
    before = snapshot(table)

    r = api.post("/accounts", raw=raw)

    assert_problem(r, 400, loc=("body",))
    assert snapshot(table) == before


def _unknown_tag(api: Api) -> tuple[dict[str, Any], Loc]:
    real = new_tag(api, "Real")
    return account_body(tags=[real, new_id()]), ("body", "tags", 1)


def _unknown_member(api: Api) -> tuple[dict[str, Any], Loc]:
    return account_body(team_member_ids=[new_id()]), ("body", "team_member_ids", 0)


def _unknown_contact(api: Api) -> tuple[dict[str, Any], Loc]:
    return account_body(contacts=[contact_spec(), {"contact_id": new_id()}]), ("body", "contacts", 1)


def _contact_listed_twice(api: Api) -> tuple[dict[str, Any], Loc]:
    c = new_contact(api)
    return account_body(contacts=[{"contact_id": c["id"]}, {"contact_id": c["id"]}]), ("body", "contacts", 1)


def _account_custom_field(api: Api) -> tuple[dict[str, Any], Loc]:
    return account_body(custom_fields={"vat_number": "DE123"}), ("body", "custom_fields")


def _contact_custom_field(api: Api) -> tuple[dict[str, Any], Loc]:
    return account_body(contacts=[contact_spec(custom_fields={"birthday": "1990-01-01"})]), ("body", "contacts", 0)


UNPROCESSABLE: dict[str, Callable[[Api], tuple[dict[str, Any], Loc]]] = {
    "unknown tag": _unknown_tag,
    "unknown member": _unknown_member,
    "unknown contact_id": _unknown_contact,
    "contact listed twice": _contact_listed_twice,
}


@pytest.mark.parametrize("case", list(UNPROCESSABLE))
def test_create_refuses_broken_references_with_422(api: Api, table: Table, case: str) -> None:
    body, loc = UNPROCESSABLE[case](api)
    before = snapshot(table)

    r = api.post("/accounts", body)

    assert_problem(r, 422, loc=loc)
    assert snapshot(table) == before


@pytest.mark.parametrize("case", [_account_custom_field, _contact_custom_field])
def test_create_refuses_unknown_custom_fields_with_400(
    api: Api, table: Table, case: Callable[[Api], tuple[dict[str, Any], Loc]]
) -> None:
    """Issue 6: an unknown custom field id is bad input (400), like an unknown body field."""
    body, loc = case(api)
    before = snapshot(table)
    assert_problem(api.post("/accounts", body), 400, loc=loc)
    assert snapshot(table) == before


def test_create_refuses_another_firms_contact(api: Api, client: Client, table: Table) -> None:
    other = Api(client, make_firm(table, "Other & Co").owner_token)
    foreign = new_account(other, "Theirs")["contacts"][0]["id"]
    before = snapshot(table)

    r = api.post("/accounts", account_body(contacts=[{"contact_id": foreign}]))

    assert_problem(r, 422, loc=("body", "contacts", 0))
    assert snapshot(table) == before


def test_create_refuses_an_email_already_used_in_the_firm_with_409(api: Api, table: Table) -> None:
    taken = unique_email("taken")
    new_account(api, "First", contacts=[contact_spec("Tom", "Taken", emails=[taken])])
    before = snapshot(table)

    r = api.post("/accounts", account_body("Second", contacts=[contact_spec("Tim", "Other", emails=[taken.upper()])]))

    assert_problem(r, 409)
    assert snapshot(table) == before


def test_create_refuses_the_same_email_twice_in_one_request(api: Api, table: Table) -> None:
    twice = unique_email("twice")
    before = snapshot(table)

    r = api.post(
        "/accounts",
        account_body(contacts=[contact_spec("A", "One", emails=[twice]), contact_spec("B", "Two", emails=[twice])]),
    )

    assert r.status in (409, 422), r.body
    assert_problem(r, r.status)
    assert snapshot(table) == before


def test_same_email_in_another_firm_is_fine(api: Api, client: Client, table: Table) -> None:
    shared = unique_email("shared")
    other = Api(client, make_firm(table, "Other & Co").owner_token)
    new_account(other, "Theirs", contacts=[contact_spec(emails=[shared])])

    created = new_account(api, "Ours", contacts=[contact_spec(emails=[shared])])

    assert created["contacts"][0]["emails"][0]["address"] == shared


# --- Idempotency-Key ----------------------------------------------------------------


def test_idempotent_retry_returns_the_first_account(api: Api, table: Table) -> None:
    body = account_body("Once Only")
    key = {"Idempotency-Key": f"create-{new_id()}"}
    first = api.post("/accounts", body, headers=key)
    assert first.status == 201, first.body
    after_first = snapshot(table)

    retry = api.post("/accounts", body, headers=key)

    assert retry.status == 201, retry.body
    assert retry.body["id"] == first.body["id"]
    assert retry.headers["location"] == first.headers["location"]
    assert snapshot(table) == after_first
    assert ids(api.get("/accounts").body["items"]) == [first.body["id"]]


def test_idempotency_key_reused_with_another_body_is_422(api: Api, table: Table) -> None:
    key = {"Idempotency-Key": f"create-{new_id()}"}
    assert api.post("/accounts", account_body("First Body"), headers=key).status == 201
    before = snapshot(table)

    r = api.post("/accounts", account_body("Second Body"), headers=key)

    assert_problem(r, 422)
    assert snapshot(table) == before
    assert names(api.get("/accounts").body["items"]) == ["First Body"]


def test_without_idempotency_key_a_repeat_creates_twice(api: Api) -> None:
    body = account_body("Twice", contacts=[contact_spec(emails=[])])
    assert api.post("/accounts", body).status == 201
    assert api.post("/accounts", body).status == 201
    assert names(api.get("/accounts").body["items"]) == ["Twice", "Twice"]
