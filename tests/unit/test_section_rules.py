"""The sections' derivations and cross-field rules, as plain functions of the
item and the change, run the way the activity service runs them: the input
model's dump, then the section's ``derive``, then its ``rules``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.errors import FieldError
from chalicelib.domain.sections import SECTIONS, Change
from chalicelib.domain.sections.fields import Item

NOW = "2026-03-02T09:30:00Z"
LATER = "2026-03-05T16:00:00Z"
ME = "M-me"
OTHER = "M-other"
CURRENCY = "EUR"


def create(key: str, body: dict[str, Any], *, now: str = NOW) -> tuple[Item, list[FieldError]]:
    """The item a create would store, and the rules it breaks."""
    section = SECTIONS[key]
    item = section.create.model_validate(body).model_dump(exclude_none=True)
    change = Change(None, now, ME, CURRENCY)
    section.derive(item, change)
    return item, section.rules(item, change)


def created(key: str, body: dict[str, Any], *, now: str = NOW) -> Item:
    item, errors = create(key, body, now=now)
    assert errors == []
    return item


def patch(
    key: str, old: Item, body: dict[str, Any], *, now: str = LATER, member: str = ME
) -> tuple[Item, list[FieldError]]:
    """The item a patch of ``old`` would store, and the rules it breaks."""
    section = SECTIONS[key]
    item = dict(old)
    for name, value in section.patch.model_validate(body).model_dump(exclude_unset=True).items():
        if value is None:
            item.pop(name, None)
        else:
            item[name] = value
    change = Change(dict(old), now, member, CURRENCY)
    section.derive(item, change)
    return item, section.rules(item, change)


def patched(key: str, old: Item, body: dict[str, Any], *, now: str = LATER, member: str = ME) -> Item:
    item, errors = patch(key, old, body, now=now, member=member)
    assert errors == []
    return item


# --- Change -------------------------------------------------------------------------------------


def test_became_is_true_only_when_the_status_changes_to_it() -> None:
    assert Change(None, NOW, ME, CURRENCY).became({"status": "paid"}, "paid")
    assert Change({"status": "unpaid"}, NOW, ME, CURRENCY).became({"status": "paid"}, "paid")
    assert not Change({"status": "paid"}, NOW, ME, CURRENCY).became({"status": "paid"}, "paid")
    assert not Change(None, NOW, ME, CURRENCY).became({"status": "unpaid"}, "paid")
    assert not Change({"status": "paid"}, NOW, ME, CURRENCY).became({}, "paid")


# --- invoices: amount due, paid_at and finality ---------------------------------------------------


def test_an_unpaid_invoice_is_due_in_full_in_the_accounts_currency() -> None:
    # WHEN an invoice is created with only a number and an amount
    item = created("invoices", {"number": "2026-001", "amount": "120.5"})
    # THEN it is unpaid, due in full, issued now, in the account's currency, not paid
    assert item == {
        "number": "2026-001",
        "amount": Decimal("120.5"),
        "amount_due": Decimal("120.5"),
        "currency": "EUR",
        "issued_at": NOW,
        "status": "unpaid",
    }


def test_an_invoice_keeps_the_currency_and_issue_time_it_was_given() -> None:
    item = created(
        "invoices", {"number": "7", "amount": "10", "currency": "JPY", "issued_at": "2026-01-10T08:00:00+02:00"}
    )
    assert (item["currency"], item["issued_at"]) == ("JPY", "2026-01-10T06:00:00Z")


def test_an_invoice_created_paid_is_due_nothing_and_paid_now() -> None:
    item = created("invoices", {"number": "8", "amount": "40.00", "status": "paid"})
    assert (item["amount_due"], item["paid_at"]) == (Decimal(0), NOW)


def test_an_invoice_created_void_is_due_nothing_and_never_paid() -> None:
    item = created("invoices", {"number": "9", "amount": "40.00", "status": "void"})
    assert item["amount_due"] == Decimal(0)
    assert "paid_at" not in item


@pytest.mark.parametrize("amount", ["0", "0.00", "0.0"])
def test_an_invoice_of_zero_is_refused(amount: str) -> None:
    _, errors = create("invoices", {"number": "1", "amount": amount})
    assert errors == [FieldError(("body", "amount"), "must be more than zero")]


def test_the_smallest_invoice_is_one_cent() -> None:
    assert created("invoices", {"number": "1", "amount": "0.01"})["amount_due"] == Decimal("0.01")


def test_paying_an_invoice_stamps_paid_at_and_clears_the_amount_due() -> None:
    # GIVEN an unpaid invoice created at NOW
    invoice = created("invoices", {"number": "1", "amount": "40"})
    # WHEN it is marked paid at LATER
    item = patched("invoices", invoice, {"status": "paid"})
    # THEN it is due nothing, paid at LATER
    assert (item["status"], item["amount_due"], item["paid_at"], item["amount"]) == (
        "paid",
        Decimal(0),
        LATER,
        Decimal("40"),
    )


def test_an_unpaid_invoices_amount_may_change_and_the_amount_due_follows() -> None:
    invoice = created("invoices", {"number": "1", "amount": "40"})
    item = patched("invoices", invoice, {"amount": "35.50"})
    assert (item["amount"], item["amount_due"]) == (Decimal("35.50"), Decimal("35.50"))


def test_a_paid_invoice_keeps_its_payment_time_when_renumbered() -> None:
    paid = created("invoices", {"number": "1", "amount": "5.00", "status": "paid"})
    # WHEN renumbered later, restating its status and the same amount differently written
    item = patched("invoices", paid, {"number": "1A", "status": "paid", "amount": "5"})
    # THEN nothing about the payment changed
    assert (item["number"], item["paid_at"], item["amount_due"]) == ("1A", NOW, Decimal(0))


@pytest.mark.parametrize(
    ("was", "becomes", "message"),
    [
        ("paid", "unpaid", "a paid invoice's status is final"),
        ("paid", "void", "a paid invoice's status is final"),
        ("void", "paid", "a void invoice's status is final"),
        ("void", "unpaid", "a void invoice's status is final"),
    ],
)
def test_paid_and_void_are_final(was: str, becomes: str, message: str) -> None:
    invoice = created("invoices", {"number": "1", "amount": "5", "status": was})
    _, errors = patch("invoices", invoice, {"status": becomes})
    assert errors == [FieldError(("body", "status"), message)]


@pytest.mark.parametrize("was", ["paid", "void"])
def test_a_final_invoices_amount_cannot_change(was: str) -> None:
    invoice = created("invoices", {"number": "1", "amount": "5", "status": was})
    _, errors = patch("invoices", invoice, {"amount": "6"})
    assert errors == [FieldError(("body", "amount"), f"a {was} invoice's amount cannot change")]


def test_every_broken_invoice_rule_is_named() -> None:
    paid = created("invoices", {"number": "1", "amount": "5", "status": "paid"})
    _, errors = patch("invoices", paid, {"status": "unpaid", "amount": "0"})
    assert errors == [
        FieldError(("body", "amount"), "must be more than zero"),
        FieldError(("body", "status"), "a paid invoice's status is final"),
        FieldError(("body", "amount"), "a paid invoice's amount cannot change"),
    ]


def test_an_unpaid_invoice_may_be_voided() -> None:
    invoice = created("invoices", {"number": "1", "amount": "5"})
    item = patched("invoices", invoice, {"status": "void"})
    assert (item["amount_due"], "paid_at" in item) == (Decimal(0), False)


# --- proposals: sent_at and the status rules ------------------------------------------------------


def test_a_draft_proposal_has_not_been_sent() -> None:
    item = created("proposals", {"name": "Engagement 2026", "kind": "engagement_letter"})
    assert item == {"name": "Engagement 2026", "kind": "engagement_letter", "status": "draft"}


def test_a_draft_with_a_sent_time_is_refused() -> None:
    _, errors = create("proposals", {"name": "P", "kind": "proposal", "sent_at": "2026-03-01T10:00:00Z"})
    assert errors == [FieldError(("body", "sent_at"), "a draft has not been sent")]


@pytest.mark.parametrize("status", ["sent", "viewed", "declined"])
def test_a_proposal_past_draft_is_sent_now_unless_told_when(status: str) -> None:
    assert created("proposals", {"name": "P", "kind": "proposal", "status": status})["sent_at"] == NOW
    given = created("proposals", {"name": "P", "kind": "proposal", "status": status, "sent_at": "2026-02-01T00:00:00Z"})
    assert given["sent_at"] == "2026-02-01T00:00:00Z"


def test_sending_a_draft_stamps_sent_at() -> None:
    draft = created("proposals", {"name": "P", "kind": "proposal"})
    assert patched("proposals", draft, {"status": "sent"})["sent_at"] == LATER


def test_a_proposal_is_never_created_or_marked_signed() -> None:
    message = "a proposal is signed by its signers (POST .../sign)"
    _, errors = create("proposals", {"name": "P", "kind": "proposal", "status": "signed"})
    assert errors == [FieldError(("body", "status"), message)]
    for was in ("draft", "sent", "viewed", "declined"):
        proposal = created("proposals", {"name": "P", "kind": "proposal", "status": was})
        _, errors = patch("proposals", proposal, {"status": "signed"})
        assert errors == [FieldError(("body", "status"), message)], was


@pytest.mark.parametrize("was", ["sent", "viewed", "declined"])
def test_a_sent_proposal_cannot_become_a_draft_again(was: str) -> None:
    proposal = created("proposals", {"name": "P", "kind": "proposal", "status": was})
    _, errors = patch("proposals", proposal, {"status": "draft"})
    assert errors == [FieldError(("body", "status"), "a proposal that was sent cannot become a draft again")]


def _signed() -> Item:
    """A proposal its signers signed (as POST .../sign leaves it)."""
    proposal = created("proposals", {"name": "P", "kind": "proposal", "status": "sent"})
    at = "2026-03-03T12:00:00Z"
    return {**proposal, "status": "signed", "signed_at": at, "signed_by": [{"address": "a@x.example", "at": at}]}


@pytest.mark.parametrize("becomes", ["draft", "sent", "viewed", "declined"])
def test_a_signed_proposal_is_final(becomes: str) -> None:
    _, errors = patch("proposals", _signed(), {"status": becomes})
    assert errors == [FieldError(("body", "status"), "a signed proposal is final")]


def test_a_signed_proposal_may_be_renamed() -> None:
    signed = _signed()
    item = patched("proposals", signed, {"name": "Renamed"})
    assert item == {**signed, "name": "Renamed"}


def test_sending_a_declined_proposal_again_drops_the_signatures_it_had() -> None:
    # GIVEN a declined proposal that one signer had signed
    declined = {
        **created("proposals", {"name": "P", "kind": "proposal", "status": "declined"}),
        "signed_by": [{"address": "a@x.example", "at": NOW}],
    }
    # WHEN it is sent again
    item = patched("proposals", declined, {"status": "sent"})
    # THEN the signatures given to what was declined are gone; the first sent_at stays
    assert "signed_by" not in item
    assert item["sent_at"] == NOW


def test_signatures_stay_while_a_proposal_is_not_declined_then_resent() -> None:
    viewed = {
        **created("proposals", {"name": "P", "kind": "proposal", "status": "viewed"}),
        "signed_by": [{"address": "a@x.example", "at": NOW}],
    }
    assert patched("proposals", viewed, {"status": "declined"})["signed_by"] == viewed["signed_by"]
    assert patched("proposals", viewed, {"name": "Q"})["signed_by"] == viewed["signed_by"]


# --- e-mails: direction and status ------------------------------------------------------------------


@pytest.mark.parametrize(("direction", "status"), [("inbound", "received"), ("outbound", "draft")])
def test_an_emails_status_defaults_by_its_direction(direction: str, status: str) -> None:
    item = created("emails", {"subject": "Hello", "direction": direction})
    assert (item["status"], item["at"]) == (status, NOW)


@pytest.mark.parametrize("status", ["draft", "sent", "delivered", "opened", "bounced"])
def test_an_inbound_email_is_only_received(status: str) -> None:
    _, errors = create("emails", {"subject": "Hi", "direction": "inbound", "status": status})
    assert errors == [FieldError(("body", "status"), "an inbound e-mail's status is received")]


@pytest.mark.parametrize("status", ["draft", "sent", "delivered", "opened", "bounced"])
def test_an_outbound_email_takes_any_status_but_received(status: str) -> None:
    assert created("emails", {"subject": "Hi", "direction": "outbound", "status": status})["status"] == status


def test_an_outbound_email_is_never_received() -> None:
    message = "an outbound e-mail's status is draft, sent, delivered, opened or bounced"
    _, errors = create("emails", {"subject": "Hi", "direction": "outbound", "status": "received"})
    assert errors == [FieldError(("body", "status"), message)]
    draft = created("emails", {"subject": "Hi", "direction": "outbound"})
    _, errors = patch("emails", draft, {"status": "received"})
    assert errors == [FieldError(("body", "status"), message)]


def test_an_emails_time_is_kept_when_given() -> None:
    item = created("emails", {"subject": "Hi", "direction": "inbound", "at": "2026-02-01T10:00:00-05:00"})
    assert item["at"] == "2026-02-01T15:00:00Z"


# --- approvals and signatures: when the outcome came ------------------------------------------------


@pytest.mark.parametrize(
    ("key", "name", "stamp", "asked_at", "outcomes"),
    [
        ("approvals", "document_name", "decided_at", "requested_at", ("approved", "rejected")),
        ("signatures", "document_name", "completed_at", "sent_at", ("signed", "declined")),
    ],
)
def test_an_outcome_is_stamped_when_it_comes_and_cleared_when_pending_again(
    key: str, name: str, stamp: str, asked_at: str, outcomes: tuple[str, str]
) -> None:
    first, second = outcomes
    # GIVEN a pending request: asked now, no outcome
    pending = created(key, {name: "Tax return 2025"})
    assert (pending["status"], pending[asked_at], stamp in pending) == ("pending", NOW, False)
    # WHEN answered at LATER, THEN the outcome is stamped
    answered = patched(key, pending, {"status": first})
    assert answered[stamp] == LATER
    # AND a change that keeps the outcome keeps its time
    renamed = patched(key, answered, {name: "Tax return 2025 (v2)"}, now="2026-03-06T00:00:00Z")
    assert renamed[stamp] == LATER
    # AND another outcome is stamped anew
    assert patched(key, answered, {"status": second}, now="2026-03-07T00:00:00Z")[stamp] == "2026-03-07T00:00:00Z"
    # AND back to pending, the outcome time goes
    assert stamp not in patched(key, answered, {"status": "pending"})
    # AND a request created answered is stamped at once
    assert created(key, {name: "D", "status": second})[stamp] == NOW


def test_a_request_keeps_the_time_it_was_given() -> None:
    at = "2026-01-05T09:00:00Z"
    assert created("approvals", {"document_name": "D", "requested_at": at})["requested_at"] == at
    assert created("signatures", {"document_name": "D", "sent_at": at})["sent_at"] == at


# --- documents, chats, organizers, logins -------------------------------------------------------------


def test_a_document_the_firm_uploads_is_already_seen() -> None:
    item = created("documents", {"name": "Engagement.pdf", "uploaded_by": "firm"})
    assert (item["uploaded_at"], item["viewed_at"], item["viewed_by"]) == (NOW, NOW, ME)


def test_a_firm_upload_is_seen_when_it_was_uploaded() -> None:
    at = "2026-02-01T08:00:00Z"
    item = created("documents", {"name": "A.pdf", "uploaded_by": "firm", "uploaded_at": at})
    assert (item["uploaded_at"], item["viewed_at"]) == (at, at)


def test_a_document_the_client_uploads_is_new_until_opened() -> None:
    item = created("documents", {"name": "W-2.pdf", "uploaded_by": "client"})
    assert (item["uploaded_at"], "viewed_at" in item, "viewed_by" in item) == (NOW, False, False)
    # a rename by the firm does not open it
    assert "viewed_at" not in patched("documents", item, {"name": "W-2 2025.pdf"})


def test_a_new_chat_has_no_messages_and_was_last_active_now() -> None:
    chat = created("chats", {"subject": "Questions"})
    assert (chat["status"], chat["last_at"], chat["message_count"]) == ("open", NOW, 0)
    # closing it later changes neither
    closed = patched("chats", {**chat, "last_at": NOW, "message_count": 3}, {"status": "closed"})
    assert (closed["last_at"], closed["message_count"]) == (NOW, 3)


@pytest.mark.parametrize(
    ("key", "body", "field"),
    [("organizers", {"name": "2025 organizer"}, "sent_at"), ("logins", {"email": "a@x.example"}, "at")],
)
def test_a_time_defaults_to_now_and_is_kept_when_given(key: str, body: dict[str, Any], field: str) -> None:
    assert created(key, body)[field] == NOW
    assert created(key, {**body, field: "2026-01-01T00:00:00Z"})[field] == "2026-01-01T00:00:00Z"


# --- notes and time entries -------------------------------------------------------------------------


def test_a_notes_author_is_who_wrote_it_and_stays() -> None:
    # GIVEN a note written by ME
    note = created("notes", {"title": "Call", "body": "Discussed VAT."})
    assert (note["author_id"], note["at"]) == (ME, NOW)
    # WHEN another member edits it
    edited = patched("notes", note, {"body": "Discussed VAT and payroll."}, member=OTHER)
    # THEN the author and time stay
    assert (edited["author_id"], edited["at"]) == (ME, NOW)


def test_a_time_entry_defaults_to_the_caller_and_today_utc() -> None:
    entry = created("time_entries", {"minutes": 30}, now="2026-03-02T23:59:59Z")
    assert (entry["member_id"], entry["date"], entry["billable"], entry["description"]) == (
        ME,
        "2026-03-02",
        True,
        "",
    )


def test_a_time_entry_keeps_the_member_and_day_it_was_given() -> None:
    entry = created("time_entries", {"minutes": 90, "member_id": OTHER, "date": "2026-02-27"})
    assert (entry["member_id"], entry["date"]) == (OTHER, "2026-02-27")
    # a change by ME keeps them
    assert patched("time_entries", entry, {"minutes": 60})["member_id"] == OTHER


@pytest.mark.parametrize("minutes", [0, 24 * 60 + 1])
def test_a_time_entry_is_one_minute_to_a_day(minutes: int) -> None:
    with pytest.raises(ValueError, match="minutes"):
        create("time_entries", {"minutes": minutes})
    assert created("time_entries", {"minutes": 24 * 60})["minutes"] == 1440


# --- sections without derivations or rules ------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "body"),
    [
        ("tasks", {"title": "File VAT", "due_date": "2026-04-15"}),
        ("jobs", {"name": "Year end", "pipeline_id": "P1", "stage_id": "S1"}),
    ],
)
def test_tasks_and_jobs_are_stored_as_given(key: str, body: dict[str, Any]) -> None:
    section = SECTIONS[key]
    item, errors = create(key, body)
    assert item == section.create.model_validate(body).model_dump(exclude_none=True)
    assert errors == []
