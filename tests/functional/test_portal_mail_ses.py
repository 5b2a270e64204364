"""Invitations sent through Amazon SES (moto): the mail goes to the address
with the link; a sender SES refuses is recorded as delivery "failed" (the
request still succeeds), and a resend after fixing it works."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.ses.models import ses_backends

from chalicelib.adapters.config import reset_settings, settings
from chalicelib.adapters.mail import reset_mailers
from chalicelib.repo.table import Table, from_wire
from tests.support.api import Api, TestFirm, nothing_written
from tests.support.factories import contact_spec, new_account, unique_email
from tests.support.portal import email_path, mails_to
from tests.support.problems import assert_problem

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
SENDER = "no-reply@dossier.example"
_LINK = re.compile(r"https://portal\.test\.example/accept#token=(\S+)")


@pytest.fixture
def table(moto_table: Table) -> Table:
    """SES runs in moto only: this module does not run on DynamoDB Local."""
    return moto_table


@pytest.fixture
def ses(table: Table, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """MAIL_MODE=ses for this test (inside moto's mock); the outbox settings come back after."""
    monkeypatch.setenv("MAIL_MODE", "ses")
    reset_settings()
    reset_mailers()
    assert settings().mail_mode == "ses"
    yield boto3.client("sesv2", region_name=REGION)
    monkeypatch.undo()
    reset_settings()
    reset_mailers()
    assert settings().mail_mode == "outbox"


@dataclass(frozen=True)
class Sent:
    to: list[str]
    source: str
    subject: str
    body: str


def sent_messages() -> list[Sent]:
    backend = ses_backends[ACCOUNT_ID][REGION]
    return [
        Sent(list(m.destinations.get("ToAddresses", [])), m.source, m.subject, m.body) for m in backend.sent_messages
    ]


def sent_to(address: str) -> list[Sent]:
    return [m for m in sent_messages() if address in m.to]


def token_of(message: Sent) -> str:
    found = _LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def invitation_items(table: Table, address: str) -> list[dict[str, Any]]:
    page = table.client.scan(
        TableName=table.name,
        FilterExpression="#e = :e AND #a = :a",
        ExpressionAttributeNames={"#e": "entity", "#a": "address"},
        ExpressionAttributeValues={":e": {"S": "invitation"}, ":a": {"S": address}},
    )
    assert "LastEvaluatedKey" not in page
    return [from_wire(i) for i in page.get("Items", [])]


def new_person(api: Api) -> tuple[str, str]:
    """(contact id, address) of a new account's contact."""
    address = unique_email("ses")
    account = new_account(api, "Mailed Ltd", contacts=[contact_spec(emails=[address])])
    return account["contacts"][0]["id"], address


def test_invite_sends_through_ses(ses: Any, api: Api, table: Table, firm: TestFirm) -> None:
    ses.create_email_identity(EmailIdentity=SENDER)
    contact_id, address = new_person(api)
    r = api.post(email_path(contact_id, address) + "/invite")
    assert r.status == 200, r.body
    assert r.body["login"] == "invited"
    assert r.body["invitation"]["delivery"] == "sent"
    assert api.get(email_path(contact_id, address)).body == r.body

    messages = sent_to(address)
    assert len(messages) == 1, sent_messages()
    message = messages[0]
    assert message.to == [address]
    assert SENDER in message.source
    assert "Test & Co" in message.subject
    token = token_of(message)
    assert token.startswith(f"{firm.firm_id}.")
    assert mails_to(address) == []  # not the outbox

    ok = api.as_(None).post("/portal/invites/accept", {"token": token})
    assert ok.status == 200, ok.body
    assert ok.body["address"] == address


def test_a_refused_mail_is_recorded_and_a_resend_fixes_it(
    ses: Any, api: Api, table: Table, app_logs: pytest.LogCaptureFixture
) -> None:
    caplog = app_logs
    contact_id, address = new_person(api)
    path = email_path(contact_id, address)

    r = api.post(path + "/invite")  # the sender is not a verified identity: SES refuses
    assert r.status == 200, r.body
    assert r.body["login"] == "invited"
    assert r.body["invitation"]["delivery"] == "failed"
    assert r.etag == f'"{r.body["version"]}"'
    assert api.get(path).body == r.body
    assert sent_to(address) == []
    assert any(rec.name == "dossier.mail" and "MessageRejected" in rec.getMessage() for rec in caplog.records)
    [failed] = invitation_items(table, address)
    assert failed["state"] == "pending"

    ses.create_email_identity(EmailIdentity=SENDER)
    r = api.post(path + "/invite")
    assert r.status == 200, r.body
    assert r.body["login"] == "invited"
    assert r.body["invitation"]["delivery"] == "sent"
    [message] = sent_to(address)
    token = token_of(message)
    assert len(invitation_items(table, address)) == 2

    ok = api.as_(None).post("/portal/invites/accept", {"token": token})
    assert ok.status == 200, ok.body
    states = {i["PK"]: i["state"] for i in invitation_items(table, address)}
    assert states[failed["PK"]] == "pending"  # the unsent invitation was never used
    assert sorted(states.values()) == ["accepted", "pending"]
    got = api.get(path).body
    assert (got["login"], got["invitation"]) == ("active", None)

    secret = token.split(".", 1)[1]
    for record in caplog.records:
        if record.name.startswith("botocore") and record.levelno < logging.INFO:
            continue  # the SDK's DEBUG wire trace shows the request that carries the mail itself
        assert secret not in record.getMessage() + (record.exc_text or ""), record.name


def test_a_failed_resend_still_replaces_the_earlier_token(ses: Any, api: Api, table: Table) -> None:
    ses.create_email_identity(EmailIdentity=SENDER)
    contact_id, address = new_person(api)
    path = email_path(contact_id, address)
    assert api.post(path + "/invite").status == 200
    first = token_of(sent_to(address)[0])

    ses.delete_email_identity(EmailIdentity=SENDER)
    r = api.post(path + "/invite")
    assert r.status == 200, r.body
    assert r.body["invitation"]["delivery"] == "failed"
    assert len(sent_to(address)) == 1
    with nothing_written(table):
        assert_problem(api.as_(None).post("/portal/invites/accept", {"token": first}), 409)

    ses.create_email_identity(EmailIdentity=SENDER)
    r = api.post(path + "/invite")
    assert r.status == 200, r.body
    assert r.body["invitation"]["delivery"] == "sent"
    latest = token_of(sent_to(address)[-1])
    with nothing_written(table):
        assert_problem(api.as_(None).post("/portal/invites/accept", {"token": first}), 409)
    assert api.as_(None).post("/portal/invites/accept", {"token": latest}).status == 200


def test_a_refused_mail_is_logged_by_the_deployed_logging(ses: Any, api: Api) -> None:
    import app  # noqa: F401  (its Chalice object configures the app's logging, as in Lambda)

    contact_id, address = new_person(api)
    r = api.post(email_path(contact_id, address) + "/invite")
    assert r.status == 200, r.body
    assert r.body["invitation"]["delivery"] == "failed"
    assert logging.getLogger("dossier.mail").isEnabledFor(logging.WARNING)
