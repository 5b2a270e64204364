"""Opaque ids that sort by creation time."""

from __future__ import annotations

from datetime import UTC, datetime

from ulid import ULID


def new_id() -> str:
    return str(ULID())


def now_iso() -> str:
    """UTC timestamp in ISO 8601 with a Z suffix, to the second (docs/api.md, "Conventions")."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def now_ordered() -> str:
    """As ``now_iso``, to the microsecond: for ordering stored events of one second (never shown)."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def now_precise() -> str:
    """UTC, to the microsecond: for ordering two events that may fall in the same second."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
