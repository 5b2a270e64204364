"""Email sync: a received message is recorded in the Emails section of every
account its sender's contact is linked to, only when the sender's address
has email sync on. With sync off (or an unknown sender) nothing is stored.
An answer whose In-Reply-To or References names mail we sent from that
account joins the sent item's thread (``domain/email_threads.py``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain import inbound_mail
from chalicelib.domain.email_threads import MAX_MESSAGE_ID, MAX_REFERENCES, message_ids, preferred, ref_key
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.sections import SECTIONS, Change
from chalicelib.repo.accounts import read_batch
from chalicelib.repo.activity import ActivityRepo, item_record
from chalicelib.repo.contacts import ContactRepo
from chalicelib.repo.email_threads import EmailThreadRepo
from chalicelib.repo.table import Table

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
        message = inbound_mail.parse(raw, received_at or datetime.now(UTC))
    except inbound_mail.UnreadableMessage:
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
    # An answer to mail we sent joins its thread (one BatchGet of the ids it names, only when it names any).
    refs = message.thread_refs()
    sent = EmailThreadRepo(table).find_many(firm_id, [ref_key(r) for r in refs]) if refs else {}
    recorded: list[str] = []
    for account_id in active:
        item = body.model_dump(exclude_none=True)
        item.update(id=item_id, account_id=account_id, version=1, created_at=now, updated_at=now, thread_id=item_id)
        answered = preferred(refs, sent, account_id)
        if answered is not None:
            item.update(thread_id=answered.thread_id, in_reply_to=answered.item_id)
        own_id = message_ids(message.message_id)[:1]  # a well-formed id only (not our sha256 stand-in)
        if own_id and len(own_id[0]) <= MAX_MESSAGE_ID:
            # Kept for a reply to it: its In-Reply-To and References.
            item.update(message_id=own_id[0], references=list(message.references[-MAX_REFERENCES:]))
        section.derive(item, Change(None, now, member_id="", currency=""))
        try:
            repo.create(item_record(firm_id, account_id, section.key, item))
        except ConflictError:
            continue  # this message is already recorded on that account
        recorded.append(account_id)
    log.info("inbound message: %d of %d accounts recorded it", len(recorded), len(active))
    return Received("recorded" if recorded else "duplicate", recorded)


_PASS = "PASS"  # SES's verdict values: PASS, FAIL, GRAY, PROCESSING_FAILED


def _trusted(receipt: dict[str, Any]) -> str | None:
    """Why a message must not be recorded, by SES's verdicts: spam, a virus,
    or a sender it could not authenticate (email sync trusts the From
    address, so a forged one must not reach a client's account)."""
    verdict = {
        name: receipt.get(f"{name}Verdict", {}).get("status") for name in ("spam", "virus", "spf", "dkim", "dmarc")
    }
    if "FAIL" in (verdict["spam"], verdict["virus"]):
        return "rejected"
    if verdict["dmarc"] == "FAIL" or _PASS not in (verdict["spf"], verdict["dkim"]):
        return "unverified_sender"
    return None


def receive_ses(
    event: dict[str, Any], s3: Any, bucket: str, prefix: str, domain: str, table: Table | None = None
) -> list[Received]:
    """An SES receipt rule's Lambda invocation: the rule's S3 action stored the
    raw message under ``<prefix><messageId>``; it is recorded for every firm it
    was addressed to (in ``table``: the stage's when not given). Spam, viruses
    and senders SES could not authenticate (DMARC fail, or neither SPF nor DKIM
    pass) are dropped. Only the first ``MAX_RAW_BYTES`` are read: the text part
    comes before attachments."""
    table = table or Table.from_settings()
    results: list[Received] = []
    failed = 0
    for record in event.get("Records", []):
        ses = record.get("ses", {})
        receipt, mail = ses.get("receipt", {}), ses.get("mail", {})
        refused = _trusted(receipt)
        if refused:
            results.append(Received(refused))
            continue
        firms = {f for r in receipt.get("recipients", []) if (f := inbound_mail.firm_of(r, domain))}
        if not firms:
            results.append(Received("unknown_recipient"))
            continue
        key = f"{prefix}{mail['messageId']}"
        raw = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{inbound_mail.MAX_RAW_BYTES - 1}")["Body"].read()
        for firm_id in sorted(firms):
            try:
                results.append(receive(table, firm_id, raw))
            except Exception:
                log.exception("could not record an inbound message for one of %d firms", len(firms))
                failed += 1
    if failed:
        # SES invokes again (asynchronously, twice); the firms that recorded it skip the duplicate.
        raise RuntimeError(f"{failed} inbound copies could not be recorded")
    return results
