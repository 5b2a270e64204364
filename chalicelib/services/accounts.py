"""Accounts: the clients list, the Info tab, create, edit, archive, restore."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.photo_store import PhotoStore
from chalicelib.domain import access, photos
from chalicelib.domain.entities import Account, Contact, Email, Link, Member
from chalicelib.domain.errors import (
    BadRequestError,
    ConflictError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    UnprocessableError,
)
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.domain.models.accounts import AccountCreate, AccountOut, AccountPatch, AccountSummaryOut
from chalicelib.domain.models.people import ExistingContactLink
from chalicelib.repo.accounts import ACCOUNT_ARCHIVED, read_batch
from chalicelib.repo.custom_fields import still_defined
from chalicelib.repo.firms import version_guard
from chalicelib.repo.records import from_item, list_entries, to_item
from chalicelib.repo.table import MAX_TRANSACTION_ITEMS, Condition
from chalicelib.services import custom_fields
from chalicelib.services.clashes import retried_on_clash
from chalicelib.services.contacts import new_contact, visible_contacts
from chalicelib.services.context import Ctx, dedupe, idempotent_create
from chalicelib.services.openable import ACCOUNT_NOT_FOUND, load_openable
from chalicelib.services.views import account_out, account_summary_out, linked_contacts_out

log = logging.getLogger("dossier.accounts")


# --- reads ------------------------------------------------------------------


@dataclass(slots=True)
class Listed:
    items: list[AccountSummaryOut]
    next_cursor: str | None


def list_accounts(
    ctx: Ctx,
    *,
    limit: int,
    cursor: str | None,
    tag: str | None,
    type_: str | None,
    team_member: str | None,
    archived: bool,
) -> Listed:
    """The clients list: alphabetical, only accounts the caller may open.

    Each filter combination reads one list sorted by name (the firm's
    accounts, a team member's, or a tag's), so a page is one Query in the
    common case; remaining criteria are applied as a filter. Someone who
    opens only their team's accounts reads their own team list, or another
    member's filtered to the accounts on their own team too.
    """
    me = ctx.member
    restricted = not access.opens_every_account(me)
    team_of = team_member if team_member is not None else (me.id if restricted else None)
    summaries, next_cursor = ctx.accounts.list_page(
        ctx.firm_id,
        archived=archived,
        team_of=team_of,
        tag=tag,
        type_=type_,
        with_member=me.id if restricted and team_of != me.id else None,
        viewer_id=me.id,
        cursor=cursor,
        limit=limit,
    )
    refs = read_batch(
        ctx.table,
        ctx.firm_id,
        tag_ids=dedupe([t for s in summaries for t in s.tags]),
        member_ids=dedupe([m for s in summaries for m in s.team_member_ids]),
    )
    items = [account_summary_out(s, refs.tags, refs.members) for s in summaries]
    return Listed(items, next_cursor)


def info(ctx: Ctx, account_id: str, *, account_written: bool = False, contacts_written: bool = False) -> AccountOut:
    """The Info tab: three rounds of DynamoDB requests for up to 25 contacts.

    1. Query the account partition (details + contact links), and beside it
       the caller's member item (strongly consistent: a revoked right applies
       at once);
    2. BatchGet the contacts, tags and team members, and beside it Query the
       firm's custom field definitions (all of them, one read of a few KB,
       instead of one read per value shown);
    3. BatchGet the contacts' e-mail settings, the related accounts and the
       QuickBooks connection.
    Everything but the caller is read eventually consistent (half the units),
    except what the request has just written, which an eventually consistent
    read may not show yet (a reply, and its ETag, from before the write):
    ``account_written`` (an edit, a restore, a photo) reads the account
    partition strongly consistent; ``contacts_written`` (a create, with new
    contacts, links and addresses) the contacts and their addresses too.
    """
    caller = ctx.read_member_beside() if ctx.known_member is None else None
    view = ctx.accounts.view(ctx.firm_id, account_id, consistent=account_written or contacts_written)
    me = ctx.adopt_member(caller.result()) if caller is not None else ctx.member
    if view is None or not access.may_open(me, view.account.team_member_ids):
        raise NotFoundError(ACCOUNT_NOT_FOUND)
    account = view.account
    defs = custom_fields.definitions_beside(ctx)
    parts = read_batch(
        ctx.table,
        ctx.firm_id,
        member_ids=account.team_member_ids,
        tag_ids=account.tags,
        contact_ids=[link.contact_id for link in view.links],
        consistent=contacts_written,
    )
    contacts = parts.contacts
    related_ids = sorted({a for c in contacts.values() for a in c.account_ids} - {account.id})
    more = read_batch(
        ctx.table,
        ctx.firm_id,
        email_addresses=[a for c in contacts.values() for a in c.emails],
        account_ids=related_ids,
        quickbooks_connection=True,
        consistent=contacts_written,
    )
    definitions = defs.result()
    related = [r for r in more.accounts.values() if not r.archived and access.may_open(me, r.team_member_ids)]
    return account_out(
        account,
        tags=parts.tags,
        members=parts.members,
        contacts=linked_contacts_out(view.links, contacts, more.emails, definitions),
        related=related,
        defs=definitions,
        quickbooks_connected=more.quickbooks_connected,
    )


# --- validation shared by create and edit -----------------------------------


def _check_refs(
    ctx: Ctx, tags: Sequence[str], team: Sequence[str], extra_contacts: Sequence[str] = ()
) -> dict[str, Contact]:
    """422 for tags and team members the firm does not have; returns the
    existing contacts named in ``extra_contacts`` that exist."""
    found = read_batch(ctx.table, ctx.firm_id, tag_ids=tags, member_ids=team, contact_ids=extra_contacts)
    errors = [FieldError(("body", "tags", i), f"unknown tag {t}") for i, t in enumerate(tags) if t not in found.tags]
    errors += [
        FieldError(("body", "team_member_ids", i), f"unknown member {m}")
        for i, m in enumerate(team)
        if m not in found.members
    ]
    if errors:
        raise UnprocessableError("Some referenced tags or members do not exist.", errors, code="unknown_reference")
    return found.contacts


def _team_with_creator(me: Member, team: list[str]) -> list[str]:
    """An employee who only sees their own accounts joins the team of an account
    they create, so it does not vanish from their list."""
    if not access.opens_every_account(me) and me.id not in team:
        return [*team, me.id]
    return team


# --- writes -----------------------------------------------------------------


def create_account(ctx: Ctx, body: AccountCreate, idem: Idempotency | None) -> str:
    me = ctx.member
    if not access.manages_accounts(me):
        raise ForbiddenError("Creating accounts needs the owner, an admin or the right 'manage accounts'.")
    values = custom_fields.new_values(ctx, "account", body.custom_fields, ("body", "custom_fields"))
    tags = dedupe(body.tags)
    team = _team_with_creator(me, dedupe(body.team_member_ids))
    existing_ids: list[str] = []
    duplicates: list[FieldError] = []
    for i, entry in enumerate(body.contacts):
        if isinstance(entry, ExistingContactLink):
            if entry.contact_id in existing_ids:
                duplicates.append(FieldError(("body", "contacts", i, "contact_id"), "contact listed twice"))
            existing_ids.append(entry.contact_id)
    if duplicates:
        raise UnprocessableError("A contact is listed twice.", duplicates, code="contact_listed_twice")
    found = _check_refs(ctx, tags, team, existing_ids)
    visible = visible_contacts(ctx, list(found.values()))
    errors = [
        FieldError(("body", "contacts", i, "contact_id"), f"unknown contact {c.contact_id}")
        for i, c in enumerate(body.contacts)
        if isinstance(c, ExistingContactLink) and c.contact_id not in visible
    ]
    if errors:
        raise UnprocessableError("Some linked contacts do not exist.", errors, code="unknown_reference")

    now = now_iso()
    account = Account(
        firm_id=ctx.firm_id,
        id=new_id(),
        name=body.name,
        type=body.type,
        tags=tags,
        team_member_ids=team,
        address=body.address.model_dump() if body.address else None,
        custom_fields=values,
        created_at=now,
        updated_at=now,
        created_by=me.id,
        contact_count=len(body.contacts),
        quickbooks_sync_mode=body.quickbooks_sync_mode,
        currency=body.currency or ctx.firm.currency,
    )
    links: list[Link] = []
    new_contacts: list[tuple[Contact, list[Email]]] = []
    seen_addresses: dict[str, tuple[str | int, ...]] = {}
    for i, entry in enumerate(body.contacts):
        if isinstance(entry, ExistingContactLink):
            contact_id = entry.contact_id
        else:
            contact, emails = new_contact(ctx, entry, ("body", "contacts", i), seen_addresses, now)
            contact.account_ids = {account.id}
            new_contacts.append((contact, emails))
            contact_id = contact.id
        links.append(Link(ctx.firm_id, account.id, contact_id, entry.description, entry.signer_priority, now))
    history = custom_fields.history_lines(ctx.firm_id, account.id, me.id, {}, values, now)
    checks = still_defined(ctx.firm_id, [c["field_id"] for c in history if "new" in c])
    size = 1 + len(list_entries(account)) + len(links) * 2 + sum(1 + len(e) for _, e in new_contacts) + 1
    if size + len(history) + len(checks) > MAX_TRANSACTION_ITEMS:
        raise UnprocessableError(
            "Too many contacts, e-mail addresses, tags and team members for one request; "
            "create the account with fewer contacts and link the rest afterwards.",
            code="too_many_changes",
        )
    return idempotent_create(
        ctx, idem, account.id, lambda op: ctx.accounts.create(account, links, new_contacts, op, history, checks)
    )


@dataclass(slots=True)
class Edited:
    """An edit's outcome: the version it left the account at, and the Info tab when the caller wants it."""

    version: int
    info: AccountOut | None


def edit_account(ctx: Ctx, account_id: str, body: AccountPatch, if_match: int | None, *, with_info: bool) -> Edited:
    """``PATCH /accounts/{id}``. Without the Info tab (``Prefer: return=minimal``) nothing is read
    after the write: no contacts, e-mail settings, related accounts or QuickBooks connection."""
    version = patch_account(ctx, account_id, body, if_match)
    return Edited(version, info(ctx, account_id, account_written=True) if with_info else None)


@retried_on_clash
def patch_account(ctx: Ctx, account_id: str, body: AccountPatch, if_match: int | None) -> int:
    """Apply the edit; the account's version after it (unchanged when the edit changes nothing)."""
    old = load_openable(ctx, account_id, for_edit=True)
    if old.archived:
        raise ACCOUNT_ARCHIVED
    guard = version_guard(if_match, old.version)
    changed: dict[str, Any] = {}
    sent = body.model_fields_set
    # Only what differs from the stored account is written: an edit that changes nothing writes nothing and
    # keeps the version (so it costs no other client a 412, and the stream, search and audit see no change).
    if body.name is not None and body.name != old.name:
        changed["name"] = body.name
    if body.type is not None and body.type != old.type:
        changed["type"] = body.type
    if body.quickbooks_sync_mode is not None and body.quickbooks_sync_mode != old.quickbooks_sync_mode:
        changed["quickbooks_sync_mode"] = body.quickbooks_sync_mode
    if "address" in sent and (address := body.address.model_dump() if body.address else None) != old.address:
        changed["address"] = address
    changed.update(_new_currency(old, body.currency))
    if body.custom_fields:
        values = custom_fields.new_values(
            ctx, "account", body.custom_fields, ("body", "custom_fields"), base=old.custom_fields
        )
        if values != old.custom_fields:
            changed["custom_fields"] = values
    tags = dedupe(body.tags) if body.tags is not None else None
    team = dedupe(body.team_member_ids) if body.team_member_ids is not None else None
    if tags is not None or team is not None:
        _check_refs(ctx, tags or [], team or [])
    if tags is not None and tags != old.tags:
        changed["tags"] = tags
    if team is not None and team != old.team_member_ids:
        changed["team_member_ids"] = team
    if not changed:
        return old.version
    return _save(ctx, old, changed, guard)


def _new_currency(old: Account, currency: str | None) -> dict[str, Any]:
    """A currency change: only while the account has no invoices and no credit (its amounts are in it)."""
    if currency is None or currency == old.currency:
        return {}
    if old.billing_count > 0 or old.credit_balance != 0:
        raise ConflictError(
            f"The account has invoices or credit in {old.currency}; its currency can no longer change.",
            code="currency_locked",
        )
    return {"currency": currency}


def _save(ctx: Ctx, old: Account, changed: dict[str, Any], guard: Condition) -> int:
    """The change and, for custom field values, its history lines: one
    transaction, so neither is ever written without the other. The version
    written: the update is conditioned on ``old.version`` and adds one to it."""
    changed["updated_at"] = now = now_iso()
    new = from_item(Account, {**to_item(old), **changed})
    history = custom_fields.history_lines(old.firm_id, old.id, ctx.member.id, old.custom_fields, new.custom_fields, now)
    checks = still_defined(old.firm_id, [c["field_id"] for c in history if "new" in c])
    # A currency change is conditioned on the account still having no invoices and no credit.
    ctx.accounts.update(old, new, changed, guard, history, checks, money_free="currency" in changed)
    return old.version + 1


@retried_on_clash
def set_archived(ctx: Ctx, account_id: str, archived: bool, if_match: int | None) -> None:
    old = load_openable(ctx, account_id, for_edit=True)
    guard = version_guard(if_match, old.version)
    if old.archived == archived:
        return
    _save(ctx, old, {"archived": archived}, guard)


# --- the photo ------------------------------------------------------------------


@retried_on_clash
def set_photo(ctx: Ctx, account_id: str, data: bytes, if_match: int | None) -> None:
    """Check the upload by its content, store it under a new key (a new URL,
    so no cache shows the old one), point the account at it, then delete the
    old object. A failed account update deletes the new object again."""
    old = load_openable(ctx, account_id, for_edit=True)
    if old.archived:
        raise ACCOUNT_ARCHIVED
    guard = version_guard(if_match, old.version)
    try:
        photo = photos.inspect(data)
    except photos.BadPhoto as exc:
        raise BadRequestError(str(exc), [FieldError(("body",), str(exc))]) from exc
    key = f"{ctx.firm_id}/{account_id}/photo-{new_id()}.{photo.extension}"
    store = PhotoStore.from_settings()
    store.put(key, data, photo.content_type)
    try:
        _save(ctx, old, {"photo_key": key}, guard)
    except Exception:
        _forget(store, key)  # never hides the error that is being raised
        raise
    _forget(store, old.photo_key)


@retried_on_clash
def remove_photo(ctx: Ctx, account_id: str, if_match: int | None) -> None:
    old = load_openable(ctx, account_id, for_edit=True)
    if old.archived:
        raise ACCOUNT_ARCHIVED
    guard = version_guard(if_match, old.version)
    if old.photo_key is None:
        return
    _save(ctx, old, {"photo_key": None}, guard)
    _forget(PhotoStore.from_settings(), old.photo_key)


def _forget(store: PhotoStore, key: str | None) -> None:
    """Delete a photo nothing points to any more; a failure only leaves an orphan."""
    if not key:
        return
    try:
        store.delete(key)
    except Exception:
        log.warning("could not delete an old account photo; it is orphaned")
