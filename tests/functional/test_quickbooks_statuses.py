"""QuickBooks (issue 6, part 3): the firm's connection, sync results recorded
by the firm's connector, each account's sync mode, and the Info tab's
``quickbooks`` block derived from them (rules in chalicelib/domain/quickbooks_status.py):

not_connected → not_eligible (never; auto without invoices/payments) →
pending (no result yet, or invoices/payments changed since) → error → synced.

Runs on moto and DynamoDB Local (``table`` fixture).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api, snapshot
from tests.support.factories import account_body, new_account
from tests.support.problems import assert_problem
from tests.support.quickbooks import block, connect, credit, delete_invoice, failed, invoice, near_now, status, synced

# --- statuses ------------------------------------------------------------------------------------


def test_a_new_account_shows_not_connected(api: Api) -> None:
    account = new_account(api, "Fresh")

    assert account["quickbooks"] == {
        "status": "not_connected",
        "synced_at": None,
        "reason": account["quickbooks"]["reason"],
        "sync_mode": "auto",
    }
    assert account["quickbooks"]["reason"]
    assert block(api, account["id"]) == account["quickbooks"]


def test_auto_follows_invoices(api: Api) -> None:
    connect(api)
    account = new_account(api, "Invoiced")
    account_id = account["id"]
    start = block(api, account_id)
    assert start["status"] == "not_eligible" and start["synced_at"] is None and start["reason"]

    first = invoice(api, account_id)
    waiting = block(api, account_id)
    assert waiting["status"] == "pending" and waiting["synced_at"] is None and waiting["reason"]

    done = synced(api, account_id)
    assert done["status"] == "synced" and done["reason"] is None and near_now(done["synced_at"])
    assert block(api, account_id) == done

    second = invoice(api, account_id, status="paid")
    again = block(api, account_id)
    assert again["status"] == "pending" and again["synced_at"] == done["synced_at"]  # the last sync is kept

    stamp = synced(api, account_id)["synced_at"]  # run now: after both invoices
    assert status(api, account_id) == "synced"

    delete_invoice(api, account_id, first["id"])  # one left: changed, still eligible
    after_delete = block(api, account_id)
    assert after_delete["status"] == "pending" and after_delete["synced_at"] == stamp

    stamp = synced(api, account_id)["synced_at"]
    delete_invoice(api, account_id, second["id"])  # back to none
    none_left = block(api, account_id)
    assert none_left["status"] == "not_eligible" and none_left["synced_at"] == stamp

    invoice(api, account_id, status="void")
    assert status(api, account_id) == "pending"


@pytest.mark.parametrize("invoice_status", ["unpaid", "paid", "void"])
def test_an_invoice_of_any_status_counts(api: Api, invoice_status: str) -> None:
    connect(api)
    account = new_account(api, "Any status")

    made = invoice(api, account["id"], status=invoice_status)

    assert status(api, account["id"]) == "pending"
    delete_invoice(api, account["id"], made["id"])
    assert status(api, account["id"]) == "not_eligible"


def test_a_refused_delete_does_not_count(api: Api) -> None:
    connect(api)
    account = new_account(api, "Twice")
    one, two = invoice(api, account["id"]), invoice(api, account["id"])
    delete_invoice(api, account["id"], one["id"])

    assert_problem(api.delete(f"/accounts/{account['id']}/invoices/{one['id']}"), 404)
    stale = api.delete(f"/accounts/{account['id']}/invoices/{two['id']}", headers={"If-Match": '"99"'})
    assert_problem(stale, 412)

    assert status(api, account["id"]) == "pending"  # one invoice is left
    delete_invoice(api, account["id"], two["id"])
    assert status(api, account["id"]) == "not_eligible"


def test_an_invoice_created_twice_with_one_idempotency_key_counts_once(api: Api) -> None:
    connect(api)
    account = new_account(api, "Retried")
    body = {"number": "INV-RETRY", "amount": "50.00"}
    headers = {"Idempotency-Key": "invoice-retry-1"}
    first = api.post(f"/accounts/{account['id']}/invoices", body, headers=headers)
    again = api.post(f"/accounts/{account['id']}/invoices", body, headers=headers)
    assert first.status == 201 and again.status == 201
    assert again.body["id"] == first.body["id"]

    delete_invoice(api, account["id"], first.body["id"])

    assert status(api, account["id"]) == "not_eligible"


def test_credits_count_as_payments(api: Api) -> None:
    connect(api)
    account = new_account(api, "Prepaid")
    account_id = account["id"]

    credit(api, account_id)
    assert status(api, account_id) == "pending"
    synced(api, account_id)
    assert status(api, account_id) == "synced"

    credit(api, account_id, "2.50")
    assert status(api, account_id) == "pending"
    synced(api, account_id)

    made = invoice(api, account_id)
    assert status(api, account_id) == "pending"
    synced(api, account_id)
    delete_invoice(api, account_id, made["id"])  # the credits still count
    assert status(api, account_id) == "pending"
    synced(api, account_id)
    assert status(api, account_id) == "synced"


def test_refused_credits_and_invoices_do_not_count(api: Api, table: Table) -> None:
    connect(api)
    account = new_account(api, "Refused")
    before = snapshot(table)

    assert_problem(api.post(f"/accounts/{account['id']}/credits", {"amount": "0"}), 422)
    assert_problem(api.post(f"/accounts/{account['id']}/credits", {"amount": "-1"}), 400)
    assert_problem(api.post(f"/accounts/{account['id']}/invoices", {"number": "1", "amount": "0"}), 422)
    assert_problem(api.post(f"/accounts/{account['id']}/invoices", {"number": "1"}), 400)

    assert snapshot(table) == before
    assert status(api, account["id"]) == "not_eligible"


def test_errors_and_recovery(api: Api) -> None:
    connect(api)
    account = new_account(api, "Troubled")
    account_id = account["id"]
    invoice(api, account_id)

    first_failure = failed(api, account_id, "  Duplicate customer name.  ")
    assert first_failure == {
        "status": "error",
        "synced_at": None,  # never synced yet
        "reason": "Duplicate customer name.",
        "sync_mode": "auto",
    }
    assert block(api, account_id) == first_failure

    # a sync reported as run now (one reported earlier than the invoice would leave it pending)
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    ok = synced(api, account_id, synced_at=now)
    assert ok == {"status": "synced", "synced_at": now, "reason": None, "sync_mode": "auto"}

    failure = failed(api, account_id, "Token expired.")
    assert failure["status"] == "error" and failure["reason"] == "Token expired."
    assert failure["synced_at"] == now  # the last success is kept

    invoice(api, account_id)  # a change after the failure: waiting for the next sync
    waiting = block(api, account_id)
    assert waiting["status"] == "pending" and waiting["synced_at"] == now

    failed(api, account_id, "Still failing.")
    assert block(api, account_id)["reason"] == "Still failing."
    recovered = synced(api, account_id)
    assert recovered["status"] == "synced" and recovered["reason"] is None and near_now(recovered["synced_at"])


def test_a_result_while_not_eligible(api: Api) -> None:
    connect(api)
    account = new_account(api, "Early")

    out = synced(api, account["id"], synced_at="2026-05-05T05:05:05Z")

    assert out["status"] == "not_eligible" and out["synced_at"] == "2026-05-05T05:05:05Z"
    invoice(api, account["id"])  # after the result: waiting for a sync that has it
    assert status(api, account["id"]) == "pending"


def test_sync_modes(api: Api, table: Table) -> None:
    connect(api)
    always = new_account(api, "Always", quickbooks_sync_mode="always")
    never = new_account(api, "Never", quickbooks_sync_mode="never")
    assert always["quickbooks"]["sync_mode"] == "always" and always["quickbooks"]["status"] == "pending"
    assert never["quickbooks"]["sync_mode"] == "never" and never["quickbooks"]["status"] == "not_eligible"

    synced(api, always["id"])
    assert status(api, always["id"]) == "synced"  # no invoices needed
    invoice(api, never["id"])
    credit(api, never["id"])
    off = block(api, never["id"])
    assert off["status"] == "not_eligible" and off["reason"] != block(api, new_account(api, "A")["id"])["reason"]

    r = api.patch(f"/accounts/{never['id']}", {"quickbooks_sync_mode": "auto"})
    assert r.status == 200, r.body
    assert r.body["quickbooks"]["sync_mode"] == "auto" and r.body["quickbooks"]["status"] == "pending"
    assert r.body["version"] == never["version"] + 1  # the mode is a detail: PATCH changes the version

    synced(api, never["id"], synced_at="2026-06-01T00:00:00Z")
    r = api.patch(f"/accounts/{never['id']}", {"quickbooks_sync_mode": "never"}, headers={"If-Match": r.etag or ""})
    assert r.status == 200, r.body
    assert r.body["quickbooks"] == {
        "status": "not_eligible",
        "synced_at": "2026-06-01T00:00:00Z",
        "reason": off["reason"],
        "sync_mode": "never",
    }

    r = api.patch(f"/accounts/{always['id']}", {"quickbooks_sync_mode": "auto"})
    assert r.body["quickbooks"]["status"] == "not_eligible"  # auto, and nothing billed
    r = api.patch(f"/accounts/{always['id']}", {"quickbooks_sync_mode": "always"})
    assert r.body["quickbooks"]["status"] == "synced"  # the last result stands

    before = snapshot(table)
    unchanged = api.patch(f"/accounts/{always['id']}", {"quickbooks_sync_mode": "always"})
    assert unchanged.status == 200 and unchanged.body["version"] == r.body["version"]
    assert snapshot(table) == before


def test_sync_mode_input_is_checked(api: Api, table: Table) -> None:
    account = new_account(api, "Modes")
    before = snapshot(table)

    for bad in ("sometimes", "AUTO", "", None, 1, True):
        assert_problem(api.post("/accounts", account_body("Bad mode", quickbooks_sync_mode=bad)), 400)
        assert_problem(api.patch(f"/accounts/{account['id']}", {"quickbooks_sync_mode": bad}), 400)

    assert snapshot(table) == before


def test_not_connected_comes_first_and_reconnecting_restores(api: Api) -> None:
    account = new_account(api, "Disconnected", quickbooks_sync_mode="always")
    invoice(api, account["id"])
    out = synced(api, account["id"])  # recorded before connecting
    when = out["synced_at"]
    assert out["status"] == "not_connected" and when is not None

    connect(api)
    assert status(api, account["id"]) == "synced"

    connect(api, False)
    off = block(api, account["id"])
    assert off["status"] == "not_connected" and off["synced_at"] == when and off["reason"]

    failed(api, account["id"])
    assert status(api, account["id"]) == "not_connected"
    connect(api, True)
    assert status(api, account["id"]) == "error"
