"""Each currency's minor units, in input checks and in output (chalicelib/domain/currencies.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.domain.currencies import ISO_4217, checked_amount, minor_units, money_text
from chalicelib.domain.errors import BadRequestError
from chalicelib.domain.portal_rules import Signer, next_signers


@pytest.mark.parametrize(("currency", "units"), [("JPY", 0), ("KRW", 0), ("EUR", 2), ("USD", 2), ("KWD", 3)])
def test_minor_units(currency: str, units: int) -> None:
    assert minor_units(currency) == units


def test_every_listed_minor_unit_is_a_known_currency() -> None:
    assert all(minor_units(c) in (0, 2, 3) for c in ISO_4217)


@pytest.mark.parametrize(
    ("text", "currency"), [("120", "JPY"), ("120.5", "EUR"), ("120.50", "EUR"), ("1.125", "KWD"), ("7", "KWD")]
)
def test_amounts_within_the_minor_units_are_kept_as_given(text: str, currency: str) -> None:
    assert checked_amount(text, currency, ("body", "amount")) == Decimal(text)


@pytest.mark.parametrize(
    ("text", "currency"), [("120.5", "JPY"), ("120.00", "JPY"), ("1.125", "EUR"), ("1.0001", "KWD")]
)
def test_more_decimals_than_the_minor_units_are_refused(text: str, currency: str) -> None:
    with pytest.raises(BadRequestError) as refused:
        checked_amount(Decimal(text), currency, ("body", "amount"))
    assert refused.value.problem_code == "too_many_decimals"
    assert [(e.loc, e.code) for e in refused.value.errors] == [(("body", "amount"), "too_many_decimals")]


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        ("1", "USD", "1.00"),
        (Decimal("0"), "JPY", "0"),
        (Decimal("12000"), "JPY", "12000"),
        ("0.5", "KWD", "0.500"),
        ("10.125", "KWD", "10.125"),
        (Decimal("100.5"), "JPY", "100.5"),  # stored before JPY's rule: shown whole, never rounded
        (Decimal("1E+2"), "EUR", "100.00"),
    ],
)
def test_money_is_shown_with_the_currencys_minor_units(value: str | Decimal, currency: str, shown: str) -> None:
    assert money_text(value, currency) == shown


def _signer(name: str, priority: int | None) -> Signer:
    return Signer(f"c-{name}", name, f"{name}@x.example", priority)


def test_next_signers_are_the_lowest_priority_not_yet_signed() -> None:
    signers = [_signer("a", 1), _signer("b", 2), _signer("c", 2), _signer("d", None)]
    key = str.lower
    assert [s.contact_name for s in next_signers(signers, set(), key)] == ["a"]
    assert [s.contact_name for s in next_signers(signers, {"a@x.example"}, key)] == ["b", "c"]
    assert [s.contact_name for s in next_signers(signers, {"a@x.example", "c@x.example"}, key)] == ["b"]
    assert [s.contact_name for s in next_signers(signers, {"a@x.example", "b@x.example", "c@x.example"}, key)] == ["d"]
    assert next_signers(signers, {f"{n}@x.example" for n in "abcd"}, key) == []
