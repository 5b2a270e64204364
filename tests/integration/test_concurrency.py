"""Invariants that DynamoDB itself must hold under concurrent requests,
checked on DynamoDB Local (moto does not run requests concurrently)."""

from __future__ import annotations

import pytest

from chalicelib.adapters.auth import Claims
from chalicelib.domain.models.accounts import AccountCreate
from chalicelib.domain.models.people import EmailAdd
from chalicelib.repo.table import Table
from chalicelib.services import accounts, contacts, links
from chalicelib.services.context import Ctx
from tests.support.api import TestFirm, make_firm
from tests.support.race import race

pytestmark = pytest.mark.integration

PARALLEL = 20


def _ctx(firm: TestFirm, table: Table) -> Ctx:
    # One context per request, as the HTTP layer makes one per request.
    return Ctx(claims=Claims(firm.firm_id, firm.owner_id), table=table)


def _contact_ids(firm: TestFirm, table: Table, account_id: str) -> list[str]:
    view = _ctx(firm, table).accounts.view(firm.firm_id, account_id, consistent=True)
    assert view is not None
    return [link.contact_id for link in view.links]


def _account(firm: TestFirm, table: Table, people: int) -> str:
    body = AccountCreate.model_validate(
        {
            "name": "Race Ltd",
            "type": "company",
            "contacts": [{"first_name": f"Person {i}", "emails": []} for i in range(people)],
        }
    )
    return accounts.create_account(_ctx(firm, table), body, None)


def test_parallel_unlinks_leave_exactly_one_contact(local_table: Table) -> None:
    # GIVEN an account with two contacts
    firm = make_firm(local_table)
    account_id = _account(firm, local_table, 2)
    contact_ids = _contact_ids(firm, local_table, account_id)

    # WHEN 20 requests unlink them at once, half each contact
    statuses, _ = race(lambda i: links.unlink(_ctx(firm, local_table), account_id, contact_ids[i % 2], None), PARALLEL)

    # THEN exactly one unlink succeeded and one contact is left
    assert statuses[200] == 1, statuses
    assert set(statuses) <= {200, 404, 409, 412}, statuses
    after = _ctx(firm, local_table).accounts.view(firm.firm_id, account_id, consistent=True)
    assert after is not None
    assert len(after.links) == 1
    assert after.account.contact_count == 1


def test_parallel_adds_of_one_address_yield_one_success(local_table: Table) -> None:
    # GIVEN several contacts of one firm
    firm = make_firm(local_table)
    contact_ids = _contact_ids(firm, local_table, _account(firm, local_table, 4))

    # WHEN 20 requests add the same address (in varying case) to them at once
    def add(i: int) -> object:
        address = "Shared@Example.com" if i % 2 else "shared@example.COM"
        return contacts.add_email(_ctx(firm, local_table), contact_ids[i % 4], EmailAdd(address=address), None)

    statuses, _ = race(add, PARALLEL)

    # THEN exactly one add succeeded and exactly one contact holds the address
    assert statuses[200] == 1, statuses
    assert set(statuses) <= {200, 409}, statuses
    holders = [
        c
        for c in (_ctx(firm, local_table).contacts.get(firm.firm_id, cid, consistent=True) for cid in contact_ids)
        if c is not None and c.emails
    ]
    assert len(holders) == 1
    assert len(holders[0].emails) == 1
