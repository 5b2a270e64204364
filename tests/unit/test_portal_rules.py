"""The rules of portal access as plain functions: tokens, signer order,
notification wishes and which table changes are events."""

from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain import portal_rules
from chalicelib.domain.models.base import NotificationEvent
from chalicelib.domain.portal_rules import Signer


def test_the_documented_event_types_are_the_ones_preferences_accept() -> None:
    assert set(typing.get_args(NotificationEvent)) == set(portal_rules.EVENT_TYPES)


def test_a_token_names_its_firm_and_only_its_hash_is_kept() -> None:
    token, digest = portal_rules.new_token("01FIRM")
    firm, secret = token.split(".")
    assert firm == "01FIRM" and len(secret) == 43
    assert digest != secret and secret not in digest
    assert portal_rules.parse_token(token) == ("01FIRM", digest)
    assert portal_rules.new_token("01FIRM")[0] != token  # random each time


def test_malformed_tokens_are_not_parsed() -> None:
    good, _ = portal_rules.new_token("F1")
    for bad in ("", "F1", f"{good}x", good.replace(".", ""), "a#b." + "x" * 43, f"F1.{'!' * 43}", f" {good}"):
        assert portal_rules.parse_token(bad) is None, bad


def test_an_invitation_lasts_seven_days_and_its_item_a_while_longer() -> None:
    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    sent, expires, ttl = portal_rules.invite_times(now)
    assert (sent, expires) == ("2026-11-27T10:00:00Z", "2026-12-04T10:00:00Z")
    assert ttl > (now + timedelta(days=7)).timestamp()
    assert not portal_rules.expired(expires, now + timedelta(days=7) - timedelta(seconds=1))
    assert portal_rules.expired(expires, now + timedelta(days=7))


def test_signers_are_ordered_by_priority_then_name() -> None:
    signers = [
        Signer("c3", "Zoë", "z@x.example", None),
        Signer("c2", "bob", "b@x.example", 2),
        Signer("c1", "Anna", "a2@x.example", 1),
        Signer("c1", "Anna", "A1@x.example", 1),
        Signer("c4", "Al", "al@x.example", None),
    ]
    ordered = [s.address for s in sorted(signers, key=portal_rules.signer_order)]
    assert ordered == ["A1@x.example", "a2@x.example", "b@x.example", "al@x.example", "z@x.example"]


def test_only_active_logins_with_authority_sign_and_all_of_them_must() -> None:
    assert portal_rules.may_sign("active", True)
    assert not portal_rules.may_sign("active", False)
    assert not portal_rules.may_sign("invited", True)
    assert not portal_rules.may_sign("none", True)
    assert portal_rules.signing_outcome(["a", "b"], {"a", "b", "c"})
    assert not portal_rules.signing_outcome(["a", "b"], {"a"})
    assert not portal_rules.signing_outcome([], {"a"})


def test_notification_wishes() -> None:
    assert portal_rules.wants(True, {}, "new_message")
    assert not portal_rules.wants(False, {}, "new_message")
    assert not portal_rules.wants(True, {"new_message": False}, "new_message")
    assert portal_rules.wants(True, {"new_message": False}, "organizer_sent")


def _item(section: str, **fields: Any) -> dict[str, Any]:
    return {"entity": "item", "section": section, "firm_id": "F", "account_id": "A", "id": "I", **fields}


def test_which_changes_are_events() -> None:
    # a message and its chat change in one transaction; the chat tells who wrote last
    chat = _item("chats", subject="Q", message_count=1, last_author="firm", version=2)
    found = portal_rules.event_of(chat, _item("chats", subject="Q", message_count=0, version=1))
    assert found is not None and (found.type, found.title) == ("new_message", "Q")
    assert portal_rules.event_of({**chat, "last_author": "client"}, _item("chats", message_count=0)) is None
    assert portal_rules.event_of({**chat, "subject": "R"}, chat) is None  # renamed: no new message
    assert portal_rules.event_of(_item("chats", subject="Q", message_count=0), None) is None  # a new, empty chat
    assert portal_rules.event_of({"entity": "chat_message", "author": "firm", "id": "M"}, None) is None

    sent = portal_rules.event_of(_item("proposals", status="sent", name="EL"), _item("proposals", status="draft"))
    assert sent is not None and (sent.type, sent.title) == ("proposal_sent", "EL")
    assert portal_rules.event_of(_item("proposals", status="viewed"), _item("proposals", status="sent")) is None
    assert portal_rules.event_of(_item("proposals", status="draft"), None) is None
    viewed = portal_rules.event_of(_item("proposals", status="viewed"), _item("proposals", status="draft"))
    assert viewed is not None and viewed.type == "proposal_sent"  # leaving draft, even straight to viewed
    organizer = portal_rules.event_of(_item("organizers", status="sent", name="2026"), None)
    assert organizer is not None and organizer.type == "organizer_sent"
    invoice = portal_rules.event_of(_item("invoices", status="unpaid", number="7"), None)
    assert invoice is not None and invoice.type == "invoice_sent"
    assert portal_rules.event_of(_item("invoices", status="paid"), _item("invoices", status="unpaid")) is None
    shared = portal_rules.event_of(_item("documents", uploaded_by="firm", name="x.pdf"), None)
    assert shared is not None and shared.type == "document_shared"
    assert portal_rules.event_of(_item("documents", uploaded_by="client"), None) is None
    # a firm's file is shared once its upload was checked, not when it was announced
    pending = _item("documents", uploaded_by="firm", name="x.pdf", file_status="pending")
    stored = {**pending, "file_status": "stored", "version": 2}
    assert portal_rules.event_of(pending, None) is None
    checked = portal_rules.event_of(stored, pending)
    assert checked is not None and checked.type == "document_shared"
    assert portal_rules.event_of({**stored, "name": "y.pdf", "version": 3}, stored) is None  # a rename
    assert portal_rules.event_of(_item("notes", title="n"), None) is None
    assert portal_rules.event_of(None, _item("organizers", status="sent")) is None  # a delete
    # the same change delivered twice is the same event (notified once)
    assert portal_rules.event_of(_item("organizers", status="sent"), None) == portal_rules.event_of(
        _item("organizers", status="sent"), None
    )


def test_mails_name_what_happened_not_its_content() -> None:
    event = portal_rules.Event("new_message", "F", "A", "chats-C-v2", "")
    subject, body = portal_rules.notification_text(event, "Ledgerly", "Acme", "https://portal.example")
    assert "Ledgerly" in subject and "Acme" in body and "https://portal.example" in body
    _, body = portal_rules.notification_text(event, "Ledgerly", "Acme", "https://portal.example", portal_user=False)
    assert "https://portal.example" not in body and "Ask Ledgerly" in body
    subject, body = portal_rules.invitation_text(
        "Ledgerly", "https://portal.example/accept?token=T", "2026-12-04T10:00:00Z"
    )
    assert "https://portal.example/accept?token=T" in body and "2026-12-04" in body
