"""CSV files of accounts and contacts, as Dutch Excel writes them: pure rules, no I/O.

- Encoding: UTF-8 (with or without a BOM); a file that is not valid UTF-8 is read as Windows-1252.
- Delimiter: ``;`` or ``,``, whichever the header line uses outside quotes (a tie: ``,``).
- Header: the fixed columns (``COLUMNS``) and ``custom:<label>``; an unknown or repeated column refuses the
  whole file (``FileRefused``) before anything is read or written.
- Limits: ``MAX_FILE_BYTES`` and ``MAX_ROWS``; a binary file (NUL bytes, or mostly control characters) is no CSV.
- Formula cells: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is refused
  for its row (``formula_cell``): never evaluated, never stored. Cells read as a phone number (``+31 6 …``) or
  as a number or date (custom fields of those kinds, ``-12,5``) are checked by their kind instead, which admits
  no formula. A cell escaped as our exports (and OWASP) escape it, ``'`` before such a first character, is text
  the writer marked as no formula: the ``'`` is dropped and the rest is the value (``'=x`` → ``=x``); a ``'``
  before anything else stays (``'s-Hertogenbosch``).

A file is read as a whole once (``parse``: checked, and its ``Layout`` taken: where every ``every``-th row
begins); each chunk then reads only its rows (``read_rows`` on that byte range), parsed the same way.

Cell values are turned into typed rows (``ImportRow``) here; matching them with the firm's accounts,
contacts, tags and members is the service's (``services/imports.py``).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from chalicelib.domain.models.base import AccountType, EmailAddress, Id, Name
from chalicelib.domain.models.imports import MAX_IMPORT_BYTES
from chalicelib.domain.models.people import PhoneNumber
from chalicelib.domain.problem_codes import field_code
from chalicelib.domain.text import email_key

MAX_FILE_BYTES: Final = MAX_IMPORT_BYTES
MAX_ROWS: Final = 50_000
MAX_CELL_CHARS: Final = 1000  # as a custom text value (field_values.MAX_TEXT): longer is a bad cell, not a bad file
LIST_SEPARATOR: Final = "|"  # inside the tags and team_member_emails cells
CUSTOM_PREFIX: Final = "custom:"

COLUMNS: Final = (
    "account_id",
    "account_name",
    "account_type",
    "tags",
    "team_member_emails",
    "contact_first_name",
    "contact_last_name",
    "contact_email",
    "contact_phone",
    "contact_description",
)
# Cells typed as phone numbers may start with a sign (their pattern admits no formula); other text may not.
_SIGNED_OK: Final = frozenset({"contact_phone"})
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


class FileRefused(Exception):
    """The whole file is refused (nothing is read or written); ``code`` is the problem's code."""

    def __init__(self, message: str, code: str, columns: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.columns = list(columns)


@dataclass(frozen=True, slots=True)
class CellError:
    """One bad cell (or a row-level problem: ``column`` None); ``row`` counts data rows from 1."""

    row: int
    column: str | None
    msg: str
    code: str


# --- bytes to text ------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (its BOM dropped), else Windows-1252; binary data is refused."""
    return _decoded(data)[0]


def _decoded(data: bytes) -> tuple[str, str]:
    """The text and its encoding (``utf-8`` or ``cp1252``, as ``Layout.encoding``)."""
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(
            f"The file has {len(data):,} bytes; at most {MAX_FILE_BYTES:,} are imported at once. Split it.",
            "file_too_large",
        )
    if b"\x00" in data[:65536]:
        raise FileRefused("The file is not a CSV text file (it holds binary data).", "not_csv")
    encoding = "utf-8"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; those become their Latin-1 control characters, then refused below
        encoding, text = "cp1252", data.decode("cp1252", errors="replace")
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    if not sample.strip() or controls > len(sample) // 100:
        raise FileRefused("The file is not a CSV text file.", "not_csv")
    return text, encoding


def detect_delimiter(text: str) -> str:
    """``;`` or ``,``: the one the header line holds more of outside quotes."""
    first = _first_record(text)
    counts = {";": 0, ",": 0}
    quoted = False
    for ch in first:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    return ";" if counts[";"] > counts[","] else ","


def _first_record(text: str) -> str:
    """The header line (a quoted newline in a header name is not a line's end)."""
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch in "\r\n" and not quoted:
            return text[:i]
    return text


# --- the header ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Header:
    columns: tuple[str, ...]  # as given (normalised: trimmed, fixed names lower-cased)
    custom_labels: tuple[str, ...]  # the labels of the custom:<label> columns, in order


def read_header(names: Sequence[str]) -> Header:
    columns: list[str] = []
    labels: list[str] = []
    unknown: list[str] = []
    for raw in names:
        name = raw.strip()
        if name.lower().startswith(CUSTOM_PREFIX):
            label = name[len(CUSTOM_PREFIX) :].strip()
            if not label:
                unknown.append(name)
                continue
            name = CUSTOM_PREFIX + label
            labels.append(label)
        elif name.lower() in COLUMNS:
            name = name.lower()
        else:
            unknown.append(name or "(empty)")
            continue
        columns.append(name)
    if unknown:
        raise FileRefused(
            f"Unknown column(s): {', '.join(unknown)}. Known: {', '.join(COLUMNS)} and custom:<label>.",
            "unknown_column",
            unknown,
        )
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise FileRefused(f"Column(s) given twice: {', '.join(repeated)}.", "duplicate_column", repeated)
    if "account_id" not in columns and "account_name" not in columns:
        raise FileRefused("The file needs an account_id or an account_name column.", "missing_column")
    return Header(tuple(columns), tuple(labels))


# --- the rows -----------------------------------------------------------------------------------


@dataclass(slots=True)
class ParsedFile:
    header: Header
    delimiter: str
    rows: list[dict[str, str]]  # data rows, each by column name (row number = index + 1)
    encoding: str = "utf-8"
    starts: list[int] = field(default_factory=list)  # the byte offset where each row begins (parse only)
    size: int = 0  # the file's bytes (parse only)


@dataclass(frozen=True, slots=True)
class Layout:
    """What a chunk needs to read its rows alone: a ranged read of ``span``'s bytes, parsed by ``read_rows``."""

    encoding: str
    delimiter: str
    columns: tuple[str, ...]  # the header's, as read_header gives them
    every: int
    offsets: tuple[int, ...]  # offsets[k]: the byte where row every*k+1 begins; the last one: the file's size

    def span(self, first: int, end: int) -> tuple[int, int, int]:
        """The bytes ``[a, b)`` holding the rows of indexes ``first``..``end - 1``, from the recorded offset at or
        before ``first`` to the one at or after ``end``, and the index of the range's first row."""
        k = first // self.every
        last = min(-(-end // self.every), len(self.offsets) - 1)
        return self.offsets[k], self.offsets[max(last, k)], k * self.every


def layout(parsed: ParsedFile, every: int) -> Layout:
    return Layout(
        parsed.encoding, parsed.delimiter, parsed.header.columns, every, (*parsed.starts[::every], parsed.size)
    )


class _Lines:
    """The lines of ``data`` from byte ``start``, as ``io.StringIO(text, newline="")`` gives them (ended by
    ``\\r\\n``, ``\\n`` or ``\\r``: bytes.splitlines splits at exactly those, and in UTF-8 and Windows-1252
    those bytes are only ever those characters), each decoded alone; ``pos`` is the byte after the last line
    given. csv.reader pulls exactly one record's lines per record, so ``pos`` between records is where the
    next record begins."""

    def __init__(self, data: bytes, encoding: str, start: int = 0) -> None:
        self._lines = iter(data[start:].splitlines(keepends=True))
        self._encoding = encoding
        self.pos = start

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.pos += len(line)
        # cp1252 as decode() reads it; a UTF-8 range that does not decode raises (read_rows: not_csv)
        return line.decode(self._encoding, errors="replace" if self._encoding == "cp1252" else "strict")


def _reader(lines: _Lines, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(lines, delimiter=delimiter, quotechar='"', strict=False)


def parse(data: bytes) -> ParsedFile:
    """The whole file, checked as a whole: decoded, its header read, its rows counted (a file refused here
    writes nothing), and where each row begins."""
    text, encoding = _decoded(data)
    delimiter = detect_delimiter(text)
    bom = len(codecs.BOM_UTF8) if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8) else 0
    lines = _Lines(data, encoding, bom)
    reader = _reader(lines, delimiter)
    try:
        names = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise FileRefused("The file has no header line.", "not_csv") from exc
    header = read_header(names)
    rows: list[dict[str, str]] = []
    starts: list[int] = []
    try:
        for start, cells in _records(reader, lines):
            if len(rows) >= MAX_ROWS:
                raise FileRefused(f"The file has more than {MAX_ROWS:,} rows; split it.", "too_many_rows")
            rows.append(_by_column(header.columns, cells))
            starts.append(start)
    except csv.Error as exc:
        raise FileRefused(f"The file is not valid CSV: {exc}.", "not_csv") from exc
    return ParsedFile(header, delimiter, rows, encoding, starts, len(data))


def read_rows(data: bytes, layout: Layout, take: int) -> list[dict[str, str]]:
    """The first ``take`` data rows of ``data``, a byte range of the file that begins where a row begins
    (``Layout.span``): the rows ``parse`` gives from that row on."""
    lines = _Lines(data, layout.encoding)
    rows: list[dict[str, str]] = []
    try:
        for _, cells in _records(_reader(lines, layout.delimiter), lines):
            if len(rows) >= take:
                break
            rows.append(_by_column(layout.columns, cells))
    except (csv.Error, UnicodeDecodeError) as exc:
        raise FileRefused(f"The file is not valid CSV: {exc}.", "not_csv") from exc
    return rows


def _by_column(columns: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    return {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(columns)}


def _records(reader: Iterator[list[str]], lines: _Lines) -> Iterator[tuple[int, list[str]]]:
    """Each record with the byte where it begins; blank lines (Excel writes ;;; lines) are skipped."""
    while True:
        start = lines.pos
        cells = next(reader, None)
        if cells is None:
            return
        if any(c.strip() for c in cells):
            yield start, cells


def carried_references(rows: Sequence[Mapping[str, str]], every: int, keep: int) -> dict[str, list[tuple[int, str]]]:
    """The ``account_id`` cells whose rows fall in more than one span of ``every`` rows, each with its first
    rows (number, ``contact_email``) of ``keep`` different addresses: what a chunk needs to know of the rows
    before its range (an external reference is matched through earlier rows' contacts, services/import_rows)."""
    first_span: dict[str, int] = {}
    crossing: set[str] = set()
    firsts: dict[str, list[tuple[int, str]]] = {}
    for number, cells in enumerate(rows, start=1):
        reference = cells.get("account_id", "").strip()
        if not reference:
            continue
        if first_span.setdefault(reference, (number - 1) // every) != (number - 1) // every:
            crossing.add(reference)
        address = cells.get("contact_email", "").strip()
        got = firsts.setdefault(reference, [])
        if address and len(got) < keep and all(email_key(a) != email_key(address) for _, a in got):
            got.append((number, address))
    return {r: firsts[r] for r in sorted(crossing) if firsts[r]}


# --- typed rows ---------------------------------------------------------------------------------

Text100 = Annotated[str, StringConstraints(max_length=100)]


class ImportRow(BaseModel):
    """One data row with its cells typed; an empty cell is None (on an update: keep what is there)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    account_id: Id | None = None
    account_name: Name | None = None
    account_type: AccountType | None = None
    tags: list[Annotated[str, StringConstraints(min_length=1, max_length=50)]] | None = None
    team_member_emails: list[EmailAddress] | None = None
    contact_first_name: Text100 | None = None
    contact_last_name: Text100 | None = None
    contact_email: EmailAddress | None = None
    contact_phone: PhoneNumber | None = None
    contact_description: Annotated[str, StringConstraints(max_length=500)] | None = None
    custom: dict[str, str] = {}  # label -> the cell's text (typed by the field's kind, see custom_value)


def formula_like(value: str) -> bool:
    """A cell a spreadsheet would evaluate (OWASP's list of a formula's first characters)."""
    return value.startswith(_FORMULA_START)


def unescaped(value: str) -> tuple[str, bool]:
    """The cell without the ``'`` an export put before a formula-like start (after any quotes of the stored
    value itself: domain/exports.escaped), and whether it had one."""
    if value.startswith("'") and formula_like(value.lstrip("'")):
        return value[1:], True
    return value, False


def typed_row(number: int, cells: Mapping[str, str]) -> tuple[ImportRow | None, list[CellError]]:
    """The row's cells typed, or the errors of its bad cells (each naming its column)."""
    errors: list[CellError] = []
    values: dict[str, Any] = {}
    custom: dict[str, str] = {}
    for column, raw in cells.items():
        value = raw.strip()
        if not value:
            continue
        if len(value) > MAX_CELL_CHARS:
            errors.append(CellError(number, column, f"at most {MAX_CELL_CHARS} characters", "too_long"))
            continue
        custom_column = column.startswith(CUSTOM_PREFIX)  # checked by its field's kind (services/imports.py)
        if custom_column:
            custom[column[len(CUSTOM_PREFIX) :]] = value  # its escape too: the kind decides (import_rows)
            continue
        value, escaped = unescaped(value)
        if column not in _SIGNED_OK and not escaped and formula_like(raw.lstrip(" ")):
            errors.append(CellError(number, column, "starts like a spreadsheet formula; not imported", "formula_cell"))
            continue
        if column in ("tags", "team_member_emails"):
            parts = [p.strip() for p in value.split(LIST_SEPARATOR) if p.strip()]
            bad = [p for p in parts if formula_like(p) and not (escaped and p == parts[0])]
            if bad:
                errors.append(
                    CellError(number, column, "starts like a spreadsheet formula; not imported", "formula_cell")
                )
                continue
            values[column] = list(dict.fromkeys(parts))
        elif column == "account_type":
            values[column] = value.lower()
        else:
            values[column] = value
    try:
        row = ImportRow.model_validate({**values, "custom": custom})
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            where = str(err["loc"][0]) if err["loc"] else None
            code = _cell_code(err["type"])
            msg = _FORMAT_MESSAGES.get(where or "", err["msg"]) if code == "invalid_format" else err["msg"]
            errors.append(CellError(number, where, msg, code))
        return None, errors
    if errors:
        return None, errors
    return row, []


_FORMAT_MESSAGES: Final = {
    "contact_email": "not an e-mail address",
    "team_member_emails": "not a list of e-mail addresses separated by |",
    "contact_phone": "not a phone number (digits, spaces and + ( ) . / - only)",
    "account_id": "not an account id",
}


def _cell_code(pydantic_type: str) -> str:
    if pydantic_type == "literal_error":
        return "invalid_choice"
    return field_code(pydantic_type)  # the API's field codes: too_long, not_an_email, ...


# --- custom field cells -------------------------------------------------------------------------

_TRUE: Final = frozenset({"true", "yes", "ja", "j", "y", "1", "x", "waar"})
_FALSE: Final = frozenset({"false", "no", "nee", "n", "0", "onwaar"})
_DAY_FIRST: Final = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


class BadCell(ValueError):
    """A custom field cell that does not fit its field's kind."""


def custom_value(kind: str, options: Sequence[str], text: str) -> Any:
    """A custom field cell as the JSON value its kind takes (``field_values.stored`` checks it further):
    numbers with a decimal comma or point (``1.234,56`` / ``1,234.56``), dates as ``YYYY-MM-DD`` or
    ``DD-MM-YYYY`` (the Dutch order, also with ``/`` or ``.``), checkboxes as ja/nee, yes/no, true/false,
    1/0 or x, dropdowns by option (case-insensitively), an address cell as its first line, or as the
    compact JSON object an export writes (``{"line1":…,"city":…}``)."""
    if kind == "number":
        return _number(text)
    if kind == "date":
        found = _DAY_FIRST.match(text)
        return f"{found.group(3)}-{int(found.group(2)):02d}-{int(found.group(1)):02d}" if found else text
    if kind == "checkbox":
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise BadCell("expected ja/nee, yes/no, true/false, 1/0 or x")
    if kind == "dropdown":
        return next((o for o in options if o.lower() == text.lower()), text)
    if kind == "address":
        if text.startswith("{"):
            with contextlib.suppress(ValueError):
                given = json.loads(text)
                if isinstance(given, dict):
                    return given  # field_values.stored checks its parts
        return {"line1": text}
    return text


def _number(text: str) -> int | float:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." in cleaned:
        decimal = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        cleaned = cleaned.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", cleaned):
        raise BadCell("expected a number, such as 1234,56")
    return int(cleaned) if "." not in cleaned else float(cleaned)


Outcome = Literal["created", "updated", "unchanged", "failed"]
OUTCOME_COUNTS: Final = ("rows", "created", "updated", "unchanged", "failed")


def counts_of(outcomes: Sequence[Outcome]) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOME_COUNTS, 0)
    for outcome in outcomes:
        counts["rows"] += 1
        counts[outcome] += 1
    return counts


RowState = Literal["pending", "done"]  # pending: its writes were started (a rerun finishes them, same outcome)


@dataclass(frozen=True, slots=True)
class RowResult:
    """One row's outcome in one run of an import, as recorded (so a rerun chunk counts it once)."""

    row: int
    outcome: Outcome
    state: RowState = "done"
    errors: tuple[CellError, ...] = ()
