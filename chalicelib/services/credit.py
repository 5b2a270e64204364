"""Credit: an account's ledger of credit added and applied, and paying an unpaid invoice from it atomically."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from chalicelib.domain import access
from chalicelib.domain.currencies import checked_amount
from chalicelib.domain.entities import Account
from chalicelib.domain.errors import (
    ConcurrentWriteError,
    ConflictError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    UnprocessableError,
)
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.domain.sections import (
    SECTIONS,
    Item,
    Names,
    money_out,
)
from chalicelib.repo.accounts import ACCOUNT_ARCHIVED
from chalicelib.repo.activity import (
    credit_record,
    item_record,
    public,
)
from chalicelib.services.activity import ITEM_NOT_FOUND, WRITE_RETRIES, Listed, item_out, names_for, open_account
from chalicelib.services.context import Ctx, idempotent_create
from chalicelib.services.openable import load_openable_with


def _editable(ctx: Ctx, account_id: str) -> Account:
    return _editable_with(ctx, account_id, None)[0]


def _editable_with(ctx: Ctx, account_id: str, invoice_id: str | None) -> tuple[Account, Item | None]:
    """The account (404, 409 when archived, 403 without the right to edit it) and, read in the same
    request, one of its invoices (None when it does not exist)."""
    item = ("invoices", invoice_id) if invoice_id is not None else None
    account, invoice = load_openable_with(ctx, account_id, item, for_edit=False)
    if account.archived:
        raise ACCOUNT_ARCHIVED
    if not access.may_edit(ctx.member, account.team_member_ids):
        raise ForbiddenError("Credit needs the owner, an admin or the right 'manage accounts'.")
    return account, invoice


def _credit_entry(ctx: Ctx, account_id: str, kind: str, amount: Decimal, note: str, invoice_id: str | None) -> Item:
    entry_id = new_id()
    fields = {
        "kind": kind,
        "amount": amount,
        "note": note,
        "invoice_id": invoice_id,
        "created_at": now_iso(),
        "created_by": ctx.member.id,
    }
    return credit_record(ctx.firm_id, account_id, entry_id, fields)


def credit_out(entry: Mapping[str, Any], currency: str, names: Names) -> Item:
    return {
        "id": entry["id"],
        "kind": entry["kind"],
        "amount": money_out(entry["amount"], currency),
        "currency": currency,
        "note": entry.get("note", ""),
        "invoice_id": entry.get("invoice_id"),
        "created_at": entry["created_at"],
        "created_by": names.member(entry.get("created_by")),
    }


def add_credit(ctx: Ctx, account_id: str, amount: Decimal, note: str, idem: Idempotency | None) -> str:
    if amount <= 0:
        raise UnprocessableError(
            "Credit must be more than zero.",
            [FieldError(("body", "amount"), "must be more than zero")],
            code="amount_not_positive",
        )
    for _ in range(WRITE_RETRIES):
        account = _editable(ctx, account_id)  # 409 when archived
        checked_amount(amount, account.currency, ("body", "amount"))
        entry = _credit_entry(ctx, account_id, "credit", amount, note, None)
        add = partial(ctx.activity.add_credit, ctx.firm_id, account_id, amount, account.currency, entry)
        try:
            return idempotent_create(ctx, idem, entry["id"], add)
        except ConcurrentWriteError:
            continue  # archived, or another currency, since it was read: read again
    raise ConflictError("The account is being changed; retry.")


def get_credit(ctx: Ctx, account_id: str, entry_id: str) -> Item:
    account = open_account(ctx, account_id)
    entry = ctx.activity.credit(ctx.firm_id, account_id, entry_id)
    if entry is None:
        raise NotFoundError("Credit entry not found.")
    names = names_for(ctx.activity, ctx.firm_id, [entry], ("created_by",), ctx.known_member)
    return credit_out(entry, account.currency, names)


def list_credits(ctx: Ctx, account_id: str, *, limit: int, cursor: str | None) -> tuple[Listed, Account]:
    account = open_account(ctx, account_id)
    rows, next_cursor = ctx.activity.credit_ledger(ctx.firm_id, account_id, cursor=cursor, limit=limit)
    names = names_for(ctx.activity, ctx.firm_id, rows, ("created_by",), ctx.known_member)
    items = [credit_out(r, account.currency, names) for r in rows]
    return Listed(items, next_cursor), account


def apply_credit(ctx: Ctx, account_id: str, invoice_id: str) -> Item:
    section = SECTIONS["invoices"]
    account, invoice = _editable_with(ctx, account_id, invoice_id)
    if invoice is None:
        raise NotFoundError(ITEM_NOT_FOUND)
    if invoice["status"] != "unpaid":
        raise ConflictError(
            f"The invoice is {invoice['status']}; only an unpaid invoice can be paid from credit.",
            code="invoice_not_unpaid",
        )
    if invoice["currency"] != account.currency:
        raise ConflictError(
            f"The account's credit is in {account.currency}, the invoice in {invoice['currency']}.",
            code="currency_mismatch",
        )
    amount = Decimal(invoice["amount_due"])
    if amount > account.credit_balance:
        raise ConflictError(
            f"The account's credit ({money_out(account.credit_balance, account.currency)}) "
            f"does not cover {money_out(amount, account.currency)}.",
            code="not_enough_credit",
        )
    now, version = now_iso(), int(invoice["version"])
    paid = {
        **invoice,
        "status": "paid",
        "amount_due": Decimal(0),
        "paid_at": now,
        "paid_with_credit": True,
        "version": version + 1,
        "updated_at": now,
    }
    record = item_record(ctx.firm_id, account_id, section.key, public(paid))
    entry = _credit_entry(ctx, account_id, "applied", amount, f"Invoice {invoice['number']}", invoice_id)
    ctx.activity.apply_credit(invoice, record, amount, entry)
    account.credit_balance -= amount
    return item_out(ctx, section, record, account)
