"""CSV files as Dutch Excel writes them: encodings, delimiters, the header, typed rows, formula cells,
limits, and custom field cells."""

from __future__ import annotations

import pytest

from chalicelib.domain import csv_import
from chalicelib.domain.csv_import import BadCell, FileRefused, custom_value, parse, typed_row

HEADER = "account_name;account_type;contact_first_name;contact_last_name;contact_email;contact_phone"


def test_semicolon_windows_1252_with_accents() -> None:
    text = f"{HEADER}\r\nCafé Zoë;company;Zoë;Müller;zoe@example.nl;+31 6 12345678\r\n"
    parsed = parse(text.encode("cp1252"))
    assert parsed.delimiter == ";"
    row, errors = typed_row(1, parsed.rows[0])
    assert errors == []
    assert row is not None
    assert (row.account_name, row.contact_first_name, row.contact_last_name) == ("Café Zoë", "Zoë", "Müller")
    assert row.contact_phone == "+31 6 12345678"


def test_utf8_with_bom_and_commas() -> None:
    data = '\ufeffaccount_name,contact_email\r\n"Jansen, B.V.",Ëva@example.nl\r\n'.encode()
    parsed = parse(data)
    assert parsed.delimiter == ","
    assert parsed.header.columns == ("account_name", "contact_email")  # the BOM is not part of the name
    assert parsed.rows == [{"account_name": "Jansen, B.V.", "contact_email": "Ëva@example.nl"}]


def test_utf8_without_bom() -> None:
    parsed = parse("account_name;tags\nBakkerij Ünal;vip|btw\n".encode())
    row, _ = typed_row(1, parsed.rows[0])
    assert row is not None and row.account_name == "Bakkerij Ünal" and row.tags == ["vip", "btw"]


def test_delimiter_inside_quotes_does_not_count() -> None:
    assert csv_import.detect_delimiter('"a;b;c",account_name\n') == ","
    assert csv_import.detect_delimiter('account_name;"x,y"\n') == ";"


def test_blank_lines_are_skipped_and_short_rows_padded() -> None:
    parsed = parse(b"account_name;contact_email\n;\nA\n\n")
    assert parsed.rows == [{"account_name": "A", "contact_email": ""}]


@pytest.mark.parametrize(
    ("header", "code", "columns"),
    [
        ("account_name;colour", "unknown_column", ["colour"]),
        ("account_name;custom:", "unknown_column", ["custom:"]),
        ("account_name;Account_Name", "duplicate_column", ["account_name"]),
        ("contact_email", "missing_column", []),
    ],
)
def test_a_bad_header_refuses_the_file(header: str, code: str, columns: list[str]) -> None:
    with pytest.raises(FileRefused) as refused:
        parse(f"{header}\nx;y\n".encode())
    assert refused.value.code == code
    assert refused.value.columns == columns


def test_custom_columns_keep_their_label() -> None:
    parsed = parse(b"account_name;Custom: KvK nummer\nA;123\n")
    assert parsed.header.custom_labels == ("KvK nummer",)
    row, _ = typed_row(1, parsed.rows[0])
    assert row is not None and row.custom == {"KvK nummer": "123"}


def test_binary_and_empty_files_are_not_csv() -> None:
    for data in (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"", b"   \n", bytes(range(1, 32)) * 40):
        with pytest.raises(FileRefused) as refused:
            parse(data)
        assert refused.value.code == "not_csv"


def test_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(FileRefused) as refused:
        parse(b"account_name\n" + b"x\n" * (csv_import.MAX_FILE_BYTES // 2))
    assert refused.value.code == "file_too_large"
    monkeypatch.setattr(csv_import, "MAX_ROWS", 3)
    assert len(parse(b"account_name\na\nb\nc\n").rows) == 3
    with pytest.raises(FileRefused) as refused:
        parse(b"account_name\na\nb\nc\nd\n")
    assert refused.value.code == "too_many_rows"


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x")', "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3+cmd", "\t=1"])
def test_formula_cells_are_refused_per_cell(cell: str) -> None:
    row, errors = typed_row(7, {"account_name": cell, "contact_email": "a@example.nl"})
    assert row is None
    assert [(e.row, e.column, e.code) for e in errors] == [(7, "account_name", "formula_cell")]


def test_a_phone_may_start_with_a_sign_other_text_may_not() -> None:
    row, errors = typed_row(1, {"account_name": "Architecten", "contact_phone": "+31 20 1234567"})
    assert errors == [] and row is not None
    assert row.contact_phone == "+31 20 1234567"
    _, errors = typed_row(1, {"account_name": "A", "contact_phone": "=1+2"})
    assert [(e.column, e.code) for e in errors] == [("contact_phone", "invalid_format")]
    _, errors = typed_row(1, {"account_name": "-5 Architecten"})
    assert [e.code for e in errors] == ["formula_cell"]
    _, errors = typed_row(1, {"account_name": "A", "tags": "vip|=1+1"})
    assert [e.code for e in errors] == ["formula_cell"]


def test_a_cell_the_export_escaped_is_its_original_text() -> None:
    """exports.escaped puts a ' before a formula-like start; the import drops exactly that ' again."""
    cells = {
        "account_name": "'=Acme",
        "contact_phone": "'+31 20 1234567",
        "contact_last_name": "'@Home",
        "contact_description": "'s-Hertogenbosch",  # no formula after the ': a real apostrophe, kept
        "tags": "'-vip|btw",
        "custom:Jaar": "'-2026",  # left to the field's kind (services/import_rows.py)
    }
    row, errors = typed_row(1, cells)
    assert errors == [] and row is not None
    assert (row.account_name, row.contact_phone, row.contact_last_name) == ("=Acme", "+31 20 1234567", "@Home")
    assert row.contact_description == "'s-Hertogenbosch"
    assert row.tags == ["-vip", "btw"]
    assert row.custom == {"Jaar": "'-2026"}
    assert csv_import.unescaped("'-2026") == ("-2026", True)
    assert csv_import.unescaped("''=1") == ("'=1", True)  # a stored quote-equals-1, exported
    assert csv_import.unescaped("'s-Hertogenbosch") == ("'s-Hertogenbosch", False)
    _, errors = typed_row(1, {"account_name": "A", "tags": "'-vip|=1"})  # only the cell's start was escaped
    assert [e.code for e in errors] == ["formula_cell"]


def test_an_address_cell_as_an_export_writes_it() -> None:
    exported = '{"line1":"Keizersgracht 1","city":"Amsterdam"}'
    assert custom_value("address", [], exported) == {"line1": "Keizersgracht 1", "city": "Amsterdam"}
    assert custom_value("address", [], "{Keizersgracht 1") == {"line1": "{Keizersgracht 1"}
    assert custom_value("address", [], "Keizersgracht 1") == {"line1": "Keizersgracht 1"}


def test_bad_cells_name_their_columns() -> None:
    row, errors = typed_row(
        3,
        {
            "account_name": "A",
            "account_type": "bakery",
            "contact_email": "not-an-address",
            "team_member_emails": "ok@example.nl|nope",
            "contact_phone": "call me",
        },
    )
    assert row is None
    assert sorted((e.column, e.code) for e in errors) == [
        ("account_type", "invalid_choice"),
        ("contact_email", "invalid_format"),
        ("contact_phone", "invalid_format"),
        ("team_member_emails", "invalid_format"),
    ]
    assert all(e.row == 3 for e in errors)


def test_account_type_ignores_case_and_empty_cells_are_none() -> None:
    row, _ = typed_row(1, {"account_name": " A ", "account_type": "Company", "contact_email": "  "})
    assert row is not None
    assert (row.account_name, row.account_type, row.contact_email) == ("A", "company", None)


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("number", "1.234,56", 1234.56),
        ("number", "1,234.56", 1234.56),
        ("number", "12,5", 12.5),
        ("number", "-7", -7),
        ("date", "31-01-2026", "2026-01-31"),
        ("date", "1/2/2026", "2026-02-01"),
        ("date", "2026-01-31", "2026-01-31"),
        ("checkbox", "Ja", True),
        ("checkbox", "nee", False),
        ("checkbox", "x", True),
        ("dropdown", "GOLD", "Gold"),
        ("address", "Dam 1", {"line1": "Dam 1"}),
        ("text", "vrij", "vrij"),
    ],
)
def test_custom_cells_by_kind(kind: str, text: str, value: object) -> None:
    assert custom_value(kind, ["Gold", "Silver"], text) == value


@pytest.mark.parametrize(("kind", "text"), [("number", "twelve"), ("number", "1.2.3"), ("checkbox", "maybe")])
def test_bad_custom_cells(kind: str, text: str) -> None:
    with pytest.raises(BadCell):
        custom_value(kind, [], text)


def test_counts_of_outcomes() -> None:
    assert csv_import.counts_of(["created", "created", "failed", "unchanged"]) == {
        "rows": 4,
        "created": 2,
        "updated": 0,
        "unchanged": 1,
        "failed": 1,
    }
