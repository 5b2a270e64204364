"""Helpers of the QuickBooks tests: an account's ``quickbooks`` block and status, the firm's
connection, invoices and credits, and sync results as the firm's connector records them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tests.support.api import Api, Reply
from tests.support.factories import created

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
STATUSES = {"not_connected", "not_eligible", "pending", "error", "synced"}


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
