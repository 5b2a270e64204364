"""Accounts through the HTTP API: create, the Info tab, the clients list,
visibility (docs/api.md "Conventions"), edits, archive/restore, and authentication.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chalicelib.domain.ids import new_id
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.table import Table
from tests.support import tokens
from tests.support.api import Api, TestFirm, make_firm, snapshot
from tests.support.factories import (
    account_body,
    contact_spec,
    list_all,
    new_account,
    new_contact,
    new_tag,
    unique_email,
)
from tests.support.problems import assert_problem

Loc = tuple[str | int, ...]


def names(items: list[dict[str, Any]]) -> list[str]:
    return [i["name"] for i in items]


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in items]


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


# --- GET /accounts/{id}: the Info tab -------------------------------------------------


def test_info_lists_contacts_alphabetically_with_link_and_email_settings(api: Api) -> None:
    account = new_account(
        api,
        "Family Office",
        contacts=[
            contact_spec("zoe", "Zed", description="daughter"),
            contact_spec("Émile", "Blanc", description="grandfather", signer_priority=1),
            contact_spec("anna", "Adams", description="primary contact", signer_priority=3),
            contact_spec("Bob", "baker", emails=[unique_email("bob"), unique_email("bob.work")]),
        ],
    )

    info = api.get(f"/accounts/{account['id']}")

    assert info.status == 200
    contacts = info.body["contacts"]
    assert [c["display_name"] for c in contacts] == ["anna Adams", "Bob baker", "Émile Blanc", "zoe Zed"]
    assert [(c["description"], c["signer_priority"]) for c in contacts] == [
        ("primary contact", 3),
        ("", None),
        ("grandfather", 1),
        ("daughter", None),
    ]
    assert len(contacts[1]["emails"]) == 2
    for contact in contacts:
        assert contact["emails"], contact
        for email in contact["emails"]:
            assert email["login"] == "none"
            assert email["signing_authority"] is True
            assert isinstance(email["notify"], bool)
            assert isinstance(email["email_sync"], bool)
            assert isinstance(email["notification_preferences"], dict)
    assert info.body["credit_balance"] == "0.00"
    assert set(info.body["quickbooks"]) == {"status", "synced_at", "reason", "sync_mode"}


def test_related_accounts_share_a_contact_are_openable_and_not_archived(
    api: Api, client: Client, firm: TestFirm
) -> None:
    emp_id, emp_token = firm.add_member()
    home = new_account(api, "Home", team_member_ids=[emp_id])
    shared = home["contacts"][0]["id"]
    link = {"contact_id": shared, "description": "CEO"}
    business = new_account(api, "Business", team_member_ids=[emp_id], contacts=[link])
    hidden = new_account(api, "Hidden Trust", contacts=[link])
    archived = new_account(api, "Old Shop", contacts=[link])
    new_account(api, "Unrelated")
    assert api.delete(f"/accounts/{archived['id']}").status == 204

    as_owner = api.get(f"/accounts/{home['id']}").body["related_accounts"]
    as_employee = Api(client, emp_token).get(f"/accounts/{home['id']}").body["related_accounts"]

    assert sorted(ids(as_owner)) == sorted([business["id"], hidden["id"]])
    assert {"id": business["id"], "name": "Business", "type": "company", "photo_url": None} in as_owner
    assert ids(as_employee) == [business["id"]]
    from_business = api.get(f"/accounts/{business['id']}").body["related_accounts"]
    assert sorted(ids(from_business)) == sorted([home["id"], hidden["id"]])


@pytest.mark.parametrize("account_id", ["01ZZZZZZZZZZZZZZZZZZZZZZZZ", "not!an!id", "x" * 65])
def test_unknown_account_is_404(api: Api, account_id: str) -> None:
    assert_problem(api.get(f"/accounts/{account_id}"), 404)


# --- GET /accounts: the clients list --------------------------------------------------


def test_list_is_alphabetical_ignoring_case_and_accents(api: Api) -> None:
    for name in ("cherry", "banana Co", "Apple", "Äpfel AG", "zebra", "Zulu"):
        new_account(api, name, contacts=[contact_spec(emails=[])])

    listed = api.get("/accounts")

    assert names(listed.body["items"]) == ["Äpfel AG", "Apple", "banana Co", "cherry", "zebra", "Zulu"]


def test_paging_walks_every_account_once(api: Api) -> None:
    created = [new_account(api, f"Client {n}", contacts=[contact_spec(emails=[])])["id"] for n in "GABFCED"]

    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        r = api.get("/accounts?limit=3" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status == 200, r.body
        assert len(r.body["items"]) <= 3
        pages.append(names(r.body["items"]))
        cursor = r.body["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 10

    walked = [n for page in pages for n in page]
    assert walked == [f"Client {n}" for n in "ABCDEFG"]
    assert [len(p) for p in pages[:3]] == [3, 3, 1]
    assert sorted(ids(list_all(api, "/accounts", limit=2))) == sorted(created)


def test_default_page_is_25(api: Api) -> None:
    for n in range(26):
        new_account(api, f"Client {n:02d}", contacts=[contact_spec(emails=[])])

    first = api.get("/accounts")

    assert len(first.body["items"]) == 25
    assert first.body["next_cursor"]
    rest = api.get(f"/accounts?cursor={first.body['next_cursor']}")
    assert names(rest.body["items"]) == ["Client 25"]


def test_filters_by_tag_type_and_team_member(api: Api, firm: TestFirm) -> None:
    vip = new_tag(api, "VIP")
    other_tag = new_tag(api, "Other")
    alice, _ = firm.add_member(name="Alice")
    bob, _ = firm.add_member(name="Bob")
    plain = [contact_spec(emails=[])]
    new_account(api, "A Corp", tags=[vip], team_member_ids=[alice], contacts=plain)
    new_account(api, "B Person", type_="individual", tags=[vip, other_tag], team_member_ids=[bob], contacts=plain)
    new_account(api, "C Other", type_="other", team_member_ids=[alice, bob], contacts=plain)
    new_account(api, "D Corp", tags=[other_tag], contacts=plain)

    def listed(query: str) -> list[str]:
        r = api.get(f"/accounts?{query}")
        assert r.status == 200, r.body
        return names(r.body["items"])

    assert listed(f"tag={vip}") == ["A Corp", "B Person"]
    assert listed(f"tag={other_tag}") == ["B Person", "D Corp"]
    assert listed("type=company") == ["A Corp", "D Corp"]
    assert listed("type=individual") == ["B Person"]
    assert listed(f"team_member={alice}") == ["A Corp", "C Other"]
    assert listed(f"team_member={bob}&type=other") == ["C Other"]
    assert listed(f"tag={vip}&type=company") == ["A Corp"]
    assert listed(f"tag={vip}&team_member={bob}") == ["B Person"]
    assert listed(f"tag={new_id()}") == []
    assert listed("archived=true") == []


def test_filtered_list_pages(api: Api) -> None:
    vip = new_tag(api, "VIP")
    for n in range(5):
        new_account(api, f"Tagged {n}", tags=[vip], contacts=[contact_spec(emails=[])])
        new_account(api, f"Plain {n}", contacts=[contact_spec(emails=[])])

    assert names(list_all(api, f"/accounts?tag={vip}", limit=2)) == [f"Tagged {n}" for n in range(5)]
    assert names(list_all(api, "/accounts?type=company", limit=3)) == sorted(
        [f"Plain {n}" for n in range(5)] + [f"Tagged {n}" for n in range(5)]
    )


def test_employee_list_pages_through_team_accounts_with_a_filter(api: Api, client: Client, firm: TestFirm) -> None:
    eve, token = firm.add_member()
    quiet = [contact_spec(emails=[])]
    for n in range(5):
        new_account(api, f"Team Co {n}", team_member_ids=[eve], contacts=quiet)
        new_account(api, f"Team Person {n}", type_="individual", team_member_ids=[eve], contacts=quiet)
        new_account(api, f"Foreign Co {n}", contacts=quiet)

    walked = list_all(Api(client, token), "/accounts?type=company", limit=2)

    assert names(walked) == [f"Team Co {n}" for n in range(5)]


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("limit=0", ("query", "limit")),
        ("limit=101", ("query", "limit")),
        ("limit=abc", ("query", "limit")),
        ("limit=-1", ("query", "limit")),
        ("limit=", ("query", "limit")),
        ("cursor=garbage", ("query", "cursor")),
        ("cursor=eyJzIjoieCJ9.0000000000000000", ("query", "cursor")),
        ("type=person", ("query", "type")),
        ("archived=maybe", ("query", "archived")),
        ("sort=name", ("query", "sort")),
        ("tag=not!an!id", ("query", "tag")),
    ],
)
def test_list_refuses_bad_query_with_400(api: Api, query: str, loc: Loc) -> None:
    assert_problem(api.get(f"/accounts?{query}"), 400, loc=loc)


def _cursor(api: Api, query: str) -> str:
    r = api.get(f"/accounts?limit=1&{query}" if query else "/accounts?limit=1")
    assert r.status == 200, r.body
    cursor: str | None = r.body["next_cursor"]
    assert cursor
    return cursor


def test_cursor_only_works_for_the_list_it_came_from(api: Api) -> None:
    vip = new_tag(api, "VIP")
    for name in ("A", "B", "C"):
        new_account(api, name, tags=[vip], contacts=[contact_spec(emails=[])])
    plain = _cursor(api, "")
    tagged = _cursor(api, f"tag={vip}")
    typed = _cursor(api, "type=company")

    assert api.get(f"/accounts?limit=1&cursor={plain}").status == 200
    assert_problem(api.get(f"/accounts?limit=1&tag={vip}&cursor={plain}"), 400, loc=("query", "cursor"))
    assert_problem(api.get(f"/accounts?limit=1&cursor={tagged}"), 400, loc=("query", "cursor"))
    assert_problem(api.get(f"/accounts?limit=1&type=individual&cursor={typed}"), 400, loc=("query", "cursor"))
    assert_problem(api.get(f"/accounts?limit=1&archived=true&cursor={plain}"), 400, loc=("query", "cursor"))
    tampered = plain[:-1] + ("0" if plain[-1] != "0" else "1")
    assert_problem(api.get(f"/accounts?limit=1&cursor={tampered}"), 400, loc=("query", "cursor"))


def test_cursor_from_another_firm_is_400(api: Api, client: Client, table: Table) -> None:
    other = Api(client, make_firm(table, "Other & Co").owner_token)
    for name in ("X", "Y"):
        new_account(other, name)
        new_account(api, name)
    foreign = _cursor(other, "")

    assert_problem(api.get(f"/accounts?limit=1&cursor={foreign}"), 400, loc=("query", "cursor"))


# --- visibility (docs/api.md "Conventions") ----------------------------------------------------


@pytest.fixture
def two_accounts(api: Api, firm: TestFirm) -> dict[str, Any]:
    """'Ours' has the employee Eve on its team, 'Theirs' does not."""
    eve, eve_token = firm.add_member(name="Eve")
    ours = new_account(api, "Ours", team_member_ids=[eve])
    theirs = new_account(api, "Theirs")
    return {"eve": eve, "eve_token": eve_token, "ours": ours["id"], "theirs": theirs["id"]}


def test_employee_without_rights_sees_only_team_accounts(
    client: Client, firm: TestFirm, table: Table, two_accounts: dict[str, Any]
) -> None:
    eve = Api(client, two_accounts["eve_token"])
    theirs = two_accounts["theirs"]

    assert ids(eve.get("/accounts").body["items"]) == [two_accounts["ours"]]
    assert eve.get(f"/accounts/{two_accounts['ours']}").status == 200
    missing = eve.get(f"/accounts/{new_id()}")
    hidden = eve.get(f"/accounts/{theirs}")
    assert_problem(hidden, 404)
    assert (hidden.body["title"], hidden.body["detail"]) == (missing.body["title"], missing.body["detail"])
    before = snapshot(table)
    assert_problem(eve.patch(f"/accounts/{theirs}", {"name": "Mine now"}), 404)
    assert_problem(eve.delete(f"/accounts/{theirs}"), 404)
    assert_problem(eve.post(f"/accounts/{theirs}/restore"), 404)
    assert snapshot(table) == before


def test_employee_filtering_by_a_colleague_only_sees_shared_accounts(api: Api, client: Client, firm: TestFirm) -> None:
    eve, eve_token = firm.add_member()
    bob, _ = firm.add_member()
    new_account(api, "Shared", team_member_ids=[eve, bob])
    new_account(api, "Bob Only", team_member_ids=[bob])

    r = Api(client, eve_token).get(f"/accounts?team_member={bob}")

    assert names(r.body["items"]) == ["Shared"]


def test_employee_with_view_all_sees_everything_but_cannot_edit(
    client: Client, firm: TestFirm, table: Table, two_accounts: dict[str, Any]
) -> None:
    _, token = firm.add_member(view_all=True)
    viewer = Api(client, token)
    theirs = two_accounts["theirs"]

    assert names(viewer.get("/accounts").body["items"]) == ["Ours", "Theirs"]
    assert viewer.get(f"/accounts/{theirs}").status == 200
    before = snapshot(table)
    assert_problem(viewer.patch(f"/accounts/{theirs}", {"name": "Renamed"}), 403)
    assert_problem(viewer.delete(f"/accounts/{theirs}"), 403)
    assert snapshot(table) == before


def test_manager_not_on_team_gets_404(
    client: Client, firm: TestFirm, table: Table, two_accounts: dict[str, Any]
) -> None:
    _, token = firm.add_member(manage=True)
    manager = Api(client, token)
    theirs = two_accounts["theirs"]
    before = snapshot(table)

    assert_problem(manager.get(f"/accounts/{theirs}"), 404)
    assert_problem(manager.patch(f"/accounts/{theirs}", {"name": "Renamed"}), 404)
    assert_problem(manager.delete(f"/accounts/{theirs}"), 404)
    assert snapshot(table) == before
    assert manager.get("/accounts").body["items"] == []


def test_manager_on_team_can_edit(api: Api, client: Client, firm: TestFirm) -> None:
    mia, token = firm.add_member(manage=True)
    account = new_account(api, "Managed", team_member_ids=[mia])

    r = Api(client, token).patch(f"/accounts/{account['id']}", {"name": "Managed Well"})

    assert r.status == 200, r.body
    assert api.get(f"/accounts/{account['id']}").body["name"] == "Managed Well"


def test_admin_sees_and_edits_everything(client: Client, firm: TestFirm, two_accounts: dict[str, Any]) -> None:
    _, token = firm.add_member("admin")
    admin = Api(client, token)

    assert names(admin.get("/accounts").body["items"]) == ["Ours", "Theirs"]
    r = admin.patch(f"/accounts/{two_accounts['theirs']}", {"type": "other"})
    assert r.status == 200, r.body
    assert r.body["type"] == "other"


def test_revoked_view_all_takes_effect_at_once(api: Api, client: Client, firm: TestFirm) -> None:
    member_id, token = firm.add_member(view_all=True)
    account = new_account(api, "Watched")
    viewer = Api(client, token)
    assert viewer.get(f"/accounts/{account['id']}").status == 200

    revoked = api.patch(f"/members/{member_id}", {"rights": {"view_all_accounts": False}})
    assert revoked.status == 200, revoked.body

    assert_problem(viewer.get(f"/accounts/{account['id']}"), 404)
    assert viewer.get("/accounts").body["items"] == []


def test_another_firm_cannot_reach_this_firms_accounts(api: Api, client: Client, table: Table) -> None:
    account = new_account(api, "Private")
    intruder = Api(client, make_firm(table, "Intruder LLP").owner_token)
    new_account(intruder, "Their Own")
    before = snapshot(table)
    path = f"/accounts/{account['id']}"
    contact_id = account["contacts"][0]["id"]

    assert_problem(intruder.get(path), 404)
    assert_problem(intruder.patch(path, {"name": "Stolen"}), 404)
    assert_problem(intruder.delete(path), 404)
    assert_problem(intruder.post(f"{path}/restore"), 404)
    assert_problem(intruder.post(f"{path}/contacts", contact_spec("Eve", "Vil")), 404)
    assert_problem(intruder.delete(f"{path}/contacts/{contact_id}"), 404)
    assert_problem(intruder.get(f"/contacts/{contact_id}"), 404)
    assert names(intruder.get("/accounts").body["items"]) == ["Their Own"]
    assert snapshot(table) == before


# --- PATCH /accounts/{id} ---------------------------------------------------------------


def test_patch_changes_given_fields_and_keeps_the_rest(api: Api, firm: TestFirm) -> None:
    old_tag, new_tag_id = new_tag(api, "Old"), new_tag(api, "New")
    alice, _ = firm.add_member(name="Alice")
    bob, _ = firm.add_member(name="Bob")
    account = new_account(
        api, "Zeta Ltd", tags=[old_tag], team_member_ids=[alice], address={"line1": "1 Main St", "city": "Leeds"}
    )
    new_account(api, "Middle Co")
    path = f"/accounts/{account['id']}"

    r = api.patch(path, {"name": "Alpha Ltd", "type": "other", "tags": [new_tag_id], "team_member_ids": [bob]})

    assert r.status == 200, r.body
    assert r.etag == '"2"'
    assert (r.body["name"], r.body["type"], r.body["version"]) == ("Alpha Ltd", "other", 2)
    assert r.body["tags"] == [{"id": new_tag_id, "name": "New", "color": "#9E9E9E"}]
    assert r.body["team_members"] == [{"id": bob, "name": "Bob"}]
    assert r.body["address"]["line1"] == "1 Main St"
    assert r.body["contacts"] == account["contacts"]
    assert api.get(path).body == r.body
    assert names(api.get("/accounts").body["items"]) == ["Alpha Ltd", "Middle Co"]
    assert names(api.get(f"/accounts?tag={new_tag_id}").body["items"]) == ["Alpha Ltd"]
    assert api.get(f"/accounts?tag={old_tag}").body["items"] == []
    assert names(api.get(f"/accounts?team_member={bob}").body["items"]) == ["Alpha Ltd"]
    assert api.get(f"/accounts?team_member={alice}").body["items"] == []
    assert names(api.get("/accounts?type=other").body["items"]) == ["Alpha Ltd"]


def test_patch_absent_fields_are_kept(api: Api) -> None:
    tag = new_tag(api, "Keep")
    account = new_account(api, "Keeper", tags=[tag], address={"city": "York"})

    r = api.patch(f"/accounts/{account['id']}", {"type": "individual"})

    assert r.status == 200, r.body
    assert r.body["type"] == "individual"
    for field in ("name", "tags", "team_members", "address", "custom_fields", "contacts"):
        assert r.body[field] == account[field], field


def test_patch_empty_tags_and_team_clear_them(api: Api, firm: TestFirm) -> None:
    tag = new_tag(api, "Gone Soon")
    alice, _ = firm.add_member()
    account = new_account(api, "Stripped", tags=[tag], team_member_ids=[alice])

    r = api.patch(f"/accounts/{account['id']}", {"tags": [], "team_member_ids": []})

    assert r.status == 200, r.body
    assert (r.body["tags"], r.body["team_members"]) == ([], [])
    assert api.get(f"/accounts?tag={tag}").body["items"] == []
    assert api.get(f"/accounts?team_member={alice}").body["items"] == []


def test_restricted_employee_cannot_link_a_contact_they_cannot_see(
    api: Api, client: Client, firm: TestFirm, table: Table
) -> None:
    _, token = firm.add_member(manage=True)
    hidden = new_account(api, "Hidden")
    before = snapshot(table)

    r = Api(client, token).post("/accounts", account_body(contacts=[{"contact_id": hidden["contacts"][0]["id"]}]))

    assert_problem(r, 422, loc=("body", "contacts", 0))
    assert snapshot(table) == before


def test_patch_address_null_clears_it(api: Api) -> None:
    account = new_account(api, "Moving", address={"line1": "1 Old Rd", "country": "GB"})
    path = f"/accounts/{account['id']}"

    r = api.patch(path, {"address": None})

    assert r.status == 200, r.body
    assert r.body["address"] is None
    assert api.get(path).body["address"] is None
    assert api.patch(path, {"address": {"line1": "2 New Rd"}}).body["address"]["line1"] == "2 New Rd"


def test_patch_with_stale_if_match_is_412_and_writes_nothing(api: Api, table: Table) -> None:
    account = new_account(api, "Contested")
    path = f"/accounts/{account['id']}"
    assert api.patch(path, {"name": "First Edit"}, headers={"If-Match": '"1"'}).status == 200
    before = snapshot(table)

    r = api.patch(path, {"name": "Lost Update"}, headers={"If-Match": '"1"'})

    assert_problem(r, 412)
    assert snapshot(table) == before
    assert api.get(path).body["name"] == "First Edit"


def test_patch_with_current_if_match_succeeds(api: Api) -> None:
    account = new_account(api, "Versioned")
    path = f"/accounts/{account['id']}"

    first = api.patch(path, {"name": "V2"}, headers={"If-Match": '"1"'})
    second = api.patch(path, {"name": "V3"}, headers={"If-Match": first.etag or ""})

    assert (first.status, first.etag) == (200, '"2"')
    assert (second.status, second.etag, second.body["version"]) == (200, '"3"', 3)
    assert api.get(path).etag == '"3"'


def test_patch_that_changes_nothing_writes_nothing(api: Api, table: Table) -> None:
    tag = new_tag(api, "Same")
    account = new_account(api, "Unchanged BV", tags=[tag], address={"city": "Delft"})
    path = f"/accounts/{account['id']}"
    same = {
        "name": "Unchanged BV",
        "type": account["type"],
        "tags": [tag],
        "team_member_ids": [m["id"] for m in account["team_members"]],
        "address": account["address"],
    }
    before = snapshot(table)
    r = api.patch(path, same, headers={"If-Match": f'"{account["version"]}"'})
    assert (r.status, r.etag) == (200, f'"{account["version"]}"'), r.body
    assert snapshot(table) == before, "an edit to the values already stored writes nothing"
    # One real change among the same values is written, and only it moves the version.
    r = api.patch(path, {**same, "name": "Changed BV"})
    assert (r.status, r.body["name"], r.body["version"]) == (200, "Changed BV", account["version"] + 1)


@pytest.mark.parametrize("if_match", ["1", '"abc"', "garbage", '"1', '""'])
def test_patch_with_malformed_if_match_is_400(api: Api, table: Table, if_match: str) -> None:
    account = new_account(api, "Strict")
    before = snapshot(table)

    r = api.patch(f"/accounts/{account['id']}", {"name": "Nope"}, headers={"If-Match": if_match})

    assert_problem(r, 400)
    assert snapshot(table) == before


@pytest.mark.parametrize(
    ("body", "status", "loc"),
    [
        ({"name": ""}, 400, ("body", "name")),
        ({"name": "x" * 201}, 400, ("body", "name")),
        ({"type": "family"}, 400, ("body", "type")),
        ({"colour": "red"}, 400, ("body", "colour")),
        ({"tags": "vip"}, 400, ("body", "tags")),
        ({"address": {"country": "Germany"}}, 400, ("body", "address")),
        ({"contacts": []}, 400, ("body", "contacts")),
        ({"tags": ["01UNKNOWNTAG"]}, 422, ("body", "tags", 0)),
        ({"team_member_ids": ["01UNKNOWNMEMBER"]}, 422, ("body", "team_member_ids", 0)),
        ({"custom_fields": {"vat": "1"}}, 400, ("body", "custom_fields")),
    ],
)
def test_patch_refuses_bad_input(api: Api, table: Table, body: dict[str, Any], status: int, loc: Loc) -> None:
    account = new_account(api, "Untouched")
    before = snapshot(table)

    r = api.patch(f"/accounts/{account['id']}", body)

    assert_problem(r, status, loc=loc)
    assert snapshot(table) == before


def test_patch_unknown_account_is_404(api: Api, table: Table) -> None:
    before = snapshot(table)
    assert_problem(api.patch(f"/accounts/{new_id()}", {"name": "Ghost"}), 404)
    assert snapshot(table) == before


# --- archive and restore ----------------------------------------------------------------


def test_archive_and_restore(api: Api, table: Table) -> None:
    vip = new_tag(api, "VIP")
    account = new_account(api, "Dormant", tags=[vip])
    new_account(api, "Active")
    path = f"/accounts/{account['id']}"

    archived = api.delete(path)

    assert archived.status == 204
    assert archived.body is None
    assert names(api.get("/accounts").body["items"]) == ["Active"]
    assert api.get(f"/accounts?tag={vip}").body["items"] == []
    assert names(api.get("/accounts?archived=true").body["items"]) == ["Dormant"]
    assert api.get("/accounts?archived=true").body["items"][0]["archived"] is True
    info = api.get(path)
    assert info.status == 200
    assert info.body["archived"] is True
    before = snapshot(table)
    assert_problem(api.patch(path, {"name": "Edited While Archived"}), 409)
    assert snapshot(table) == before

    restored = api.post(f"{path}/restore")

    assert restored.status == 200, restored.body
    assert restored.body["archived"] is False
    assert restored.etag == f'"{restored.body["version"]}"'
    assert names(api.get("/accounts").body["items"]) == ["Active", "Dormant"]
    assert names(api.get(f"/accounts?tag={vip}").body["items"]) == ["Dormant"]
    assert api.get("/accounts?archived=true").body["items"] == []
    assert api.patch(path, {"name": "Awake"}).status == 200


def test_archive_with_stale_if_match_is_412(api: Api, table: Table) -> None:
    account = new_account(api, "Busy")
    path = f"/accounts/{account['id']}"
    assert api.patch(path, {"name": "Busier"}).status == 200
    before = snapshot(table)

    assert_problem(api.delete(path, headers={"If-Match": '"1"'}), 412)
    assert snapshot(table) == before
    assert api.get(path).body["archived"] is False


def test_archived_accounts_leave_the_employees_list(api: Api, client: Client, firm: TestFirm) -> None:
    eve, token = firm.add_member()
    account = new_account(api, "Team Account", team_member_ids=[eve])
    assert api.delete(f"/accounts/{account['id']}").status == 204

    eve_api = Api(client, token)
    assert eve_api.get("/accounts").body["items"] == []
    assert ids(eve_api.get("/accounts?archived=true").body["items"]) == [account["id"]]


def test_archive_unknown_account_is_404(api: Api) -> None:
    assert_problem(api.delete(f"/accounts/{new_id()}"), 404)
    assert_problem(api.post(f"/accounts/{new_id()}/restore"), 404)


# --- authentication ------------------------------------------------------------------------


def _owner_token(firm: TestFirm, **kwargs: Any) -> str:
    return tokens.mint(f"sub-{firm.owner_id}", _owner_email(firm), **kwargs)


def _owner_email(firm: TestFirm) -> str:
    member = FirmRepo(firm.table).get_member(firm.firm_id, firm.owner_id)
    assert member is not None
    return member.email


def test_a_hand_made_token_is_accepted(client: Client, firm: TestFirm) -> None:
    """Control for the 401 tests below: the same construction, still valid, works."""
    r = Api(client, _owner_token(firm)).get("/accounts")
    assert r.status == 200, r.body


def _auth_cases(firm: TestFirm) -> dict[str, dict[str, str]]:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = tokens.KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    unsigned = jwt.encode(
        {"iss": tokens.ISSUER, "aud": tokens.AUDIENCE, "sub": f"sub-{firm.owner_id}", "exp": int(time.time()) + 60},
        "",
        algorithm="none",
    )
    cases = {
        "missing": None,
        "garbage": "not.a.jwt",
        "expired": _owner_token(firm, expires_in=-60),
        "wrong key": _owner_token(firm, key=other_key),
        "alg none": unsigned,
        "HS256 keyed with the public key": _hs256(firm, public_pem),
        "wrong issuer": _owner_token(firm, iss="https://elsewhere.example"),
        "wrong audience": _owner_token(firm, aud="another-app"),
        "unbound subject": tokens.mint(f"sub-{new_id()}"),
        "unverified address of an invited member": tokens.mint(
            f"sub-{new_id()}", None, email=_owner_email(firm), email_verified=False
        ),
        "another address": tokens.mint(f"sub-{new_id()}", f"{new_id().lower()}@elsewhere.example"),
    }
    headers = {name: ({"Authorization": f"Bearer {t}"} if t else {}) for name, t in cases.items()}
    headers["not bearer"] = {"Authorization": f"Basic {firm.owner_token}"}
    headers["empty bearer"] = {"Authorization": "Bearer "}
    return headers


def _hs256(firm: TestFirm, secret: bytes) -> str:
    """Algorithm confusion: an HMAC keyed with the issuer's public key (PyJWT refuses to make one itself)."""
    header = {"alg": "HS256", "typ": "JWT", "kid": tokens.KEY_ID}
    payload = {
        "iss": tokens.ISSUER,
        "aud": tokens.AUDIENCE,
        "sub": f"sub-{firm.owner_id}",
        "exp": int(time.time()) + 60,
    }
    signing_input = b".".join(
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=") for part in (header, payload)
    )
    signature = base64.urlsafe_b64encode(hmac.new(secret, signing_input, hashlib.sha256).digest()).rstrip(b"=")
    return (signing_input + b"." + signature).decode()


AUTH_CASES = [
    "missing",
    "garbage",
    "not bearer",
    "empty bearer",
    "expired",
    "wrong key",
    "alg none",
    "HS256 keyed with the public key",
    "wrong issuer",
    "wrong audience",
    "unbound subject",
    "unverified address of an invited member",
    "another address",
]


@pytest.mark.parametrize("case", AUTH_CASES)
def test_requests_without_a_valid_token_are_401(
    api: Api, client: Client, firm: TestFirm, table: Table, case: str
) -> None:
    account = new_account(api, "Guarded")
    anonymous = Api(client, None)
    headers = _auth_cases(firm)[case]
    before = snapshot(table)

    assert_problem(anonymous.get("/accounts", headers=headers), 401)
    assert_problem(anonymous.get(f"/accounts/{account['id']}", headers=headers), 401)
    assert_problem(anonymous.post("/accounts", account_body("Sneaky"), headers=headers), 401)
    assert_problem(anonymous.patch(f"/accounts/{account['id']}", {"name": "Sneaky"}, headers=headers), 401)
    assert_problem(anonymous.delete(f"/accounts/{account['id']}", headers=headers), 401)
    assert_problem(anonymous.post(f"/accounts/{account['id']}/contacts", contact_spec(), headers=headers), 401)
    assert snapshot(table) == before
