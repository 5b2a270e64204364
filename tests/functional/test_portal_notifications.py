"""Notification mails (issue 5, part 2): table changes that are system events
for an account's contacts are mailed, by the stream-triggered
``app.project_overview`` (which also keeps the overview), to every address of the account's linked contacts
with notify on and that event type not switched off — once per address,
however often the change is delivered.

End-to-end tests make changes through the HTTP API and drain the notifier's
stream poller (``tests.support.stream.notify_poller``), reading the mails
from the local outbox. Retries are tested by handing the same stream records
to ``chalicelib.streams.notifications.deliver`` again, with a mailer that refuses
one address (a fake of the mail service boundary only).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pytest
from chalice.app import DynamoDBRecord
from chalice.test import Client

from app import app, project_overview
from chalicelib.adapters.mail import Mailer, MailError, Message, OutboxMailer, read_outbox
from chalicelib.domain.portal_rules import EVENT_TYPES
from chalicelib.repo.schema import TEMPLATE
from chalicelib.repo.table import Table
from chalicelib.services.portal import recipients
from chalicelib.streams import notifications
from devtools.stream_poller import StreamPoller, mapping_filters
from tests.support.api import Api, TestFirm, make_firm
from tests.support.factories import contact_spec, created, new_account, unique_email
from tests.support.portal import activate, email_path, invite, mails_to
from tests.support.stream import notify_poller, poller

Body = dict[str, Any]
Record = dict[str, Any]  # a stream record as Lambda delivers it
FIRM_NAME: Final = "Test & Co"  # tests.support.api.make_firm's default
NOTIFICATION: Final = "notification:"


# --- helpers -----------------------------------------------------------------------------------------


def notifications_to(address: str) -> list[str]:
    """The event types of the notification mails the outbox holds for ``address``, oldest first."""
    kinds = [str(m["X-Dossier-Kind"]) for m in mails_to(address)]
    return [k.removeprefix(NOTIFICATION) for k in kinds if k.startswith(NOTIFICATION)]


def counts(addresses: Sequence[str]) -> dict[str, Counter[str]]:
    return {a: Counter(notifications_to(a)) for a in addresses}


@dataclass
class Clientele:
    """An account with contacts whose addresses have various notification settings."""

    account_id: str
    contact_ids: dict[str, str]  # by first name
    addresses: dict[str, list[str]]  # by first name

    def path(self, section: str, item_id: str | None = None) -> str:
        base = f"/accounts/{self.account_id}/{section}"
        return f"{base}/{item_id}" if item_id else base


def _account(api: Api, name: str, people: dict[str, int]) -> Clientele:
    """An account with one contact per first name, each with that many addresses."""
    specs = [
        contact_spec(first, "Client", emails=[unique_email(f"{first.lower()}{i}") for i in range(n)])
        for first, n in people.items()
    ]
    account = new_account(api, name, contacts=specs)
    return Clientele(
        account["id"],
        {c["first_name"]: c["id"] for c in account["contacts"]},
        {c["first_name"]: [e["address"] for e in c["emails"]] for c in account["contacts"]},
    )


def _set(api: Api, contact_id: str, address: str, **settings: Any) -> None:
    r = api.patch(email_path(contact_id, address), settings)
    assert r.status == 200, r.body


def _addresses(found: Sequence[Any]) -> list[str]:
    return [e.address for e in found]


@dataclass
class Recorder:
    """A stream handler that keeps the records it is given and mails nothing."""

    records: list[Record] = field(default_factory=list)

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.records.extend(event["Records"])
        return {"batchItemFailures": []}


def recording_poller(table: Table) -> tuple[StreamPoller, Recorder]:
    """A poller over the notifier's records (its mapping filters), from the stream's current end."""
    recorder = Recorder()
    return poller(table, recorder, filters=mapping_filters(TEMPLATE, "ProjectOverview")), recorder


def as_records(raw: Sequence[Record]) -> list[DynamoDBRecord]:
    return [DynamoDBRecord(r, None) for r in raw]


def failed(result: dict[str, list[dict[str, str]]]) -> list[str]:
    assert set(result) == {"batchItemFailures"}, result
    return [f["itemIdentifier"] for f in result["batchItemFailures"]]


def seq(record: Record) -> str:
    sequence_number: str = record["dynamodb"]["SequenceNumber"]
    return sequence_number


class RefusingMailer:
    """The mail service refusing one address; every other message goes to ``inner``."""

    def __init__(self, inner: Mailer, refused: str, *, permanent: bool = False) -> None:
        self.inner = inner
        self.refused = refused.casefold()
        self.permanent = permanent
        self.refusals = 0

    def send(self, message: Message) -> str:
        if message.to.casefold() == self.refused:
            self.refusals += 1
            raise MailError("address refused (test)", permanent=self.permanent)
        return self.inner.send(message)


def outbox_to(folder: Path, address: str) -> list[str]:
    return [
        str(m["X-Dossier-Kind"]).removeprefix(NOTIFICATION)
        for m in read_outbox(folder)
        if str(m["To"]).casefold() == address.casefold()
    ]


@pytest.fixture
def moto_api(moto_table: Table) -> Iterator[Api]:
    """The API as a fresh firm's owner, on moto only (for tests that replay records by hand)."""
    firm = make_firm(moto_table)
    with Client(app) as http:
        yield Api(http, firm.owner_token)


# --- recipients --------------------------------------------------------------------------------------


def test_recipients_follow_notify_and_the_preferences(api: Api, firm: TestFirm, table: Table) -> None:
    c = _account(api, "Recipients Ltd", {"Anna": 2, "Bob": 1, "Carl": 1, "Dora": 1})
    (a1, a2), (b1,), (c1,), (d1,) = (c.addresses[n] for n in ("Anna", "Bob", "Carl", "Dora"))
    _set(api, c.contact_ids["Anna"], a2, notify=False)
    _set(api, c.contact_ids["Bob"], b1, notification_preferences={"new_message": False})
    _set(api, c.contact_ids["Carl"], c1, notification_preferences={"organizer_sent": False, "invoice_sent": True})
    activate(api, c.contact_ids["Dora"], d1)  # the login state does not matter

    def to(event_type: str) -> set[str]:
        found = _addresses(recipients(table, firm.firm_id, c.account_id, event_type))
        assert len(found) == len(set(found)), found
        return set(found)

    assert to("new_message") == {a1, c1, d1}
    assert to("organizer_sent") == {a1, b1, d1}
    assert to("invoice_sent") == {a1, b1, c1, d1}
    for other in set(EVENT_TYPES) - {"new_message", "organizer_sent"}:
        assert to(other) == {a1, b1, c1, d1}, other

    # notify off wins over a preference that is on; switching notify back on restores the types
    _set(api, c.contact_ids["Carl"], c1, notify=False)
    assert to("invoice_sent") == {a1, b1, d1}
    _set(api, c.contact_ids["Carl"], c1, notify=True)
    assert to("invoice_sent") == {a1, b1, c1, d1}
    assert to("organizer_sent") == {a1, b1, d1}

    # a revoked, invited or active login: all the same
    _set(api, c.contact_ids["Dora"], d1, login="none")
    assert d1 in to("new_message")
    invite(api, c.contact_ids["Dora"], d1)
    assert d1 in to("new_message")


def test_recipients_of_a_contact_shared_by_two_accounts(api: Api, firm: TestFirm, table: Table) -> None:
    first = _account(api, "First Ltd", {"Eve": 2})
    second = _account(api, "Second Ltd", {"Finn": 1})
    eve = first.contact_ids["Eve"]
    r = api.post(second.path("contacts"), {"contact_id": eve, "description": "Director"})
    assert r.status == 201, r.body

    def to(account: Clientele, event_type: str = "invoice_sent") -> list[str]:
        return sorted(_addresses(recipients(table, firm.firm_id, account.account_id, event_type)))

    assert to(first) == sorted(first.addresses["Eve"])
    assert to(second) == sorted(first.addresses["Eve"] + second.addresses["Finn"])

    # a preference is the address's, so it holds on every account
    _set(api, eve, first.addresses["Eve"][0], notification_preferences={"invoice_sent": False})
    assert to(first) == [first.addresses["Eve"][1]]
    assert to(second) == sorted([first.addresses["Eve"][1], *second.addresses["Finn"]])

    # unlinked from the second account: no longer its recipient
    r = api.delete(second.path("contacts", eve))
    assert r.status == 204, r.body
    assert to(second) == second.addresses["Finn"]
    assert to(first) == [first.addresses["Eve"][1]]


def test_recipients_of_no_account_are_none(api: Api, firm: TestFirm, table: Table) -> None:
    c = _account(api, "Mine Ltd", {"Gus": 1})
    assert recipients(table, firm.firm_id, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "new_message") == []
    other_firm = make_firm(table, "Other & Co")
    assert recipients(table, other_firm.firm_id, c.account_id, "new_message") == []


# --- end to end: API → stream → project_overview → outbox ---------------------------------------------------


def test_a_firm_chat_message_mails_each_recipient_once(api: Api, table: Table) -> None:
    c = _account(api, "Chatty Ltd", {"Anna": 2, "Bob": 1, "Carl": 1})
    (a1, a2), (b1,), (c1,) = c.addresses["Anna"], c.addresses["Bob"], c.addresses["Carl"]
    _set(api, c.contact_ids["Bob"], b1, notify=False)
    _set(api, c.contact_ids["Carl"], c1, notification_preferences={"new_message": False})
    stream = notify_poller(table)

    chat = created(api, c.path("chats"), {"subject": "Year-end questions"})
    created(api, c.path("chats", chat["id"]) + "/messages", {"body": "Secret figures: 4242", "author": "firm"})
    stream.drain()
    assert counts([a1, a2, b1, c1]) == {
        a1: Counter(new_message=1),
        a2: Counter(new_message=1),
        b1: Counter(),
        c1: Counter(),
    }

    mail = next(m for m in mails_to(a1) if m["X-Dossier-Kind"] == "notification:new_message")
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = str(body.get_content())
    assert FIRM_NAME in str(mail["Subject"]) and FIRM_NAME in text
    assert "Chatty Ltd" in text
    assert "https://portal.test.example" not in text, "an address without portal access is not sent to sign in"
    assert f"Ask {FIRM_NAME}" in text
    assert "4242" not in text + str(mail["Subject"]), "a notification names the event, not the message"

    # the stream has nothing more: draining again mails nobody
    stream.drain()
    assert notifications_to(a1) == ["new_message"]

    # a client's message mails nobody; a second firm message is a new event
    created(api, c.path("chats", chat["id"]) + "/messages", {"body": "Here you go", "author": "client"})
    stream.drain()
    assert counts([a1, a2]) == {a1: Counter(new_message=1), a2: Counter(new_message=1)}
    created(api, c.path("chats", chat["id"]) + "/messages", {"body": "Thanks!", "author": "firm"})
    stream.drain()
    assert counts([a1, a2, b1, c1]) == {
        a1: Counter(new_message=2),
        a2: Counter(new_message=2),
        b1: Counter(),
        c1: Counter(),
    }
    assert stream.given_up == []


def test_each_kind_of_event_is_mailed_when_it_happens(moto_api: Api, moto_table: Table) -> None:
    api = moto_api
    c = _account(api, "Events Ltd", {"Hana": 1, "Ivo": 1})
    (h,), (i,) = c.addresses["Hana"], c.addresses["Ivo"]
    _set(api, c.contact_ids["Ivo"], i, notification_preferences={"invoice_sent": False, "proposal_sent": False})
    stream = notify_poller(moto_table)

    def step(section: str, body: Body) -> Body:
        return created(api, c.path(section), body)

    step("organizers", {"name": "Tax organizer 2026"})  # sent by default
    step("organizers", {"name": "Draft organizer", "status": "in_progress"})
    step("invoices", {"number": "INV-1", "amount": "120.50"})  # unpaid by default
    step("invoices", {"number": "INV-2", "amount": "10", "status": "paid"})
    step("signatures", {"document_name": "Form 8879"})  # pending by default
    step("signatures", {"document_name": "Signed already", "status": "signed"})
    step("approvals", {"document_name": "Bank statement"})  # pending by default
    step("approvals", {"document_name": "Approved already", "status": "approved"})
    step("documents", {"name": "Return 2026.pdf", "uploaded_by": "firm"})
    step("documents", {"name": "Receipts.zip", "uploaded_by": "client"})
    step("tasks", {"title": "Not a client event"})
    step("notes", {"title": "Nor this"})
    draft = step("proposals", {"name": "Engagement 2027", "kind": "engagement_letter"})
    stream.drain()
    assert counts([h, i]) == {
        h: Counter(organizer_sent=1, invoice_sent=1, signature_requested=1, document_requested=1, document_shared=1),
        i: Counter(organizer_sent=1, signature_requested=1, document_requested=1, document_shared=1),
    }

    # a draft proposal mails nobody until it is sent; viewing it is no new event
    r = api.patch(c.path("proposals", draft["id"]), {"status": "sent"})
    assert r.status == 200, r.body
    stream.drain()
    assert Counter(notifications_to(h))["proposal_sent"] == 1
    r = api.patch(c.path("proposals", draft["id"]), {"status": "viewed"})
    assert r.status == 200, r.body
    step("proposals", {"name": "Proposal sent at once", "kind": "proposal", "status": "sent"})
    stream.drain()
    assert Counter(notifications_to(h))["proposal_sent"] == 2
    assert "proposal_sent" not in notifications_to(i)

    # changes of items that were mailed already mail nothing more
    before = counts([h, i])
    doc = next(d for d in api.get(c.path("documents")).body["items"] if d["uploaded_by"] == "firm")
    assert api.patch(c.path("documents", doc["id"]), {"name": "Return 2026 (final).pdf"}).status == 200
    organizer = next(o for o in api.get(c.path("organizers")).body["items"] if o["status"] == "sent")
    assert api.patch(c.path("organizers", organizer["id"]), {"name": "Renamed organizer"}).status == 200
    stream.drain()
    assert counts([h, i]) == before


def test_replayed_records_mail_nothing_more(api: Api, table: Table) -> None:
    c = _account(api, "Replay Ltd", {"Jan": 2})
    j1, j2 = c.addresses["Jan"]
    live = notify_poller(table)
    recording, recorder = recording_poller(table)

    chat = created(api, c.path("chats"), {"subject": "Replay"})
    created(api, c.path("chats", chat["id"]) + "/messages", {"body": "Hello", "author": "firm"})
    created(api, c.path("invoices"), {"number": "R-1", "amount": "5"})
    live.drain()
    recording.drain()
    expected = {j1: Counter(new_message=1, invoice_sent=1), j2: Counter(new_message=1, invoice_sent=1)}
    assert counts([j1, j2]) == expected
    assert recorder.records, "the recording poller saw the changes"

    # Lambda delivering the same records again (at-least-once): the handler, and the service directly
    for _ in range(2):
        result = project_overview({"Records": recorder.records}, None)
        assert failed(result) == []
    assert failed(notifications.deliver(as_records(recorder.records), table)) == []
    assert counts([j1, j2]) == expected


def test_a_refused_address_is_retried_alone(moto_api: Api, moto_table: Table, tmp_path: Path) -> None:
    api = moto_api
    c = _account(api, "Retry Ltd", {"Kai": 3})
    other = _account(api, "Bystander Ltd", {"Lea": 1})
    stream, recorder = recording_poller(moto_table)
    chat = created(api, c.path("chats"), {"subject": "Retry"})
    created(api, c.path("chats", chat["id"]) + "/messages", {"body": "Hi", "author": "firm"})
    created(api, other.path("organizers"), {"name": "Organizer"})
    stream.drain()
    addresses = sorted(c.addresses["Kai"], key=str.casefold)
    lea = other.addresses["Lea"][0]
    # a message and its chat change together; the chat's change is the event
    message_records = [
        r
        for r in recorder.records
        if r["eventName"] == "MODIFY" and r["dynamodb"]["NewImage"].get("section", {}).get("S") == "chats"
    ]
    assert len(message_records) == 1, recorder.records

    outbox = OutboxMailer(tmp_path, "Dossier <no-reply@dossier.example>")
    refusing = RefusingMailer(outbox, addresses[1])
    result = notifications.deliver(as_records(recorder.records), moto_table, out=refusing)
    assert failed(result) == [seq(message_records[0])], "only the record whose mail failed is retried"
    assert refusing.refusals == 1
    sent_first = {a: outbox_to(tmp_path, a) for a in [*addresses, lea]}
    assert sent_first[lea] == ["organizer_sent"], "another record of the batch is not held up"
    assert sent_first[addresses[1]] == []
    assert sum(len(sent_first[a]) for a in addresses) == 2, "the other recipients are not held up either"

    # Lambda retries from the failed record; the mail service takes everything now
    retried = recorder.records[recorder.records.index(message_records[0]) :]
    assert failed(notifications.deliver(as_records(retried), moto_table, out=outbox)) == []
    for a in addresses:
        assert outbox_to(tmp_path, a) == ["new_message"], a
    assert outbox_to(tmp_path, lea) == ["organizer_sent"]

    # and again: nothing more
    assert failed(notifications.deliver(as_records(recorder.records), moto_table, out=outbox)) == []
    assert sum(len(outbox_to(tmp_path, a)) for a in [*addresses, lea]) == 4


def test_a_mailer_that_keeps_failing_keeps_the_record_failed(moto_api: Api, moto_table: Table, tmp_path: Path) -> None:
    api = moto_api
    c = _account(api, "Stubborn Ltd", {"Max": 1})
    stream, recorder = recording_poller(moto_table)
    created(api, c.path("signatures"), {"document_name": "Form"})
    stream.drain()
    (address,) = c.addresses["Max"]
    refusing = RefusingMailer(OutboxMailer(tmp_path, "Dossier <no-reply@dossier.example>"), address)
    for attempt in range(1, 4):
        result = notifications.deliver(as_records(recorder.records), moto_table, out=refusing)
        assert failed(result) == [seq(r) for r in recorder.records]
        assert refusing.refusals == attempt, "a failed send leaves no marker behind"
    assert outbox_to(tmp_path, address) == []


def test_an_archived_account_is_not_notified(api: Api, table: Table) -> None:
    c = _account(api, "Archived Ltd", {"Nils": 1})
    (address,) = c.addresses["Nils"]
    stream = notify_poller(table)
    chat = created(api, c.path("chats"), {"subject": "Before archiving"})
    created(api, c.path("chats", chat["id"]) + "/messages", {"body": "Bye", "author": "firm"})
    created(api, c.path("invoices"), {"number": "A-1", "amount": "1"})
    assert api.delete(f"/accounts/{c.account_id}").status == 204
    stream.drain()
    assert notifications_to(address) == []


def test_an_approval_requested_again_is_a_new_event(moto_api: Api, moto_table: Table) -> None:
    """Control for the xfail below: two separate approval requests mail twice."""
    api = moto_api
    c = _account(api, "Requests Ltd", {"Olaf": 1})
    (address,) = c.addresses["Olaf"]
    stream = notify_poller(moto_table)
    created(api, c.path("approvals"), {"document_name": "Statement"})
    created(api, c.path("approvals"), {"document_name": "Statement again"})
    stream.drain()
    assert notifications_to(address) == ["document_requested", "document_requested"]


def test_a_reopened_approval_request_is_mailed_again(moto_api: Api, moto_table: Table) -> None:
    api = moto_api
    c = _account(api, "Reopened Ltd", {"Pia": 1})
    (address,) = c.addresses["Pia"]
    stream = notify_poller(moto_table)
    approval = created(api, c.path("approvals"), {"document_name": "Statement"})
    stream.drain()
    assert notifications_to(address) == ["document_requested"]
    for status in ("rejected", "pending"):
        r = api.patch(c.path("approvals", approval["id"]), {"status": status})
        assert r.status == 200, r.body
    stream.drain()
    assert notifications_to(address) == ["document_requested", "document_requested"]


def test_an_address_refused_for_good_is_not_retried(moto_api: Api, moto_table: Table, tmp_path: Path) -> None:
    """A permanent refusal (SES MessageRejected) is logged, not retried: the
    record does not fail, and the other recipients get their mail."""
    api = moto_api
    c = _account(api, "Bounce Ltd", {"Ivo": 2})
    stream, recorder = recording_poller(moto_table)
    created(api, c.path("invoices"), {"number": "B-1", "amount": "10"})
    stream.drain()
    bad, good = sorted(c.addresses["Ivo"], key=str.casefold)
    refusing = RefusingMailer(OutboxMailer(tmp_path, "Dossier <no-reply@dossier.example>"), bad, permanent=True)
    assert failed(notifications.deliver(as_records(recorder.records), moto_table, out=refusing)) == []
    assert failed(notifications.deliver(as_records(recorder.records), moto_table, out=refusing)) == []
    assert refusing.refusals == 1, "refused once, then marked as done"
    assert (outbox_to(tmp_path, bad), outbox_to(tmp_path, good)) == ([], ["invoice_sent"])


def test_a_portal_user_is_sent_to_the_portal(api: Api, table: Table) -> None:
    c = _account(api, "Portal Ltd", {"Pia": 1})
    (address,) = c.addresses["Pia"]
    activate(api, c.contact_ids["Pia"], address)
    stream = notify_poller(table)
    created(api, c.path("organizers"), {"name": "2026 organizer"})
    stream.drain()
    (mail,) = [m for m in mails_to(address) if m["X-Dossier-Kind"] == "notification:organizer_sent"]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = str(body.get_content())
    assert "https://portal.test.example" in text and "2026 organizer" in text
