"""Email sync (issue 5, part 2), its first layer: ``chalicelib.domain.inbound_mail.parse`` (plain
functions, plus a Hypothesis property that it never fails on arbitrary bytes but with
``UnreadableMessage``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.inbound_mail import MAX_RECIPIENTS, MAX_SNIPPET, MAX_SUBJECT, UnreadableMessage, firm_of, parse
from chalicelib.domain.sections import SECTIONS
from tests.support.inbound import DATE, DATE_UTC, RECEIVED_AT, STAMP, ULID, message

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
