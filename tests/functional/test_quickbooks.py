"""QuickBooks (issue 6, part 3): the firm's connection, sync results recorded
by the firm's connector, each account's sync mode, and the Info tab's
``quickbooks`` block derived from them (rules in chalicelib/domain/quickbooks_status.py):

not_connected → not_eligible (never; auto without invoices/payments) →
pending (no result yet, or invoices/payments changed since) → error → synced.

Runs on moto and DynamoDB Local (``table`` fixture).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api, Reply, TestFirm, make_firm, snapshot
from tests.support.factories import account_body, created, new_account
from tests.support.problems import assert_problem

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
STATUSES = {"not_connected", "not_eligible", "pending", "error", "synced"}


# --- helpers ---------------------------------------------------------------------------


def info(api: Api, account_id: str) -> Reply:
    r = api.get(f"/accounts/{account_id}")
    assert r.status == 200, r.body
    return r


def block(api: Api, account_id: str) -> dict[str, Any]:
    found: dict[str, Any] = info(api, account_id).body["quickbooks"]
    assert set(found) >= {"status", "synced_at", "reason", "sync_mode"}, found
    assert found["status"] in STATUSES, found
    assert found["synced_at"] is None or TIMESTAMP.match(found["synced_at"]), found
    return found


def status(api: Api, account_id: str) -> str:
    value: str = block(api, account_id)["status"]
    return value


def connect(api: Api, connected: bool = True, company_name: str = "Ledger Books Ltd") -> dict[str, Any]:
    r = api.put("/quickbooks/connection", {"connected": connected, "company_name": company_name})
    assert r.status == 200, r.body
    body: dict[str, Any] = r.body
    return body


_numbers = iter(range(1, 1_000_000))


def invoice(api: Api, account_id: str, status: str = "unpaid", amount: str = "120.50", **kw: Any) -> dict[str, Any]:
    body = {"number": f"INV-{next(_numbers)}", "amount": amount, "status": status}
    r = api.post(f"/accounts/{account_id}/invoices", body, **kw)
    assert r.status == 201, r.body
    out: dict[str, Any] = r.body
    return out


def delete_invoice(api: Api, account_id: str, invoice_id: str) -> None:
    r = api.delete(f"/accounts/{account_id}/invoices/{invoice_id}")
    assert r.status == 204, r.body


def credit(api: Api, account_id: str, amount: str = "10.00") -> dict[str, Any]:
    return created(api, f"/accounts/{account_id}/credits", {"amount": amount})


def record(api: Api, account_id: str, body: dict[str, Any]) -> Reply:
    return api.post(f"/accounts/{account_id}/quickbooks/sync-results", body)


def synced(api: Api, account_id: str, **kw: Any) -> dict[str, Any]:
    r = record(api, account_id, {"status": "synced", **kw})
    assert r.status == 200, r.body
    out: dict[str, Any] = r.body
    return out


def failed(api: Api, account_id: str, reason: str = "QuickBooks rejected the customer name.") -> dict[str, Any]:
    r = record(api, account_id, {"status": "error", "reason": reason})
    assert r.status == 200, r.body
    out: dict[str, Any] = r.body
    return out


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def near_now(value: str | None, seconds: int = 120) -> bool:
    assert value is not None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return abs((datetime.now(UTC) - moment).total_seconds()) < seconds


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
