"""Field types shared by the sections' models, and the output helpers they use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from chalicelib.domain.dates import calendar_day
from chalicelib.domain.models.base import OutputModel
from chalicelib.domain.models.people import MemberRef
from chalicelib.domain.sections.values import EXCERPT_CHARS, Item, excerpt, money_out

__all__ = ["EXCERPT_CHARS", "Item", "excerpt", "money_out"]  # also here, where the models import them


def _utc_timestamp(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("not an ISO 8601 timestamp") from exc
    if parsed.tzinfo is None:
        raise ValueError("a timestamp needs a time zone, e.g. 2026-11-26T17:42:00Z")
    utc = parsed.astimezone(UTC)
    if not 2000 <= utc.year <= 2199:
        raise ValueError("year out of range")
    return utc.isoformat(timespec="seconds").replace("+00:00", "Z")


Timestamp = Annotated[
    str, StringConstraints(min_length=10, max_length=40, pattern=r"^\d{4}-\d{2}-\d{2}T"), AfterValidator(_utc_timestamp)
]
Day = Annotated[str, StringConstraints(max_length=10, pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(calendar_day)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
Minutes = Annotated[int, Field(ge=1, le=24 * 60)]
Number = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class ItemOut(OutputModel):
    """Fields every activity item carries."""

    id: str
    account_id: str
    created_at: str
    updated_at: str
    created_by: MemberRef | None
    version: int


class PipelineRef(OutputModel):
    id: str
    name: str
