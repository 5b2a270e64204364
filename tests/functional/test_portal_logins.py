"""Recording portal logins: only for an address with active portal access on
a contact linked to the account; anything else is 422 on body.email and
writes nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api, nothing_written
from tests.support.factories import contact_spec, new_account, unique_email
from tests.support.portal import activate, email_path, invite
from tests.support.problems import assert_problem


@dataclass(frozen=True)
class Setup:
    account_id: str
    contact_id: str
    active: str  # accepted its invitation
    invited: str  # invited, not accepted
    revoked: str  # was active, then login none
    never: str  # never invited
    elsewhere: str  # active, on a contact of another account only


@pytest.fixture
def setup(api: Api) -> Setup:
    active, invited, revoked, never = (unique_email(k) for k in ("active", "invited", "revoked", "never"))
    account = new_account(api, "Logins Ltd", contacts=[contact_spec(emails=[active, invited, revoked, never])])
    contact_id = account["contacts"][0]["id"]
    activate(api, contact_id, active)
    invite(api, contact_id, invited)
    activate(api, contact_id, revoked)
    assert api.patch(email_path(contact_id, revoked), {"login": "none"}).status == 200

    elsewhere = unique_email("elsewhere")
    other = new_account(api, "Other Ltd", contacts=[contact_spec(emails=[elsewhere])])
    activate(api, other["contacts"][0]["id"], elsewhere)
    return Setup(account["id"], contact_id, active, invited, revoked, never, elsewhere)


def test_a_login_of_an_active_address_is_recorded(api: Api, setup: Setup) -> None:
    path = f"/accounts/{setup.account_id}/logins"
    r = api.post(path, {"email": setup.active})
    assert r.status == 201, r.body
    assert r.body["email"] == setup.active
    assert isinstance(r.body["at"], str) and r.body["at"]
    first = r.body["id"]

    r = api.post(path, {"email": setup.active, "at": "2024-03-01T09:30:00Z"})
    assert r.status == 201, r.body
    assert r.body["at"].startswith("2024-03-01T09:30:00")
    second = r.body["id"]

    listed = api.get(path)
    assert listed.status == 200, listed.body
    assert {i["id"] for i in listed.body["items"]} == {first, second}


def test_an_address_differing_only_in_case_is_the_same_address(api: Api, setup: Setup) -> None:
    r = api.post(f"/accounts/{setup.account_id}/logins", {"email": setup.active.upper()})
    assert r.status == 201, r.body


@pytest.mark.parametrize("which", ["invited", "revoked", "never", "elsewhere", "unknown"])
def test_other_addresses_are_refused(api: Api, table: Table, setup: Setup, which: str) -> None:
    address = unique_email("unknown") if which == "unknown" else getattr(setup, which)
    with nothing_written(table):
        assert_problem(api.post(f"/accounts/{setup.account_id}/logins", {"email": address}), 422, loc=("body", "email"))
        assert_problem(
            api.post(f"/accounts/{setup.account_id}/logins", {"email": address, "at": "2024-03-01T09:30:00Z"}),
            422,
            loc=("body", "email"),
        )
    listed = api.get(f"/accounts/{setup.account_id}/logins")
    assert listed.status == 200, listed.body
    assert listed.body["items"] == []


def test_after_unlinking_the_contact_its_logins_are_refused(api: Api, table: Table, setup: Setup) -> None:
    # A second contact keeps the account from losing its last one.
    keeper = api.post(f"/accounts/{setup.account_id}/contacts", contact_spec("Keeper", emails=[unique_email("k")]))
    assert keeper.status == 201, keeper.body
    path = f"/accounts/{setup.account_id}/logins"
    assert api.post(path, {"email": setup.active}).status == 201

    unlinked = api.delete(f"/accounts/{setup.account_id}/contacts/{setup.contact_id}")
    assert unlinked.status == 204, unlinked.body
    assert api.get(email_path(setup.contact_id, setup.active)).body["login"] == "active"
    with nothing_written(table):
        assert_problem(api.post(path, {"email": setup.active}), 422, loc=("body", "email"))

    # Linked again: recorded again.
    relinked = api.post(f"/accounts/{setup.account_id}/contacts", {"contact_id": setup.contact_id})
    assert relinked.status == 201, relinked.body
    assert api.post(path, {"email": setup.active}).status == 201


def test_a_login_on_another_account_of_the_same_contact(api: Api, table: Table, setup: Setup) -> None:
    """The rule is per account: the same active address may log in on each account its contact is linked to."""
    second = new_account(api, "Second Ltd", contacts=[{"contact_id": setup.contact_id}])
    assert api.post(f"/accounts/{second['id']}/logins", {"email": setup.active}).status == 201
    with nothing_written(table):
        assert_problem(
            api.post(f"/accounts/{second['id']}/logins", {"email": setup.elsewhere}), 422, loc=("body", "email")
        )


def test_the_login_body_is_validated(api: Api, table: Table, setup: Setup) -> None:
    path = f"/accounts/{setup.account_id}/logins"
    with nothing_written(table):
        assert_problem(api.post(path, {}), 400, loc=("body", "email"))
        assert_problem(api.post(path, {"email": "not-an-address"}), 400, loc=("body", "email"))
        assert_problem(api.post(path, {"email": setup.active, "extra": 1}), 400, loc=("body", "extra"))
