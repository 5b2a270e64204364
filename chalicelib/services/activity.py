"""Activity-section items: create, read, list, change, delete; document views,
chat messages, the credit ledger and paying invoices from credit.

Any member who may open an account records and changes its activity (that is
their daily work); adding or spending credit needs the right to edit the
account.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from chalicelib.adapters.document_store import DocumentStore
from chalicelib.domain import files
from chalicelib.domain.currencies import checked_amount
from chalicelib.domain.entities import Account, Member
from chalicelib.domain.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    PreconditionFailedError,
    UnprocessableError,
)
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.ids import new_id, now_iso, now_precise
from chalicelib.domain.sections import (
    MEMBER_FIELDS,
    MEMBER_INPUT_FIELDS,
    SECTIONS,
    Change,
    Item,
    Names,
    Section,
    add_read_time_fields,
    excerpt,
)
from chalicelib.domain.sections.models import MessageCreate
from chalicelib.repo.accounts import ACCOUNT_ARCHIVED, read_batch
from chalicelib.repo.activity import (
    ActivityRepo,
    billing_changed,
    item_record,
    message_record,
    public,
)
from chalicelib.repo.firms import version_guard
from chalicelib.services import portal
from chalicelib.services.clashes import retried_on_clash
from chalicelib.services.context import Ctx, dedupe, idempotent_create
from chalicelib.services.openable import load_openable, load_openable_with

log = logging.getLogger("dossier.activity")
ITEM_NOT_FOUND = "Item not found."
# Server-side retries of a write that lost a race with another (a message, a view).
WRITE_RETRIES = 4


@dataclass(slots=True)
class Listed:
    items: list[Item]
    next_cursor: str | None


# --- output ---------------------------------------------------------------------------


def names_for(
    repo: ActivityRepo,
    firm_id: str,
    items: Iterable[Mapping[str, Any]],
    member_fields: Sequence[str],
    known: Member | None = None,
) -> Names:
    """Names of the members and pipelines that ``items`` refer to: one BatchGet
    (strongly consistent, so a just-renamed pipeline shows its new name), or
    none when they name only ``known`` (the caller, read by this request)."""
    rows = list(items)
    member_ids = dedupe([str(r[f]) for r in rows for f in member_fields if r.get(f)])
    pipeline_ids = dedupe([str(r["pipeline_id"]) for r in rows if r.get("pipeline_id")])
    return _names(repo.table, firm_id, member_ids, pipeline_ids, known)[0]


def _names(
    table: Any, firm_id: str, member_ids: Sequence[str], pipeline_ids: Sequence[str], known: Member | None
) -> tuple[Names, set[str]]:
    """Names of these members and pipelines, and the ids of the members found (one BatchGet at most)."""
    wanted = [m for m in member_ids if known is None or m != known.id]
    own = {known.id: known.name} if known is not None and known.id in member_ids else {}
    if not wanted and not pipeline_ids:
        return Names(own), set(own)
    found = read_batch(table, firm_id, member_ids=wanted, pipeline_ids=pipeline_ids, consistent=True)
    members = {**own, **{m.id: m.name for m in found.members.values()}}
    return Names(members, found.pipelines), set(members)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    return value


def item_view(section: Section, record: Mapping[str, Any], names: Names) -> Item:
    """An item's public fields with references named (no read-time fields)."""
    view = {k: _plain(v) for k, v in public(record).items()}
    view["created_by"] = names.member(record.get("created_by"))
    view.update(section.computed(dict(record), names))
    return view


def _out(section: Section, record: Mapping[str, Any], names: Names, account: Account) -> Item:
    view = item_view(section, record, names)
    add_read_time_fields(view, section.out.model_fields, account.credit_balance, account.currency)
    model: BaseModel = section.out.model_validate({k: view.get(k) for k in section.out.model_fields})
    return model.model_dump(mode="json")


def item_out(ctx: Ctx, section: Section, record: Mapping[str, Any], account: Account) -> Item:
    names = names_for(ctx.activity, ctx.firm_id, [record], MEMBER_FIELDS, ctx.known_member)
    return _out(section, record, names, account)


# --- reads ----------------------------------------------------------------------------


def open_account(ctx: Ctx, account_id: str, *, for_write: bool = False) -> Account:
    account = load_openable(ctx, account_id, for_edit=False)
    if for_write and account.archived:
        raise ACCOUNT_ARCHIVED
    return account


def open_item(
    ctx: Ctx, account_id: str, section: Section, item_id: str, *, for_write: bool = False
) -> tuple[Account, Item]:
    """``open_account`` and ``load_item`` with one request: the account, the
    caller and the item in one consistent BatchGetItem. The account is
    checked first, so an account the caller may not open is a 404 whatever
    the item."""
    account, record = load_openable_with(ctx, account_id, (section.key, item_id), for_edit=False)
    if for_write and account.archived:
        raise ACCOUNT_ARCHIVED
    if record is None:
        raise NotFoundError(ITEM_NOT_FOUND)
    return account, record


def load_item(ctx: Ctx, account_id: str, section: Section, item_id: str) -> Item:
    record = ctx.activity.get(ctx.firm_id, account_id, section.key, item_id)
    if record is None:
        raise NotFoundError(ITEM_NOT_FOUND)
    return record


def get_item(ctx: Ctx, account_id: str, section: Section, item_id: str) -> Item:
    account, record = open_item(ctx, account_id, section, item_id)
    return item_out(ctx, section, record, account)


def list_items(
    ctx: Ctx, account_id: str, section: Section, *, status: str | None, limit: int, cursor: str | None
) -> Listed:
    """ "Show all": newest first, one Query per page (limit + 1 tells whether
    another page exists, so the last page never needs an empty follow-up)."""
    account = open_account(ctx, account_id)
    rows, next_cursor = ctx.activity.show_all(
        ctx.firm_id, account_id, section.key, status=status, cursor=cursor, limit=limit
    )
    names = names_for(ctx.activity, ctx.firm_id, rows, MEMBER_FIELDS, ctx.known_member)
    return Listed([_out(section, r, names, account) for r in rows], next_cursor)


# --- writes ---------------------------------------------------------------------------


def check_author(ctx: Ctx, account_id: str, contact_id: str | None, *, by_client: bool) -> None:
    """A chat message or document names the contact who wrote or uploaded it: only the client's, and
    only a contact linked to the account (422)."""
    if contact_id is None:
        return
    if not by_client:
        problem = "only a client's message or upload names its contact"
    elif ctx.accounts.get_link(ctx.firm_id, account_id, contact_id) is None:
        problem = f"contact {contact_id} is not linked to this account"
    else:
        return
    raise UnprocessableError(
        "The author is not a contact of this account.",
        [FieldError(("body", "contact_id"), problem)],
        code="unknown_reference",
    )


def _check_references(ctx: Ctx, account_id: str, item: Item, old: Item | None) -> Names:
    """422 for members, pipelines, stages and documents that do not exist; else
    the names the item shows. One BatchGet serves both (the members the item
    names, its pipeline), so a write answers without reading names again."""
    changed = [
        f
        for f in (*MEMBER_INPUT_FIELDS, "pipeline_id", "stage_id", "document_id")
        if item.get(f) and (old is None or old.get(f) != item.get(f))
    ]
    checked = [item[f] for f in MEMBER_INPUT_FIELDS if f in changed]
    # As before: the pipeline (and the stage in it) is checked whenever a reference changed.
    check_pipeline = bool(changed) and "pipeline_id" in item
    shown = [str(item[f]) for f in MEMBER_FIELDS if item.get(f)]
    names, members = _names(
        ctx.table,
        ctx.firm_id,
        dedupe([*checked, *shown]),
        [item["pipeline_id"]] if item.get("pipeline_id") else [],
        ctx.known_member,
    )
    if not changed:
        return names
    pipelines = names.pipelines
    errors = [
        FieldError(("body", f), f"unknown member {item[f]}")
        for f in MEMBER_INPUT_FIELDS
        if f in changed and item[f] not in members
    ]
    if check_pipeline:
        pipeline = pipelines.get(item["pipeline_id"])
        if pipeline is None:
            errors.append(FieldError(("body", "pipeline_id"), f"unknown pipeline {item['pipeline_id']}"))
        elif item["stage_id"] not in {s["id"] for s in pipeline["stages"]}:
            errors.append(
                FieldError(
                    ("body", "stage_id"), f"stage {item['stage_id']} is not a stage of pipeline {pipeline['name']}"
                )
            )
    if "document_id" in changed and ctx.activity.get(ctx.firm_id, account_id, "documents", item["document_id"]) is None:
        errors.append(FieldError(("body", "document_id"), f"unknown document {item['document_id']} on this account"))
    if errors:
        raise UnprocessableError("Some referenced resources do not exist.", errors, code="unknown_reference")
    return names


def _priced(invoice: Item, account: Account, sent: set[str]) -> None:
    """An invoice is in its account's currency (the default; another one given → 409), and a new amount has
    at most the invoice currency's minor units (400). An invoice stored in another currency before the
    account's was enforced keeps its own."""
    if "currency" in sent and invoice["currency"] != account.currency:
        raise ConflictError(
            f"The account's invoices are in {account.currency}, not {invoice['currency']}.",
            [
                FieldError(
                    ("body", "currency"), f"the account's currency is {account.currency}", code="currency_mismatch"
                )
            ],
            code="currency_mismatch",
        )
    if "amount" in sent:
        checked_amount(invoice["amount"], str(invoice.get("currency") or account.currency), ("body", "amount"))


def validated(ctx: Ctx, account_id: str, section: Section, item: Item, change: Change) -> Item:
    return validated_named(ctx, account_id, section, item, change)[0]


def validated_named(ctx: Ctx, account_id: str, section: Section, item: Item, change: Change) -> tuple[Item, Names]:
    """The item as it will be stored, and the names it shows (read with its reference check)."""
    section.derive(item, change)
    errors = section.rules(item, change)
    if errors:
        raise UnprocessableError(f"The {section.key} item breaks a rule.", errors, code="rule_broken")
    names = _check_references(ctx, account_id, item, change.old)
    return item_record(ctx.firm_id, account_id, section.key, item), names


def create_item(
    ctx: Ctx,
    account_id: str,
    section: Section,
    body: BaseModel,
    idem: Idempotency | None,
    stored: Mapping[str, Any] | None = None,
) -> Item:
    """The new item as the API shows it (answered from what was written; a
    replayed Idempotency-Key answers the item it first created). ``stored``:
    fields the service adds to the input (a document's file state)."""
    account = open_account(ctx, account_id, for_write=True)
    now, me = now_iso(), ctx.member
    item = {**body.model_dump(exclude_none=True), **(stored or {})}
    if section.key == "logins":
        portal.require_portal_login(ctx, account_id, item["email"])
    if section.key == "invoices":
        _priced(item, account, set(item))
    if section.key == "documents":
        check_author(ctx, account_id, item.get("contact_id"), by_client=item["uploaded_by"] == "client")
    item.update(id=new_id(), account_id=account_id, version=1, created_at=now, updated_at=now, created_by=me.id)
    record, names = validated_named(ctx, account_id, section, item, Change(None, now, me.id, account.currency))
    # A new invoice is written only while the account is still in the currency it was checked against.
    extra = (
        [billing_changed(ctx.firm_id, account_id, +1, now_precise(), account.currency)]
        if section.key == "invoices"
        else []
    )
    stored_id = idempotent_create(
        ctx, idem, item["id"], lambda op: ctx.activity.create(record, [*extra, *([op] if op else [])])
    )
    if stored_id != item["id"]:
        return get_item(ctx, account_id, section, stored_id)
    return _out(section, record, names, account)


@retried_on_clash
def patch_item(
    ctx: Ctx, account_id: str, section: Section, item_id: str, body: BaseModel, if_match: int | None
) -> Item:
    account, old = open_item(ctx, account_id, section, item_id, for_write=True)
    version = int(old["version"])
    version_guard(if_match, version)
    item = public(old)
    sent = body.model_dump(exclude_unset=True)
    for name, value in sent.items():
        if value is None:
            item.pop(name, None)
        else:
            item[name] = value
    if section.key == "invoices":
        _priced(item, account, set(sent))
    now = now_iso()
    change = Change(public(old), now, ctx.member.id, account.currency)
    record, names = validated_named(ctx, account_id, section, item, change)
    if record == old:
        return _out(section, old, names, account)
    record.update(version=version + 1, updated_at=now)
    # An invoice changed (amount, status): QuickBooks has not synced this version yet.
    extra = [billing_changed(ctx.firm_id, account_id, 0, now_precise())] if section.key == "invoices" else []
    ctx.activity.replace(record, version, extra)
    return _out(section, record, names, account)


@retried_on_clash
def delete_item(ctx: Ctx, account_id: str, section: Section, item_id: str, if_match: int | None) -> None:
    _, old = open_item(ctx, account_id, section, item_id, for_write=True)
    version = int(old["version"])
    version_guard(if_match, version)
    extra = [billing_changed(ctx.firm_id, account_id, -1, now_precise())] if section.key == "invoices" else []
    ctx.activity.delete(ctx.firm_id, account_id, section.key, item_id, version, extra)
    if section.key == "documents" and old.get("file_status"):
        forget_file(files.object_key(ctx.firm_id, account_id, item_id))


def forget_file(key: str) -> None:
    """Delete a document's object nothing points to any more (also a pending
    upload's: deleting a missing object succeeds); a failure only leaves an orphan."""
    try:
        DocumentStore.from_settings().delete(key)
    except Exception:
        log.warning("could not delete a document's file; it is orphaned", extra={"key": key})


# --- documents: the New label ----------------------------------------------------------


def view_document(ctx: Ctx, account_id: str, item_id: str) -> Item:
    """The first member to open a document clears its New label for the whole firm."""
    section = SECTIONS["documents"]
    account, doc = open_item(ctx, account_id, section, item_id)
    if doc.get("file_status") == "pending":
        raise ConflictError("The file's upload is not completed yet.", code="upload_pending")
    doc = mark_opened(ctx, account_id, doc)
    return item_out(ctx, section, doc, account)


def mark_opened(ctx: Ctx, account_id: str, doc: Item) -> Item:
    """The document as stored once the caller opened it: the first opener is
    recorded (viewed_at/viewed_by, shown as opened_at/opened_by), later ones are not."""
    section, item_id = SECTIONS["documents"], doc["id"]
    for _ in range(WRITE_RETRIES):
        if doc.get("viewed_at") is not None:
            break
        now, version = now_iso(), int(doc["version"])
        seen = {**doc, "viewed_at": now, "viewed_by": ctx.member.id, "version": version + 1, "updated_at": now}
        try:
            ctx.activity.replace(seen, version)
            doc = seen
        except PreconditionFailedError:
            doc = load_item(ctx, account_id, section, item_id)  # changed meanwhile: look again
    else:
        raise ConflictError("The document is being changed; retry.", code="busy")
    return doc


# --- chats: messages --------------------------------------------------------------------


def add_message(ctx: Ctx, account_id: str, chat_id: str, body: MessageCreate, idem: Idempotency | None) -> Item:
    """The message, then the chat's last-message fields and count, as two plain writes (8 WCU, no
    transaction: docs/data-model.md, "A chat's last message follows its messages"). Concurrent
    messages never retry; a retried request with the same Idempotency-Key answers the first
    message and finishes what the first attempt left undone."""
    section = SECTIONS["chats"]
    _, chat = open_item(ctx, account_id, section, chat_id, for_write=True)
    check_author(ctx, account_id, body.contact_id, by_client=body.author == "client")
    me = ctx.member
    message_id = idempotent_create(ctx, idem, new_id(), ctx.activity.keep_key)
    message = message_record(
        ctx.firm_id,
        account_id,
        chat_id,
        message_id,
        {
            "body": body.body,
            "author": body.author,
            "member_id": me.id if body.author == "firm" else None,
            **({"contact_id": body.contact_id} if body.contact_id else {}),
            "at": now_iso(),
        },
    )
    first = ctx.activity.put_message(message)
    if not first:  # a retry: the first attempt wrote it; answer that one
        message = ctx.activity.message(ctx.firm_id, account_id, chat_id, message_id) or message
    _show_message(ctx, account_id, chat, message, first=first)
    return message_out(message, names_for(ctx.activity, ctx.firm_id, [message], ("member_id",), me))


def _show_message(ctx: Ctx, account_id: str, chat: Item, message: Item, *, first: bool) -> None:
    """Move the chat's last-message fields to ``message`` and count it, unless that was done; a newer
    message already shown still counts a message written now. A chat deleted meanwhile takes its
    new message with it (404)."""
    last = {"last_message": excerpt(message["body"]), "last_author": message["author"]}
    for attempt in range(WRITE_RETRIES):
        found = chat if attempt == 0 else ctx.activity.get(ctx.firm_id, account_id, "chats", chat["id"])
        shown = "gone" if found is None else ctx.activity.show_message(found, message, last)
        if shown == "shown" or (shown == "newer_shown" and (not first or ctx.activity.count_message(message))):
            return
        if shown != "status_changed":  # gone, or gone before it could be counted
            if first:
                ctx.activity.drop_message(message)
            raise NotFoundError(ITEM_NOT_FOUND)
    raise ConflictError("The chat is busy; retry the message.", code="busy")


def message_out(message: Mapping[str, Any], names: Names) -> Item:
    return {
        "id": message["id"],
        "chat_id": message["chat_id"],
        "body": message["body"],
        "author": message["author"],
        "member": names.member(message.get("member_id")),
        "contact_id": message.get("contact_id"),
        "at": message["at"],
    }


def list_messages(ctx: Ctx, account_id: str, chat_id: str, *, limit: int, cursor: str | None) -> Listed:
    open_item(ctx, account_id, SECTIONS["chats"], chat_id)
    rows, next_cursor = ctx.activity.chat_messages(ctx.firm_id, account_id, chat_id, cursor=cursor, limit=limit)
    names = names_for(ctx.activity, ctx.firm_id, rows, ("member_id",), ctx.known_member)
    return Listed([message_out(r, names) for r in rows], next_cursor)
