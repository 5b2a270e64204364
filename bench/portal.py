"""Portal access on DynamoDB Local: what each flow costs in requests and
consumed capacity (issue 5). Every figure is one call, measured alone.

An account with three contacts (two addresses each) is set up through the
API; then, each metered: an invitation and a resend, its acceptance, a login
recorded (against a note created the same way, which needs no check), the
signers, two signatures, one notification event, and received mail with
email sync on and off.

DynamoDB Local reports any TransactWriteItems as 2 write units whatever it
writes, so transactions (invite, accept) show that figure; the table below
also gives DynamoDB's own rule for them (2 units per item of up to 1 KB).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalice.app import Chalice
from chalice.test import Client

from bench.common import Usage, metered
from chalicelib.adapters.mail import OutboxMailer, read_outbox
from chalicelib.domain.portal_rules import Event
from chalicelib.repo.table import Table
from chalicelib.services import inbound, portal
from tests.support.api import Api, make_firm
from tests.support.portal import email_path, latest_token

Row = tuple[str, Usage, str]


def _ok(reply: Any, status: int = 200) -> Any:
    assert reply.status == status, (reply.status, reply.body)
    return reply.body


def _measure(table: Table, rows: list[Row], what: str, note: str, run: Any) -> Any:
    with metered(table.client) as usage:
        result = run()
    rows.append((what, usage, note))
    return result


def run(table: Table, app: Chalice) -> str:
    firm = make_firm(table, "Bench portal")
    rows: list[Row] = []
    with Client(app) as client:
        api = Api(client, firm.owner_token)
        people = [
            {
                "first_name": n,
                "last_name": "Bench",
                "emails": [f"{n.lower()}@home.example", f"{n.lower()}@work.example"],
            }
            for n in ("Ann", "Ben", "Cas")
        ]
        account = _ok(api.post("/accounts", {"name": "Portal Bench", "type": "other", "contacts": people}), 201)
        account_id = account["id"]
        contacts = {c["first_name"]: c["id"] for c in account["contacts"]}
        ann, ben = contacts["Ann"], contacts["Ben"]

        invite = email_path(ann, "ann@home.example") + "/invite"
        _measure(
            table,
            rows,
            "invite (first)",
            "GetItems, 1 transaction, mail, delivery Update",
            lambda: _ok(api.post(invite)),
        )
        _measure(
            table, rows, "invite again (resend)", "same; the earlier token stops working", lambda: _ok(api.post(invite))
        )
        token = latest_token("ann@home.example")
        accept = {"token": token}
        _measure(
            table, rows, "accept", "no bearer token", lambda: _ok(api.as_(None).post("/portal/invites/accept", accept))
        )
        for contact_id, address in ((ben, "ben@home.example"),):
            _ok(api.post(email_path(contact_id, address) + "/invite"))
            _ok(api.as_(None).post("/portal/invites/accept", {"token": latest_token(address)}))

        base = f"/accounts/{account_id}"
        login = {"email": "ann@home.example"}
        _measure(
            table,
            rows,
            "record a login",
            "with the active-login check",
            lambda: _ok(api.post(f"{base}/logins", login), 201),
        )
        call_note = {"title": "Call"}
        _measure(
            table,
            rows,
            "record a note (for comparison)",
            "no check",
            lambda: _ok(api.post(f"{base}/notes", call_note), 201),
        )
        _measure(table, rows, "signers", "3 contacts, 6 addresses", lambda: _ok(api.get(f"{base}/signers")))
        proposal = _ok(
            api.post(f"{base}/proposals", {"name": "EL", "kind": "engagement_letter", "status": "sent"}), 201
        )
        sign = f"{base}/proposals/{proposal['id']}/sign"
        _measure(table, rows, "sign (1st of 2 signers)", "", lambda: _ok(api.post(sign, {"email": "ann@home.example"})))
        signed = _measure(
            table,
            rows,
            "sign (last signer)",
            "becomes signed",
            lambda: _ok(api.post(sign, {"email": "ben@home.example"})),
        )
        assert signed["status"] == "signed"

    with tempfile.TemporaryDirectory() as folder:
        mailer = OutboxMailer(Path(folder), "bench@dossier.example")
        event = Event("new_message", firm.firm_id, account_id, "bench-message-1", "")
        sent = _measure(table, rows, "notify one event", "6 recipients", lambda: portal.notify(table, event, mailer))
        again = _measure(
            table, rows, "the same event again", "a retried delivery", lambda: portal.notify(table, event, mailer)
        )
        assert (sent, again, len(read_outbox(Path(folder)))) == (6, 0, 6)

    with Client(app) as client:
        api = Api(client, firm.owner_token)
        _ok(api.patch(email_path(ann, "ann@work.example"), {"email_sync": True}))
    raw = (
        b"From: Ann Bench <ann@work.example>\r\nTo: firm@in.example\r\nSubject: Receipts\r\n"
        b"Message-ID: <bench-1@work.example>\r\n\r\nAttached are my receipts.\r\n"
    )
    now = datetime.now(UTC)
    got = _measure(
        table,
        rows,
        "received mail, sync on",
        "1 linked account",
        lambda: inbound.receive(table, firm.firm_id, raw, now),
    )
    assert got.outcome == "recorded", got
    off = raw.replace(b"ann@work.example", b"ann@home.example").replace(b"bench-1", b"bench-2")
    got = _measure(
        table, rows, "received mail, sync off", "nothing stored", lambda: inbound.receive(table, firm.firm_id, off, now)
    )
    assert got.outcome == "sync_off", got

    lines = [
        "| flow | DynamoDB requests | read units | write units | note |",
        "|---|---|---|---|---|",
    ]
    for what, usage, note in rows:
        lines.append(
            f"| {what} | {usage.requests_text()} | {usage.units_text('read')} | {usage.units_text('write')} | {note} |"
        )
    return "\n".join(lines)
