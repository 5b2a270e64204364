"""One CSV row of an account import: what it would do (``plan``) and doing it (``apply``), through the
use cases of accounts, contacts, links and tags, so search, the overview, custom field history and every
rule stay as the API keeps them. A dry run plans only; the real run plans each row against the firm as the
rows before it left it, then applies the plan.

Matching (docs/api.md, "CSV import"):
- the contact by ``contact_email``, case-insensitively (the address's item: one GetItem);
- the account by ``account_id``; without it, the account of that contact whose name is the row's
  ``account_name`` (case- and accent-insensitively), else a new account. An ``account_id`` this firm does not
  have is another system's (or another firm's export's) reference: matched as without it, and else as the
  account an earlier row with the same reference matched or created (found through that row's contact), so
  the rows of one exported account make one account;
- tags by name (an unknown name is a new tag: importers are owners and admins, who may manage tags),
  team members by e-mail (unknown: the row fails), custom fields by label (resolved for the whole file).
A non-empty cell sets its value (a tags cell sets the account's tags to exactly those); an empty cell keeps it.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from chalicelib.domain import csv_import, field_values
from chalicelib.domain.csv_import import CellError, ImportRow, Outcome
from chalicelib.domain.entities import Account, Contact, CustomField, Member, Tag
from chalicelib.domain.errors import ConflictError, DossierError, FieldError
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.models.accounts import AccountCreate, AccountPatch
from chalicelib.domain.models.base import MAX_PHONES
from chalicelib.domain.models.people import ContactPatch, ExistingContactLink, LinkPatch, NewContactLink, TagCreate
from chalicelib.domain.text import email_key, fold
from chalicelib.repo.accounts import read_batch
from chalicelib.services import accounts, contacts, links, tags
from chalicelib.services.context import Ctx

DEFAULT_ACCOUNT_TYPE: Literal["other"] = "other"  # a new account whose row gives no account_type
IDEMPOTENCY_ROUTE = "IMPORT"
REFERENCE_TRIES = 5  # earlier rows of an external account_id looked at (each ≤ 2 reads): bounded per row


class RowFailed(Exception):
    def __init__(self, errors: list[CellError]) -> None:
        super().__init__(errors[0].msg if errors else "row failed")
        self.errors = errors


@dataclass(slots=True)
class Catalogue:
    """The firm's tags, members and the file's custom fields, read once per chunk, and the account_id cells of
    the rows before each row (a chunk's rows, and the references carried from before them)."""

    tags: dict[str, Tag]  # by folded name
    members: dict[str, Member]  # by e-mail key (active members only)
    fields: dict[str, CustomField]  # by the label as the header gives it
    references: dict[str, list[tuple[int, str]]]  # account_id cell -> its rows' (number, contact_email), in order

    @classmethod
    def read(
        cls,
        ctx: Ctx,
        fields: dict[str, CustomField],
        rows: list[dict[str, str]],
        *,
        first: int = 1,
        carried: Mapping[str, Sequence[tuple[int, str]]] | None = None,
    ) -> Catalogue:
        """``rows`` are rows ``first``.. of the file; ``carried`` (csv_import.carried_references) gives the
        first rows of each reference that also has rows before ``first`` (those at ``first`` or later are read)."""
        references = {r: [(n, a) for n, a in pairs if n < first] for r, pairs in (carried or {}).items()}
        for number, cells in enumerate(rows, start=first):
            reference = cells.get("account_id", "").strip()
            if reference:
                references.setdefault(reference, []).append((number, cells.get("contact_email", "").strip()))
        return cls(
            {fold(t.name): t for t in ctx.firms.list_tags(ctx.firm_id)},
            {email_key(m.email): m for m in ctx.firms.list_members(ctx.firm_id) if m.status == "active"},
            fields,
            references,
        )


@dataclass(slots=True)
class Plan:
    """What one row does; ``outcome`` is what the dry run reports and the real run counts."""

    row: int
    outcome: Outcome
    new_tags: list[str] = field(default_factory=list)
    create: AccountCreate | None = None
    account: Account | None = None  # the matched account
    account_patch: AccountPatch | None = None
    contact: Contact | None = None  # the matched contact
    contact_patch: ContactPatch | None = None
    link_new: NewContactLink | None = None
    link_existing: ExistingContactLink | None = None
    link_patch: LinkPatch | None = None
    tag_names: list[str] = field(default_factory=list)


def _fail(row: int, column: str | None, msg: str, code: str) -> RowFailed:
    return RowFailed([CellError(row, column, msg, code)])


def _custom_values(cat: Catalogue, n: int, row: ImportRow) -> tuple[dict[str, Any], dict[str, Any]]:
    """The row's custom cells as stored values, split by target (account, contact)."""
    errors: list[CellError] = []
    out: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
    for label, text in row.custom.items():
        definition = cat.fields[label]
        column = csv_import.CUSTOM_PREFIX + label
        text, escaped = csv_import.unescaped(text)
        textual = definition.kind in ("text", "dropdown", "email", "address")
        if textual and not escaped and csv_import.formula_like(text):
            errors.append(CellError(n, column, "starts like a spreadsheet formula; not imported", "formula_cell"))
            continue
        try:
            value = csv_import.custom_value(definition.kind, definition.options, text)
            stored = field_values.stored(
                field_values.Definition(definition.id, definition.kind, tuple(definition.options)), value
            )
        except (csv_import.BadCell, field_values.BadValue) as exc:
            errors.append(CellError(n, column, f"{definition.label} ({definition.kind}): {exc}", "invalid_value"))
            continue
        out[0 if definition.target == "account" else 1][definition.id] = field_values.as_json(stored)
    if errors:
        raise RowFailed(errors)
    return out


def _team(cat: Catalogue, n: int, row: ImportRow) -> list[str] | None:
    if row.team_member_emails is None:
        return None
    unknown = [e for e in row.team_member_emails if email_key(e) not in cat.members]
    if unknown:
        raise _fail(n, "team_member_emails", f"no active member with e-mail {', '.join(unknown)}", "unknown_member")
    return list(dict.fromkeys(cat.members[email_key(e)].id for e in row.team_member_emails))


def _find_account(ctx: Ctx, cat: Catalogue, n: int, row: ImportRow, contact: Contact | None) -> Account | None:
    if row.account_id is not None:
        # Always read in this firm's partition: another firm's id is merely unknown here.
        account = ctx.accounts.get(ctx.firm_id, row.account_id, consistent=True)
        if account is not None:
            if account.archived:
                raise _fail(n, "account_id", "the account is archived; restore it first", "account_archived")
            return account
    found = _named_account(ctx, row, contact)
    if found is not None or row.account_id is None:
        return found
    # An external reference: the account an earlier row with it made, found through that row's contact.
    own = email_key(row.contact_email) if row.contact_email else None
    # Each address once (the carried references keep each once): REFERENCE_TRIES different contacts at most.
    tries: dict[str, str] = {}
    for number, address in cat.references.get(row.account_id, []):
        if number < n and address and email_key(address) != own:
            tries.setdefault(email_key(address), address)
    for address in list(tries.values())[:REFERENCE_TRIES]:
        email = ctx.contacts.get_email(ctx.firm_id, address, consistent=True)
        other = ctx.contacts.get(ctx.firm_id, email.contact_id, consistent=True) if email else None
        found = _named_account(ctx, row, other)
        if found is not None:
            return found
    return None


def _named_account(ctx: Ctx, row: ImportRow, contact: Contact | None) -> Account | None:
    """The account of ``contact`` that has the row's ``account_name`` (the first by id if several)."""
    if contact is None or not contact.account_ids or row.account_name is None:
        return None
    found = read_batch(ctx.table, ctx.firm_id, account_ids=sorted(contact.account_ids), consistent=True)
    name = fold(row.account_name)
    same = sorted(a.id for a in found.accounts.values() if not a.archived and fold(a.name) == name)
    return ctx.accounts.get(ctx.firm_id, same[0], consistent=True) if same else None


def _model(model: Any, n: int, values: dict[str, Any]) -> Any:
    """An input model of the API from the row's values: its rules (lengths, counts) are the API's."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _fail(n, None, f"{where}: {first['msg']}", "invalid_value") from exc


def plan(ctx: Ctx, cat: Catalogue, n: int, row: ImportRow) -> Plan:
    """What the row does to the firm as it is now; RowFailed names the bad cells."""
    account_values, contact_values = _custom_values(cat, n, row)
    team = _team(cat, n, row)
    tag_names = row.tags or []
    new_tags = [t for t in tag_names if fold(t) not in cat.tags]
    tag_ids = None if row.tags is None else [cat.tags[fold(t)].id for t in tag_names if fold(t) in cat.tags]
    contact: Contact | None = None
    if row.contact_email is not None:
        email = ctx.contacts.get_email(ctx.firm_id, row.contact_email, consistent=True)
        contact = ctx.contacts.get(ctx.firm_id, email.contact_id, consistent=True) if email else None
    elif row.account_id is None:
        raise _fail(n, "contact_email", "give contact_email (or account_id) to match the row", "contact_email_required")
    account = _find_account(ctx, cat, n, row, contact)
    person = _person(row, contact_values)
    result = Plan(n, "unchanged", new_tags=new_tags, account=account, contact=contact, tag_names=tag_names)
    if account is None:
        result.create = _creation(n, row, contact, person, tag_ids, team, account_values)
        result.outcome = "created"
        if contact is not None:
            result.contact_patch = _contact_patch(n, contact, person)
        return result
    result.account_patch = _account_patch(n, account, row, tag_ids, new_tags, team, account_values)
    _plan_contact(ctx, n, row, result, account, person)
    if result.outcome == "unchanged" and (
        result.account_patch or result.contact_patch or result.link_existing or result.link_patch
    ):
        result.outcome = "updated"
    return result


def _creation(
    n: int,
    row: ImportRow,
    contact: Contact | None,
    person: dict[str, Any],
    tag_ids: list[str] | None,
    team: list[str] | None,
    account_values: dict[str, Any],
) -> AccountCreate:
    if row.account_name is None:
        raise _fail(n, "account_name", "a new account needs a name", "account_name_required")
    if contact is None and not person and row.contact_email is None:
        raise _fail(n, "contact_email", "a new account needs a contact", "contact_required")
    entry: dict[str, Any] = ({"contact_id": contact.id} if contact else {**person, "emails": _emails(row)}) | (
        _description(row)
    )
    values = {
        "name": row.account_name,
        "type": row.account_type or DEFAULT_ACCOUNT_TYPE,
        "tags": tag_ids or [],
        "team_member_ids": team or [],
        "custom_fields": account_values,
        "contacts": [entry],
    }
    created: AccountCreate = _model(AccountCreate, n, values)
    return created


def _plan_contact(ctx: Ctx, n: int, row: ImportRow, result: Plan, account: Account, person: dict[str, Any]) -> None:
    """The contact part of a row on a known account: link a new or known contact, or update it and its link."""
    contact = result.contact
    if contact is None and row.contact_email is None:
        contact = result.contact = _named_contact(ctx, account, row)
    if contact is None:
        if person or row.contact_email:
            result.link_new = _model(NewContactLink, n, {**person, "emails": _emails(row), **_description(row)})
            result.outcome = "created"
        return
    result.contact_patch = _contact_patch(n, contact, person)
    link = ctx.accounts.get_link(ctx.firm_id, account.id, contact.id)
    if link is None:
        result.link_existing = _model(ExistingContactLink, n, {"contact_id": contact.id, **_description(row)})
    elif row.contact_description is not None and row.contact_description != link.description:
        result.link_patch = LinkPatch(description=row.contact_description)


def _emails(row: ImportRow) -> list[str]:
    return [row.contact_email] if row.contact_email else []


def _description(row: ImportRow) -> dict[str, str]:
    return {"description": row.contact_description} if row.contact_description is not None else {}


def _person(row: ImportRow, contact_values: dict[str, Any]) -> dict[str, Any]:
    """The contact's fields the row sets."""
    person: dict[str, Any] = {}
    if row.contact_first_name is not None:
        person["first_name"] = row.contact_first_name
    if row.contact_last_name is not None:
        person["last_name"] = row.contact_last_name
    if row.contact_phone is not None:
        person["phones"] = [{"number": row.contact_phone}]
    if contact_values:
        person["custom_fields"] = contact_values
    return person


def _named_contact(ctx: Ctx, account: Account, row: ImportRow) -> Contact | None:
    """A row without an e-mail address on a known account: the linked contact with the row's names."""
    view = ctx.accounts.view(ctx.firm_id, account.id, consistent=True)
    if view is None or (row.contact_first_name is None and row.contact_last_name is None):
        return None
    found = read_batch(ctx.table, ctx.firm_id, contact_ids=[link.contact_id for link in view.links])
    wanted = (fold(row.contact_first_name or ""), fold(row.contact_last_name or ""))
    same = sorted(c.id for c in found.contacts.values() if (fold(c.first_name), fold(c.last_name)) == wanted)
    return found.contacts[same[0]] if same else None


def _account_patch(
    n: int,
    account: Account,
    row: ImportRow,
    tag_ids: list[str] | None,
    new_tags: list[str],
    team: list[str] | None,
    values: dict[str, Any],
) -> AccountPatch | None:
    changed: dict[str, Any] = {}
    if row.account_id == account.id and row.account_name is not None and row.account_name != account.name:
        changed["name"] = row.account_name
    if row.account_type is not None and row.account_type != account.type:
        changed["type"] = row.account_type
    if tag_ids is not None and (new_tags or set(tag_ids) != set(account.tags)):
        changed["tags"] = tag_ids  # the new tags' ids are added when they exist (apply)
    if team is not None and set(team) != set(account.team_member_ids):
        changed["team_member_ids"] = team
    custom = {k: v for k, v in values.items() if field_values.as_json(account.custom_fields.get(k)) != v}
    if custom:
        changed["custom_fields"] = custom
    return _model(AccountPatch, n, changed) if changed else None


def _contact_patch(n: int, contact: Contact, person: dict[str, Any]) -> ContactPatch | None:
    changed: dict[str, Any] = {}
    for name in ("first_name", "last_name"):
        if name in person and person[name] != getattr(contact, name):
            changed[name] = person[name]
    if "phones" in person:
        number = person["phones"][0]["number"]
        if number not in [p.get("number") for p in contact.phones]:
            changed["phones"] = [{"number": number}, *contact.phones][:MAX_PHONES]
    values = person.get("custom_fields", {})
    custom = {k: v for k, v in values.items() if field_values.as_json(contact.custom_fields.get(k)) != v}
    if custom:
        changed["custom_fields"] = custom
    return _model(ContactPatch, n, changed) if changed else None


# --- the real run ---------------------------------------------------------------------------------


def _idem(ctx: Ctx, job_id: str, run: int, n: int, step: str) -> Idempotency:
    """A create's key per job, run, row and step: a rerun chunk replays the create instead of creating twice."""
    digest = hashlib.sha256(f"{job_id}:{run}:{n}:{step}".encode()).hexdigest()
    return Idempotency(ctx.firm_id, ctx.claims.member_id, IDEMPOTENCY_ROUTE, f"{job_id}:{run}:{n}:{step}", digest)


def _ensure_tags(ctx: Ctx, cat: Catalogue, names: list[str]) -> None:
    for name in names:
        if fold(name) in cat.tags:
            continue
        with contextlib.suppress(ConflictError):  # created meanwhile (a rerun, another import): read below
            tags.create_tag(ctx, TagCreate(name=name), None)
        cat.tags = {fold(t.name): t for t in ctx.firms.list_tags(ctx.firm_id)}


def apply(ctx: Ctx, cat: Catalogue, job_id: str, run: int, p: Plan) -> None:
    """Do what the plan says; a refusal of the API's rules (409, 422, ...) fails the row (RowFailed)."""
    try:
        _ensure_tags(ctx, cat, p.new_tags)
        tag_ids = [cat.tags[fold(t)].id for t in p.tag_names]
        if p.create is not None:
            body = p.create.model_copy(update={"tags": tag_ids}) if p.tag_names else p.create
            accounts.create_account(ctx, body, _idem(ctx, job_id, run, p.row, "account"))
        elif p.account is not None:
            if p.account_patch is not None:
                patch = p.account_patch
                if "tags" in patch.model_fields_set:
                    patch = patch.model_copy(update={"tags": tag_ids})
                accounts.patch_account(ctx, p.account.id, patch, None)
            if p.link_new is not None:
                links.link_contact(ctx, p.account.id, p.link_new, _idem(ctx, job_id, run, p.row, "contact"))
            if p.link_existing is not None:
                links.link_contact(ctx, p.account.id, p.link_existing, _idem(ctx, job_id, run, p.row, "link"))
            if p.link_patch is not None and p.contact is not None:
                links.patch_link(ctx, p.account.id, p.contact.id, p.link_patch, None)
        if p.contact_patch is not None and p.contact is not None:
            contacts.patch_contact(ctx, p.contact.id, p.contact_patch, None)
    except DossierError as exc:
        raise RowFailed([_row_error(p.row, exc)]) from exc


def _row_error(n: int, exc: DossierError) -> CellError:
    first: FieldError | None = exc.errors[0] if exc.errors else None
    column = _COLUMN_OF.get(str(first.loc[-1])) if first and first.loc else None
    return CellError(n, column, str(exc) if first is None else f"{exc} {first.msg}", exc.problem_code)


_COLUMN_OF = {"emails": "contact_email", "tags": "tags", "team_member_ids": "team_member_emails"}
