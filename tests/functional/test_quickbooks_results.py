"""QuickBooks (issue 6, part 3): sync results recorded by the firm's connector: their rules (422)
and input (400), their time, who records them and who sees the block; billing and results leave the
account's version alone, an archived account keeps its block, and a sync older than the last change
leaves the account pending.

Runs on moto and DynamoDB Local (``table`` fixture).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api, Reply, TestFirm, make_firm, snapshot
from tests.support.factories import new_account
from tests.support.problems import assert_problem
from tests.support.quickbooks import (
    block,
    connect,
    credit,
    delete_invoice,
    failed,
    info,
    invoice,
    iso,
    near_now,
    record,
    status,
    synced,
)

# --- sync results: input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "error"}, "reason"),
        ({"status": "error", "reason": None}, "reason"),
        ({"status": "synced", "reason": "It worked."}, "reason"),
        ({"status": "error", "reason": "Down.", "synced_at": "2026-01-01T00:00:00Z"}, "synced_at"),
        ({"status": "synced", "synced_at": "2026-01-01T00:00:00"}, "synced_at"),  # no time zone
        ({"status": "synced", "synced_at": "2026-01-01"}, "synced_at"),  # a date, no time zone
        ({"status": "synced", "synced_at": "2026-02-30T00:00:00Z"}, "synced_at"),
        ({"status": "synced", "synced_at": "yesterday at noon"}, "synced_at"),
    ],
)
def test_sync_result_rules_are_422(api: Api, table: Table, body: dict[str, Any], field: str) -> None:
    connect(api)
    account = new_account(api, "Rules")
    invoice(api, account["id"])
    before = snapshot(table)

    assert_problem(record(api, account["id"], body), 422, loc=("body", field))

    assert snapshot(table) == before
    assert status(api, account["id"]) == "pending"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"status": "pending"},
        {"status": "SYNCED"},
        {"status": None},
        {"status": "synced", "synced_at": 1767225600},
        {"status": "synced", "synced_at": "2026"},
        {"status": "synced", "synced_at": "2026-01-01T00:00:00.000000000000+00:00:00Z"},
        {"status": "error", "reason": ""},
        {"status": "error", "reason": "   "},
        {"status": "error", "reason": "x" * 501},
        {"status": "synced", "account_id": "x"},
        ["synced"],
    ],
)
def test_bad_sync_result_input_is_400(api: Api, table: Table, body: Any) -> None:
    account = new_account(api, "Bad input")
    before = snapshot(table)

    assert_problem(record(api, account["id"], body), 400)

    assert snapshot(table) == before


def test_synced_at_is_stored_in_utc(api: Api) -> None:
    account = new_account(api, "Zones")

    cases = {
        "2026-11-20T10:00:00+02:00": "2026-11-20T08:00:00Z",
        "2026-11-20T10:00:00.987654Z": "2026-11-20T10:00:00Z",
        "2026-11-20T23:30:00-01:00": "2026-11-21T00:30:00Z",
    }
    for sent, shown in cases.items():
        assert synced(api, account["id"], synced_at=sent)["synced_at"] == shown
        assert block(api, account["id"])["synced_at"] == shown

    assert near_now(synced(api, account["id"])["synced_at"])  # default: now


@pytest.mark.parametrize("synced_at", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_synced_at_out_of_range_is_not_a_5xx(api: Api, table: Table, synced_at: str) -> None:
    account = new_account(api, "Edge of time")
    before = snapshot(table)

    r = record(api, account["id"], {"status": "synced", "synced_at": synced_at})

    assert r.status < 500, r.body
    assert_problem(r, 422, loc=("body", "synced_at"))
    assert snapshot(table) == before


def test_sync_results_for_unknown_or_foreign_accounts_are_404(api: Api, firm: TestFirm, table: Table) -> None:
    other = make_firm(table, "Other & Co")
    foreign = new_account(api.as_(other.owner_token), "Foreign")
    _, admin = firm.add_member("admin")
    before = snapshot(table)

    for caller in (api, api.as_(admin)):
        for account_id in (foreign["id"], "01ARZ3NDEKTSV4RRFFQ69G5FAV"):
            assert_problem(record(caller, account_id, {"status": "synced"}), 404)

    assert snapshot(table) == before


def test_an_admin_records_results(api: Api, firm: TestFirm) -> None:
    _, admin = firm.add_member("admin")
    connect(api)
    account = new_account(api, "Admin synced", quickbooks_sync_mode="always")

    out = synced(api.as_(admin), account["id"])

    assert out["status"] == "synced"


def test_members_who_open_the_account_see_the_block(api: Api, firm: TestFirm) -> None:
    teammate_id, teammate = firm.add_member("employee")
    _, outsider = firm.add_member("employee")
    connect(api)
    account = new_account(api, "Shared", team_member_ids=[teammate_id])
    invoice(api, account["id"])
    failed(api, account["id"], "Broken mapping.")

    assert block(api.as_(teammate), account["id"]) == block(api, account["id"])
    assert block(api.as_(teammate), account["id"])["status"] == "error"
    assert api.as_(outsider).get(f"/accounts/{account['id']}").status == 404


# --- versions, archive ------------------------------------------------------------------------------------


def test_billing_and_results_leave_the_account_version_alone(api: Api) -> None:
    connect(api)
    account = new_account(api, "Steady")
    account_id = account["id"]
    start = info(api, account_id)
    etag, version = start.etag, start.body["version"]
    assert etag == f'"{version}"'

    made = invoice(api, account_id)
    credit(api, account_id)
    synced(api, account_id)
    failed(api, account_id)
    delete_invoice(api, account_id, made["id"])

    now = info(api, account_id)
    assert now.etag == etag and now.body["version"] == version
    assert now.body["quickbooks"]["status"] == "pending"  # the credit keeps it eligible; it changed since
    assert now.body["credit_balance"] != start.body["credit_balance"]

    # an edit made against the ETag read before all that still applies
    r = api.patch(f"/accounts/{account_id}", {"name": "Steady Ltd"}, headers={"If-Match": etag or ""})
    assert r.status == 200, r.body
    assert r.body["quickbooks"]["status"] == "pending"  # the edit kept the billing count and the result
    assert r.body["quickbooks"]["synced_at"] is not None


def test_an_archived_account_keeps_its_block(api: Api) -> None:
    connect(api)
    account = new_account(api, "Archived")
    invoice(api, account["id"])
    done = synced(api, account["id"], synced_at="2026-08-08T08:08:08Z")
    assert api.delete(f"/accounts/{account['id']}").status == 204

    archived = info(api, account["id"]).body
    assert archived["archived"] is True
    assert archived["quickbooks"] == done

    # no invoices or credit on an archived account; the block is unchanged
    assert_problem(api.post(f"/accounts/{account['id']}/invoices", {"number": "9", "amount": "1"}), 409)
    assert_problem(api.post(f"/accounts/{account['id']}/credits", {"amount": "1"}), 409)
    assert block(api, account["id"]) == done

    restored = api.post(f"/accounts/{account['id']}/restore")
    assert restored.status == 200, restored.body
    assert restored.body["quickbooks"] == done


# --- found by these tests ---------------------------------------------------------------------------------


def test_a_sync_older_than_the_last_invoice_leaves_it_pending(api: Api) -> None:
    connect(api)
    account = new_account(api, "Late report")
    an_hour_ago = iso(datetime.now(UTC) - timedelta(hours=1))
    invoice(api, account["id"])  # created after the sync the connector is about to report

    out = synced(api, account["id"], synced_at=an_hour_ago)

    assert out["synced_at"] == an_hour_ago
    assert out["status"] == "pending"


def _edit_amount(api: Api, account_id: str, made: dict[str, Any]) -> Reply:
    return api.patch(f"/accounts/{account_id}/invoices/{made['id']}", {"amount": "99.00"})


def _mark_paid(api: Api, account_id: str, made: dict[str, Any]) -> Reply:
    return api.patch(f"/accounts/{account_id}/invoices/{made['id']}", {"status": "paid"})


def _pay_from_credit(api: Api, account_id: str, made: dict[str, Any]) -> Reply:
    return api.post(f"/accounts/{account_id}/invoices/{made['id']}/apply-credit")


@pytest.mark.parametrize("change", [_edit_amount, _mark_paid, _pay_from_credit], ids=lambda f: f.__name__[1:])
def test_an_invoice_changed_after_the_sync_is_pending(api: Api, change: Any) -> None:
    connect(api)
    account = new_account(api, "Changed invoice")
    credit(api, account["id"], "500.00")
    made = invoice(api, account["id"])
    synced(api, account["id"])
    assert status(api, account["id"]) == "synced"

    r = change(api, account["id"], made)

    assert r.status == 200, r.body
    assert status(api, account["id"]) == "pending"
