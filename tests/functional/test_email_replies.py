"""Replying by e-mail from the profile (issue 18): ``POST /accounts/{id}/emails``
with ``send`` mails the item from the firm's sending address, Reply-To the
firm's inbound address, with threading headers; the client's answer comes
back through email sync and joins the thread. Only addresses of the account's
contacts with email sync on (409), only threads of the same account (404), and
an Idempotency-Key never sends twice. Bounces through SES: ``test_email_replies_ses.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from functools import partial
from pathlib import Path
from typing import Any

from chalicelib.adapters.config import settings
from chalicelib.adapters.mail import mails_to
from chalicelib.domain.inbound_mail import parse
from chalicelib.repo import keys
from chalicelib.repo.table import Table, to_wire
from chalicelib.services.inbound import receive
from tests.support.api import Api, TestFirm, make_firm, snapshot
from tests.support.factories import contact_spec, new_account, unique_email
from tests.support.portal import email_path
from tests.support.problems import assert_problem, assert_refused

Body = dict[str, Any]


@dataclass
class Client:
    """An account whose contact has one synced and one unsynced address."""

    account_id: str
    contact_id: str
    synced: str
    unsynced: str


def synced_client(api: Api, name: str = "Reply Ltd") -> Client:
    synced, unsynced = unique_email("synced"), unique_email("unsynced")
    account = new_account(api, name, contacts=[contact_spec("Jan", "de Vries", emails=[synced, unsynced])])
    contact_id = account["contacts"][0]["id"]
    r = api.patch(email_path(contact_id, synced), {"email_sync": True})
    assert r.status == 200, r.body
    return Client(account["id"], contact_id, synced, unsynced)


def outbox(address: str) -> list[EmailMessage]:
    return mails_to(Path(settings().mail_outbox_dir), address)


def raw_answer(sender: str, firm_id: str, message_id: str, *, in_reply_to: str = "", references: str = "") -> bytes:
    """A client's answer, as their mail program writes it, to the firm's inbound address."""
    head = [
        f"From: Jan de Vries <{sender}>",
        f"To: {firm_id}@in.dossier.example",
        "Subject: Re: Your 2026 return",
        "Date: Mon, 07 Dec 2026 09:00:00 +0100",
        f"Message-ID: {message_id}",
        *([f"In-Reply-To: {in_reply_to}"] if in_reply_to else []),
        *([f"References: {references}"] if references else []),
        "Content-Type: text/plain; charset=utf-8",
    ]
    return ("\r\n".join(head) + "\r\n\r\nThanks, attached.\r\n").encode()


def received(api: Api, account_id: str, raw: bytes) -> Body:
    """The item email sync recorded for ``raw`` on the account (its id comes from the message)."""
    item_id = parse(raw, datetime.now(UTC)).item_id()
    r = api.get(f"/accounts/{account_id}/emails/{item_id}")
    assert r.status == 200, r.body
    item: Body = r.body
    return item


def emails(api: Api, account_id: str) -> list[Body]:
    r = api.get(f"/accounts/{account_id}/emails")
    assert r.status == 200, r.body
    items: list[Body] = r.body["items"]
    return items


def send(api: Api, account_id: str, body: Body, **kw: Any) -> Body:
    r = api.post(f"/accounts/{account_id}/emails", {"direction": "outbound", "send": True, **body}, **kw)
    assert r.status == 201, r.body
    assert r.headers["location"] == f"/accounts/{account_id}/emails/{r.body['id']}"
    out: Body = r.body
    return out


def test_a_reply_goes_out_with_threading_headers(api: Api, firm: TestFirm, table: Table) -> None:
    c = synced_client(api)
    question = raw_answer(
        c.synced, firm.firm_id, "<q1@client.example>", references="<first@client.example> <second@client.example>"
    )
    assert receive(table, firm.firm_id, question).outcome == "recorded"
    (received,) = emails(api, c.account_id)
    assert received["thread_id"] == received["id"] and received["in_reply_to"] is None

    out = send(api, c.account_id, {"subject": "", "text": "Dear Jan,\n\nthank you.\n", "in_reply_to": received["id"]})
    assert (out["status"], out["direction"]) == ("sent", "outbound")
    assert out["to_addresses"] == [c.synced], "a reply with no recipients goes to whom it answers"
    assert out["from_address"] == f"{firm.firm_id.lower()}@dossier.example"
    assert out["subject"] == "Re: Your 2026 return", "the parent's subject already starts with Re:"
    assert out["thread_id"] == received["id"] and out["in_reply_to"] == received["id"]
    assert out["sent_at"] and out["text"] == "Dear Jan,\n\nthank you." and out["snippet"] == "Dear Jan, thank you."
    assert out["version"] == 2, "recorded as draft, then marked sent"
    assert api.get(f"/accounts/{c.account_id}/emails/{out['id']}").body == out

    (mail,) = outbox(c.synced)
    assert mail["To"] == c.synced
    assert mail["From"].addresses[0].addr_spec == out["from_address"]
    assert mail["From"].addresses[0].display_name == "Test & Co"
    assert mail["Reply-To"] == f"{firm.firm_id}@in.dossier.example", "answers come back through email sync"
    assert mail["Message-ID"] == f"<dossier.{out['id']}@dossier.example>"
    assert mail["In-Reply-To"] == "<q1@client.example>"
    assert mail["References"].split() == ["<first@client.example>", "<second@client.example>", "<q1@client.example>"]
    assert mail["Subject"] == "Re: Your 2026 return"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().startswith("Dear Jan,")
    assert outbox(c.unsynced) == []


def test_an_answer_joins_the_thread_of_what_we_sent(api: Api, firm: TestFirm, table: Table) -> None:
    c = synced_client(api)
    first = send(
        api,
        c.account_id,
        {"subject": "Your 2026 return", "text": "Please send receipts.", "to_addresses": [c.synced.upper()]},
    )
    assert first["thread_id"] == first["id"] and first["in_reply_to"] is None
    assert first["to_addresses"] == [c.synced], "as the firm spelled the address"
    (mail,) = outbox(c.synced)
    sent_id = mail["Message-ID"]
    assert "In-Reply-To" not in mail and "References" not in mail

    answer = raw_answer(c.synced, firm.firm_id, "<a1@client.example>", in_reply_to=sent_id, references=sent_id)
    assert receive(table, firm.firm_id, answer).outcome == "recorded"
    newest = received(api, c.account_id, answer)
    assert (newest["direction"], newest["status"]) == ("inbound", "received")
    assert newest["thread_id"] == first["id"] and newest["in_reply_to"] == first["id"]

    # staff answer the answer: still the same thread, References carry the whole chain
    second = send(
        api, c.account_id, {"subject": "Re: Your 2026 return", "text": "Got them.", "in_reply_to": newest["id"]}
    )
    assert second["thread_id"] == first["id"]
    latest = outbox(c.synced)[-1]
    assert latest["In-Reply-To"] == "<a1@client.example>"
    assert latest["References"].split() == [sent_id, "<a1@client.example>"]

    # an answer that names our second mail only in References (latest last) joins too
    again = raw_answer(
        c.synced, firm.firm_id, "<a2@client.example>", references=f"<elsewhere@client.example> {latest['Message-ID']}"
    )
    assert receive(table, firm.firm_id, again).outcome == "recorded"
    newest = received(api, c.account_id, again)
    assert newest["thread_id"] == first["id"] and newest["in_reply_to"] == second["id"]

    # an unrelated message starts its own thread
    other = raw_answer(c.synced, firm.firm_id, "<new@client.example>", in_reply_to="<unknown@client.example>")
    assert receive(table, firm.firm_id, other).outcome == "recorded"
    newest = received(api, c.account_id, other)
    assert newest["thread_id"] == newest["id"] and newest["in_reply_to"] is None


def test_an_answer_names_a_thread_only_on_the_account_it_was_sent_from(api: Api, firm: TestFirm, table: Table) -> None:
    c = synced_client(api)
    other = new_account(api, "Second Ltd", contacts=[{"contact_id": c.contact_id, "description": ""}])
    first = send(api, c.account_id, {"subject": "Hello", "text": "x", "to_addresses": [c.synced]})
    sent_id = outbox(c.synced)[-1]["Message-ID"]
    answer = raw_answer(c.synced, firm.firm_id, "<both@client.example>", in_reply_to=sent_id)
    assert sorted(receive(table, firm.firm_id, answer).account_ids) == sorted([c.account_id, other["id"]])
    here, there = received(api, c.account_id, answer), received(api, other["id"], answer)
    assert here["thread_id"] == first["id"]
    assert there["thread_id"] == there["id"] and there["in_reply_to"] is None


def test_only_synced_addresses_of_the_accounts_contacts(api: Api, firm: TestFirm, table: Table) -> None:
    c = synced_client(api)
    stranger = synced_client(api, "Stranger Ltd")  # synced, but another account's contact
    path = f"/accounts/{c.account_id}/emails"
    for to in (
        [c.unsynced],
        [c.synced, c.unsynced],
        [stranger.synced],
        [unique_email("unknown")],
    ):
        attempt = {"direction": "outbound", "send": True, "subject": "x", "to_addresses": to}
        body = assert_refused(table, 409, partial(api.post, path, attempt))
        assert body["code"] == "email_sync_off", body
        assert {e["code"] for e in body["errors"]} <= {"email_sync_off", "not_account_contact"}
    assert outbox(c.synced) == [] and outbox(c.unsynced) == [] and outbox(stranger.synced) == []

    # a reply defaults to whom it answers, who must be synced too
    r = api.post(path, {"direction": "outbound", "subject": "note", "to_addresses": [c.unsynced]})
    assert r.status == 201 and r.body["status"] == "draft", r.body
    refused = assert_refused(
        table,
        409,
        lambda: api.post(path, {"direction": "outbound", "send": True, "subject": "x", "in_reply_to": r.body["id"]}),
    )
    assert refused["errors"][0]["loc"] == ["body", "to_addresses", 0]
    assert outbox(c.unsynced) == []


def test_a_reply_to_a_missing_or_foreign_thread_is_404(api: Api, firm: TestFirm, table: Table) -> None:
    c = synced_client(api)
    elsewhere = synced_client(api, "Elsewhere Ltd")
    foreign = api.post(f"/accounts/{elsewhere.account_id}/emails", {"direction": "outbound", "subject": "theirs"})
    task = api.post(f"/accounts/{c.account_id}/tasks", {"title": "not an e-mail"})
    assert foreign.status == 201 and task.status == 201
    other_firm = make_firm(table, "Other & Co")
    for parent in (foreign.body["id"], task.body["id"], "01JAAAAAAAAAAAAAAAAAAAAAAA", other_firm.firm_id):
        for sending in (True, False):
            body = {
                "direction": "outbound",
                "send": sending,
                "subject": "x",
                "to_addresses": [c.synced],
                "in_reply_to": parent,
            }
            problem = assert_refused(table, 404, partial(api.post, f"/accounts/{c.account_id}/emails", body))
            assert problem["code"] == "thread_not_found", problem
    assert outbox(c.synced) == []


def test_what_a_sent_email_may_not_say(api: Api, table: Table) -> None:
    c = synced_client(api)
    path = f"/accounts/{c.account_id}/emails"
    base = {"send": True, "subject": "x", "to_addresses": [c.synced]}
    for body, field in (
        ({**base, "direction": "inbound"}, "direction"),
        ({**base, "direction": "outbound", "status": "sent"}, "status"),
        ({**base, "direction": "outbound", "from_address": c.synced}, "from_address"),
        ({**base, "direction": "outbound", "to_addresses": []}, "to_addresses"),
    ):
        assert_refused(table, 422, partial(api.post, path, body), field=field)
    assert_refused(table, 400, lambda: api.post(path, {**base, "direction": "outbound", "send": "yes"}))
    assert outbox(c.synced) == []


def test_without_send_it_is_a_record(api: Api, table: Table) -> None:
    c = synced_client(api)
    path = f"/accounts/{c.account_id}/emails"
    first = api.post(path, {"direction": "outbound", "subject": "typed in", "to_addresses": [c.unsynced]})
    assert first.status == 201 and first.body["status"] == "draft" and first.body["sent_at"] is None
    reply = api.post(path, {"direction": "outbound", "subject": "Re", "in_reply_to": first.body["id"]})
    assert reply.status == 201 and reply.body["thread_id"] == first.body["id"], reply.body
    assert outbox(c.unsynced) == []
    assert not any("send" in i for i in snapshot(table) if i.get("section") == "emails")


def test_an_idempotent_retry_sends_once(api: Api, firm: TestFirm, table: Table) -> None:
    c = synced_client(api)
    body = {"direction": "outbound", "send": True, "subject": "Once", "text": "only once", "to_addresses": [c.synced]}
    key = {"Idempotency-Key": "reply-1"}
    first = send(api, c.account_id, body, headers=key)
    before = snapshot(table)
    again = send(api, c.account_id, body, headers=key)
    assert again == first
    assert snapshot(table) == before
    assert len(outbox(c.synced)) == 1
    changed = api.post(f"/accounts/{c.account_id}/emails", {**body, "text": "other"}, headers=key)
    assert_problem(changed, 422)
    assert len(outbox(c.synced)) == 1
    # the recipient's sync goes off after the send: the retry still answers what was sent
    assert api.patch(email_path(c.contact_id, c.synced), {"email_sync": False}).status == 200
    assert send(api, c.account_id, body, headers=key) == first
    assert len(outbox(c.synced)) == 1


def test_an_inbound_message_id_that_could_not_go_out_again_is_not_kept(api: Api, firm: TestFirm, table: Table) -> None:
    """A reply's In-Reply-To is the answered message's id: only a well-formed ASCII id is kept for it."""
    c = synced_client(api)
    odd = raw_answer(c.synced, firm.firm_id, "<odd\u2028id@client.example>")  # a line separator inside
    assert receive(table, firm.firm_id, odd).outcome == "recorded"
    (received_item,) = emails(api, c.account_id)
    out = send(api, c.account_id, {"subject": "", "text": "Thanks", "in_reply_to": received_item["id"]})
    assert out["status"] == "sent", "the reply goes out, without a header it could not write"
    (mail,) = outbox(c.synced)
    assert mail["In-Reply-To"] is None


def test_a_subject_with_line_breaks_never_reaches_a_mail_header(api: Api, firm: TestFirm, table: Table) -> None:
    c = synced_client(api)
    for subject in ("Hi\r\nBcc: someone@evil.example", "Hi\nBcc: someone@evil.example", "Hi\rthere"):
        r = api.post(
            f"/accounts/{c.account_id}/emails",
            {"direction": "outbound", "subject": subject, "text": "x", "to_addresses": [c.synced], "send": True},
        )
        if r.status == 201:
            (mail,) = outbox(c.synced)[-1:]
            assert "\n" not in mail["Subject"] and "\r" not in mail["Subject"], mail["Subject"]
            assert mail["Bcc"] is None
        else:
            assert_problem(r, 400, field="subject")


def test_a_firm_name_with_line_breaks_stays_one_from_header(api: Api, firm: TestFirm, table: Table) -> None:
    """The firm's name (free text) is the From header's display name: on one line."""
    table.client.update_item(  # as any firm name typed with a line break would be stored
        TableName=table.name,
        Key=to_wire(keys.firm(firm.firm_id).as_dict()),
        UpdateExpression="SET #n = :n",
        ExpressionAttributeNames={"#n": "name"},
        ExpressionAttributeValues={":n": {"S": "Smit &\r\nBcc: someone@evil.example"}},
    )
    c = synced_client(api)
    out = send(api, c.account_id, {"subject": "Your return", "text": "x", "to_addresses": [c.synced]})
    assert out["status"] == "sent"
    (mail,) = outbox(c.synced)
    assert mail["From"].addresses[0].display_name == "Smit & Bcc: someone@evil.example"
    assert mail["Bcc"] is None
