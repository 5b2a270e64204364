"""Contacts (people) and their e-mail addresses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.domain import access
from chalicelib.domain import search_terms as rules
from chalicelib.domain.entities import Contact, CustomField, Email
from chalicelib.domain.errors import (
    ConflictError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    PreconditionFailedError,
    UnprocessableError,
)
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.domain.models.accounts import AccountRef
from chalicelib.domain.models.people import (
    ContactCreate,
    ContactFields,
    ContactOut,
    ContactPatch,
    EmailAdd,
    EmailOut,
    EmailSettingsPatch,
)
from chalicelib.domain.search_people import Person
from chalicelib.domain.text import email_key, fold
from chalicelib.repo.accounts import read_batch
from chalicelib.repo.firms import version_guard
from chalicelib.repo.paging import decode_cursor, encode_cursor
from chalicelib.repo.records import from_item, to_item
from chalicelib.services import custom_fields, portal
from chalicelib.services.clashes import retried_on_clash
from chalicelib.services.context import Ctx, idempotent_create
from chalicelib.services.views import account_ref, contact_out, email_out

CONTACT_NOT_FOUND = "Contact not found."
WRITE_RETRIES = 3


def openable_account_ids(ctx: Ctx, account_ids: Sequence[str]) -> set[str]:
    """Which of ``account_ids`` the caller may open (one BatchGet when restricted)."""
    me = ctx.member
    if access.opens_every_account(me) or not account_ids:
        return set(account_ids)
    found = read_batch(ctx.table, ctx.firm_id, account_ids=sorted(set(account_ids)))
    return {a for a, s in found.accounts.items() if access.may_open(me, s.team_member_ids)}


def visible_contacts(ctx: Ctx, contacts: Sequence[Contact]) -> dict[str, Contact]:
    me = ctx.member
    openable = openable_account_ids(ctx, sorted({a for c in contacts for a in c.account_ids}))
    return {c.id: c for c in contacts if access.may_see_contact(me, c, openable)}


def load_visible(ctx: Ctx, contact_id: str, *, for_edit: bool) -> Contact:
    contact = ctx.contacts.get(ctx.firm_id, contact_id, consistent=True)
    if contact is None or contact.id not in visible_contacts(ctx, [contact]):
        raise NotFoundError(CONTACT_NOT_FOUND)
    if for_edit and not access.manages_accounts(ctx.member):
        raise ForbiddenError("Editing contacts needs the owner, an admin or the right 'manage accounts'.")
    return contact


def new_contact(
    ctx: Ctx,
    fields: ContactFields,
    loc: tuple[str | int, ...],
    seen_addresses: dict[str, tuple[str | int, ...]],
    now: str,
) -> tuple[Contact, list[Email]]:
    """A new contact and its e-mail items; ``seen_addresses`` catches an address
    given twice within one request (the table catches it across requests)."""
    values = custom_fields.new_values(ctx, "contact", fields.custom_fields, (*loc, "custom_fields"))
    if not (fields.first_name or fields.last_name or fields.emails):
        raise UnprocessableError(
            "A contact needs a first name, a last name or an e-mail address.",
            [FieldError((*loc, "first_name"), "give a name or an e-mail address")],
            code="name_or_email_required",
        )
    contact = Contact(
        firm_id=ctx.firm_id,
        id=new_id(),
        first_name=fields.first_name,
        middle_name=fields.middle_name,
        last_name=fields.last_name,
        phones=[p.model_dump() for p in fields.phones],
        address=fields.address.model_dump() if fields.address else None,
        custom_fields=values,
        emails=[],
        account_ids=set(),
        created_at=now,
        updated_at=now,
        created_by=ctx.claims.member_id,
        language=fields.language or ctx.firm.language,
    )
    emails: list[Email] = []
    for j, address in enumerate(fields.emails):
        norm = email_key(address)
        if norm in seen_addresses:
            raise UnprocessableError(
                f"The e-mail address {address} is given twice.",
                [FieldError((*loc, "emails", j), "duplicate address")],
                code="duplicate_email",
            )
        seen_addresses[norm] = (*loc, "emails", j)
        contact.emails.append(address)
        emails.append(Email(firm_id=ctx.firm_id, address=address, contact_id=contact.id, created_at=now))
    return contact, emails


# --- contacts -----------------------------------------------------------------


def get_contact(ctx: Ctx, contact_id: str, *, emails_written: bool = False) -> ContactOut:
    """The contact (always read strongly consistent) and its addresses' settings, read eventually
    consistent unless the request has just written them (``emails_written``: a create, a merge's moved
    addresses), which an eventually consistent read may not show yet."""
    contact = load_visible(ctx, contact_id, for_edit=False)
    emails = ctx.contacts.emails_of([contact], consistent=emails_written)
    return contact_out(contact, emails, _definitions_for(ctx, [contact]))


@dataclass(slots=True)
class ContactPage:
    items: list[ContactOut]
    next_cursor: str | None


# Contacts one filtered page reads at most (0.5 RRU per 4 KB of them); a
# page may hold fewer matches than asked, with a cursor to read on.
FILTER_BUDGET = 1000


def _matches(terms: list[rules.Term]) -> Callable[[Contact], bool]:
    """As search matches an account (``search_terms.match``), with the
    contact's names as the name: every word starts a word of its names or is
    part of one same address of its, or every word matches its names or 4+
    digits of one of its phone numbers."""

    def test(contact: Contact) -> bool:
        person = Person(
            contact.id,
            contact.first_name,
            contact.middle_name,
            contact.last_name,
            tuple(p.get("number", "") for p in contact.phones),
        )
        return rules.match(terms, person.name, contact.emails, [person]) is not None

    return test


def list_contacts(ctx: Ctx, *, limit: int, cursor: str | None, q: str | None = None) -> ContactPage:
    """Contacts the caller may see, alphabetically by display name; with
    ``q``, those it finds (a page reads at most ``FILTER_BUDGET`` contacts)."""
    me = ctx.member
    terms = None if q is None else rules.parse_query(q)
    if terms is not None and any(t.matches_nothing for t in terms):
        return ContactPage([], None)  # a phone number of fewer than 4 digits
    restricted = not access.opens_every_account(me)
    mine = ctx.accounts.team_account_ids(ctx.firm_id, me.id) if restricted else set()
    tests: list[Callable[[Contact], bool]] = []
    if restricted:
        tests.append(lambda contact: access.may_see_contact(me, contact, mine))
    if terms is not None:
        tests.append(_matches(terms))
    contacts, next_cursor = ctx.contacts.list_page(
        ctx.firm_id,
        viewer_id=me.id,
        cursor=cursor,
        limit=limit,
        visible=(lambda contact: all(t(contact) for t in tests)) if tests else None,
        query=q,
        budget=None if terms is None else FILTER_BUDGET,
    )
    emails = ctx.contacts.emails_of(contacts)
    defs = _definitions_for(ctx, contacts)
    return ContactPage([contact_out(c, emails, defs) for c in contacts], next_cursor)


def _definitions_for(ctx: Ctx, contacts: Sequence[Contact]) -> dict[str, CustomField]:
    """The field definitions, read only when a contact has custom values to show."""
    return custom_fields.definitions(ctx) if any(c.custom_fields for c in contacts) else {}


def create_contact(ctx: Ctx, body: ContactCreate, idem: Idempotency | None) -> str:
    if not access.manages_accounts(ctx.member):
        raise ForbiddenError("Creating contacts needs the owner, an admin or the right 'manage accounts'.")
    contact, emails = new_contact(ctx, body, ("body",), {}, now_iso())
    return idempotent_create(ctx, idem, contact.id, lambda op: ctx.contacts.create(contact, emails, op))


@retried_on_clash
def patch_contact(ctx: Ctx, contact_id: str, body: ContactPatch, if_match: int | None) -> int:
    """Apply the edit; the contact's version after it (the update is conditioned on the version read and
    adds one; unchanged when the edit changes nothing)."""
    contact = load_visible(ctx, contact_id, for_edit=True)
    guard = version_guard(if_match, contact.version)
    # Only what differs from the stored contact is written: an edit that changes nothing writes nothing and
    # keeps the version (as for accounts: services/accounts.patch_account).
    changed: dict[str, Any] = {}
    for name in ("first_name", "middle_name", "last_name"):
        value = getattr(body, name)
        if value is not None and value != getattr(contact, name):
            changed[name] = value
    if body.language is not None and body.language != contact.language:
        changed["language"] = body.language
    if body.phones is not None and (phones := [p.model_dump() for p in body.phones]) != contact.phones:
        changed["phones"] = phones
    if "address" in body.model_fields_set:
        address = body.address.model_dump() if body.address else None
        if address != contact.address:
            changed["address"] = address
    if body.custom_fields:
        values = custom_fields.new_values(
            ctx, "contact", body.custom_fields, ("body", "custom_fields"), base=contact.custom_fields
        )
        if values != contact.custom_fields:
            changed["custom_fields"] = values
    if not changed:
        return contact.version
    renamed = from_item(Contact, {**to_item(contact), **changed})
    if not (renamed.first_name or renamed.last_name or renamed.emails):
        raise UnprocessableError(
            "A contact needs a first name, a last name or an e-mail address.", code="name_or_email_required"
        )
    changed["updated_at"] = now_iso()
    ctx.contacts.update(renamed, changed, guard)  # its place in the contacts list follows its name
    return contact.version + 1


def contact_accounts(
    ctx: Ctx, contact_id: str, *, limit: int, cursor: str | None
) -> tuple[list[AccountRef], str | None]:
    """Accounts the contact is linked to that the caller may open, alphabetically."""
    contact = load_visible(ctx, contact_id, for_edit=False)
    me = ctx.member
    found = read_batch(ctx.table, ctx.firm_id, account_ids=sorted(contact.account_ids))
    rows = sorted(
        (s for s in found.accounts.values() if not s.archived and access.may_open(me, s.team_member_ids)),
        key=lambda s: (fold(s.name), s.id),
    )
    scope = f"contact-accounts|{ctx.firm_id}|{me.id}|{contact_id}"
    if cursor:
        after = decode_cursor(scope, cursor, fields=("name", "id"))
        marker = (after["name"], after["id"])
        rows = [s for s in rows if (fold(s.name), s.id) > marker]
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor(scope, {"name": fold(page[-1].name), "id": page[-1].id})
    return [account_ref(s) for s in page], next_cursor


# --- e-mail addresses -----------------------------------------------------------


def _email_of(ctx: Ctx, contact: Contact, address: str) -> Email:
    email = ctx.contacts.get_email(ctx.firm_id, address, consistent=True)
    if email is None or email.contact_id != contact.id:
        raise NotFoundError("The contact has no such e-mail address.")
    return email


def get_email(ctx: Ctx, contact_id: str, address: str) -> EmailOut:
    contact = load_visible(ctx, contact_id, for_edit=False)
    return email_out(_email_of(ctx, contact, address))


def add_email(ctx: Ctx, contact_id: str, body: EmailAdd, idem: Idempotency | None) -> str:
    contact = load_visible(ctx, contact_id, for_edit=True)
    now = now_iso()
    email = Email(firm_id=ctx.firm_id, address=body.address, contact_id=contact.id, created_at=now)
    idempotent_create(ctx, idem, email.address, lambda op: ctx.contacts.add_email(contact, email, now, op))
    return email.address


@retried_on_clash
def patch_email(ctx: Ctx, contact_id: str, address: str, body: EmailSettingsPatch, if_match: int | None) -> str:
    """Change an address's settings (the address, as corrected, is answered).
    ``login``: ``none`` revokes portal access and any outstanding invitation;
    ``invited`` (from ``none``) sends the invitation, like POST .../invite;
    ``active`` comes only from accepting it. ``address`` corrects the address
    itself (``correct_address``)."""
    contact = load_visible(ctx, contact_id, for_edit=True)
    email = _email_of(ctx, contact, address)
    guard = version_guard(if_match, email.version)
    changed: dict[str, Any] = {}
    for name in ("notify", "email_sync", "signing_authority"):
        value = getattr(body, name)
        if value is not None:
            changed[name] = value
    if body.notification_preferences is not None:
        changed["notification_preferences"] = {**email.notification_preferences, **body.notification_preferences}
    if body.login == "active" and email.login != "active":
        raise UnprocessableError(
            "Portal login becomes active only when the person accepts the invitation.",
            [FieldError(("body", "login"), "set 'invited' or 'none'")],
            code="login_not_settable",
        )
    if body.login == "invited" and email.login == "active":
        raise ConflictError(
            f"{email.address} already has portal access; set its login to none to revoke it first.",
            code="portal_access_active",
        )
    if body.login == "none" and email.login != "none":
        changed.update(portal.revoke_fields())
    if body.address is not None and body.address != email.address:
        return correct_address(ctx, contact, email, body.address, changed, invite=body.login == "invited")
    if body.login == "invited" and email.login == "none":
        portal.invite(ctx, email, changed, if_match)
        return email.address
    if changed:
        ctx.contacts.update_email(email, changed, guard)
    return email.address


def correct_address(
    ctx: Ctx, contact: Contact, email: Email, address: str, changed: dict[str, Any], *, invite: bool
) -> str:
    """Correct a typo in an address: the same settings (and ``changed``) under
    the new address, atomically (``ContactRepo.correct_email``; taken → 409
    ``email_taken``, nothing written). An active login stays active; an
    invitation's earlier tokens die with the old address and a new one is
    mailed to the new address (also with ``invite``, from login none). A
    delivery problem was the old address's: it is cleared."""
    index = next((i for i, a in enumerate(contact.emails) if email_key(a) == email_key(email.address)), None)
    if index is None:
        raise NotFoundError("The contact has no such e-mail address.")
    invited = email.login == "invited" and changed.get("login") != "none"
    fields = {
        **changed,
        "address": address,
        "version": email.version + 1,
        "delivery_problem": None,
        "delivery_problem_at": None,
        **(portal.revoke_fields() | {"login": "invited"} if invited else {}),
    }
    corrected = replace(email, **fields)
    ctx.contacts.correct_email(contact, email, corrected, index, now_iso())
    if invited or (invite and email.login == "none"):
        for _ in range(WRITE_RETRIES):
            try:
                portal.invite(ctx, _email_of(ctx, contact, address), {}, None)
                break
            except PreconditionFailedError:
                continue  # changed meanwhile: read it again
    return address


def invite_email(ctx: Ctx, contact_id: str, address: str) -> Email:
    """Send (or resend) the portal invitation to one of a contact's addresses.
    No If-Match here: a concurrent change of the address is read again."""
    contact = load_visible(ctx, contact_id, for_edit=True)
    for _ in range(WRITE_RETRIES):
        try:
            return portal.invite(ctx, _email_of(ctx, contact, address), {}, None)
        except PreconditionFailedError:
            continue
    raise ConflictError("The address is being changed; retry the invitation.", code="busy")


@retried_on_clash
def remove_email(ctx: Ctx, contact_id: str, address: str, if_match: int | None) -> None:
    contact = load_visible(ctx, contact_id, for_edit=True)
    email = _email_of(ctx, contact, address)
    version_guard(if_match, email.version)  # the address's ETag is the one a client holds
    guard = version_guard(None, contact.version)
    if len(contact.emails) <= 1:
        raise ConflictError(
            "A contact keeps at least one e-mail address; add another before removing this one.", code="last_email"
        )
    index = next((i for i, a in enumerate(contact.emails) if email_key(a) == email_key(address)), None)
    if index is None:
        raise NotFoundError("The contact has no such e-mail address.")
    ctx.contacts.remove_email(contact, email, index, now_iso(), guard)
