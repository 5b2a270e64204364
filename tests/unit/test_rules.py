"""Plain rules: visibility, text folding, keys, records and cursors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import access
from chalicelib.domain.entities import Account, Contact, Email, Link, Member, Tag
from chalicelib.domain.errors import BadRequestError
from chalicelib.domain.text import email_key, fold, sort_name
from chalicelib.repo import keys
from chalicelib.repo.paging import decode_cursor, encode_cursor
from chalicelib.repo.records import from_item, list_entries, to_item


def _member(role: str = "employee", view_all: bool = False, manage: bool = False) -> Member:
    return Member("F", "me", "Me", "me@x.example", role, view_all, manage, "2026-01-01T00:00:00Z")


@pytest.mark.parametrize(
    ("role", "view_all", "on_team", "opens"),
    [
        ("owner", False, False, True),
        ("admin", False, False, True),
        ("employee", True, False, True),
        ("employee", False, True, True),
        ("employee", False, False, False),
    ],
)
def test_who_may_open(role: str, view_all: bool, on_team: bool, opens: bool) -> None:
    team = ["me"] if on_team else ["other"]
    assert access.may_open(_member(role, view_all), team) is opens


@pytest.mark.parametrize(
    ("role", "view_all", "manage", "on_team", "edits"),
    [
        ("owner", False, False, False, True),
        ("admin", False, False, False, True),
        ("employee", True, False, True, False),
        ("employee", False, True, True, True),
        ("employee", False, True, False, False),
        ("employee", True, True, False, True),
    ],
)
def test_who_may_edit(role: str, view_all: bool, manage: bool, on_team: bool, edits: bool) -> None:
    team = ["me"] if on_team else []
    assert access.may_edit(_member(role, view_all, manage), team) is edits


def test_contact_visibility_follows_accounts() -> None:
    contact = Contact("F", "C", "A", "", "B", [], None, {}, [], {"A1"}, "t", "t", "someone")
    assert access.may_see_contact(_member(), contact, {"A1"})
    assert not access.may_see_contact(_member(), contact, {"A2"})
    assert access.may_see_contact(_member(view_all=True), contact, set())
    orphan = Contact("F", "C", "A", "", "B", [], None, {}, [], set(), "t", "t", "me")
    assert access.may_see_contact(_member(), orphan, set())


def test_fold_ignores_case_and_accents() -> None:
    assert fold("Müller") == fold("MULLER") == "muller"
    assert fold("  Zoë   Ångström ") == "zoe angstrom"
    assert "#" not in sort_name("A#B")
    assert email_key(" Anna@Example.COM ") == "anna@example.com"


def test_a_name_sorts_before_the_longer_names_it_begins() -> None:
    names = ["Chloé Johansson family", "Chloé Johanssons", "Chloé Johansson", 'Chloé Johansson "Jo"', "Chloé"]
    ordered = sorted(names, key=lambda n: keys.name_sort_key(sort_name(n), "01ID"))
    assert ordered == ["Chloé", "Chloé Johansson", "Chloé Johansson family", 'Chloé Johansson "Jo"', "Chloé Johanssons"]
    # a name ending in a character below "#" ties with the bare name (the id decides), never sorts before it
    assert sort_name("Chloé Johansson !") == sort_name("Chloé Johansson")


def test_every_key_starts_with_the_firm() -> None:
    built = [
        keys.firm("F1"),
        keys.member("F1", "M"),
        keys.tag("F1", "T"),
        keys.account("F1", "A"),
        keys.account_contact("F1", "A", "C"),
        keys.contact("F1", "C"),
        keys.email("F1", "a@b.c"),
        keys.idempotency("F1", "M", "POST /x", "k"),
    ]
    assert all(k.pk.startswith("FIRM#F1") for k in built)
    for pk in (keys.accounts_list("F1"), keys.team_list("F1", "M"), keys.tag_list("F1", "T"), keys.contacts_list("F1")):
        assert pk.startswith("FIRM#F1#")


def test_records_round_trip() -> None:
    account = Account(
        "F",
        "A",
        "Acme",
        "company",
        ["T"],
        ["M"],
        {"city": "X"},
        {},
        "t1",
        "t2",
        "M",
        None,
        Decimal("12.50"),
        "EUR",
        False,
        2,
        3,
    )
    assert from_item(Account, to_item(account)) == account
    contact = Contact(
        "F", "C", "A", "B", "C", [{"number": "123", "label": ""}], None, {}, ["a@b.c"], {"A"}, "t", "t", "M", 4
    )
    assert from_item(Contact, to_item(contact)) == contact
    email = Email("F", "a@b.c", "C", "invited", False, {"new_message": True}, True, False, "t", 2)
    assert from_item(Email, to_item(email)) == email
    link = Link("F", "A", "C", "CEO", 2, "t", 5)
    assert from_item(Link, to_item(link)) == link
    tag = Tag("F", "T", "VIP", "#FFFFFF", 2)
    assert from_item(Tag, to_item(tag)) == tag
    member = _member()
    assert from_item(Member, to_item(member)) == member


def test_list_entries_follow_team_and_tags() -> None:
    account = Account("F", "A", "Acme", "company", ["T1"], ["M1", "M2"], None, {}, "t", "t", "M")
    pks = sorted(e["GSI1PK"] for e in list_entries(account))
    assert pks == sorted([keys.team_list("F", "M1"), keys.team_list("F", "M2"), keys.tag_list("F", "T1")])
    account.archived = True
    assert all(e["GSI1PK"].endswith("#ARCHIVED") for e in list_entries(account))


def test_cursor_is_bound_to_its_list() -> None:
    cursor = encode_cursor("accounts|F1", {"PK": "x", "SK": "y"})
    assert decode_cursor("accounts|F1", cursor) == {"PK": "x", "SK": "y"}
    with pytest.raises(BadRequestError):
        decode_cursor("accounts|F2", cursor)
    with pytest.raises(BadRequestError):
        decode_cursor("accounts|F1", cursor[:-1] + ("0" if cursor[-1] != "0" else "1"))
    with pytest.raises(BadRequestError):
        decode_cursor("accounts|F1", "garbage")


@pytest.mark.parametrize(
    "cursor",
    [".O\x00\u00c3@\u0081\x7f>\u00c9", "e30.\u00e9\u00e9", "\u00e9.0123456789abcdef", "", ".", "..", "e30."],
)
def test_a_malformed_cursor_is_bad_input_never_an_error(cursor: str) -> None:
    """Found by Schemathesis: a MAC with non-ASCII characters made hmac.compare_digest raise."""
    with pytest.raises(BadRequestError):
        decode_cursor("accounts|F1", cursor)


@given(st.text(max_size=300))
def test_any_text_as_a_cursor_is_bad_input(cursor: str) -> None:
    with pytest.raises(BadRequestError):  # never another exception (a 500): no text forges the MAC
        decode_cursor("accounts|F1", cursor)
