"""Edits that race: without If-Match each one reads again and lands; with an
If-Match of the version all of them read, exactly one lands and the rest are
412 (issue 21, defect 4). On DynamoDB Local, which runs requests concurrently."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chalicelib.adapters.auth import Claims
from chalicelib.domain.models.accounts import AccountCreate, AccountPatch
from chalicelib.domain.models.people import MemberPatch
from chalicelib.domain.sections import SECTIONS
from chalicelib.repo.table import Table
from chalicelib.services import accounts, activity, members
from chalicelib.services.context import Ctx
from tests.support.api import TestFirm, make_firm
from tests.support.race import race

pytestmark = pytest.mark.integration

PARALLEL = 10


def _ctx(firm: TestFirm, table: Table) -> Ctx:
    return Ctx(claims=Claims(firm.firm_id, firm.owner_id), table=table)


def _account(firm: TestFirm, table: Table) -> str:
    body = AccountCreate.model_validate({"name": "Race Ltd", "type": "company", "contacts": [{"first_name": "Ann"}]})
    return accounts.create_account(_ctx(firm, table), body, None)


def _account_version(firm: TestFirm, table: Table, account_id: str) -> tuple[int, str]:
    view = _ctx(firm, table).accounts.view(firm.firm_id, account_id, consistent=True)
    assert view is not None
    return view.account.version, view.account.name


def test_parallel_account_edits_without_if_match_all_land(local_table: Table) -> None:
    firm = make_firm(local_table)
    account_id = _account(firm, local_table)
    before, _ = _account_version(firm, local_table, account_id)
    names = [f"Race Ltd {i}" for i in range(PARALLEL)]

    statuses, errors = race(
        lambda i: accounts.patch_account(
            _ctx(firm, local_table), account_id, AccountPatch.model_validate({"name": names[i]}), None
        ),
        PARALLEL,
    )

    assert statuses == {200: PARALLEL}, (statuses, errors)
    after, name = _account_version(firm, local_table, account_id)
    assert after == before + PARALLEL  # each edit is a version of its own: none was lost
    assert name in names


def test_parallel_account_edits_with_one_if_match_keep_one(local_table: Table) -> None:
    firm = make_firm(local_table)
    account_id = _account(firm, local_table)
    before, _ = _account_version(firm, local_table, account_id)

    statuses, errors = race(
        lambda i: accounts.patch_account(
            _ctx(firm, local_table), account_id, AccountPatch.model_validate({"name": f"Pinned {i}"}), before
        ),
        PARALLEL,
    )

    assert statuses == {200: 1, 412: PARALLEL - 1}, (statuses, errors)
    assert _account_version(firm, local_table, account_id)[0] == before + 1


@pytest.mark.parametrize(
    ("section", "create", "patch"),
    [
        ("tasks", {"title": "File the return"}, lambda i: {"title": f"File return {i}"}),
        ("notes", {"title": "Call"}, lambda i: {"body": f"Said {i}"}),
    ],
)
def test_parallel_item_edits_without_if_match_all_land(
    local_table: Table, section: str, create: dict[str, str], patch: Callable[[int], dict[str, str]]
) -> None:
    firm = make_firm(local_table)
    account_id = _account(firm, local_table)
    kind = SECTIONS[section]
    item = activity.create_item(_ctx(firm, local_table), account_id, kind, kind.create.model_validate(create), None)

    statuses, errors = race(
        lambda i: activity.patch_item(
            _ctx(firm, local_table), account_id, kind, item["id"], kind.patch.model_validate(patch(i)), None
        ),
        PARALLEL,
    )

    assert statuses == {200: PARALLEL}, (statuses, errors)
    stored = activity.get_item(_ctx(firm, local_table), account_id, kind, item["id"])
    assert stored["version"] == item["version"] + PARALLEL


def test_parallel_member_edits_without_if_match_all_land(local_table: Table) -> None:
    firm = make_firm(local_table)
    member_id, _ = firm.add_member()
    names = [f"Employee {i}" for i in range(PARALLEL)]

    statuses, errors = race(
        lambda i: members.patch_member(
            _ctx(firm, local_table), member_id, MemberPatch.model_validate({"name": names[i]}), None
        ),
        PARALLEL,
    )

    assert statuses == {200: PARALLEL}, (statuses, errors)
    assert members.get_member(_ctx(firm, local_table), member_id).name in names
