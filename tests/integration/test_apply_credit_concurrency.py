"""Paying invoices from credit under concurrent requests, on DynamoDB Local
(moto does not run requests concurrently): the balance never goes below zero,
no invoice is paid twice, and the ledger records each payment once.

Threads call the service functions directly (the chalice test client is not
thread-safe), each with its own context, as the HTTP layer makes one per request.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.adapters.auth import Claims
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.models.accounts import AccountCreate
from chalicelib.domain.sections import SECTIONS
from chalicelib.domain.sections.models import InvoiceCreate
from chalicelib.repo.table import Table
from chalicelib.services import accounts, activity, credit
from chalicelib.services.context import Ctx
from tests.support.api import TestFirm, make_firm
from tests.support.race import race

pytestmark = pytest.mark.integration

PARALLEL = 10
INVOICES = SECTIONS["invoices"]


def _ctx(firm: TestFirm, table: Table) -> Ctx:
    return Ctx(claims=Claims(firm.firm_id, firm.owner_id), table=table)


def _account_with_credit(table: Table, amount: str) -> tuple[TestFirm, str]:
    firm = make_firm(table)
    ctx = _ctx(firm, table)
    body = AccountCreate.model_validate({"name": "Race Ltd", "type": "company", "contacts": [{"first_name": "Pat"}]})
    account_id = accounts.create_account(ctx, body, None)
    credit.add_credit(ctx, account_id, Decimal(amount), "Deposit", None)
    return firm, account_id


def _invoice(firm: TestFirm, table: Table, account_id: str, number: str, amount: str) -> str:
    body = InvoiceCreate.model_validate({"number": number, "amount": amount})
    return str(activity.create_item(_ctx(firm, table), account_id, INVOICES, body, None)["id"])


def _state(firm: TestFirm, table: Table, account_id: str) -> tuple[Decimal, list[dict[str, Any]]]:
    """The account's balance and its whole credit ledger (strongly consistent reads)."""
    ctx = _ctx(firm, table)
    account = ctx.accounts.get(firm.firm_id, account_id, consistent=True)
    assert account is not None
    page = ctx.activity.credits(firm.firm_id, account_id, limit=100, start_key=None)
    assert page.last_key is None
    return account.credit_balance, page.items


def test_credit_for_one_invoice_pays_exactly_one_of_many(local_table: Table) -> None:
    # GIVEN credit of 150.00 and ten unpaid invoices of 100.00 each
    firm, account_id = _account_with_credit(local_table, "150.00")
    invoice_ids = [_invoice(firm, local_table, account_id, f"INV-{i}", "100.00") for i in range(PARALLEL)]

    # WHEN ten requests pay a different invoice each from the credit, at once
    statuses, errors = race(
        lambda i: credit.apply_credit(_ctx(firm, local_table), account_id, invoice_ids[i]), PARALLEL
    )

    # THEN exactly one was paid; the others were refused with 409
    assert statuses == Counter({200: 1, 409: PARALLEL - 1}), statuses
    assert all(isinstance(e, ConflictError) for e in errors), errors
    balance, ledger = _state(firm, local_table, account_id)
    assert balance == Decimal("50.00")
    applied = [e for e in ledger if e["kind"] == "applied"]
    assert len(applied) == 1
    assert Decimal(applied[0]["amount"]) == Decimal("100.00")
    ctx = _ctx(firm, local_table)
    invoices = [activity.get_item(ctx, account_id, INVOICES, i) for i in invoice_ids]
    paid = [inv for inv in invoices if inv["status"] == "paid"]
    assert [inv["id"] for inv in paid] == [applied[0]["invoice_id"]]
    assert (paid[0]["amount_due"], paid[0]["paid_with_credit"], paid[0]["version"]) == ("0.00", True, 2)
    unpaid = [inv for inv in invoices if inv["status"] == "unpaid"]
    assert len(unpaid) == PARALLEL - 1
    assert all((inv["amount_due"], inv["version"]) == ("100.00", 1) for inv in unpaid)
    # the credit left no longer covers any of them
    assert not any(inv["payable_with_credit"] for inv in unpaid)


def test_one_invoice_paid_by_many_requests_is_paid_once(local_table: Table) -> None:
    # GIVEN plenty of credit and one unpaid invoice of 100.00
    firm, account_id = _account_with_credit(local_table, "1000.00")
    invoice_id = _invoice(firm, local_table, account_id, "INV-1", "100.00")

    # WHEN ten requests pay it from the credit at once
    statuses, errors = race(lambda i: credit.apply_credit(_ctx(firm, local_table), account_id, invoice_id), PARALLEL)

    # THEN it was paid once: the balance went down once and the ledger has one payment
    assert statuses == Counter({200: 1, 409: PARALLEL - 1}), statuses
    assert all(isinstance(e, ConflictError) for e in errors), errors
    balance, ledger = _state(firm, local_table, account_id)
    assert balance == Decimal("900.00")
    assert sorted((e["kind"], Decimal(e["amount"])) for e in ledger) == [
        ("applied", Decimal("100.00")),
        ("credit", Decimal("1000.00")),
    ]
    assert next(e for e in ledger if e["kind"] == "applied")["invoice_id"] == invoice_id
    invoice = activity.get_item(_ctx(firm, local_table), account_id, INVOICES, invoice_id)
    assert (invoice["status"], invoice["amount_due"], invoice["version"]) == ("paid", "0.00", 2)
