"""A chunk reads only its rows (issue 19): the byte offsets ``parse`` records, and ``read_rows`` on the range
between two of them, give exactly the rows the whole file's parse gives: quoted cells holding line breaks and
delimiters, a BOM, Windows-1252, CRLF, lone CR and blank lines. Pure: no I/O."""

from __future__ import annotations

import codecs

import pytest

from chalicelib.domain import csv_import
from chalicelib.domain.csv_import import Layout, parse, read_rows

HEADER = "account_name;contact_email;contact_description"


def _quoted_utf8() -> bytes:
    rows = [
        'Bakkerij Jansen;jan@bakkerij.example;"twee\r\nregels; met ; en , erin"',
        ";;",  # Excel's blank line: skipped, not a row
        '"De Vries\nB.V.";eva@devries.example;"zegt ""hallo"";\r\n\r\nen ""dag"""',
        'Smit;piet@smit.example;"een\rlosse CR"',
        'Ünal;u@unal.example;"€ ≠ ; €"',
        '"Laatste, ; BV";l@laatste.example;"nog een\r\nregel"',
    ]
    return codecs.BOM_UTF8 + ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


def _windows_1252() -> bytes:
    rows = [f'Café Zoë {i};z{i}@cafe.example;"Müller\nën ; straße {i}"' for i in range(1, 12)]
    return ("\n".join([HEADER, *rows])).encode("cp1252")  # no line break after the last row


def _lone_cr() -> bytes:
    return ("account_name,contact_email\r" + "".join(f'"K, {i}",k{i}@klant.example\r,\r' for i in range(7))).encode()


FILES = {"quoted utf-8 with a BOM": _quoted_utf8(), "windows-1252": _windows_1252(), "lone CR": _lone_cr()}


@pytest.mark.parametrize("name", sorted(FILES))
@pytest.mark.parametrize("every", [1, 2, 3, 5])
def test_every_chunk_from_its_offset_reads_exactly_the_whole_parses_rows(name: str, every: int) -> None:
    data = FILES[name]
    whole = parse(data)
    layout = csv_import.layout(whole, every)
    assert len(layout.offsets) == -(-len(whole.rows) // every) + 1 and layout.offsets[-1] == len(data)
    for first in range(len(whole.rows)):
        for end in range(first + 1, min(first + every, len(whole.rows)) + 1):  # also a chunk cut short
            start, stop, base = layout.span(first, end)
            assert base <= first < base + every  # the recorded offset at or before the cursor
            rows = read_rows(data[start:stop], layout, end - base)
            assert rows == whole.rows[base:end]
            if end <= base + every and len(whole.rows) > every:
                assert stop - start < len(data) - layout.offsets[0]  # a part of the rows' bytes, not all


def test_the_encoding_delimiter_and_header_are_recorded() -> None:
    quoted = csv_import.layout(parse(_quoted_utf8()), 2)
    assert (quoted.encoding, quoted.delimiter) == ("utf-8", ";")
    assert quoted.columns == ("account_name", "contact_email", "contact_description")
    assert quoted.offsets[0] == len(codecs.BOM_UTF8) + len(HEADER) + 2  # after the BOM and the header's CRLF
    cp = csv_import.layout(parse(_windows_1252()), 4)
    assert (cp.encoding, cp.delimiter, cp.offsets[-1]) == ("cp1252", ";", len(_windows_1252()))


def test_a_quoted_line_break_is_never_taken_for_a_row_start() -> None:
    data = _quoted_utf8()
    whole = parse(data)
    assert len(whole.rows) == 5 and whole.rows[1]["account_name"] == "De Vries\nB.V."
    assert whole.rows[1]["contact_description"] == 'zegt "hallo";\r\n\r\nen "dag"'
    for start in whole.starts:  # each recorded start begins a row: the line before it ended outside quotes
        assert read_rows(data[start:], csv_import.layout(whole, 1), 1)[0] == whole.rows[whole.starts.index(start)]


def test_a_range_of_a_changed_file_that_does_not_decode_is_not_csv() -> None:
    layout = Layout("utf-8", ";", ("account_name",), 200, (0, 3))
    with pytest.raises(csv_import.FileRefused) as refused:
        read_rows(b"\xff\xfe;\n", layout, 1)
    assert refused.value.code == "not_csv"


def test_carried_references_are_those_in_more_than_one_span_with_their_first_addresses() -> None:
    rows = [
        {"account_id": "ext-1", "contact_email": "a@x.example"},
        {"account_id": "ext-2", "contact_email": "b@x.example"},
        {"account_id": "ext-1", "contact_email": "A@X.example"},  # the same address: kept once
        {"account_id": "ext-1", "contact_email": ""},  # no address: nothing to find its account by
        {"account_id": "ext-2", "contact_email": "c@x.example"},
        {"account_id": "ext-1", "contact_email": "d@x.example"},
        {"account_id": "ext-1", "contact_email": "e@x.example"},
    ]
    carried = csv_import.carried_references(rows, 2, 2)
    assert carried == {
        "ext-1": [(1, "a@x.example"), (6, "d@x.example")],  # the first 2 addresses only
        "ext-2": [(2, "b@x.example"), (5, "c@x.example")],  # spans 0 and 2
    }
    assert csv_import.carried_references(rows, 5, 5) == {"ext-1": carried["ext-1"] + [(7, "e@x.example")]}
    assert csv_import.carried_references(rows, 7, 5) == {}  # one span: every chunk reads them all
