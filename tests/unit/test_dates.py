"""One rule for calendar days: the sections' day fields (due dates, days
worked) and custom field dates accept and refuse the same days."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.domain import dates
from chalicelib.domain.field_values import BadValue, Definition, stored
from chalicelib.domain.sections.models import InvoicePatch, JobCreate, TaskCreate, TimeEntryCreate

GOOD = ["1900-01-01", "1999-12-31", "2000-01-01", "2024-02-29", "2200-12-31"]
NO_SUCH_DAY = ["2026-02-30", "2023-02-29", "2026-00-10", "2026-04-31"]  # of the form, not in the calendar
BAD_FORM = ["20261126", "2026-W48-4", "2026-11-26T10:00:00Z", "2026-1-5", " 2026-11-26"]
OUT_OF_RANGE = ["1899-12-31", "0001-01-01", "2201-01-01", "9999-12-31"]


@pytest.mark.parametrize("day", GOOD)
def test_a_calendar_day_in_range_is_kept(day: str) -> None:
    assert dates.calendar_day(day) == day


@pytest.mark.parametrize("day", NO_SUCH_DAY + BAD_FORM)
def test_anything_but_a_real_yyyy_mm_dd_is_refused(day: str) -> None:
    with pytest.raises(ValueError, match=r"^expected a date as YYYY-MM-DD$"):
        dates.calendar_day(day)


@pytest.mark.parametrize("day", OUT_OF_RANGE)
def test_years_before_1900_and_after_2200_are_refused(day: str) -> None:
    with pytest.raises(ValueError, match=r"^the year must be between 1900 and 2200$"):
        dates.calendar_day(day)


def _section_days(day: str) -> list[str]:
    """The day as each section day field keeps it."""
    return [
        str(TaskCreate.model_validate({"title": "T", "due_date": day}).due_date),
        str(JobCreate.model_validate({"name": "J", "pipeline_id": "P", "stage_id": "S", "due_date": day}).due_date),
        str(InvoicePatch.model_validate({"due_date": day}).due_date),
        str(TimeEntryCreate.model_validate({"minutes": 5, "date": day}).date),
    ]


@pytest.mark.parametrize("day", GOOD)
def test_sections_and_custom_fields_accept_the_same_days(day: str) -> None:
    # GIVEN a day of a date of birth or of incorporation, or any day to 2200
    # THEN a custom field date and every section day field keep it
    assert stored(Definition("F", "date"), day) == day
    assert _section_days(day) == [day] * 4


@pytest.mark.parametrize("day", NO_SUCH_DAY + OUT_OF_RANGE)
def test_sections_and_custom_fields_refuse_the_same_days_with_the_same_words(day: str) -> None:
    # GIVEN a day the rule refuses, and its message
    with pytest.raises(ValueError) as rule:
        dates.calendar_day(day)
    # THEN a custom field refuses it with that message
    with pytest.raises(BadValue) as custom:
        stored(Definition("F", "date"), day)
    assert str(custom.value) == str(rule.value)
    # AND a section's day field too
    with pytest.raises(ValidationError) as section:
        TaskCreate.model_validate({"title": "T", "due_date": day})
    error = section.value.errors(include_url=False)[0]
    assert (error["loc"], error["msg"]) == (("due_date",), f"Value error, {rule.value}")


@pytest.mark.parametrize("day", BAD_FORM)
def test_a_section_day_field_refuses_other_forms_by_their_shape(day: str) -> None:
    # GIVEN a text that is not of the form YYYY-MM-DD (a custom field refuses it as above)
    with pytest.raises(BadValue, match=r"^expected a date as YYYY-MM-DD$"):
        stored(Definition("F", "date"), day)
    # THEN a section's day field refuses it by its pattern or length, before the calendar rule
    with pytest.raises(ValidationError) as section:
        TaskCreate.model_validate({"title": "T", "due_date": day})
    assert section.value.errors(include_url=False)[0]["type"] in ("string_pattern_mismatch", "string_too_long")
