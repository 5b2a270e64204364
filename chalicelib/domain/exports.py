"""Exports of a firm's accounts or contacts, as CSV or JSON: the rows and the
document's pieces, with no I/O (services/exports.py reads and writes).

CSV of accounts has the import's columns (docs/api.md, "Data in and out"), one
row per account-contact link, so that an export imports back. Cells are
escaped against formula injection (OWASP's advice): a cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``,
which spreadsheets show as text and the import strips again.

JSON is one document, ``{"kind", "exported_at", "items": [...]}``, written
piece by piece: a head, each item preceded by a comma but the first, a tail.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal

from chalicelib.domain import csv_import

ExportKind = Literal["accounts", "contacts"]
ExportFormat = Literal["csv", "json"]

# The import's columns (docs/api.md, "CSV import"), so that an export imports back.
ACCOUNT_COLUMNS: Final = csv_import.COLUMNS
CONTACT_COLUMNS: Final = (
    "contact_id",
    "contact_first_name",
    "contact_middle_name",
    "contact_last_name",
    "contact_emails",
    "contact_phones",
    "account_ids",
)
CUSTOM_PREFIX: Final = "custom:"
MEDIA_TYPES: Final = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def escaped(cell: str) -> str:
    """``cell`` as a spreadsheet shows it as text: a formula-leading cell gets a leading quote, and so does one
    whose quotes already lead to a formula (a stored quote-equals-x), so that the import, which takes one quote
    off (csv_import.unescaped), reads back what was stored."""
    return "'" + cell if csv_import.formula_like(cell.lstrip("'")) else cell


def cell_text(value: Any) -> str:
    """A stored custom field value as one CSV cell (an address as compact JSON, a checkbox true/false)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    if isinstance(value, Mapping):
        return json.dumps({k: v for k, v in value.items() if v}, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def json_value(value: Any) -> Any:
    """A stored value as JSON takes it (numbers stay numbers)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(v) for v in (sorted(value) if isinstance(value, set | frozenset) else value)]
    return value


@dataclass(frozen=True, slots=True)
class Column:
    """A custom field's column: ``custom:<label>``, its values by field id."""

    field_id: str
    label: str

    @property
    def header(self) -> str:
        return CUSTOM_PREFIX + self.label


def header(kind: ExportKind, custom: Sequence[Column]) -> list[str]:
    base = ACCOUNT_COLUMNS if kind == "accounts" else CONTACT_COLUMNS
    return [*base, *(c.header for c in custom)]


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    """``rows`` as CSV lines (RFC 4180: CRLF, fields quoted when needed), every cell escaped."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([escaped(c) for c in row])
    return out.getvalue()


def joined(values: Iterable[str]) -> str:
    return "|".join(v for v in values if v)


def json_head(kind: ExportKind, exported_at: str) -> str:
    return '{"kind":' + json.dumps(kind) + ',"exported_at":' + json.dumps(exported_at) + ',"items":['


JSON_TAIL: Final = "]}\n"


def json_items(items: Iterable[Mapping[str, Any]], *, first: bool) -> str:
    """Items as members of the ``items`` array; a comma before each but the document's first."""
    parts: list[str] = []
    for item in items:
        if not first:
            parts.append(",")
        first = False
        parts.append(json.dumps(json_value(item), ensure_ascii=False, separators=(",", ":")))
    return "".join(parts)


def file_name(kind: ExportKind, fmt: ExportFormat, day: str) -> str:
    """The download's name: ``dossier-accounts-2026-12-07.csv``."""
    return f"dossier-{kind}-{day}.{fmt}"
