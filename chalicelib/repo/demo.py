"""The demo data's marker: one item saying which firm ``make run`` seeded
and in which stored form, so seeding is skipped when it exists and local data
written by an older version is recreated."""

from __future__ import annotations

from typing import Any

from chalicelib.repo import keys
from chalicelib.repo.table import ITEM_ABSENT, Put, Table

# Keyed like a firm (firm ids are ULIDs, so "DEMO" cannot collide with one).
_MARKER = keys.Key(keys.firm_pk("DEMO"), "DEMO_MARKER")


def demo_marker(table: Table) -> dict[str, Any] | None:
    """The marker (``firm_id``, ``first_account_id``, ``data_format``), None before seeding."""
    return table.get(_MARKER, consistent=True)


def mark_demo(table: Table, firm_id: str, first_account_id: str, data_format: int) -> None:
    """Record the seeded demo firm (once: a second seed of the same table fails)."""
    marker = {
        **_MARKER.as_dict(),
        "entity": "demo_marker",
        "firm_id": firm_id,
        "first_account_id": first_account_id,
        "data_format": data_format,
    }
    table.write([Put(marker, ITEM_ABSENT)])
