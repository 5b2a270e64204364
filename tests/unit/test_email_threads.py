"""Threading rules of e-mail items (chalicelib/domain/email_threads.py) and the
threading headers read from received mail."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.email_threads import (
    MAX_REFERENCES,
    ThreadRef,
    default_recipients,
    message_ids,
    preferred,
    ref_key,
    reply_references,
    reply_subject,
    send_errors,
    ses_ref,
    thread_of,
)
from chalicelib.domain.inbound_mail import parse


def test_message_ids_of_a_header() -> None:
    assert message_ids("<a@x.example> <b@y.example>\r\n <a@x.example>") == ["<a@x.example>", "<b@y.example>"]
    assert message_ids("garbage <no-at-sign> <> <c@z>") == ["<c@z>"]
    assert message_ids("") == []


def test_ref_keys_compare_domains_in_any_case_and_ses_ids_by_id() -> None:
    assert ref_key("<Abc@Client.Example>") == ref_key(" <Abc@client.example> ") == "Abc@client.example"
    assert ref_key("<Abc@client.example>") != ref_key("<abc@client.example>"), "the local part is case-sensitive"
    assert ref_key("<0100-xyz@email.amazonses.com>") == ses_ref("0100-xyz")
    assert ref_key("<0100-xyz@eu-west-1.amazonses.com>") == ses_ref("0100-xyz")


def test_reply_references_keep_the_first_and_the_latest() -> None:
    assert reply_references("<p@x>", ["<a@x>", "<b@x>"]) == ["<a@x>", "<b@x>", "<p@x>"]
    assert reply_references(None, ["<a@x>"]) == ["<a@x>"]
    assert reply_references("<a@x>", ["<a@x>"]) == ["<a@x>"]
    chain = [f"<{i}@x>" for i in range(40)]
    trimmed = reply_references("<p@x>", chain)
    assert len(trimmed) == MAX_REFERENCES
    assert trimmed[0] == "<0@x>" and trimmed[-1] == "<p@x>" and trimmed[-2] == "<39@x>"


def test_reply_subjects() -> None:
    assert reply_subject("Mine", "Theirs") == "Mine"
    assert reply_subject("", "Theirs") == "Re: Theirs"
    assert reply_subject("", "RE: Theirs") == "RE: Theirs"
    assert reply_subject("", None) == "(no subject)"
    assert len(reply_subject("", "x" * 300)) == 300


def test_threads_and_default_recipients() -> None:
    assert thread_of(None, "I1") == "I1"
    assert thread_of({"id": "P", "thread_id": "T"}, "I1") == "T"
    assert thread_of({"id": "P"}, "I1") == "P", "an item from before threads starts its own"
    assert default_recipients({"direction": "inbound", "from_address": "a@x.example"}) == ["a@x.example"]
    assert default_recipients({"direction": "outbound", "to_addresses": ["b@x", "c@x"]}) == ["b@x", "c@x"]
    assert default_recipients({"direction": "inbound"}) == []


def test_what_send_refuses() -> None:
    assert send_errors({"direction": "outbound"}) == []
    assert send_errors({"direction": "outbound", "status": "draft"}) == []
    codes = [
        (e.loc[-1], e.code) for e in send_errors({"direction": "inbound", "status": "received", "from_address": "a@b"})
    ]
    assert codes == [("direction", "not_outbound"), ("status", "set_by_send"), ("from_address", "set_by_send")]


def test_the_preferred_reference_is_the_first_of_this_account() -> None:
    found = {
        ref_key("<one@x>"): ThreadRef("A2", "I1", "T1"),
        ref_key("<two@x>"): ThreadRef("A1", "I2", "T2"),
    }
    assert preferred(["<one@x>", "<two@x>"], found, "A1") == ThreadRef("A1", "I2", "T2")
    assert preferred(["<one@x>", "<two@x>"], found, "A2") == ThreadRef("A2", "I1", "T1")
    assert preferred(["<three@x>"], found, "A1") is None


def test_received_mail_names_what_it_answers() -> None:
    refs = " ".join(f"<r{i}@x>" for i in range(30))
    raw = (
        "From: a@client.example\r\nIn-Reply-To: <p@x>\r\nReferences: " + refs + "\r\nMessage-ID: <m@x>\r\n\r\nhi\r\n"
    ).encode()
    found = parse(raw, datetime(2026, 12, 7, tzinfo=UTC))
    assert found.in_reply_to == ("<p@x>",)
    assert len(found.references) == 30
    order = found.thread_refs()
    assert order[0] == "<p@x>" and order[1] == "<r29@x>" and len(order) == 1 + MAX_REFERENCES
    bare = parse(b"From: a@client.example\r\n\r\nhi\r\n", datetime(2026, 12, 7, tzinfo=UTC))
    assert bare.thread_refs() == []
