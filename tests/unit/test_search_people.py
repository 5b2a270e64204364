"""Contacts in search (chalicelib/domain/search_people.py and the contact
parts of search_terms.py): phone normalisation, query digits, contact tokens,
tiers and what ``matched`` says."""

from __future__ import annotations

import pytest

from chalicelib.domain import search_terms as rules
from chalicelib.domain.search_people import Person, phone_forms, phone_tokens, query_digits

JAN = Person("C1", "Jan", "de", "Vries", ("+31 6 12345678",))


@pytest.mark.parametrize(
    ("number", "forms"),
    [
        ("+31 6 12345678", ("31612345678", "0612345678")),
        ("+31 (0)6 1234 5678", ("31612345678", "0612345678")),  # the trunk 0 written in
        ("0031 6-1234.5678", ("31612345678", "0612345678")),
        ("06-12345678", ("0612345678",)),  # no country code: its digits
        ("+1 (212) 555-0100", ("12125550100", "02125550100")),  # one-digit code
        ("+44 20 7946 0958", ("442079460958", "02079460958")),  # two-digit code
        ("+352 123456", ("352123456", "0123456")),  # three-digit code
        ("(020) 123/4567", ("0201234567",)),
        ("+", ()),
        ("...", ()),
    ],
)
def test_phone_forms(number: str, forms: tuple[str, ...]) -> None:
    assert phone_forms(number) == forms


def test_phone_tokens_are_the_suffixes_of_four_or_more_digits() -> None:
    tokens = phone_tokens("+31 6 12345678")
    assert tokens == {
        "31612345678": True,
        "0612345678": True,
        **{s: False for s in ("1612345678", "612345678", "12345678", "2345678", "345678", "45678", "5678")},
    }
    assert phone_tokens("123") == {}


@pytest.mark.parametrize(
    ("word", "digits"),
    [
        ("0612", ("0612", False)),  # plain digits: also names and addresses
        ("061", ("061", False)),
        ("+31612", ("31612", True)),  # a country code: phone numbers only
        ("0031612", ("31612", True)),
        ("+31(0)612", ("31612", True)),
        ("06-1234", ("061234", True)),  # phone punctuation
        ("+31", ("31", True)),
        ("anna", None),
        ("anna2024", None),
        ("-", None),
    ],
)
def test_query_digits(word: str, digits: tuple[str, bool] | None) -> None:
    assert query_digits(word) == digits


@pytest.mark.parametrize(
    ("q", "tier", "matched"),
    [
        ("jan vri", rules.CONTACT_PREFIX, [("first_name", "Jan"), ("last_name", "Vries")]),
        ("jan vries", rules.CONTACT_EXACT, [("first_name", "Jan"), ("last_name", "Vries")]),
        ("de", rules.CONTACT_EXACT, [("middle_name", "de")]),
        ("0612", rules.PHONE_PART, [("phone", "+31 6 12345678")]),
        ("06 1234 5678", rules.PHONE_EXACT, [("phone", "+31 6 12345678")]),
        ("+31 6 12345678", rules.PHONE_EXACT, [("phone", "+31 6 12345678")]),
        ("jan 345678", rules.PHONE_PART, [("first_name", "Jan"), ("phone", "+31 6 12345678")]),
    ],
)
def test_a_contact_matches_with_every_word(q: str, tier: int, matched: list[tuple[str, str]]) -> None:
    found = rules.match(rules.parse_query(q), "Acme B.V.", ["office@acme.example"], [JAN])
    assert found is not None
    assert found.tier == tier
    assert [(m.field, m.value) for m in found.matched] == matched
    assert all(m.contact == JAN for m in found.matched)


@pytest.mark.parametrize("q", ["061", "+31", "0613", "jan acme", "jan office", "+32 6 1234", "jan 06-1"])
def test_what_does_not_match_through_a_contact(q: str) -> None:
    assert rules.match(rules.parse_query(q), "Zeta", ["z@zeta.example"], [JAN]) is None


def test_tiers_rank_names_then_contacts_then_addresses_then_phones() -> None:
    assert rules.NAME_EXACT < rules.CONTACT_EXACT < rules.EMAIL_EXACT < rules.PHONE_EXACT < rules.NAME_PREFIX
    assert rules.NAME_PREFIX < rules.CONTACT_PREFIX < rules.EMAIL_PART < rules.PHONE_PART


def test_contact_tokens_carry_the_contact_and_merge_with_the_account_name() -> None:
    tokens = {t.token: t for t in rules.index_tokens("Jan Vries", ["jv@x.example"], [JAN])}
    assert tokens["jan"].tier == rules.NAME_EXACT and tokens["jan"].people == (JAN,)
    assert tokens["jan"].addresses == ("jv@x.example",)  # the account name's entry, which the contact shares
    assert tokens["de"].tier == rules.CONTACT_EXACT and tokens["de"].people == (JAN,)
    assert tokens["j"].people == (JAN,)  # short tokens too: a short query may match one contact with every word
    assert tokens["0612345678"].tier == rules.PHONE_EXACT
    assert tokens["5678"].tier == rules.PHONE_PART
    assert "061" not in tokens or tokens["061"].people == ()


def test_a_phone_query_of_fewer_than_four_digits_matches_nothing_and_reads_nothing() -> None:
    (term,) = rules.parse_query("+31")
    assert term.matches_nothing
    (term,) = rules.parse_query("061")
    assert not term.matches_nothing and term.phone_digits is None  # still a name or address part


def test_an_individuals_own_contact_gives_no_name_entries_but_its_phone_does() -> None:
    anna = Person("C2", "Anna", "", "Müller", ("+49 151 12345678",))
    tokens = {t.token: t for t in rules.index_tokens("Anna Müller", ["a@x.example"], [anna])}
    assert tokens["anna"].people == () and tokens["mul"].people == ()  # the account's own entries, as before
    assert tokens["12345678"].people == (anna,)
    # a query mixing its name and phone is answered from the digits' range, which carries it
    plan = rules.lookup_plan(rules.parse_query("anna 12345678"))
    assert [(lookup.token, lookup.holds) for lookup in plan] == [("12345678", rules.ALL), ("anna", rules.SOME)]
    assert not rules.answered([plan[1]])
    found = rules.match(rules.parse_query("anna 12345678"), "Anna Müller", ["a@x.example"], tokens["12345678"].people)
    assert found is not None and [m.field for m in found.matched] == ["first_name", "phone"]
