"""Contact merges that race (docs/data-model.md, "Merging two contacts"): the
same merge sent several times at once, in one transaction or in steps, ends
as one merge and answers each sender 200; crossed merges (A into B, B into A)
leave exactly one of the two. On DynamoDB Local, which runs requests
concurrently."""

from __future__ import annotations

import pytest

from chalicelib.adapters.auth import Claims
from chalicelib.domain.models.accounts import AccountCreate
from chalicelib.domain.models.people import ContactMerge
from chalicelib.repo import keys
from chalicelib.repo.table import Table
from chalicelib.services import accounts, merges
from chalicelib.services.context import Ctx
from tests.support.api import TestFirm, make_firm
from tests.support.factories import unique_email
from tests.support.race import race

pytestmark = pytest.mark.integration

PARALLEL = 6


def _ctx(firm: TestFirm, table: Table) -> Ctx:
    return Ctx(claims=Claims(firm.firm_id, firm.owner_id), table=table)


def _account(firm: TestFirm, table: Table, name: str, contacts: list[dict[str, object]]) -> str:
    body = AccountCreate.model_validate({"name": name, "type": "company", "contacts": contacts})
    return accounts.create_account(_ctx(firm, table), body, None)


def _contacts_of(firm: TestFirm, table: Table, account_id: str) -> list[str]:
    view = _ctx(firm, table).accounts.view(firm.firm_id, account_id, consistent=True)
    assert view is not None
    return sorted(link.contact_id for link in view.links)


def _pair(firm: TestFirm, table: Table) -> tuple[str, str, str, str]:
    """(source, target, the source's account, a shared account)."""
    own = _account(firm, table, "Sam Works", [{"first_name": "Sam", "emails": [unique_email("sam")]}])
    theirs = _account(firm, table, "Tara Trading", [{"first_name": "Tara", "emails": [unique_email("tara")]}])
    (source,), (target,) = _contacts_of(firm, table, own), _contacts_of(firm, table, theirs)
    shared = _account(firm, table, "Shared", [{"contact_id": source}, {"contact_id": target}])
    return source, target, own, shared


@pytest.mark.parametrize("batch_items", [100, 4], ids=["at-once", "in-steps"])
def test_the_same_merge_sent_at_once_lands_once(local_table: Table, batch_items: int) -> None:
    firm = make_firm(local_table)
    source, target, own, shared = _pair(firm, local_table)
    body = ContactMerge(source_contact_id=source)

    statuses, errors = race(
        lambda i: merges.merge_contacts(_ctx(firm, local_table), target, body, None, batch_items=batch_items),
        PARALLEL,
    )

    assert statuses == {200: PARALLEL}, (statuses, errors)
    ctx = _ctx(firm, local_table)
    assert ctx.contacts.get(firm.firm_id, source, consistent=True) is None
    assert _contacts_of(firm, local_table, own) == [target]
    assert _contacts_of(firm, local_table, shared) == [target]
    shared_account = ctx.accounts.get(firm.firm_id, shared, consistent=True)
    assert shared_account is not None and shared_account.contact_count == 1
    merged = ctx.contacts.get(firm.firm_id, target, consistent=True)
    assert merged is not None and merged.account_ids >= {own, shared}
    item = local_table.get(keys.contact(firm.firm_id, target), consistent=True)
    assert item is not None and int(item.get("incoming_merges", 0)) == 0


def test_crossed_merges_leave_one_contact(local_table: Table) -> None:
    firm = make_firm(local_table)
    a, b, _, shared = _pair(firm, local_table)
    pairs = [(a, b), (b, a)] * (PARALLEL // 2)

    statuses, errors = race(
        lambda i: merges.merge_contacts(
            _ctx(firm, local_table), pairs[i][1], ContactMerge(source_contact_id=pairs[i][0]), None
        ),
        PARALLEL,
    )

    ctx = _ctx(firm, local_table)
    left = [c for c in (a, b) if ctx.contacts.get(firm.firm_id, c, consistent=True) is not None]
    assert len(left) == 1, (statuses, errors)
    assert 200 in statuses and set(statuses) <= {200, 404, 409}, (statuses, errors)
    assert _contacts_of(firm, local_table, shared) == left
