"""Custom field values as plain rules: what each kind accepts (and the
message when it does not), the stored form, the JSON form, the size of the
stored values and what a change of values is."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain import field_values
from chalicelib.domain.field_values import BadValue, Definition, as_json, changes, stored, stored_size

EMPTY_ADDRESS = {"line1": "", "line2": "", "city": "", "region": "", "postal_code": "", "country": ""}


def _of(kind: str, *options: str) -> Definition:
    return Definition("F1", kind, options)


# --- accepted values and their stored form ------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "kept"),
    [
        ("text", "Acme Ltd", "Acme Ltd"),
        ("text", "  padded\t", "padded"),
        ("text", "", ""),
        ("text", "x" * 1000, "x" * 1000),
        ("text", " " + "é" * 1000 + " ", "é" * 1000),  # trimmed first, then counted
        ("number", 42, Decimal("42")),
        ("number", -7, Decimal("-7")),
        ("number", 12.5, Decimal("12.5")),
        ("number", 1.0, Decimal("1.0")),
        ("number", 999_999_999_999_999, Decimal("999999999999999")),
        ("number", -999_999_999_999_999, Decimal("-999999999999999")),
        ("number", 1e-10, Decimal("1E-10")),
        ("number", 0.0123456789, Decimal("0.0123456789")),
        ("date", "2026-11-26", "2026-11-26"),
        ("date", "1900-01-01", "1900-01-01"),
        ("date", "2200-12-31", "2200-12-31"),
        ("date", "2024-02-29", "2024-02-29"),
        ("checkbox", True, True),
        ("checkbox", False, False),
        ("email", "anna@example.com", "anna@example.com"),
        ("email", " Anna@Example.com ", "Anna@Example.com"),  # trimmed, case kept
        ("phone", "+1 (555) 010-0000", "+1 (555) 010-0000"),
        ("phone", "030/1234.56", "030/1234.56"),
        ("phone", " 123 ", "123"),
    ],
)
def test_a_value_that_fits_its_kind_is_stored(kind: str, value: Any, kept: Any) -> None:
    # GIVEN a field of the kind / WHEN a value that fits it is stored
    result = stored(_of(kind), value)
    # THEN it is kept in its stored form, of the stored type
    assert result == kept
    assert type(result) is type(kept)


def test_a_dropdown_takes_exactly_one_of_its_options() -> None:
    # GIVEN a dropdown with two options
    dropdown = _of("dropdown", "Monthly", "Yearly")
    # WHEN / THEN an option is kept as written
    assert stored(dropdown, "Yearly") == "Yearly"
    # AND anything else, even the same option differently written, is refused with the options named
    for other in ("yearly", " Yearly", "Weekly", "", 1, None):
        with pytest.raises(BadValue) as refused:
            stored(dropdown, other)
        assert str(refused.value) == "expected one of the options: Monthly, Yearly"


def test_a_dropdown_without_options_says_so() -> None:
    with pytest.raises(BadValue) as refused:
        stored(_of("dropdown"), "Anything")
    assert str(refused.value) == "expected one of the options: (none yet)"


def test_an_address_is_stored_with_every_line() -> None:
    # GIVEN an address with some lines / WHEN stored
    kept = stored(_of("address"), {"line1": " 1 Main St ", "city": "Springfield", "country": "US"})
    # THEN every line is there, trimmed, the missing ones empty
    assert kept == {**EMPTY_ADDRESS, "line1": "1 Main St", "city": "Springfield", "country": "US"}


def test_an_empty_address_object_is_an_address_of_empty_lines() -> None:
    assert stored(_of("address"), {}) == EMPTY_ADDRESS


# --- refused values and their messages ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("text", 5, "expected a string"),
        ("text", None, "expected a string"),
        ("text", ["a"], "expected a string"),
        ("text", "x" * 1001, "at most 1000 characters"),
        ("text", "\ud800", "the text is not valid Unicode"),  # a lone surrogate: JSON allows it, UTF-8 cannot hold it
        ("number", "12", "expected a number"),
        ("number", True, "expected a number"),
        ("number", False, "expected a number"),
        ("number", None, "expected a number"),
        ("number", Decimal("1"), "expected a number"),  # values arrive as JSON: int or float
        ("number", float("nan"), "expected a finite number"),
        ("number", float("inf"), "expected a finite number"),
        ("number", float("-inf"), "expected a finite number"),
        ("number", 10**15, "at most 15 digits before the decimal point"),
        ("number", -(10**15), "at most 15 digits before the decimal point"),
        ("number", 1e15, "at most 15 digits before the decimal point"),
        ("number", 1e-11, "at most 10 decimal places"),
        ("number", 0.1 + 0.2, "at most 10 decimal places"),  # 0.30000000000000004
        ("date", "2026-02-30", "expected a date as YYYY-MM-DD"),
        ("date", "2026-13-01", "expected a date as YYYY-MM-DD"),
        ("date", "26-11-2026", "expected a date as YYYY-MM-DD"),
        ("date", "20261126", "expected a date as YYYY-MM-DD"),  # fromisoformat reads it; the API does not
        ("date", "2026-W48-4", "expected a date as YYYY-MM-DD"),  # an ISO week date
        ("date", "2026-11-26T00:00:00Z", "expected a date as YYYY-MM-DD"),
        ("date", " 2026-11-26", "expected a date as YYYY-MM-DD"),
        (
            "date",
            "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0662\u0666",
            "expected a date as YYYY-MM-DD",
        ),  # Arabic-Indic digits
        ("date", 20261126, "expected a date as YYYY-MM-DD"),
        ("date", "1899-12-31", "the year must be between 1900 and 2200"),
        ("date", "2201-01-01", "the year must be between 1900 and 2200"),
        ("checkbox", 1, "expected true or false"),
        ("checkbox", "true", "expected true or false"),
        ("checkbox", None, "expected true or false"),
        ("email", "anna@example", "expected an e-mail address"),
        ("email", "anna example.com", "expected an e-mail address"),
        ("email", "a#b@example.com", "expected an e-mail address"),
        ("email", 7, "expected an e-mail address"),
        ("phone", "12", "expected a phone number"),  # at least 3 characters
        ("phone", "call me", "expected a phone number"),
        ("phone", "1" * 41, "expected a phone number"),
        ("phone", 5550100, "expected a phone number"),
        ("address", "1 Main St", "expected an address object"),
        ("address", [], "expected an address object"),
        ("address", {"country": "XX"}, "address country: not an ISO 3166-1 alpha-2 country code (such as NL or US)"),
        ("address", {"city": 5}, "address city: Input should be a valid string"),
        ("address", {"street": "Main"}, "address street: Extra inputs are not permitted"),
        ("address", {"postal_code": "1" * 21}, "address postal_code: String should have at most 20 characters"),
        ("colour", "red", "unknown kind colour"),
    ],
)
def test_a_value_that_does_not_fit_is_refused_with_what_would(kind: str, value: Any, message: str) -> None:
    # GIVEN a field of the kind / WHEN a value that does not fit is stored
    with pytest.raises(BadValue) as refused:
        stored(_of(kind), value)
    # THEN it is refused with a message saying what would fit
    assert str(refused.value) == message


# --- the JSON form ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("42"), 42),
        (Decimal("1.0"), 1),
        (Decimal("1E+2"), 100),
        (Decimal("-0.0"), 0),
        (Decimal("12.50"), 12.5),
        (Decimal("1E-10"), 1e-10),
        ("text", "text"),
        (True, True),
        (None, None),
    ],
)
def test_stored_values_as_json(value: Any, shown: Any) -> None:
    result = as_json(value)
    assert result == shown
    assert type(result) is type(shown)


def test_an_address_as_json_is_the_same_object() -> None:
    address = {**EMPTY_ADDRESS, "city": "Springfield"}
    assert as_json(address) == address


def test_whole_numbers_are_shown_as_integers_and_others_as_floats() -> None:
    # GIVEN stored values of several kinds, as an account keeps them
    values = {"n1": Decimal("3"), "n2": Decimal("2.25"), "d": "2026-11-26", "c": False}
    # WHEN shown as JSON
    shown = as_json(values)
    # THEN decimals became numbers and the rest is unchanged
    assert json.dumps(shown, sort_keys=True) == '{"c": false, "d": "2026-11-26", "n1": 3, "n2": 2.25}'


# --- the stored size ------------------------------------------------------------------------------


def test_the_stored_size_is_the_utf8_length_of_the_values_as_json() -> None:
    assert stored_size({}) == len(b"{}")
    assert stored_size({"a": "x"}) == len(b'{"a": "x"}')
    assert stored_size({"a": "é"}) == len('{"a": "é"}'.encode())  # two bytes for é, not "\u00e9"
    assert stored_size({"a": "€"}) == 12
    assert stored_size({"n": Decimal("1.5")}) == len(b'{"n": "1.5"}')  # a decimal counts as its text


def test_the_largest_text_values_do_not_all_fit_in_the_stored_limit() -> None:
    # GIVEN the most values one request may set, each the longest text of 4-byte characters
    longest = stored(_of("text"), "😀" * field_values.MAX_TEXT)
    values = {f"F{i:02d}": longest for i in range(field_values.MAX_VALUES)}
    # THEN one such value fits the item's share, all of them do not
    assert stored_size({"F00": longest}) < field_values.MAX_STORED_BYTES
    assert stored_size(values) > field_values.MAX_STORED_BYTES


def test_the_limits() -> None:
    assert field_values.MAX_TEXT == 1000
    assert field_values.MAX_NUMBER == 10**15
    assert field_values.MAX_DECIMALS == 10
    assert field_values.MAX_VALUES == 30
    assert field_values.MAX_STORED_BYTES == 65_536


# --- changes ------------------------------------------------------------------------------------


def test_changes_name_each_value_set_changed_or_cleared_in_field_order() -> None:
    # GIVEN an account's values before and after an edit
    old = {"B": "kept", "C": Decimal("1"), "D": "cleared"}
    new = {"B": "kept", "C": Decimal("2"), "A": True}
    # WHEN compared
    found = changes(old, new)
    # THEN each difference is (field id, old, new), None standing for "no value", by field id
    assert found == [("A", None, True), ("C", Decimal("1"), Decimal("2")), ("D", "cleared", None)]


def test_equal_values_are_no_change() -> None:
    assert changes({"A": Decimal("1.0")}, {"A": Decimal("1")}) == []
    assert changes({}, {}) == []
    assert changes({"A": {**EMPTY_ADDRESS}}, {"A": {**EMPTY_ADDRESS}}) == []
