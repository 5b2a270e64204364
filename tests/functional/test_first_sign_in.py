"""An OpenID Connect issuer's member (the tests' issuer: tests/support/tokens.py)
is bound at their first sign-in, by the address the issuer verified, to the
member the firm invited with it; then only that identity is that member."""

from __future__ import annotations

from chalice.test import Client

from chalicelib.domain.ids import new_id
from chalicelib.repo.table import Table
from tests.support import tokens
from tests.support.api import Api, TestFirm, snapshot
from tests.support.factories import created, new_account
from tests.support.problems import assert_problem


def _invite(api: Api, email: str, role: str = "employee") -> str:
    member_id: str = created(api, "/members", {"name": "New Member", "email": email, "role": role})["id"]
    return member_id


def test_the_first_sign_in_with_the_invited_address_binds_the_member(client: Client, api: Api) -> None:
    email = f"new-{new_id().lower()}@staff.example"
    member_id = _invite(api, email)
    subject = f"issuer-user-{new_id()}"

    me = Api(client, tokens.mint(subject, email.upper())).get("/me")  # the issuer may spell it otherwise
    assert me.status == 200, me.body
    assert me.body["id"] == member_id

    # Bound: the identity is the member without the address now, and no other identity may take it.
    assert Api(client, tokens.mint(subject)).get("/me").body["id"] == member_id
    assert_problem(Api(client, tokens.mint(f"someone-else-{new_id()}", email)).get("/me"), 401)


def test_an_unverified_or_uninvited_address_is_refused_and_writes_nothing(
    client: Client, api: Api, table: Table
) -> None:
    email = f"new-{new_id().lower()}@staff.example"
    _invite(api, email)
    before = snapshot(table)
    unverified = tokens.mint(f"u-{new_id()}", None, email=email, email_verified=False)
    stranger = tokens.mint(f"u-{new_id()}", f"stranger-{new_id().lower()}@else.example")
    for token in (unverified, stranger):
        assert_problem(Api(client, token).get("/me"), 401)
    assert snapshot(table) == before


def test_a_member_deactivated_before_signing_in_never_can(client: Client, api: Api, firm: TestFirm) -> None:
    email = f"new-{new_id().lower()}@staff.example"
    member_id = _invite(api, email)
    assert api.delete(f"/members/{member_id}").status == 204
    assert api.delete(f"/members/{member_id}").status == 204  # again: nothing more to do
    assert_problem(Api(client, tokens.mint(f"u-{new_id()}", email)).get("/me"), 401)
    listed = {m["id"]: m["status"] for m in api.get("/members").body["items"]}
    assert listed[member_id] == "deactivated" and listed[firm.owner_id] == "active"


def test_a_person_invited_by_two_firms_signs_in_to_either(
    client: Client, api: Api, firm: TestFirm, table: Table
) -> None:
    from tests.support.api import make_firm

    other_firm = make_firm(table, "Other & Co")
    other = Api(client, other_firm.owner_token)
    email = f"shared-{new_id().lower()}@staff.example"
    in_other = _invite(other, email)
    subject = f"freelancer-{new_id()}"
    token = tokens.mint(subject, email)
    assert Api(client, token).get("/me").body["firm"]["id"] == other_firm.firm_id  # bound to the one firm

    in_ours = _invite(api, email)  # invited by a second firm after the first sign-in
    person = Api(client, token)
    chosen = {f: person.get("/me", headers={"Dossier-Firm": f}).body for f in (firm.firm_id, other_firm.firm_id)}
    assert {f: me["id"] for f, me in chosen.items()} == {firm.firm_id: in_ours, other_firm.firm_id: in_other}
    # Without the header: the firm they joined first (a later invitation never moves where they land).
    assert person.get("/me").body["firm"]["id"] == other_firm.firm_id
    assert_problem(person.get("/me", headers={"Dossier-Firm": new_id()}), 401)  # not theirs


def test_only_owners_and_admins_deactivate_and_never_the_owner(client: Client, api: Api, firm: TestFirm) -> None:
    _, employee_token = firm.add_member("employee", manage=True)
    target = _invite(api, f"t-{new_id().lower()}@staff.example")
    assert_problem(Api(client, employee_token).delete(f"/members/{target}"), 403)
    assert_problem(api.delete(f"/members/{firm.owner_id}"), 409)
    assert_problem(api.delete(f"/members/{new_id()}"), 404)
    assert_problem(api.delete(f"/members/{target}", headers={"If-Match": '"999"'}), 412)


def test_a_deactivated_team_member_cannot_read_the_overview(client: Client, api: Api, firm: TestFirm) -> None:
    """The Overview lets a team member in on the account's team list: their status is still read."""
    member_id, token = firm.add_member("employee")
    account = new_account(api, "Team Ltd", team_member_ids=[member_id])
    member = Api(client, token)
    assert member.get(f"/accounts/{account['id']}/overview").status == 200
    assert api.delete(f"/members/{member_id}").status == 204
    assert_problem(member.get(f"/accounts/{account['id']}/overview"), 401)
