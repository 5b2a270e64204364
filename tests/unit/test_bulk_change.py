"""What a bulk edit makes of one account (chalicelib/domain/bulk_edit.py)."""

from __future__ import annotations

import pytest

from chalicelib.domain.bulk_edit import BulkChange
from chalicelib.domain.entities import Account
from chalicelib.domain.errors import UnprocessableError


def _account(tags: list[str], team: list[str], type_: str = "company") -> Account:
    return Account("f", "a", "Acme", type_, tags, team, None, {}, "t", "t", "m")


def _change(
    add_tags: tuple[str, ...] = (),
    remove_tags: tuple[str, ...] = (),
    add_team: tuple[str, ...] = (),
    remove_team: tuple[str, ...] = (),
    type_: str | None = None,
) -> BulkChange:
    return BulkChange(add_tags, remove_tags, add_team, remove_team, type_)


def test_added_ones_come_last_and_the_order_is_kept() -> None:
    fields = _change(add_tags=("c", "a"), remove_tags=("b",), add_team=("n",)).fields_for(_account(["a", "b"], ["m"]))
    assert fields == {"tags": ["a", "c"], "team_member_ids": ["m", "n"]}


def test_only_what_differs_is_set() -> None:
    account = _account(["a"], ["m"], "other")
    assert _change(add_tags=("a",), remove_team=("x",), type_="other").fields_for(account) == {}
    assert _change(type_="individual").fields_for(account) == {"type": "individual"}


def test_removing_an_id_the_account_does_not_carry_changes_nothing() -> None:
    assert _change(remove_tags=("gone",)).fields_for(_account(["a"], [])) == {}


@pytest.mark.parametrize(("kind", "code"), [("tags", "too_many_tags"), ("team", "too_many_team_members")])
def test_more_than_twenty_is_refused(kind: str, code: str) -> None:
    full = [f"i{n}" for n in range(20)]
    account = _account(full, []) if kind == "tags" else _account([], full)
    change = _change(add_tags=("new",)) if kind == "tags" else _change(add_team=("new",))
    with pytest.raises(UnprocessableError) as refused:
        change.fields_for(account)
    assert refused.value.problem_code == code
    # swapping one for another stays within the bound
    swap = (
        _change(add_tags=("new",), remove_tags=("i0",))
        if kind == "tags"
        else _change(add_team=("new",), remove_team=("i0",))
    )
    assert swap.fields_for(account)
