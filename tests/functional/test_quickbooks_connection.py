"""QuickBooks (issue 6, part 3): the firm's connection: off at first, read by every member, set by
the owner and admins only, per firm, its input checked.

Runs on moto and DynamoDB Local (``table`` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, make_firm, snapshot
from tests.support.factories import new_account
from tests.support.problems import assert_problem
from tests.support.quickbooks import TIMESTAMP, connect, invoice, near_now, record, status

# --- the connection ------------------------------------------------------------------------


def test_connection_starts_off_and_every_member_reads_it(api: Api, firm: TestFirm) -> None:
    _, employee = firm.add_member("employee")

    for caller in (api, api.as_(employee)):
        r = caller.get("/quickbooks/connection")
        assert r.status == 200, r.body
        assert r.body == {"connected": False, "company_name": "", "updated_at": None}

    assert api.as_(None).get("/quickbooks/connection").status == 401


def test_owner_and_admin_set_the_connection(api: Api, firm: TestFirm) -> None:
    _, admin = firm.add_member("admin")
    _, employee = firm.add_member("employee")

    out = connect(api, company_name="  Ledger Books Ltd  ")
    assert out["connected"] is True and out["company_name"] == "Ledger Books Ltd"
    assert TIMESTAMP.match(out["updated_at"]) and near_now(out["updated_at"])
    assert api.as_(employee).get("/quickbooks/connection").body == out

    off = connect(api.as_(admin), False, "")
    assert off["connected"] is False and off["company_name"] == ""
    assert api.get("/quickbooks/connection").body == off

    assert connect(api.as_(admin), True)["connected"] is True


def test_the_connection_is_per_firm(api: Api, firm: TestFirm, table: Table) -> None:
    other = make_firm(table, "Other & Co")
    connect(api)

    r = api.as_(other.owner_token).get("/quickbooks/connection")

    assert r.status == 200 and r.body["connected"] is False
    account = new_account(api.as_(other.owner_token), "Elsewhere")
    invoice(api.as_(other.owner_token), account["id"])
    assert status(api.as_(other.owner_token), account["id"]) == "not_connected"


def test_only_owner_and_admin_connect_or_record(api: Api, firm: TestFirm, table: Table) -> None:
    _, plain = firm.add_member("employee")
    manager_id, manager = firm.add_member("employee", view_all=True, manage=True)
    account = new_account(api, "Guarded", team_member_ids=[manager_id])
    connect(api)
    before = snapshot(table)

    # an employee who may not open the account gets 404 for it, as everywhere; one who may, 403
    for token, on_account in ((plain, 404), (manager, 403)):
        caller = api.as_(token)
        assert_problem(caller.put("/quickbooks/connection", {"connected": False}), 403)
        assert_problem(record(caller, account["id"], {"status": "synced"}), on_account)
        assert_problem(record(caller, account["id"], {"status": "error", "reason": "no"}), on_account)

    assert snapshot(table) == before
    assert api.get("/quickbooks/connection").body["connected"] is True


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"connected": "yes"},
        {"connected": 1},
        {"connected": None},
        {"connected": True, "company_name": None},
        {"connected": True, "company_name": 7},
        {"connected": True, "company_name": "x" * 201},
        {"connected": True, "realm": "123"},
        [True],
    ],
)
def test_connection_input_is_checked(api: Api, table: Table, body: Any) -> None:
    before = snapshot(table)

    assert_problem(api.put("/quickbooks/connection", body), 400)

    assert snapshot(table) == before


def test_malformed_connection_json_is_400(api: Api, table: Table) -> None:
    before = snapshot(table)

    for raw in (b"{", b"", b"true"):
        assert_problem(api.put("/quickbooks/connection", raw=raw), 400)

    assert snapshot(table) == before
