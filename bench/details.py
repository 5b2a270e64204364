"""Account details on DynamoDB Local (issue 6): what custom field values
with their history, the QuickBooks counters and the photo cost, each call
measured alone, side by side with the write it extends.

- an account edit that changes 1 and 5 custom field values (the change and
  one history line per value in one transaction) against a rename;
- the history's first page;
- the Info tab with custom field values (their definitions come in the
  batch read it already makes);
- an invoice (the item and the account's invoice count in one transaction)
  against a note, and a sync result;
- a photo upload and removal (moto's S3 stands in for S3: only DynamoDB is
  metered).
"""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice
from chalice.test import Client
from moto import mock_aws

from bench.common import Usage, metered, ok, png
from chalicelib.adapters.config import settings
from chalicelib.adapters.photo_store import reset_clients as reset_photo_clients
from chalicelib.repo.table import Table
from tests.support.api import Api, make_firm

Row = tuple[str, Usage, str]


def run(table: Table, app: Chalice) -> str:
    firm = make_firm(table, "Bench details")
    rows: list[Row] = []

    def measure(what: str, note: str, call: Any) -> Any:
        with metered(table.client) as usage:
            result = call()
        rows.append((what, usage, note))
        return result

    with Client(app) as client:
        api = Api(client, firm.owner_token)
        kinds = [("text", []), ("number", []), ("date", []), ("dropdown", ["A", "B"]), ("checkbox", [])]
        fields = [
            ok(api.post("/custom-fields", {"target": "account", "label": f"F{i}", "kind": k, "options": o}), 201)["id"]
            for i, (k, o) in enumerate(kinds)
        ]
        body = {"name": "Details Ltd", "type": "company", "contacts": [{"first_name": "Ann"}]}
        account = ok(api.post("/accounts", body), 201)["id"]
        base = f"/accounts/{account}"
        measure("rename (for comparison)", "", lambda: ok(api.patch(base, {"name": "Details BV"})))
        one = {"custom_fields": {fields[0]: "VAT 1"}}
        measure("1 custom field value", "+1 history line", lambda: ok(api.patch(base, one)))
        values = ["VAT 2", 12.5, "2026-12-31", "B", True]
        five = {"custom_fields": dict(zip(fields, values, strict=True))}
        measure("5 custom field values", "+5 history lines", lambda: ok(api.patch(base, five)))
        measure("history, first page", "6 lines", lambda: ok(api.get(f"{base}/custom-fields/history")))
        measure("Info tab with 5 values", "definitions in its batch read", lambda: ok(api.get(base)))
        call_note = {"title": "Call"}
        measure("record a note (for comparison)", "", lambda: ok(api.post(f"{base}/notes", call_note), 201))
        invoice = {"number": "1", "amount": "10.00"}
        measure("record an invoice", "+ the account's count", lambda: ok(api.post(f"{base}/invoices", invoice), 201))
        ok(api.put("/quickbooks/connection", {"connected": True}))
        result = {"status": "synced"}
        measure("sync result", "", lambda: ok(api.post(f"{base}/quickbooks/sync-results", result)))
        with mock_aws():
            reset_photo_clients()
            import boto3

            boto3.client("s3", region_name=settings().region).create_bucket(Bucket=settings().photos_bucket)
            photo = png()
            headers = {"Content-Type": "image/png"}
            measure(
                "photo upload",
                f"{len(photo)} B PNG (S3 not metered)",
                lambda: ok(api.put(f"{base}/photo", raw=photo, headers=headers)),
            )
            measure("photo removal", "", lambda: ok(api.delete(f"{base}/photo"), 204))
        reset_photo_clients()

    lines = ["| call | DynamoDB requests | read units | write units | note |", "|---|---|---|---|---|"]
    for what, usage, note in rows:
        lines.append(
            f"| {what} | {usage.requests_text()} | {usage.units_text('read')} | {usage.units_text('write')} | {note} |"
        )
    return "\n".join(lines)
