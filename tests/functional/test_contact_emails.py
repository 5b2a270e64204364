"""/contacts/{id}/emails: adding and removing a contact's e-mail addresses
(docs/api.md "Account contacts and contacts" and "Conventions").
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api
from tests.support.contacts import DEFAULT_SETTINGS, addresses_of, contact_email_path, email_settings
from tests.support.factories import create_account, create_contact, linked_contact
from tests.support.problems import assert_problem, assert_refused

# --- e-mail addresses ---------------------------------------------------------------


def test_add_email_answers_201_and_location_works(api: Api) -> None:
    c = create_contact(api, emails=["first@example.com"])
    r = api.post(f"/contacts/{c['id']}/emails", {"address": "second@example.com"})
    assert r.status == 201, r.body
    assert r.body["address"] == "second@example.com"
    assert email_settings(r.body) == DEFAULT_SETTINGS
    assert r.etag == f'"{r.body["version"]}"'
    location = r.headers["location"]
    assert location.startswith(f"/contacts/{c['id']}/emails/")
    got = api.get(location)
    assert got.status == 200, got.body
    assert got.body == r.body
    assert addresses_of(api, c["id"]) == ["first@example.com", "second@example.com"]


@pytest.mark.parametrize("address", ["anna+tax@example.com", "o'brien@example.ie", "first.last@sub.example.co.uk"])
def test_location_of_an_added_email_works_for_any_address(api: Api, address: str) -> None:
    c = create_contact(api, emails=["base@example.com"])
    r = api.post(f"/contacts/{c['id']}/emails", {"address": address})
    assert r.status == 201, r.body
    got = api.get(r.headers["location"])
    assert got.status == 200, (r.headers["location"], got.body)
    assert got.body["address"] == address
    patched = api.patch(r.headers["location"], {"notify": False})
    assert patched.status == 200, patched.body
    assert api.delete(r.headers["location"]).status == 204
    assert addresses_of(api, c["id"]) == ["base@example.com"]


def test_added_email_shows_on_the_linked_accounts(api: Api) -> None:
    c = create_contact(api, emails=["one@example.com"])
    account = create_account(api, "Acme", contact_ids=[c["id"]])
    assert api.post(f"/contacts/{c['id']}/emails", {"address": "two@example.com"}).status == 201
    shown = linked_contact(api.get(f"/accounts/{account['id']}").body, c["id"])
    assert [e["address"] for e in shown["emails"]] == ["one@example.com", "two@example.com"]
    assert email_settings(shown["emails"][1]) == DEFAULT_SETTINGS


@pytest.mark.parametrize("address", ["shared@example.com", "SHARED@example.com", "Shared@Example.Com"])
def test_address_is_unique_per_firm_case_insensitively(api: Api, table: Table, address: str) -> None:
    owner_of_it = create_contact(api, "Own", "Er", emails=["shared@example.com"])
    other = create_contact(api, "Oth", "Er", emails=["other@example.com"])
    assert_refused(table, 409, lambda: api.post(f"/contacts/{other['id']}/emails", {"address": address}))
    assert_refused(table, 409, lambda: api.post(f"/contacts/{owner_of_it['id']}/emails", {"address": address}))
    assert addresses_of(api, other["id"]) == ["other@example.com"]
    assert addresses_of(api, owner_of_it["id"]) == ["shared@example.com"]


def test_removed_address_can_be_added_again(api: Api) -> None:
    a = create_contact(api, "A", "A", emails=["a1@example.com", "move@example.com"])
    b = create_contact(api, "B", "B", emails=["b1@example.com"])
    assert api.delete(contact_email_path(a["id"], "move@example.com")).status == 204
    r = api.post(f"/contacts/{b['id']}/emails", {"address": "move@example.com"})
    assert r.status == 201, r.body
    assert email_settings(r.body) == DEFAULT_SETTINGS
    assert addresses_of(api, b["id"]) == ["b1@example.com", "move@example.com"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"address": "no-at-sign"}, "address"),
        ({"address": "a@b"}, "address"),
        ({"address": 42}, "address"),
        ({"address": "x" * 250 + "@example.com"}, "address"),
        ({"address": "ok@example.com", "login": "invited"}, "login"),
        ({}, "address"),
    ],
)
def test_add_email_rejects_bad_input(api: Api, table: Table, body: dict[str, Any], field: str) -> None:
    c = create_contact(api, emails=["k@example.com"])
    assert_refused(table, 400, lambda: api.post(f"/contacts/{c['id']}/emails", body), field=field)


# --- removing addresses --------------------------------------------------------------------


def test_delete_email_answers_204(api: Api) -> None:
    c = create_contact(api, emails=["x@example.com", "y@example.com", "z@example.com"])
    r = api.delete(contact_email_path(c["id"], "y@example.com"))
    assert r.status == 204, r.body
    assert r.body is None
    assert addresses_of(api, c["id"]) == ["x@example.com", "z@example.com"]
    assert_problem(api.get(contact_email_path(c["id"], "y@example.com")), 404)


def test_last_address_cannot_be_removed(api: Api, table: Table) -> None:
    c = create_contact(api, emails=["only@example.com", "gone@example.com"])
    assert api.delete(contact_email_path(c["id"], "gone@example.com")).status == 204
    assert_refused(table, 409, lambda: api.delete(contact_email_path(c["id"], "only@example.com")))
    assert addresses_of(api, c["id"]) == ["only@example.com"]


@pytest.mark.parametrize("segment", ["nobody@example.com", "nobody%40example.com", "not-an-email", "x%23y@a.b"])
def test_delete_unknown_address_is_404(api: Api, table: Table, segment: str) -> None:
    c = create_contact(api, emails=["one@example.com", "two@example.com"])
    assert_refused(table, 404, lambda: api.delete(f"/contacts/{c['id']}/emails/{segment}"))
    assert_refused(table, 404, lambda: api.patch(f"/contacts/{c['id']}/emails/{segment}", {"notify": False}))
    assert_problem(api.get(f"/contacts/{c['id']}/emails/{segment}"), 404)
