"""``chalicelib/repo/traces.py``: stored activity items read as the typed records the GDPR rules and the merge
see, and what their deletes and rewrites write (the keys they were stored under, conditioned as read)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.traces import Document, Login, Mail, Message, Proposal, Signature
from chalicelib.repo import traces
from chalicelib.repo.activity import credit_record, item_record, message_record
from chalicelib.repo.table import Update

T = "2026-01-02T03:04:05Z"


def _item(section: str, **fields: Any) -> dict[str, Any]:
    return item_record("F1", "A1", section, {"id": "I1", "version": 4, "created_at": T, "updated_at": T, **fields})


MAIL = _item(
    "emails",
    subject="Hi",
    direction="inbound",
    status="received",
    from_address="eva@x.example",
    to_addresses=["firm@x.example", "bo@x.example"],
    at=T,
    text="Hello",
)
PROPOSAL = _item(
    "proposals",
    name="Offer",
    kind="proposal",
    status="signed",
    signed_by=[
        {"address": "eva@x.example", "contact_id": "C1", "at": T, "recorded_by": "M1"},
        {"address": "old@x.example", "at": T},
    ],
)
DOCUMENT = _item(
    "documents",
    name="tax.pdf",
    uploaded_by="client",
    contact_id="C1",
    uploaded_at=T,
    content_type="application/pdf",
    size=Decimal(12),  # as DynamoDB answers a number
)
MESSAGE = message_record("F1", "A1", "H1", "M9", {"body": "Hi", "author": "client", "contact_id": "C1", "at": T})


def test_stored_items_read_as_typed_records() -> None:
    to = ("firm@x.example", "bo@x.example")
    mail = Mail("F1", "A1", "I1", 4, "inbound", "received", "Hi", "eva@x.example", to, T, snippet="", text="Hello")
    assert traces.trace_of(MAIL) == mail
    assert traces.trace_of(_item("logins", email="eva@x.example", at=T)) == Login(
        "F1", "A1", "I1", 4, "eva@x.example", T
    )
    assert traces.trace_of(PROPOSAL) == Proposal(
        "F1", "A1", "I1", 4, "Offer", (Signature("eva@x.example", T, "C1", "M1"), Signature("old@x.example", T))
    )
    assert traces.trace_of(DOCUMENT) == Document("F1", "A1", "I1", 4, "C1", "tax.pdf", T, "application/pdf", 12)
    assert traces.trace_of(MESSAGE) == Message("F1", "A1", "H1", "M9", "C1", "Hi", T)
    # what can name nobody is not read
    assert traces.trace_of(_item("notes", body="eva@x.example", at=T)) is None
    assert traces.trace_of(credit_record("F1", "A1", "K1", {"kind": "credit", "amount": Decimal(1)})) is None


@pytest.mark.parametrize("item", [MAIL, PROPOSAL, DOCUMENT, MESSAGE], ids=["mail", "proposal", "document", "message"])
def test_a_record_is_written_back_under_the_key_it_was_stored_under(item: dict[str, Any]) -> None:
    record = traces.trace_of(item)
    assert record is not None
    assert traces.key_of(record).as_dict() == {"PK": item["PK"], "SK": item["SK"]}


def test_a_rewrite_sets_only_whom_the_record_names_on_the_version_read() -> None:
    mail = traces.trace_of(MAIL)
    assert isinstance(mail, Mail)
    update = traces.rewrite(mail, replace(mail, to_addresses=("firm@x.example",)))
    assert update.expression == "SET #f0 = :f0, #v = #v + :one"
    assert (update.names["#f0"], update.values[":f0"]) == ("to_addresses", ["firm@x.example"])
    assert update.condition is not None and update.condition.values[":expected_version"] == 4

    proposal = traces.trace_of(PROPOSAL)
    assert isinstance(proposal, Proposal)
    kept = (Signature("Erased contact 7F3K", T, recorded_by="M1"), proposal.signed_by[1])
    update = traces.rewrite(proposal, replace(proposal, signed_by=kept))
    assert update.values[":f0"] == [
        {"address": "Erased contact 7F3K", "at": T, "recorded_by": "M1"},
        PROPOSAL["signed_by"][1],
    ]


def test_a_chat_message_is_rewritten_on_its_author_without_a_version() -> None:
    message = traces.trace_of(MESSAGE)
    assert isinstance(message, Message)
    update = traces.rewrite(message, replace(message, contact_id=None))
    assert isinstance(update, Update) and update.expression == "REMOVE #f0" and update.names["#f0"] == "contact_id"
    assert update.condition is not None and update.condition.values == {":contact": "C1"}
    assert traces.removal(message).condition == update.condition


def test_a_rewrite_of_anything_but_whom_it_names_is_refused() -> None:
    mail = traces.trace_of(MAIL)
    login = traces.trace_of(_item("logins", email="eva@x.example", at=T))
    assert isinstance(mail, Mail) and isinstance(login, Login)
    with pytest.raises(ValueError):
        traces.rewrite(mail, replace(mail, subject="Changed", to_addresses=()))
    with pytest.raises(ValueError):
        traces.rewrite(login, login)  # a login is deleted, never rewritten
