"""Replies sent through Amazon SES (moto): the raw message carries the
threading headers, the item keeps SES's message id, a permanent bounce that SES
reports for it turns the item ``bounced``, and an answer naming the Message-ID
SES gave the mail joins the thread. A mail SES refuses leaves the item draft."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import boto3
import pytest
from moto.ses.models import ses_backends

from chalicelib.adapters.config import reset_settings, settings
from chalicelib.adapters.mail import reset_mailers
from chalicelib.domain.inbound_mail import parse
from chalicelib.repo.table import Table
from chalicelib.services.inbound import receive
from tests.functional.test_email_replies import raw_answer, synced_client
from tests.support.api import Api, TestFirm, snapshot
from tests.support.portal import email_path

REGION = "us-east-1"


@pytest.fixture
def table(moto_table: Table) -> Table:
    """SES runs in moto only: this module does not run on DynamoDB Local."""
    return moto_table


@pytest.fixture
def ses(table: Table, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("MAIL_MODE", "ses")
    reset_settings()
    reset_mailers()
    assert settings().mail_mode == "ses"
    yield boto3.client("sesv2", region_name=REGION)
    monkeypatch.undo()
    reset_settings()
    reset_mailers()


def raw_sent() -> list[tuple[str, Message]]:
    """(SES message id, parsed raw message) of every raw mail SES accepted."""
    backend = ses_backends["123456789012"][REGION]
    return [(m.id, email.message_from_string(m.raw_data)) for m in backend.sent_messages if hasattr(m, "raw_data")]


def bounce(firm_id: str, ses_id: str, address: str, bounce_type: str = "Permanent") -> dict[str, Any]:
    event = {
        "eventType": "Bounce",
        "bounce": {"bounceType": bounce_type, "bouncedRecipients": [{"emailAddress": address}]},
        "mail": {"messageId": ses_id, "destination": [address], "tags": {"firm": [firm_id], "kind": ["email_reply"]}},
    }
    return {"Records": [{"Sns": {"Type": "Notification", "Message": json.dumps(event)}}]}


def test_a_reply_through_ses_and_its_bounce(ses: Any, api: Api, firm: TestFirm, table: Table) -> None:
    from app import record_mail_events

    ses.create_email_identity(EmailIdentity="dossier.example")  # the sending domain
    c = synced_client(api)
    question = raw_answer(c.synced, firm.firm_id, "<q@client.example>")
    receive(table, firm.firm_id, question)
    parent_id = parse(question, datetime.now(UTC)).item_id()

    r = api.post(
        f"/accounts/{c.account_id}/emails",
        {"direction": "outbound", "send": True, "subject": "", "text": "Hello", "in_reply_to": parent_id},
    )
    assert r.status == 201, r.body
    assert r.body["status"] == "sent" and r.body["thread_id"] == parent_id
    [(ses_id, mail)] = raw_sent()
    assert mail["In-Reply-To"] == "<q@client.example>" and mail["References"].split() == ["<q@client.example>"]
    assert mail["Reply-To"] == f"{firm.firm_id}@in.dossier.example"
    assert c.synced in mail["To"]

    # the client answers the Message-ID SES gave it
    answer = raw_answer(c.synced, firm.firm_id, "<a@client.example>", in_reply_to=f"<{ses_id}@email.amazonses.com>")
    receive(table, firm.firm_id, answer)
    joined = api.get(f"/accounts/{c.account_id}/emails/{parse(answer, datetime.now(UTC)).item_id()}").body
    assert joined["thread_id"] == parent_id and joined["in_reply_to"] == r.body["id"]

    # a transient bounce changes nothing; a permanent one marks the item and the address
    before = snapshot(table)
    record_mail_events(bounce(firm.firm_id, ses_id, c.synced, "Transient"), None)
    assert snapshot(table) == before
    record_mail_events(bounce(firm.firm_id, ses_id, c.synced), None)
    item = api.get(f"/accounts/{c.account_id}/emails/{r.body['id']}").body
    assert item["status"] == "bounced" and item["version"] == 3
    assert api.get(email_path(c.contact_id, c.synced)).body["delivery_problem"] == "bounced"

    # the bounce again (SNS redelivers): the item stays as it is; and the address is mailed no more
    record_mail_events(bounce(firm.firm_id, ses_id, c.synced), None)
    assert api.get(f"/accounts/{c.account_id}/emails/{r.body['id']}").body == item
    again = api.post(
        f"/accounts/{c.account_id}/emails",
        {"direction": "outbound", "send": True, "subject": "again", "to_addresses": [c.synced]},
    )
    assert again.status == 409 and again.body["code"] == "address_undeliverable", again.body
    assert len(raw_sent()) == 1


def test_a_mail_ses_refuses_leaves_the_item_draft(ses: Any, api: Api, firm: TestFirm) -> None:
    c = synced_client(api)  # the sending domain is not a verified identity: SES refuses
    r = api.post(
        f"/accounts/{c.account_id}/emails",
        {"direction": "outbound", "send": True, "subject": "Hi", "to_addresses": [c.synced]},
    )
    assert r.status == 201, r.body
    assert (r.body["status"], r.body["sent_at"], r.body["version"]) == ("draft", None, 1)
    assert raw_sent() == []
