"""Helpers of the email sync tests: raw RFC 5322 messages, and two accounts sharing a contact whose
first address has email sync on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from tests.support.api import Api, TestFirm
from tests.support.factories import contact_spec, new_account, unique_email
from tests.support.portal import email_path

Body = dict[str, Any]
RECEIVED_AT: Final = datetime(2026, 11, 20, 8, 30, 0, tzinfo=UTC)
STAMP: Final = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
ULID: Final = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
DATE: Final = "Tue, 24 Nov 2026 17:42:00 +0100"
DATE_UTC: Final = "2026-11-24T16:42:00Z"


def message(
    *,
    sender: str | None = "Anna Client <anna@client.example>",
    to: str | None = "F@in.dossier.example",
    subject: str | None = "Receipts for 2026",
    date: str | None = DATE,
    message_id: str | None = "<receipts-2026@client.example>",
    extra: str = "",
    content_type: str = "text/plain; charset=utf-8",
    body: str = "Hello,\r\nhere are   the receipts.\r\nAnna\r\n",
) -> bytes:
    """A raw RFC 5322 message; a header given as None is left out."""
    headers = [
        ("From", sender),
        ("To", to),
        ("Subject", subject),
        ("Date", date),
        ("Message-ID", message_id),
        ("MIME-Version", "1.0"),
        ("Content-Type", content_type),
    ]
    head = "".join(f"{name}: {value}\r\n" for name, value in headers if value is not None)
    return (head + extra + "\r\n" + body).encode()


@dataclass
class Sync:
    """Two accounts sharing a contact whose first address has email sync on."""

    firm_id: str
    contact_id: str
    synced: str
    unsynced: str
    account_ids: list[str]

    def emails(self, api: Api, account_id: str) -> list[Body]:
        r = api.get(f"/accounts/{account_id}/emails")
        assert r.status == 200, r.body
        items: list[Body] = r.body["items"]
        return items


def new_sync(api: Api, firm: TestFirm) -> Sync:
    synced, unsynced = unique_email("synced"), unique_email("unsynced")
    first = new_account(api, "Sync One", contacts=[contact_spec("Sara", "Sync", emails=[synced, unsynced])])
    contact_id = first["contacts"][0]["id"]
    second = new_account(api, "Sync Two", contacts=[{"contact_id": contact_id, "description": "Owner"}])
    r = api.patch(email_path(contact_id, synced), {"email_sync": True})
    assert r.status == 200 and r.body["email_sync"] is True, r.body
    return Sync(firm.firm_id, contact_id, synced, unsynced, sorted([first["id"], second["id"]]))
