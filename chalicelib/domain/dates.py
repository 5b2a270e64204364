"""Calendar days as the API takes them, one rule for every day field: the
sections' (a task's or job's due date, an invoice's, a time entry's day
worked) and custom field values of kind ``date``.

A day is ``YYYY-MM-DD``, a real calendar date, in the years 1900 to 2200:
dates of birth and of incorporation precede 2000.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

FIRST_YEAR: Final = 1900
LAST_YEAR: Final = 2200

# Only this form: date.fromisoformat also reads "20260101" and ISO week dates ("2026-W01-1").
_DAY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def calendar_day(text: str) -> str:
    """``text`` if it is a calendar day in range; otherwise ValueError, whose message says what would do."""
    if not _DAY.fullmatch(text):
        raise ValueError("expected a date as YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:  # e.g. 2026-02-30
        raise ValueError("expected a date as YYYY-MM-DD") from exc
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return day.isoformat()
