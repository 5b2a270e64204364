"""E-mail items written by staff, and sent from the profile (issue 18).

``POST /accounts/{a}/emails`` records an item; with ``send`` it is also mailed
from the firm's sending address, Reply-To the firm's inbound address (so the
client's answer comes back through email sync), with our Message-ID and, for
a reply, In-Reply-To and References from the item it answers.

Order of effects, so that a crash or a retry never mails twice:

1. every check (account, thread, recipients) before anything is written;
2. the item is written as ``draft`` with the Idempotency-Key's record, in one
   transaction: a retried request finds the record and answers that item,
   whatever became of it, and never sends;
3. the mail is handed to SES (or the outbox);
4. the item becomes ``sent`` (SES's id and the Message-ID it went out with
   kept) together with the Message-ID's lookup item.

A crash between 3 and 4 leaves a mail sent whose item still says ``draft``
(and whose answers start their own thread): at most once, never twice. A mail
service that refuses (or times out) leaves the item ``draft``; the request
still answers 201 with it, so the client sees it was not sent.
"""

from __future__ import annotations

import logging
from email.utils import formataddr
from typing import Any

from chalicelib.adapters.config import settings
from chalicelib.adapters.mail import MailError, Outgoing, Sent, one_line, reply_mailer, sending_domain
from chalicelib.domain.email_threads import (
    default_recipients,
    our_message_id,
    ref_key,
    reply_references,
    reply_subject,
    send_errors,
    ses_ref,
    thread_of,
)
from chalicelib.domain.entities import Account
from chalicelib.domain.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    PreconditionFailedError,
    UnprocessableError,
)
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.domain.sections import SECTIONS, Change, Item, excerpt
from chalicelib.domain.sections.models import EmailCreate
from chalicelib.domain.text import email_key
from chalicelib.repo.accounts import read_batch
from chalicelib.repo.activity import ActivityRepo, item_record, public
from chalicelib.repo.email_threads import EmailThreadRepo, ref_record
from chalicelib.repo.table import Table
from chalicelib.services.activity import WRITE_RETRIES, get_item, item_out, open_account, validated
from chalicelib.services.context import Ctx, dedupe, idempotent_create, replayed

log = logging.getLogger("dossier.email_replies")

SECTION = SECTIONS["emails"]
KIND = "email_reply"


def create_email(ctx: Ctx, account_id: str, body: EmailCreate, idem: Idempotency | None) -> Item:
    """The new item as the API shows it; with ``send``, after it was mailed (or left draft)."""
    account = open_account(ctx, account_id, for_write=True)
    earlier = replayed(ctx, idem) if body.send else None
    if earlier is not None:  # a retry of a send: answered as it is, whatever its recipients' state is now
        return get_item(ctx, account_id, SECTION, earlier)
    fields = body.model_dump(exclude_none=True)
    parent = _parent(ctx, account_id, body.in_reply_to) if body.in_reply_to else None
    item_id, now, me = new_id(), now_iso(), ctx.member
    if body.send:
        errors = send_errors(fields)
        if errors:
            raise UnprocessableError("This e-mail cannot be sent as given.", errors, code="not_sendable")
        fields["to_addresses"] = _recipients(ctx, account_id, fields.get("to_addresses") or _defaults(parent))
        fields["from_address"] = _sending_address(ctx.firm_id)
        fields["subject"] = reply_subject(fields["subject"], parent.get("subject") if parent else None)
        fields.setdefault("snippet", "")
        fields["snippet"] = fields["snippet"] or excerpt(fields.get("text", ""))
        fields["message_id"] = our_message_id(item_id, sending_domain())
        if parent is not None:
            fields["references"] = reply_references(parent.get("message_id"), parent.get("references", []))
    fields.update(
        id=item_id,
        account_id=account_id,
        version=1,
        created_at=now,
        updated_at=now,
        created_by=me.id,
        thread_id=thread_of(parent, item_id),
    )
    record = validated(ctx, account_id, SECTION, fields, Change(None, now, me.id, account.currency))
    stored_id = idempotent_create(ctx, idem, item_id, lambda op: ctx.activity.create(record, [op] if op else []))
    if stored_id != item_id:
        return get_item(ctx, account_id, SECTION, stored_id)  # a retry: answered as it is, never sent again
    if body.send:
        record = _send(ctx, account, record, parent)
    return item_out(ctx, SECTION, record, account)


def _parent(ctx: Ctx, account_id: str, item_id: str) -> Item:
    parent = ctx.activity.get(ctx.firm_id, account_id, SECTION.key, item_id)
    if parent is None:
        raise NotFoundError(
            "in_reply_to names no e-mail item of this account.",
            [FieldError(("body", "in_reply_to"), "no e-mail item of this account", code="thread_not_found")],
            code="thread_not_found",
        )
    return parent


def _defaults(parent: Item | None) -> list[str]:
    found = default_recipients(parent) if parent is not None else []
    if not found:
        raise UnprocessableError(
            "Name the recipients in to_addresses.",
            [FieldError(("body", "to_addresses"), "at least one recipient", code="no_recipients")],
            code="no_recipients",
        )
    return found


def _recipients(ctx: Ctx, account_id: str, wanted: list[str]) -> list[str]:
    """The addresses as the firm spelled them, once each, if every one is an
    address of the account's contacts with email sync on (else 409); two
    strongly consistent BatchGets."""
    by_key = {email_key(a): a for a in reversed(wanted)}
    unique = dedupe([email_key(a) for a in wanted])
    emails = read_batch(ctx.table, ctx.firm_id, email_addresses=[by_key[k] for k in unique], consistent=True).emails
    contact_ids = dedupe([e.contact_id for e in emails.values()])
    contacts = read_batch(ctx.table, ctx.firm_id, contact_ids=contact_ids, consistent=True).contacts
    errors: list[FieldError] = []
    for index, key in enumerate(unique):
        email = emails.get(key)
        contact = contacts.get(email.contact_id) if email else None
        loc = ("body", "to_addresses", index)
        if email is None or contact is None or account_id not in contact.account_ids:
            errors.append(FieldError(loc, "not an address of this account's contacts", code="not_account_contact"))
        elif not email.email_sync:
            errors.append(FieldError(loc, "email sync is off for this address", code="email_sync_off"))
        elif email.delivery_problem:
            errors.append(FieldError(loc, f"mail to it {email.delivery_problem}", code="address_undeliverable"))
    if errors:
        undeliverable = all(e.code == "address_undeliverable" for e in errors)
        raise ConflictError(
            "Mail goes only to addresses of this account's contacts that have email sync on"
            + (" and have not bounced or complained." if undeliverable else "."),
            errors,
            code="address_undeliverable" if undeliverable else "email_sync_off",
        )
    return [emails[k].address for k in unique]


def _sending_address(firm_id: str) -> str:
    """The firm's sending address: its own local part at the stage's sending domain."""
    return f"{firm_id.lower()}@{sending_domain()}"


def _send(ctx: Ctx, account: Account, record: Item, parent: Item | None) -> Item:
    """Mail the draft, then mark it sent; the draft as it is when the mail service refuses."""
    firm = ctx.firms.get_firm(ctx.firm_id)
    message = Outgoing(
        to=tuple(record["to_addresses"]),
        subject=record["subject"],
        text=record.get("text", ""),
        sender=formataddr((one_line(firm.name) if firm else "", record["from_address"])),
        reply_to=f"{ctx.firm_id}@{settings().inbound_domain}",
        message_id=record["message_id"],
        in_reply_to=parent.get("message_id") if parent else None,
        references=tuple(record.get("references", [])),
        kind=KIND,
        firm_id=ctx.firm_id,
    )
    try:
        sent = reply_mailer().send_reply(message)
    except MailError:
        return record  # logged by the mailer, without the message
    except Exception:
        log.exception("the mailer failed on an e-mail reply")
        return record
    return _mark_sent(ctx.activity, record, sent) or record


def _mark_sent(repo: ActivityRepo, record: Item, sent: Sent) -> Item | None:
    """The item as sent, with the lookups of the Message-ID it went out with
    (and of SES's id, which bounce events name); retried if staff changed the
    draft meanwhile. None when it was deleted meanwhile."""
    firm_id, account_id, item_id = record["firm_id"], record["account_id"], record["id"]
    refs = dedupe([ref_key(sent.message_id), *([ses_ref(sent.provider_id)] if sent.provider_id else [])])
    current: Item | None = record
    for _ in range(WRITE_RETRIES):
        if current is None:
            return None
        now, version = now_iso(), int(current["version"])
        fields = {
            **public(current),
            "status": "sent",
            "sent_at": now,
            "message_id": sent.message_id,
            "provider_message_id": sent.provider_id or None,
            "version": version + 1,
            "updated_at": now,
        }
        updated = item_record(firm_id, account_id, SECTION.key, fields)
        thread = str(updated.get("thread_id") or item_id)
        try:
            EmailThreadRepo(repo.table).mark_sent(
                updated, version, [ref_record(firm_id, r, account_id, item_id, thread) for r in refs]
            )
        except PreconditionFailedError:
            current = repo.get(firm_id, account_id, SECTION.key, item_id)
            continue
        return updated
    log.warning("an e-mail reply was sent but its item kept changing; it still says draft")
    return None


def mark_bounced(table: Table, firm_id: str, ses_message_id: str) -> bool:
    """SES reports that a mail we sent bounced for good: its item becomes
    ``bounced``. False when the id names no item of ours (an invitation, a
    notification) or the item is gone."""
    found = EmailThreadRepo(table).find(firm_id, ses_ref(ses_message_id))
    if found is None:
        return False
    repo = ActivityRepo(table)
    for _ in range(WRITE_RETRIES):
        item = repo.get(firm_id, found.account_id, SECTION.key, found.item_id)
        if item is None:
            return False
        if item["status"] == "bounced":
            return True
        now, version = now_iso(), int(item["version"])
        fields: dict[str, Any] = {**public(item), "status": "bounced", "version": version + 1, "updated_at": now}
        try:
            repo.replace(item_record(firm_id, found.account_id, SECTION.key, fields), version)
        except PreconditionFailedError:
            continue
        return True
    log.warning("a bounced e-mail item kept changing; it was not marked bounced")
    return False
