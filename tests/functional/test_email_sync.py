"""Email sync (issue 5, part 2): a message received at the firm's inbound
address is recorded in the Emails section of every active account its
sender's contact is linked to — only when the sender's address has
``email_sync`` on; otherwise nothing at all is stored.

Three layers: ``chalicelib.domain.inbound_mail.parse`` (plain functions, plus a
Hypothesis property that it never fails on arbitrary bytes but with
``UnreadableMessage``), ``chalicelib.services.inbound.receive`` on both
backends (checked through ``GET /accounts/{id}/emails``), and the two ways
in: the ``receive_email`` Lambda with an SES receipt-rule event and moto S3,
and the ``mail receive`` CLI run in-process.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.adapters.config import reset_settings
from chalicelib.adapters.config import settings as settings_now
from chalicelib.admin import cli
from chalicelib.domain.inbound_mail import MAX_RECIPIENTS, MAX_SNIPPET, MAX_SUBJECT, UnreadableMessage, firm_of, parse
from chalicelib.domain.sections import SECTIONS
from chalicelib.repo.table import Table
from chalicelib.services.inbound import Received, receive
from tests.support.api import Api, TestFirm, make_firm, snapshot
from tests.support.factories import contact_spec, created, new_account, unique_email
from tests.support.portal import email_path

Body = dict[str, Any]
RECEIVED_AT: Final = datetime(2026, 11, 20, 8, 30, 0, tzinfo=UTC)
STAMP: Final = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
ULID: Final = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
DATE: Final = "Tue, 24 Nov 2026 17:42:00 +0100"
DATE_UTC: Final = "2026-11-24T16:42:00Z"


def message(
    *,
    sender: str | None = "Anna Client <anna@client.example>",
    to: str | None = "F@in.dossier.example",
    subject: str | None = "Receipts for 2026",
    date: str | None = DATE,
    message_id: str | None = "<receipts-2026@client.example>",
    extra: str = "",
    content_type: str = "text/plain; charset=utf-8",
    body: str = "Hello,\r\nhere are   the receipts.\r\nAnna\r\n",
) -> bytes:
    """A raw RFC 5322 message; a header given as None is left out."""
    headers = [
        ("From", sender),
        ("To", to),
        ("Subject", subject),
        ("Date", date),
        ("Message-ID", message_id),
        ("MIME-Version", "1.0"),
        ("Content-Type", content_type),
    ]
    head = "".join(f"{name}: {value}\r\n" for name, value in headers if value is not None)
    return (head + extra + "\r\n" + body).encode()


# --- parse: plain functions ---------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["To", "Cc", "From"])
@pytest.mark.parametrize("value", [":;<>", "Group:;", "a:b:c;<>", '"x" <>', "=?utf-8?q?=FF?= <@>"])
def test_malformed_address_headers_do_not_break_parsing(header: str, value: str) -> None:
    """The stdlib raises AttributeError on some of these when the header is read."""
    if header == "From":
        with pytest.raises(UnreadableMessage):
            parse(message(sender=value), RECEIVED_AT)
        return
    raw = message(to=value) if header == "To" else message(extra=f"Cc: {value}\r\n")
    assert parse(raw, RECEIVED_AT).sender == "anna@client.example"


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Sat, 01 Jan 2000 00:30:00 +0100", "2026-11-20T08:30:00Z"),  # 1999 in UTC: out of range
        ("Sat, 31 Dec 2199 23:30:00 -0100", "2026-11-20T08:30:00Z"),  # 2200 in UTC
        ("Sat, 01 Jan 2000 01:30:00 +0100", "2000-01-01T00:30:00Z"),
    ],
)
def test_dates_at_the_edges_are_judged_in_utc(date: str, expected: str) -> None:
    assert parse(message(date=date), RECEIVED_AT).at == expected


def test_an_undated_message_takes_its_first_received_stamp() -> None:
    received = (
        "Received: from b.example by c.example; Tue, 24 Nov 2026 18:00:00 +0000\r\n"
        "Received: from a.example by b.example; Tue, 24 Nov 2026 17:00:00 +0000\r\n"
    )
    found = parse(message(date=None, extra=received), RECEIVED_AT)
    assert found.at == "2026-11-24T17:00:00Z"
    assert found.item_id() == parse(message(date=None, extra=received), datetime.now(UTC)).item_id()


def test_a_plain_message() -> None:
    raw = message(to="Firm <f@in.dossier.example>, bo@client.example", extra="Cc: Carl <carl@client.example>\r\n")
    found = parse(raw, RECEIVED_AT)
    assert found.sender == "anna@client.example"
    assert found.to == ["f@in.dossier.example", "bo@client.example", "carl@client.example"]
    assert found.subject == "Receipts for 2026"
    assert found.at == DATE_UTC, "the Date header, in UTC"
    assert found.snippet == "Hello, here are the receipts. Anna"
    assert found.message_id == "<receipts-2026@client.example>"
    assert ULID.match(found.item_id())


def test_multipart_alternative_prefers_the_plain_text() -> None:
    boundary = "==b1=="
    body = (
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe plain words.\r\n"
        f"--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>The <b>HTML</b> words.</p>\r\n"
        f"--{boundary}--\r\n"
    )
    raw = message(content_type=f'multipart/alternative; boundary="{boundary}"', body=body)
    assert parse(raw, RECEIVED_AT).snippet == "The plain words."


def test_multipart_mixed_with_an_attachment_takes_the_text() -> None:
    boundary = "mixed"
    body = (
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attachment.\r\n"
        f"--{boundary}\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
        f"--{boundary}--\r\n"
    )
    raw = message(content_type=f'multipart/mixed; boundary="{boundary}"', body=body)
    assert parse(raw, RECEIVED_AT).snippet == "See the attachment."


def test_an_html_only_message_is_shown_as_text() -> None:
    body = "<html><body><p>Dear&nbsp;firm,</p><p>Q&amp;A &lt;attached&gt;</p><br/>Thanks</body></html>"
    found = parse(message(content_type="text/html; charset=utf-8", body=body), RECEIVED_AT)
    assert found.snippet == "Dear firm, Q&A <attached> Thanks"
    assert "<p>" not in found.snippet


def test_an_html_message_with_a_style_sheet_shows_only_its_text() -> None:
    body = (
        "<html><head><title>Newsletter</title><style>p { color: red; font-family: Arial; }</style>"
        "<script>var tracking = 1;</script></head><body><p>The visible words.</p></body></html>"
    )
    found = parse(message(content_type="text/html; charset=utf-8", body=body), RECEIVED_AT)
    assert found.snippet == "The visible words."


def test_quoted_printable_and_base64_bodies_are_decoded() -> None:
    qp = message(extra="Content-Transfer-Encoding: quoted-printable\r\n", body="Gr=C3=BC=C3=9Fe aus M=C3=BCnchen\r\n")
    assert parse(qp, RECEIVED_AT).snippet == "Grüße aus München"
    b64 = message(extra="Content-Transfer-Encoding: base64\r\n", body="SGFsbG8gV2VsdA==\r\n")
    assert parse(b64, RECEIVED_AT).snippet == "Hallo Welt"


def test_encoded_headers_and_non_ascii_names() -> None:
    raw = message(
        sender="=?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@client.example>",
        to="=?iso-8859-1?q?Fran=E7oise?= <francoise@client.example>",
        subject="=?utf-8?b?UXVpdHR1bmdlbiBmw7xyIDIwMjYg4oCUIMOcYmVyc2ljaHQ=?=",
    )
    found = parse(raw, RECEIVED_AT)
    assert found.sender == "juergen@client.example"
    assert found.to == ["francoise@client.example"]
    assert found.subject == "Quittungen für 2026 — Übersicht"
    latin = parse(message(subject="=?iso-8859-1?q?Re=3A_Caf=E9_cr=E8me?="), RECEIVED_AT)
    assert latin.subject == "Re: Café crème"
    raw_utf8 = parse(message(sender="Zoë <zoe@client.example>", subject="Grüße"), RECEIVED_AT)
    assert (raw_utf8.sender, raw_utf8.subject) == ("zoe@client.example", "Grüße")


@pytest.mark.parametrize(
    "date",
    [None, "", "yesterday", "Mon, 99 Foo 2026 25:61:00 +0100", "Thu, 1 Jan 1970 00:00:00 +0000", "Sat, 1 Jan 2300 0:0"],
)
def test_a_missing_or_unusable_date_is_the_time_received(date: str | None) -> None:
    found = parse(message(date=date), RECEIVED_AT)
    assert found.at == "2026-11-20T08:30:00Z"


def test_dates_in_any_zone_are_recorded_in_utc() -> None:
    assert parse(message(date="Tue, 24 Nov 2026 23:30:00 -0500"), RECEIVED_AT).at == "2026-11-25T04:30:00Z"
    assert parse(message(date="24 Nov 2026 10:00:00 GMT"), RECEIVED_AT).at == "2026-11-24T10:00:00Z"
    assert parse(message(date="Tue, 24 Nov 2026 10:00:00 -0000"), RECEIVED_AT).at == "2026-11-24T10:00:00Z"


def test_a_missing_or_blank_subject() -> None:
    assert parse(message(subject=None), RECEIVED_AT).subject == "(no subject)"
    assert parse(message(subject="   "), RECEIVED_AT).subject == "(no subject)"


def test_long_subjects_and_bodies_are_shortened() -> None:
    found = parse(message(subject="word " * 200, body="lorem ipsum " * 400), RECEIVED_AT)
    assert len(found.subject) <= MAX_SUBJECT and found.subject.endswith("…")
    assert found.subject.startswith("word word")
    assert len(found.snippet) <= MAX_SNIPPET and found.snippet.endswith("…")
    many = ", ".join(f"r{i}@client.example" for i in range(MAX_RECIPIENTS + 20))
    assert len(parse(message(to=many), RECEIVED_AT).to) == MAX_RECIPIENTS


def test_recipients_that_are_not_addresses_are_left_out() -> None:
    found = parse(message(to="undisclosed-recipients:;, nobody, ok@client.example"), RECEIVED_AT)
    assert found.to == ["ok@client.example"]
    assert parse(message(to=None), RECEIVED_AT).to == []


@pytest.mark.parametrize(
    "sender",
    [None, "", "Anna Client", "anna@", "@client.example", "anna at client.example", "undisclosed-recipients:;"],
)
def test_a_message_without_a_sender_address_is_unreadable(sender: str | None) -> None:
    with pytest.raises(UnreadableMessage):
        parse(message(sender=sender), RECEIVED_AT)


@pytest.mark.parametrize("raw", [b"", b"\r\n\r\n", b"not a message at all", b"\x00\xff\xfe" * 50])
def test_garbage_is_unreadable(raw: bytes) -> None:
    with pytest.raises(UnreadableMessage):
        parse(raw, RECEIVED_AT)


def test_the_first_of_several_senders_is_the_sender() -> None:
    assert parse(message(sender="a@client.example, b@client.example"), RECEIVED_AT).sender == "a@client.example"


def test_the_same_message_has_the_same_item_id() -> None:
    first = parse(message(), RECEIVED_AT)
    # the same message delivered again, later, with other transport headers
    again = parse(message(extra="Received: from mx2 by mx1; " + DATE + "\r\n"), RECEIVED_AT + timedelta(hours=1))
    assert first.item_id() == again.item_id()
    other = parse(message(message_id="<another@client.example>"), RECEIVED_AT)
    assert other.item_id() != first.item_id()
    # without a Message-ID the raw bytes identify the message
    plain = message(message_id=None)
    assert parse(plain, RECEIVED_AT).item_id() == parse(plain, RECEIVED_AT).item_id()
    assert parse(plain, RECEIVED_AT).message_id.startswith("sha256:")
    assert parse(plain, RECEIVED_AT).item_id() != parse(message(message_id=None, body="x"), RECEIVED_AT).item_id()


def test_item_ids_sort_by_the_message_time() -> None:
    early = parse(message(date="Mon, 2 Mar 2026 09:00:00 +0000", message_id="<z@x>"), RECEIVED_AT)
    late = parse(message(date="Mon, 2 Mar 2026 09:00:01 +0000", message_id="<a@x>"), RECEIVED_AT)
    assert early.item_id() < late.item_id()


def test_the_firm_of_an_inbound_address() -> None:
    firm_id = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    assert firm_of(f"{firm_id}@in.dossier.example", "in.dossier.example") == firm_id
    assert firm_of(f" {firm_id.lower()}@IN.Dossier.Example ", "in.dossier.example") == firm_id
    assert firm_of(f"{firm_id}@elsewhere.example", "in.dossier.example") is None
    assert firm_of("someone@in.dossier.example", "in.dossier.example") is None
    assert firm_of(f"{firm_id}x@in.dossier.example", "in.dossier.example") is None
    assert firm_of("", "in.dossier.example") is None


# --- parse never fails but with UnreadableMessage ------------------------------------------------------

HEADER_NAMES = st.sampled_from(
    ["From", "To", "Cc", "Subject", "Date", "Message-ID", "Content-Type", "Content-Transfer-Encoding", "MIME-Version"]
)
HEADER_VALUES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "a@b.example",
            "Anna <anna@client.example>",
            '"Quoted, Name" <q@x.example>',
            "=?utf-8?b?w6k=?= <e@x.example>",
            "=?bogus?q?x?= <e@x.example>",
            "=?utf-8?q?broken",
            "group: a@b.example, c@d.example;",
            "<>",
            "Tue, 24 Nov 2026 17:42:00 +0100",
            "Tue, 24 Nov 99999 17:42:00 +0100",
            "multipart/alternative; boundary=x",
            "multipart/mixed",
            "text/html; charset=utf-8",
            "text/plain; charset=x-unknown",
            "base64",
            "quoted-printable",
        ]
    ),
)
ENCODINGS = st.sampled_from(["utf-8", "latin-1"])


@st.composite
def header_messages(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=10))
    body = draw(st.one_of(st.text(max_size=200), st.sampled_from(["--x\r\n\r\nhi\r\n--x--", "<p>a</p>", "=C3=28"])))
    encoding = draw(ENCODINGS)
    text = "".join(f"{n}: {v}\r\n" for n, v in headers) + "\r\n" + body
    return text.encode(encoding, errors="replace")


@settings(derandomize=True, max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=600), header_messages()))
def test_parse_never_fails_but_as_unreadable(raw: bytes) -> None:
    try:
        found = parse(raw, RECEIVED_AT)
    except UnreadableMessage:
        return
    # What it found fits the Emails section (receive validates it the same way) and has an id.
    assert len(found.subject) <= MAX_SUBJECT and len(found.snippet) <= MAX_SNIPPET
    assert len(found.to) <= MAX_RECIPIENTS
    assert STAMP.match(found.at), found.at
    assert ULID.match(found.item_id())
    SECTIONS["emails"].create.model_validate(
        {
            "subject": found.subject,
            "direction": "inbound",
            "status": "received",
            "from_address": found.sender,
            "to_addresses": found.to,
            "at": found.at,
            "snippet": found.snippet,
        }
    )


# --- the service: receive --------------------------------------------------------------------------------


@dataclass
class Sync:
    """Two accounts sharing a contact whose first address has email sync on."""

    firm_id: str
    contact_id: str
    synced: str
    unsynced: str
    account_ids: list[str]

    def emails(self, api: Api, account_id: str) -> list[Body]:
        r = api.get(f"/accounts/{account_id}/emails")
        assert r.status == 200, r.body
        items: list[Body] = r.body["items"]
        return items


def _sync(api: Api, firm: TestFirm) -> Sync:
    synced, unsynced = unique_email("synced"), unique_email("unsynced")
    first = new_account(api, "Sync One", contacts=[contact_spec("Sara", "Sync", emails=[synced, unsynced])])
    contact_id = first["contacts"][0]["id"]
    second = new_account(api, "Sync Two", contacts=[{"contact_id": contact_id, "description": "Owner"}])
    r = api.patch(email_path(contact_id, synced), {"email_sync": True})
    assert r.status == 200 and r.body["email_sync"] is True, r.body
    return Sync(firm.firm_id, contact_id, synced, unsynced, sorted([first["id"], second["id"]]))


def test_a_synced_address_is_recorded_on_every_linked_account(api: Api, firm: TestFirm, table: Table) -> None:
    s = _sync(api, firm)
    raw = message(
        sender=f"Sara Sync <{s.synced.upper()}>",
        to=f"{firm.firm_id}@in.dossier.example, Bo <bo@client.example>",
        subject="=?utf-8?q?Unterlagen_f=C3=BCr_2026?=",
        message_id="<sync-1@client.example>",
    )
    got = receive(table, firm.firm_id, raw)
    assert got == Received("recorded", s.account_ids)
    items = [s.emails(api, a) for a in s.account_ids]
    assert [len(i) for i in items] == [1, 1]
    for account_id, (item,) in zip(s.account_ids, items, strict=True):
        assert item["account_id"] == account_id
        assert (item["direction"], item["status"]) == ("inbound", "received")
        assert item["subject"] == "Unterlagen für 2026"
        assert item["from_address"] == s.synced, "the contact's address, as the firm spelled it"
        assert item["to_addresses"] == [f"{firm.firm_id}@in.dossier.example", "bo@client.example"]
        assert item["at"] == DATE_UTC
        assert item["snippet"] == "Hello, here are the receipts. Anna"
        assert item["version"] == 1 and item["created_by"] is None
    assert items[0][0]["id"] == items[1][0]["id"], "the id comes from the message"


def test_the_same_message_twice_is_recorded_once(api: Api, firm: TestFirm, table: Table) -> None:
    s = _sync(api, firm)
    raw = message(sender=s.synced, message_id="<twice@client.example>")
    assert receive(table, firm.firm_id, raw).outcome == "recorded"
    before = snapshot(table)
    assert receive(table, firm.firm_id, raw, RECEIVED_AT) == Received("duplicate", [])
    redelivered = message(sender=s.synced, message_id="<twice@client.example>", extra="X-SES-Spam-Verdict: PASS\r\n")
    assert receive(table, firm.firm_id, redelivered) == Received("duplicate", [])
    assert snapshot(table) == before
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]


def test_a_message_without_a_date_delivered_twice_is_recorded_once(api: Api, firm: TestFirm, table: Table) -> None:
    s = _sync(api, firm)
    raw = message(sender=s.synced, date=None, message_id="<no-date@client.example>")
    assert receive(table, firm.firm_id, raw, RECEIVED_AT).outcome == "recorded"
    again = receive(table, firm.firm_id, raw, RECEIVED_AT + timedelta(minutes=2))
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]
    assert again == Received("duplicate", [])


def test_a_message_linked_to_a_new_account_later_is_recorded_there_only(api: Api, firm: TestFirm, table: Table) -> None:
    s = _sync(api, firm)
    raw = message(sender=s.synced, message_id="<later@client.example>")
    assert receive(table, firm.firm_id, raw).outcome == "recorded"
    third = new_account(api, "Sync Three", contacts=[{"contact_id": s.contact_id, "description": ""}])
    assert receive(table, firm.firm_id, raw) == Received("recorded", [third["id"]])
    assert len(s.emails(api, third["id"])) == 1
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]


def test_nothing_is_stored_for_an_address_without_sync(api: Api, firm: TestFirm, table: Table) -> None:
    s = _sync(api, firm)
    other = new_account(api, "Nosync Ltd", contacts=[contact_spec("Nina", "Nosync")])
    nina = other["contacts"][0]["emails"][0]["address"]
    stranger_firm = make_firm(table, "Other & Co")
    before = snapshot(table)
    assert receive(table, firm.firm_id, message(sender=s.unsynced)) == Received("sync_off", [])
    assert receive(table, firm.firm_id, message(sender=f"Nina <{nina}>")) == Received("sync_off", [])
    assert receive(table, firm.firm_id, message(sender=unique_email("stranger"))) == Received("unknown_sender", [])
    assert receive(table, firm.firm_id, message(sender=None)) == Received("unreadable", [])
    assert receive(table, firm.firm_id, b"\x00garbage") == Received("unreadable", [])
    # another firm's contact: unknown here
    assert receive(table, stranger_firm.firm_id, message(sender=s.synced)) == Received("unknown_sender", [])
    assert snapshot(table) == before

    # sync switched off again: nothing more is recorded
    assert api.patch(email_path(s.contact_id, s.synced), {"email_sync": False}).status == 200
    before = snapshot(table)
    assert receive(table, firm.firm_id, message(sender=s.synced)) == Received("sync_off", [])
    assert snapshot(table) == before


def test_archived_accounts_are_skipped(api: Api, firm: TestFirm, table: Table) -> None:
    s = _sync(api, firm)
    archived, active = s.account_ids
    assert api.delete(f"/accounts/{archived}").status == 204
    raw = message(sender=s.synced, message_id="<archived@client.example>")
    assert receive(table, firm.firm_id, raw) == Received("recorded", [active])
    assert s.emails(api, archived) == []
    assert len(s.emails(api, active)) == 1

    # every account archived: no account to record it on, and nothing stored
    assert api.delete(f"/accounts/{active}").status == 204
    before = snapshot(table)
    later = message(sender=s.synced, message_id="<archived-2@client.example>")
    assert receive(table, firm.firm_id, later) == Received("no_account", [])
    assert snapshot(table) == before


def test_a_synced_contact_on_no_account(api: Api, firm: TestFirm, table: Table) -> None:
    address = unique_email("loner")
    contact = created(api, "/contacts", {"first_name": "Lone", "last_name": "Contact", "emails": [address]})
    assert api.patch(email_path(contact["id"], address), {"email_sync": True}).status == 200
    before = snapshot(table)
    assert receive(table, firm.firm_id, message(sender=address)) == Received("no_account", [])
    assert snapshot(table) == before


def test_badly_encoded_headers_are_stored_without_failing(api: Api, firm: TestFirm, table: Table) -> None:
    s = _sync(api, firm)
    raw = (
        f"From: Sara <{s.synced}>\r\nTo: caf\xe9@client.example, ok@client.example\r\n"
        "Subject: Caf\xe9 cr\xe8me\r\nMessage-ID: <latin1@client.example>\r\n"
        "Content-Type: text/plain; charset=no-such-charset\r\n\r\nR\xe9sum\xe9\r\n"
    ).encode("latin-1")
    got = receive(table, firm.firm_id, raw)
    assert got == Received("recorded", s.account_ids)
    (item,) = s.emails(api, s.account_ids[0])
    assert item["from_address"] == s.synced
    assert "ok@client.example" in item["to_addresses"]
    assert item["subject"].startswith("Caf")


# --- the receive_email Lambda (SES receipt rule → S3 → Lambda) ------------------------------------------

BUCKET: Final = "dossier-inbound-test"
DOMAIN: Final = "in.dossier.example"


@pytest.fixture
def inbound_bucket(moto_table: Table, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Moto S3 with the inbound bucket, and the settings naming it."""
    monkeypatch.setenv("INBOUND_BUCKET", BUCKET)
    monkeypatch.setenv("INBOUND_PREFIX", "inbound/")
    monkeypatch.setenv("INBOUND_DOMAIN", DOMAIN)
    reset_settings()
    # Cached now: the Chalice test client runs each request under the "dev" stage's variables.
    assert settings_now().inbound_bucket == BUCKET
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    yield s3
    reset_settings()


def ses_event(
    message_id: str,
    recipients: list[str],
    *,
    spam: str = "PASS",
    virus: str = "PASS",
    spf: str = "PASS",
    dkim: str = "PASS",
    dmarc: str = "PASS",
) -> Body:
    """An SES receipt rule's Lambda invocation (its S3 action stored the message first)."""
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {
                    "mail": {
                        "timestamp": "2026-11-24T16:42:05.000Z",
                        "source": "anna@client.example",
                        "messageId": message_id,
                        "destination": recipients,
                        "headersTruncated": False,
                    },
                    "receipt": {
                        "timestamp": "2026-11-24T16:42:05.000Z",
                        "processingTimeMillis": 420,
                        "recipients": recipients,
                        "spamVerdict": {"status": spam},
                        "virusVerdict": {"status": virus},
                        "spfVerdict": {"status": spf},
                        "dkimVerdict": {"status": dkim},
                        "dmarcVerdict": {"status": dmarc},
                        "action": {"type": "Lambda", "functionArn": "arn:aws:lambda:us-east-1:0:function:receive"},
                    },
                },
            }
        ]
    }


def test_the_lambda_records_a_message_from_s3(api_moto: tuple[Api, TestFirm], inbound_bucket: Any) -> None:
    from app import receive_email

    api, firm = api_moto
    s = _sync(api, firm)
    inbound_bucket.put_object(Bucket=BUCKET, Key="inbound/ses-1", Body=message(sender=s.synced))
    recipient = f"{firm.firm_id.lower()}@{DOMAIN}"  # the local part in any case
    assert receive_email(ses_event("ses-1", [recipient]), None) == {"outcomes": ["recorded"]}
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]
    # SES delivering the same event again
    assert receive_email(ses_event("ses-1", [recipient]), None) == {"outcomes": ["duplicate"]}
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]


def test_the_lambda_drops_spam_viruses_and_other_recipients(
    api_moto: tuple[Api, TestFirm], moto_table: Table, inbound_bucket: Any
) -> None:
    from app import receive_email

    api, firm = api_moto
    s = _sync(api, firm)
    inbound_bucket.put_object(Bucket=BUCKET, Key="inbound/ses-2", Body=message(sender=s.synced))
    mine = f"{firm.firm_id}@{DOMAIN}"
    before = snapshot(moto_table)
    assert receive_email(ses_event("ses-2", [mine], spam="FAIL"), None) == {"outcomes": ["rejected"]}
    assert receive_email(ses_event("ses-2", [mine], virus="FAIL"), None) == {"outcomes": ["rejected"]}
    foreign = [f"{firm.firm_id}@other.example", f"someone@{DOMAIN}"]
    assert receive_email(ses_event("ses-2", foreign), None) == {"outcomes": ["unknown_recipient"]}
    assert snapshot(moto_table) == before
    # a sender SES could not authenticate may be forged: the From address is what sync trusts
    for verdicts in (
        {"dmarc": "FAIL"},
        {"spf": "FAIL", "dkim": "FAIL"},
        {"spf": "GRAY", "dkim": "GRAY", "dmarc": "GRAY"},
    ):
        assert receive_email(ses_event("ses-2", [mine], **verdicts), None) == {"outcomes": ["unverified_sender"]}
    assert snapshot(moto_table) == before
    # a gray spam verdict is not a failure; DKIM alone authenticates the sender
    got = receive_email(ses_event("ses-2", [mine], spam="GRAY", spf="FAIL", dmarc="GRAY"), None)
    assert got == {"outcomes": ["recorded"]}


def test_the_lambda_records_once_per_firm_addressed(
    api_moto: tuple[Api, TestFirm], moto_table: Table, inbound_bucket: Any
) -> None:
    from app import receive_email

    api, firm = api_moto
    s = _sync(api, firm)
    other_firm = make_firm(moto_table, "Other & Co")
    inbound_bucket.put_object(Bucket=BUCKET, Key="inbound/ses-3", Body=message(sender=s.synced))
    recipients = [f"{firm.firm_id}@{DOMAIN}", f"{firm.firm_id.lower()}@{DOMAIN}", f"{other_firm.firm_id}@{DOMAIN}"]
    outcomes = receive_email(ses_event("ses-3", recipients), None)["outcomes"]
    assert sorted(outcomes) == ["recorded", "unknown_sender"]
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]


@pytest.fixture
def api_moto(moto_table: Table) -> Iterator[tuple[Api, TestFirm]]:
    from chalice.test import Client

    from app import app

    firm = make_firm(moto_table)
    with Client(app) as http:
        yield Api(http, firm.owner_token), firm


# --- the CLI: python -m chalicelib.cli mail receive --------------------------------------------------------


@pytest.fixture
def cli_env(table: Table) -> Iterator[None]:
    """The CLI applies the local stage's settings where the environment sets
    none (e.g. DYNAMODB_ENDPOINT for moto): keep the test's, and restore all after."""
    saved = dict(os.environ)
    os.environ.setdefault("DYNAMODB_ENDPOINT", "")  # moto: no endpoint
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    code = cli.main(args)
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out else None


def test_the_cli_records_a_message_from_a_file(
    api: Api, firm: TestFirm, table: Table, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = _sync(api, firm)
    path = tmp_path / "message.eml"
    path.write_bytes(message(sender=s.synced, message_id="<cli-file@client.example>"))
    code, out = run_cli(["mail", "receive", "--firm", firm.firm_id, str(path)], capsys)
    assert (code, out) == (0, {"outcome": "recorded", "account_ids": s.account_ids})
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]
    code, out = run_cli(["mail", "receive", "--firm", firm.firm_id, str(path)], capsys)
    assert (code, out) == (0, {"outcome": "duplicate", "account_ids": []})


def test_the_cli_reads_standard_input(
    api: Api,
    firm: TestFirm,
    table: Table,
    cli_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = _sync(api, firm)
    for raw, expected in [
        (message(sender=s.synced, message_id="<cli-stdin@client.example>"), "recorded"),
        (message(sender=s.unsynced), "sync_off"),
        (b"nonsense", "unreadable"),
    ]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        code, out = run_cli(["mail", "receive", "--firm", firm.firm_id], capsys)
        assert (code, out["outcome"]) == (0, expected), out
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]
