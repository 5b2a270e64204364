"""Output fields computed when a section item is read: names of what it
refers to (with their fallbacks), excerpts, money as text and the read-time
``payable_with_credit``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.sections import READ_TIME_FIELDS, SECTIONS, Names, add_read_time_fields, excerpt, money_out
from chalicelib.domain.sections.output import payable_with_credit

NAMES = Names(
    members={"M1": "Anna Berg", "M2": "Ben Ode"},
    pipelines={
        "P1": {"name": "Tax returns", "stages": [{"id": "S1", "name": "Collect"}, {"id": "S2", "name": "File"}]},
        "P2": {"name": "Payroll"},  # a pipeline as read without its stages
    },
)


def computed(key: str, item: dict[str, Any], names: Names = NAMES) -> dict[str, Any]:
    return SECTIONS[key].computed(item, names)


# --- Names and their fallbacks ------------------------------------------------------------------


def test_a_member_is_named() -> None:
    assert NAMES.member("M1") == {"id": "M1", "name": "Anna Berg"}


def test_a_member_no_longer_in_the_firm_is_a_former_member() -> None:
    assert NAMES.member("M9") == {"id": "M9", "name": "Former member"}
    assert Names().member("M1") == {"id": "M1", "name": "Former member"}


@pytest.mark.parametrize("member_id", [None, ""])
def test_no_member_is_none(member_id: str | None) -> None:
    assert NAMES.member(member_id) is None


def test_a_pipeline_and_its_stage_are_named() -> None:
    assert NAMES.pipeline("P1") == {"id": "P1", "name": "Tax returns"}
    assert NAMES.stage("P1", "S2") == {"id": "S2", "name": "File"}


def test_a_removed_pipeline_and_its_stages_are_named_so() -> None:
    assert NAMES.pipeline("P9") == {"id": "P9", "name": "Removed pipeline"}
    assert NAMES.stage("P9", "S1") == {"id": "S1", "name": "Removed stage"}


def test_a_removed_stage_of_a_pipeline_is_named_so() -> None:
    assert NAMES.stage("P1", "S9") == {"id": "S9", "name": "Removed stage"}
    assert NAMES.stage("P2", "S1") == {"id": "S1", "name": "Removed stage"}  # no stages read
    assert NAMES.stage("P2", "S1") != NAMES.stage("P1", "S1")  # a stage id is looked up in its own pipeline


# --- each section's computed fields -----------------------------------------------------------------


def test_a_document_is_new_until_someone_at_the_firm_opens_it() -> None:
    unopened = {"new": True, "viewed_by": None, "opened_by": None, "opened_at": None}
    assert computed("documents", {"name": "W-2.pdf"}) == unopened
    opened = {"name": "W-2.pdf", "viewed_at": "2026-03-02T09:30:00Z", "viewed_by": "M2"}
    ben = {"id": "M2", "name": "Ben Ode"}
    assert computed("documents", opened) == {
        "new": False,
        "viewed_by": ben,
        "opened_by": ben,
        "opened_at": "2026-03-02T09:30:00Z",
    }


def test_a_tasks_assignee_is_named() -> None:
    assert computed("tasks", {"assignee_id": "M1"}) == {"assignee": {"id": "M1", "name": "Anna Berg"}}
    assert computed("tasks", {}) == {"assignee": None}


def test_a_job_names_its_assignee_pipeline_and_stage() -> None:
    job = {"pipeline_id": "P1", "stage_id": "S1", "assignee_id": "M9"}
    assert computed("jobs", job) == {
        "assignee": {"id": "M9", "name": "Former member"},
        "pipeline": {"id": "P1", "name": "Tax returns"},
        "stage": {"id": "S1", "name": "Collect"},
    }


def test_a_job_in_a_removed_pipeline() -> None:
    job = {"pipeline_id": "P9", "stage_id": "S1"}
    assert computed("jobs", job) == {
        "assignee": None,
        "pipeline": {"id": "P9", "name": "Removed pipeline"},
        "stage": {"id": "S1", "name": "Removed stage"},
    }


@pytest.mark.parametrize(
    ("amount", "amount_due", "shown"),
    [
        (Decimal("120.5"), Decimal("120.5"), ("120.50", "120.50")),
        (Decimal("5"), Decimal("0"), ("5.00", "0.00")),
        (Decimal("999999999.99"), Decimal("999999999.99"), ("999999999.99", "999999999.99")),
    ],
)
def test_an_invoices_money_is_text_with_two_decimals(
    amount: Decimal, amount_due: Decimal, shown: tuple[str, str]
) -> None:
    out = computed("invoices", {"amount": amount, "amount_due": amount_due})
    assert (out["amount"], out["amount_due"], out["paid_with_credit"]) == (*shown, False)


def test_an_invoice_paid_with_credit_says_so() -> None:
    out = computed("invoices", {"amount": Decimal(5), "amount_due": Decimal(0), "paid_with_credit": True})
    assert out["paid_with_credit"] is True


def test_a_proposals_signatures_show_who_and_when_not_who_recorded_them() -> None:
    stored = [
        {"address": "a@x.example", "at": "2026-03-01T10:00:00Z", "recorded_by": "M1"},
        {"address": "b@x.example", "at": "2026-03-02T10:00:00Z", "recorded_by": "M2"},
    ]
    assert computed("proposals", {"signed_by": stored}) == {
        "signed_by": [
            {"address": "a@x.example", "at": "2026-03-01T10:00:00Z"},
            {"address": "b@x.example", "at": "2026-03-02T10:00:00Z"},
        ]
    }
    assert computed("proposals", {}) == {"signed_by": []}
    assert computed("proposals", {"signed_by": None}) == {"signed_by": []}


def test_a_note_shows_its_author_and_an_excerpt() -> None:
    out = computed("notes", {"author_id": "M1", "body": "Called  the client.\n\nAll good."})
    assert out == {"excerpt": "Called the client. All good.", "author": {"id": "M1", "name": "Anna Berg"}}
    assert computed("notes", {}) == {"excerpt": "", "author": None}


def test_a_time_entrys_member_is_named() -> None:
    assert computed("time_entries", {"member_id": "M2"}) == {"member": {"id": "M2", "name": "Ben Ode"}}


def test_an_emails_thread_and_text() -> None:
    assert computed("emails", {"id": "I1", "thread_id": "T1", "text": "Hi"}) == {"thread_id": "T1", "text": "Hi"}
    assert computed("emails", {"id": "I1"}) == {"thread_id": "I1", "text": ""}, "recorded before threads"


@pytest.mark.parametrize("key", ["chats", "approvals", "signatures", "organizers", "logins"])
def test_other_sections_compute_nothing(key: str) -> None:
    assert computed(key, {"status": "x"}) == {}


# --- excerpt and money_out ------------------------------------------------------------------------


def test_an_excerpt_is_the_text_on_one_line_up_to_100_characters() -> None:
    # GIVEN a text of exactly 100 characters (once flattened) / THEN it is shown whole
    assert excerpt("a" * 100) == "a" * 100
    assert excerpt(" x \n\t y ") == "x y"
    # GIVEN one character more / THEN 99 characters and an ellipsis: 100 in all
    cut = excerpt("a" * 101)
    assert cut == "a" * 99 + "…"
    assert len(cut) == 100


def test_an_excerpt_does_not_end_in_a_space_before_the_ellipsis() -> None:
    text = "a" * 98 + " " + "b" * 10
    assert excerpt(text) == "a" * 98 + "…"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("1", "1.00"), ("0.5", "0.50"), ("12.34", "12.34"), (Decimal("7"), "7.00"), (3, "3.00")],
)
def test_money_out(value: Any, shown: str) -> None:
    assert money_out(value, "USD") == shown


# --- payable_with_credit (read time, never stored) ------------------------------------------------------


def _invoice(amount_due: str, status: str = "unpaid", currency: str = "EUR") -> dict[str, Any]:
    return {"status": status, "currency": currency, "amount_due": amount_due}


@pytest.mark.parametrize(
    ("invoice", "credit", "payable"),
    [
        (_invoice("40.00"), Decimal("40.00"), True),  # the credit covers it exactly
        (_invoice("40.00"), Decimal("100"), True),
        (_invoice("40.01"), Decimal("40.00"), False),  # a cent short
        (_invoice("40.00"), Decimal("0"), False),
        (_invoice("40.00", currency="USD"), Decimal("100"), False),  # credit is in the account's currency
        (_invoice("0.00", status="paid"), Decimal("100"), False),
        (_invoice("0.00", status="void"), Decimal("100"), False),
    ],
)
def test_payable_with_credit(invoice: dict[str, Any], credit: Decimal, payable: bool) -> None:
    assert payable_with_credit(invoice, credit, "EUR") is payable


def test_an_overview_summary_without_a_status_is_an_unpaid_invoice() -> None:
    # GIVEN an overview row (only unpaid invoices qualify; the summary has no status)
    summary = {"currency": "EUR", "amount_due": "12.00"}
    assert payable_with_credit(summary, Decimal("12"), "EUR") is True


def test_read_time_fields_are_added_only_where_wanted() -> None:
    assert frozenset({"payable_with_credit"}) == READ_TIME_FIELDS
    # GIVEN an invoice as shown and an account with enough credit
    view = _invoice("40.00")
    # WHEN the shape does not have the field / THEN nothing is added
    add_read_time_fields(view, {"status", "amount_due"}, Decimal("50"), "EUR")
    assert "payable_with_credit" not in view
    # WHEN it has it / THEN it is computed from the account
    add_read_time_fields(view, SECTIONS["invoices"].out.model_fields, Decimal("50"), "EUR")
    assert view["payable_with_credit"] is True
    add_read_time_fields(view, SECTIONS["invoices"].summary_fields, Decimal("39.99"), "EUR")
    assert view["payable_with_credit"] is False


def test_each_section_names_the_summary_fields_computed_when_read() -> None:
    # The Overview's read adds them without building the summary model (registry.Section.read_time_fields).
    for section in SECTIONS.values():
        assert set(section.read_time_fields) == set(section.summary_fields) & READ_TIME_FIELDS, section.key
