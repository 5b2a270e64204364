"""/contacts: creating and reading a contact
(docs/api.md "Account contacts and contacts" and "Conventions").
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api, make_firm
from tests.support.contacts import DEFAULT_SETTINGS, contact_email_path, email_settings
from tests.support.factories import create_contact
from tests.support.problems import assert_problem, assert_refused

# --- creating and reading -------------------------------------------------------------


def test_create_contact_answers_201_with_location_and_default_settings(api: Api) -> None:
    r = api.post(
        "/contacts",
        {
            "first_name": " Anna ",
            "middle_name": "Maria",
            "last_name": "Müller",
            "phones": [{"number": "+49 30 1234567", "label": "office"}],
            "address": {"line1": "Hauptstr. 1", "city": "Berlin", "country": "DE"},
            "emails": ["anna@mueller.example", "a.mueller@home.example"],
        },
    )
    assert r.status == 201, r.body
    c = r.body
    assert r.headers["location"] == f"/contacts/{c['id']}"
    assert r.etag == f'"{c["version"]}"'
    assert (c["first_name"], c["middle_name"], c["last_name"]) == ("Anna", "Maria", "Müller")
    assert c["phones"] == [{"number": "+49 30 1234567", "label": "office"}]
    assert c["address"] == {
        "line1": "Hauptstr. 1",
        "line2": "",
        "city": "Berlin",
        "region": "",
        "postal_code": "",
        "country": "DE",
    }
    assert c["custom_fields"] == {}
    assert [e["address"] for e in c["emails"]] == ["anna@mueller.example", "a.mueller@home.example"]
    for email in c["emails"]:
        assert email_settings(email) == DEFAULT_SETTINGS
    got = api.get(r.headers["location"])
    assert got.status == 200, got.body
    assert got.body == c
    assert got.etag == r.etag


def test_contact_needs_a_name_or_an_email(api: Api, table: Table) -> None:
    assert_refused(table, 422, lambda: api.post("/contacts", {"middle_name": "Only"}))
    only_email = api.post("/contacts", {"emails": ["nobody@example.com"]})
    assert only_email.status == 201, only_email.body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_name": "A", "nickname": "x"}, "nickname"),
        ({"first_name": 1}, "first_name"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"first_name": "A", "emails": "a@example.com"}, "emails"),
        ({"first_name": "A", "emails": ["not-an-address"]}, "emails"),
        ({"first_name": "A", "emails": [{"address": "a@example.com"}]}, "emails"),
        ({"first_name": "A", "phones": ["+1 555 0100"]}, "phones"),
        ({"first_name": "A", "phones": [{"number": "call me"}]}, "number"),
        ({"first_name": "A", "phones": [{"number": "+1 555 0100", "kind": "mobile"}]}, "kind"),
        ({"first_name": "A", "address": {"street": "Main St"}}, "street"),
        ({"first_name": "A", "address": {"country": "Germany"}}, "country"),
        ({"first_name": "A", "address": {"country": "XX"}}, "country"),
        ({"first_name": "A", "address": {"country": "uk"}}, "country"),  # the code is GB
        ({"first_name": "A", "address": "Main St 1"}, "address"),
    ],
)
def test_create_contact_rejects_bad_input(api: Api, table: Table, body: dict[str, Any], field: str) -> None:
    assert_refused(table, 400, lambda: api.post("/contacts", body), field=field)


def test_create_contact_rejects_malformed_json(api: Api, table: Table) -> None:
    assert_refused(table, 400, lambda: api.post("/contacts", raw='{"first_name": '))


def test_create_contact_with_a_taken_address_is_409(api: Api, table: Table) -> None:
    create_contact(api, emails=["taken@example.com"])
    assert_refused(table, 409, lambda: api.post("/contacts", {"first_name": "B", "emails": ["Taken@Example.COM"]}))


def test_unknown_contact_is_404(api: Api, table: Table) -> None:
    assert_problem(api.get("/contacts/01NOSUCHCONTACT0000000000"), 404)
    assert_refused(table, 404, lambda: api.patch("/contacts/01NOSUCHCONTACT0000000000", {"first_name": "X"}))
    assert_refused(table, 404, lambda: api.post("/contacts/01NOSUCHCONTACT0000000000/emails", {"address": "x@y.co"}))


def test_contact_of_another_firm_is_404(api: Api, table: Table) -> None:
    other = make_firm(table)
    theirs = create_contact(api.as_(other.owner_token), "Theo", "Theirs", emails=["theo@other.example"])
    cid = theirs["id"]
    assert_problem(api.get(f"/contacts/{cid}"), 404)
    assert_problem(api.get(contact_email_path(cid, "theo@other.example")), 404)
    assert_refused(table, 404, lambda: api.patch(f"/contacts/{cid}", {"first_name": "Mine"}))
    assert_refused(table, 404, lambda: api.post(f"/contacts/{cid}/emails", {"address": "new@other.example"}))
    assert_refused(table, 404, lambda: api.patch(contact_email_path(cid, "theo@other.example"), {"notify": False}))
    assert_refused(table, 404, lambda: api.delete(contact_email_path(cid, "theo@other.example")))
    assert cid not in {c["id"] for c in api.get("/contacts").body["items"]}
    # Addresses are unique per firm: ours may use the same one.
    create_contact(api, emails=["theo@other.example"])
