"""The stored form of the overview: one ``overview`` item per account and
section (``OVERVIEW#<section>`` in the account's partition), and the sparse
local index (``LSI2SK``) whose entries are the section's candidates. The
reads and writes are ``ActivityRepo``'s (``chalicelib/repo/activity.py``).

An overview item is lean on purpose, since every overview read pays for
every byte: the summaries' field names once (``f``), the rows as compact
JSON (``s``), ``has_more`` and the revision ``rev`` that conditions writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.repo import keys
from chalicelib.repo.table import Item

# What the Overview tab reads of its items: the overview items' rows, and the
# account's header, team (who may open it) and credit (payable_with_credit).
OVERVIEW_READ = (
    "SK",
    "entity",
    "f",
    "s",
    "has_more",
    "id",
    "name",
    "photo_key",
    "team_member_ids",
    "credit_balance",
    "currency",
)


@dataclass(frozen=True, slots=True)
class StoredOverview:
    """One section's overview as stored: its field names (comma-separated),
    its rows (compact JSON), whether there are more, and its revision (None
    when not read)."""

    fields: str
    rows: str
    has_more: bool
    rev: int | None = None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> StoredOverview:
        rev = item.get("rev")
        return cls(str(item.get("f", "")), str(item.get("s", "")), bool(item.get("has_more", False)), _int(rev))


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


@dataclass(slots=True)
class OverviewRead:
    """What the Overview tab's one Query returns: the account's header
    fields (``OVERVIEW_READ``; None when the account does not exist) and the
    stored sections by key."""

    account: Item | None
    sections: dict[str, StoredOverview] = field(default_factory=dict)


def overview_read(rows: Sequence[Item]) -> OverviewRead:
    read = OverviewRead(None)
    for row in rows:
        if row["entity"] == keys.ACCOUNT:
            read.account = row
        elif row["entity"] == keys.OVERVIEW:
            read.sections[row["SK"].removeprefix(keys.OVERVIEW_PREFIX)] = StoredOverview.from_item(row)
    return read


def overview_record(firm_id: str, account_id: str, section: str, overview: StoredOverview) -> Item:
    return {
        **keys.overview(firm_id, account_id, section).as_dict(),
        # Lean on purpose: every byte is read by each overview (the section is in the key).
        "entity": keys.OVERVIEW,
        "f": overview.fields,
        "s": overview.rows,
        "has_more": overview.has_more,
        "rev": overview.rev,
    }


def overview_place(record: Mapping[str, Any] | None) -> str | None:
    """An item's place among its section's overview candidates (its key in
    the sparse index), from the item or a stream image of it; None when it
    does not count for the overview."""
    if record is None or "LSI2SK" not in record:
        return None
    return str(record["LSI2SK"])


def candidates_signature(candidates: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """What identifies a read of the candidates: each one's key, version and
    place. Equal signatures: nothing moved on between two reads."""
    return [(c["SK"], c.get("version"), c.get("LSI2SK")) for c in candidates]
