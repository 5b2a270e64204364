"""Who sees and edits which accounts (docs/api.md "Conventions"): team membership, the
view-all and manage rights, roles, and other firms.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from chalicelib.domain.ids import new_id
from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, ids, make_firm, names, snapshot
from tests.support.factories import contact_spec, new_account
from tests.support.problems import assert_problem

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
