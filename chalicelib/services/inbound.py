"""Email sync: a received message is recorded in the Emails section of every
account its sender's contact is linked to, only when the sender's address
has email sync on. With sync off (or an unknown sender) nothing is stored."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib import inbound
from chalicelib.errors import ConflictError
from chalicelib.repo.accounts import read_batch
from chalicelib.repo.activity import ActivityRepo, item_record
from chalicelib.repo.contacts import ContactRepo
from chalicelib.repo.table import Table
from chalicelib.sections import SECTIONS, Change

log = logging.getLogger("dossier.inbound")


@dataclass(slots=True)
class Received:
    """What became of one received message (no personal data: safe to log)."""

    outcome: str  # "recorded", "duplicate", "sync_off", "unknown_sender", "unreadable", "no_account"
    account_ids: list[str] = field(default_factory=list)


def receive(table: Table, firm_id: str, raw: bytes, received_at: datetime | None = None) -> Received:
    """Record ``raw`` (an RFC 5322 message sent to the firm's inbound address).

    Recording the same message again (a redelivery) changes nothing: its
    item id is derived from its Message-ID and the write is conditional."""
    try:
        message = inbound.parse(raw, received_at or datetime.now(UTC))
    except inbound.UnreadableMessage:
        return Received("unreadable")
    email = ContactRepo(table).get_email(firm_id, message.sender, consistent=True)
    if email is None:
        return Received("unknown_sender")
    if not email.email_sync:
        return Received("sync_off")
    found = read_batch(table, firm_id, contact_ids=[email.contact_id], consistent=True)
    contact = found.contacts.get(email.contact_id)
    account_ids = sorted(contact.account_ids) if contact else []
    accounts = read_batch(table, firm_id, account_ids=account_ids, consistent=True).accounts
    active = [a for a in account_ids if a in accounts and not accounts[a].archived]
    if not active:
        return Received("no_account")
    section = SECTIONS["emails"]
    # Parsed values already fit the section's limits; validating keeps one definition of them.
    body = section.create.model_validate(
        {
            "subject": message.subject,
            "direction": "inbound",
            "status": "received",
            "from_address": email.address,
            "to_addresses": message.to,
            "at": message.at,
            "snippet": message.snippet,
        }
    )
    repo = ActivityRepo(table)
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    item_id = message.item_id()
    recorded: list[str] = []
    for account_id in active:
        item = body.model_dump(exclude_none=True)
        item.update(id=item_id, account_id=account_id, version=1, created_at=now, updated_at=now)
        section.derive(item, Change(None, now, member_id="", currency=""))
        try:
            repo.create(item_record(firm_id, account_id, section.key, item))
        except ConflictError:
            continue  # this message is already recorded on that account
        recorded.append(account_id)
    log.info("inbound message: %d of %d accounts recorded it", len(recorded), len(active))
    return Received("recorded" if recorded else "duplicate", recorded)


def receive_ses(event: dict[str, Any], table: Table, s3: Any, bucket: str, prefix: str, domain: str) -> list[Received]:
    """An SES receipt rule's Lambda invocation: the rule's S3 action stored the
    raw message under ``<prefix><messageId>``; it is recorded for every firm it
    was addressed to. Spam and viruses (by SES's verdicts) are dropped."""
    results: list[Received] = []
    for record in event.get("Records", []):
        ses = record.get("ses", {})
        receipt, mail = ses.get("receipt", {}), ses.get("mail", {})
        verdicts = (receipt.get("spamVerdict", {}).get("status"), receipt.get("virusVerdict", {}).get("status"))
        if "FAIL" in verdicts:
            results.append(Received("rejected"))
            continue
        firms = {f for r in receipt.get("recipients", []) if (f := inbound.firm_of(r, domain))}
        if not firms:
            results.append(Received("unknown_recipient"))
            continue
        raw = s3.get_object(Bucket=bucket, Key=f"{prefix}{mail['messageId']}")["Body"].read()
        results.extend(receive(table, firm_id, raw) for firm_id in sorted(firms))
    return results
