"""Correcting an address (issue 18, "An address can be corrected"): PATCH
/contacts/{id}/emails/{email} with ``address`` moves the address with its
settings, in one transaction; an active login keeps working at the new
address, a pending invitation is sent again to it (the old token dies), and
an address the firm already has is 409 with nothing written."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest

from chalicelib.domain.ids import new_id
from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm
from tests.support.factories import contact_spec, create_contact, new_account, unique_email
from tests.support.portal import activate, email_path, invite, latest_token, mails_to
from tests.support.problems import assert_problem, assert_refused
from tests.support.stream import search_poller


@dataclass(frozen=True)
class Person:
    account_id: str
    contact_id: str
    address: str


@pytest.fixture
def person(api: Api) -> Person:
    address = unique_email("jan.typo")
    account = new_account(api, "De Vries Holding", contacts=[contact_spec("Jan", "de Vries", emails=[address])])
    return Person(account["id"], account["contacts"][0]["id"], address)


def correct(api: Api, person: Person, new: str, **more: Any) -> dict[str, Any]:
    r = api.patch(email_path(person.contact_id, person.address), {"address": new, **more})
    assert r.status == 200, r.body
    assert r.body["address"] == new
    assert r.etag == f'"{r.body["version"]}"'
    return dict(r.body)


def test_the_settings_move_with_the_address(api: Api, person: Person) -> None:
    before = api.patch(
        email_path(person.contact_id, person.address), {"notify": False, "email_sync": True, "signing_authority": False}
    ).body
    new = unique_email("jan")

    after = correct(api, person, new)

    same = ("login", "notify", "notification_preferences", "email_sync", "signing_authority", "login_since")
    assert {k: after[k] for k in same} == {k: before[k] for k in same}
    assert after["version"] == before["version"] + 1
    assert [e["address"] for e in api.get(f"/contacts/{person.contact_id}").body["emails"]] == [new]
    assert_problem(api.get(email_path(person.contact_id, person.address)), 404)
    assert api.get(email_path(person.contact_id, new)).body == after
    # the old address is free again
    assert create_contact(api, emails=[person.address])["emails"][0]["address"] == person.address


def test_an_active_login_keeps_working_at_the_new_address(api: Api, person: Person) -> None:
    activate(api, person.contact_id, person.address)
    active = api.get(email_path(person.contact_id, person.address)).body
    new = unique_email("jan")

    after = correct(api, person, new)

    assert after["login"] == "active" and after["login_since"] == active["login_since"]
    signers = api.get(f"/accounts/{person.account_id}/signers").body["items"]
    assert [s["address"] for s in signers] == [new]
    logins = f"/accounts/{person.account_id}/logins"
    assert api.post(logins, {"email": new}).status == 201  # a portal login at the new address is recorded
    assert_problem(api.post(logins, {"email": person.address}), 422)


def test_a_pending_invitation_is_sent_again_to_the_new_address(api: Api, person: Person) -> None:
    old_token = invite(api, person.contact_id, person.address)
    new = unique_email("jan")

    after = correct(api, person, new)

    assert after["login"] == "invited" and after["invitation"]["delivery"] == "sent"
    assert [m["X-Dossier-Kind"] for m in mails_to(new)] == ["invitation"]
    assert_problem(api.as_(None).post("/portal/invites/accept", {"token": old_token}), 409)  # no longer valid
    r = api.as_(None).post("/portal/invites/accept", {"token": latest_token(new)})
    assert r.status == 200, r.body
    assert r.body["address"] == new
    assert api.get(email_path(person.contact_id, new)).body["login"] == "active"


def test_invite_and_correct_in_one_request(api: Api, person: Person) -> None:
    new = unique_email("jan")
    after = correct(api, person, new, login="invited")
    assert after["login"] == "invited"
    assert [m["X-Dossier-Kind"] for m in mails_to(new)] == ["invitation"]
    assert mails_to(person.address) == []


def test_a_change_of_case_keeps_the_item(api: Api, person: Person) -> None:
    activate(api, person.contact_id, person.address)
    upper = person.address.upper()
    after = correct(api, person, upper)
    assert after["login"] == "active"
    assert api.get(f"/contacts/{person.contact_id}").body["emails"][0]["address"] == upper


def test_an_address_the_firm_has_is_409_and_nothing_is_written(api: Api, table: Table, person: Person) -> None:
    other = unique_email("other")
    create_contact(api, emails=[other])
    second = unique_email("second")
    assert api.post(f"/contacts/{person.contact_id}/emails", {"address": second}).status == 201
    path = email_path(person.contact_id, person.address)

    for taken in (other, other.upper(), second):
        body = assert_refused(table, 409, partial(api.patch, path, {"address": taken}))
        assert body["code"] == "email_taken"


def test_bad_corrections_are_refused(api: Api, table: Table, firm: TestFirm, person: Person) -> None:
    path = email_path(person.contact_id, person.address)
    assert_refused(table, 400, lambda: api.patch(path, {"address": "not-an-address"}), field="address")
    assert_refused(table, 400, lambda: api.patch(path, {"address": None}), field="address")
    stale = api.get(path).body["version"] - 1
    new = unique_email("x")
    assert_refused(table, 412, lambda: api.patch(path, {"address": new}, headers={"If-Match": f'"{stale}"'}))
    employee = api.as_(firm.add_member()[1])  # no rights, on no account's team: cannot see the contact
    assert_refused(table, 404, lambda: employee.patch(path, {"address": new}))


def test_search_follows_the_corrected_address(api: Api, table: Table) -> None:
    stream = search_poller(table)
    typo = f"jan.devries.{new_id().lower()}@gmial.example"
    account = new_account(api, "Bakkerij Jansen", contacts=[contact_spec(emails=[typo])])
    stream.drain()
    assert [h["account_id"] for h in api.get(f"/search?q={typo}").body["items"]] == [account["id"]]
    person = Person(account["id"], account["contacts"][0]["id"], typo)
    fixed = typo.replace("@gmial.", "@gmail.")

    correct(api, person, fixed)
    stream.drain()

    assert [h["account_id"] for h in api.get(f"/search?q={fixed}").body["items"]] == [account["id"]]
    assert api.get(f"/search?q={typo}").body["items"] == []
