"""Who may open, edit and see what: the cases tests/unit/test_rules.py does
not pin (the rights on their own, an employee on a team without rights, and
contacts reached through several accounts or none)."""

from __future__ import annotations

import pytest

from chalicelib.domain import access
from chalicelib.domain.entities import Contact, Member

ROLES_AND_RIGHTS = [
    # role, view_all_accounts, manage_accounts
    ("owner", False, False),
    ("admin", False, False),
    ("employee", False, False),
    ("employee", True, False),
    ("employee", False, True),
    ("employee", True, True),
]


def _member(role: str = "employee", view_all: bool = False, manage: bool = False, member_id: str = "me") -> Member:
    return Member(
        firm_id="F",
        id=member_id,
        name="Me",
        email=f"{member_id}@x.example",
        role=role,
        view_all_accounts=view_all,
        manage_accounts=manage,
        created_at="2026-01-01T00:00:00Z",
    )


def _contact(account_ids: set[str], created_by: str = "someone") -> Contact:
    return Contact(
        firm_id="F",
        id="C1",
        first_name="Anna",
        middle_name="",
        last_name="Berg",
        phones=[],
        address=None,
        custom_fields={},
        emails=[],
        account_ids=account_ids,
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
        created_by=created_by,
    )


# --- the rights on their own ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "view_all", "manage", "every_account", "manages", "members"),
    [
        ("owner", False, False, True, True, True),
        ("admin", False, False, True, True, True),
        ("employee", False, False, False, False, False),
        ("employee", True, False, True, False, False),
        ("employee", False, True, False, True, False),
        ("employee", True, True, True, True, False),
    ],
)
def test_what_each_role_and_right_gives(
    role: str, view_all: bool, manage: bool, every_account: bool, manages: bool, members: bool
) -> None:
    member = _member(role, view_all, manage)
    assert access.opens_every_account(member) is every_account
    assert access.manages_accounts(member) is manages
    assert access.manages_members(member) is members  # never a right an employee can be given


@pytest.mark.parametrize(("role", "view_all", "manage"), ROLES_AND_RIGHTS)
def test_on_the_team_every_member_opens_the_account(role: str, view_all: bool, manage: bool) -> None:
    assert access.may_open(_member(role, view_all, manage), ["other", "me"]) is True


@pytest.mark.parametrize(
    ("role", "view_all", "manage", "opens"),
    [
        ("owner", False, False, True),
        ("admin", False, False, True),
        ("employee", False, False, False),
        ("employee", True, False, True),
        ("employee", False, True, False),
        ("employee", True, True, True),
    ],
)
def test_off_the_team_only_owner_admin_and_view_all_open_it(
    role: str, view_all: bool, manage: bool, opens: bool
) -> None:
    # GIVEN an account whose team does not include the member (or has nobody)
    for team in (["other"], []):
        # THEN the manage right alone does not open it
        assert access.may_open(_member(role, view_all, manage), team) is opens


def test_an_employee_on_the_team_without_the_right_may_open_but_not_edit() -> None:
    member = _member()
    assert access.may_open(member, ["me"]) is True
    assert access.may_edit(member, ["me"]) is False


# --- contacts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "view_all"), [("owner", False), ("admin", False), ("employee", True)])
def test_those_who_open_every_account_see_every_contact(role: str, view_all: bool) -> None:
    member = _member(role, view_all)
    assert access.may_see_contact(member, _contact({"A1"}), set())
    assert access.may_see_contact(member, _contact(set(), created_by="someone"), set())


def test_a_contact_of_several_accounts_is_seen_through_any_one_of_them() -> None:
    contact = _contact({"A1", "A2", "A3"})
    assert access.may_see_contact(_member(), contact, {"A9", "A2"})
    assert not access.may_see_contact(_member(), contact, {"A9"})


def test_a_linked_contact_is_not_seen_by_its_creator_without_an_openable_account() -> None:
    # GIVEN a contact I created, since linked to an account I may not open
    contact = _contact({"A1"}, created_by="me")
    # THEN its link decides, not who created it
    assert not access.may_see_contact(_member(), contact, {"A2"})


def test_an_unlinked_contact_is_seen_only_by_its_creator_among_employees() -> None:
    orphan = _contact(set(), created_by="someone")
    assert not access.may_see_contact(_member(), orphan, {"A1"})
    assert not access.may_see_contact(_member(manage=True), orphan, {"A1"})  # the manage right does not widen it
    assert access.may_see_contact(_member(member_id="someone"), orphan, set())
