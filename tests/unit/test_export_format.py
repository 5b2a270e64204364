"""The export's pure pieces (chalicelib/domain/exports.py): formula escaping, cells, CSV lines, the JSON
document written in pieces; and the CLI's progress bar."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from chalicelib.admin.jobs_cli import bar
from chalicelib.domain import csv_import
from chalicelib.domain import exports as fmt


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+2", "'=1+2"),
        ("+31 20 123", "'+31 20 123"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Acme = good", "Acme = good"),
        ("", ""),
        ("'quoted", "'quoted"),
        ("'s-Hertogenbosch", "'s-Hertogenbosch"),
        ("'=1", "''=1"),  # a stored quote before a formula keeps it through the import
        ("''+31", "'''+31"),
    ],
)
def test_formula_leading_cells_get_a_quote(cell: str, shown: str) -> None:
    assert fmt.escaped(cell) == shown
    assert csv_import.unescaped(shown)[0] == cell  # the import reads back what was stored


def test_csv_lines_quote_what_needs_it_and_escape_every_cell() -> None:
    text = fmt.csv_text([["a,b", 'say "hi"', "line\nbreak", "=cmd"]])
    assert text.endswith("\r\n")
    assert next(csv.reader(io.StringIO(text, newline=""))) == ["a,b", 'say "hi"', "line\nbreak", "'=cmd"]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (Decimal("12"), "12"),
        (Decimal("1.50"), "1.50"),
        (Decimal("1E+3"), "1000"),
        ({"city": "Utrecht", "line1": "Oudegracht 1", "line2": ""}, '{"city":"Utrecht","line1":"Oudegracht 1"}'),
        ("2026-12-31", "2026-12-31"),
    ],
)
def test_custom_values_as_cells(value: object, cell: str) -> None:
    assert fmt.cell_text(value) == cell


def test_the_json_document_is_valid_whatever_the_chunks() -> None:
    pieces = [
        fmt.json_head("accounts", "2026-12-07T10:00:00Z"),
        fmt.json_items([{"n": Decimal("1")}, {"n": Decimal("2.5")}], first=True),
        fmt.json_items([], first=False),
        fmt.json_items([{"s": {"b", "a"}}], first=False),
        fmt.JSON_TAIL,
    ]
    doc = json.loads("".join(pieces))
    assert doc == {
        "kind": "accounts",
        "exported_at": "2026-12-07T10:00:00Z",
        "items": [{"n": 1}, {"n": 2.5}, {"s": ["a", "b"]}],
    }
    assert json.loads(fmt.json_head("contacts", "t") + fmt.JSON_TAIL)["items"] == []


def test_the_header_names_custom_columns_by_label() -> None:
    assert fmt.header("accounts", [fmt.Column("f1", "Fiscal year")])[-2:] == [
        "contact_description",
        "custom:Fiscal year",
    ]
    assert fmt.file_name("contacts", "json", "2026-12-07") == "dossier-contacts-2026-12-07.json"


def test_the_progress_bar() -> None:
    assert bar(0, 10, "accounts") == "[" + "-" * 30 + "] 0/10 accounts"
    assert bar(5, 10, "accounts") == "[" + "#" * 15 + "-" * 15 + "] 5/10 accounts"
    assert bar(12_000, 10_000, "accounts") == "[" + "#" * 30 + "] 12,000/10,000 accounts"
    assert bar(7, None, "contacts") == bar(7, 0, "contacts") == "7 contacts"
