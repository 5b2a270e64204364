"""GDPR/AVG (issue 19): ``GET /contacts/{id}/export`` gives everything held
about a person, ``POST /contacts/{id}/erase`` removes it. Both backends; the
search index and the overviews are brought up to date with the stream
pollers. Names, addresses and numbers are chosen so that nothing else in the
table can contain them, so after the erasure the whole table is searched too."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest

from chalicelib.adapters import mail
from chalicelib.domain.erasure import pseudonym
from chalicelib.domain.ids import new_id
from chalicelib.repo import keys
from chalicelib.repo.table import Table
from devtools.stream_poller import StreamPoller
from tests.support.api import Api, TestFirm, snapshot
from tests.support.factories import contact_spec, created, new_account
from tests.support.gdpr import Person, found_anywhere, ok
from tests.support.portal import mails_to
from tests.support.problems import assert_refused
from tests.support.stream import poller


def test_the_export_holds_everything(api: Api, person: Person) -> None:
    out = ok(api.get(f"/contacts/{person.id}/export"))
    assert out["contact"]["id"] == person.id and out["contact"]["middle_name"] == person.middle
    assert [e["address"] for e in out["contact"]["emails"]] == [person.synced, person.other]
    assert out["contact"]["emails"][0]["login"] == "active" and out["contact"]["emails"][0]["email_sync"] is True
    assert sorted(link["account_id"] for link in out["links"]) == sorted(person.account_ids)
    assert [(i["address"], i["state"]) for i in out["invitations"]] == [(person.synced, "accepted")]
    assert [entry["email"] for entry in out["logins"]] == [person.synced]
    received = sorted((m["account_id"], m["subject"]) for m in out["mails_received"])
    assert received == sorted((a, "Receipts") for a in person.account_ids), "recorded on both accounts"
    assert [m["subject"] for m in out["mails_sent"]] == ["Your return"]
    assert {m["kind"] for m in out["outbox"]} >= {"invitation"}
    assert [m["body"] for m in out["chat_messages"]] == ["Here is my payslip"]
    assert [d["name"] for d in out["documents"]] == ["Payslip.pdf"]
    assert [(s["proposal_name"], s["address"]) for s in out["signatures"]] == [("Engagement 2027", person.synced)]
    assert out["audit"] == []


def test_erase_leaves_nothing_to_find(
    api: Api, firm: TestFirm, person: Person, table: Table, stream: StreamPoller
) -> None:
    stream.drain()
    assert found_anywhere(api, person), "the person is found before the erasure (else this test proves nothing)"
    overview = poller(table)
    got = ok(api.post(f"/contacts/{person.id}/erase"))
    assert got["pseudonym"] == pseudonym(person.id) and got["addresses_freed"] == 2 and got["links_removed"] == 2
    stream.drain()
    overview.drain()
    assert found_anywhere(api, person) == []
    assert ok(api.get(f"/contacts/{person.id}"), 404) is not None
    ok(api.get(f"/contacts/{person.id}/export"), 404)
    ok(api.post(f"/contacts/{person.id}/erase"), 404)
    assert mails_to(person.synced) == [] and mails_to(person.other) == []
    # The signature (a financial record) keeps the pseudonym.
    proposals = ok(api.get(f"/accounts/{person.account_ids[0]}/proposals"))["items"]
    assert [s["address"] for s in proposals[0]["signed_by"]] == [pseudonym(person.id)]
    # Nothing in the whole table holds a field of theirs (but the notification marks, which expire in 14 days).
    mine = f"FIRM#{firm.firm_id}"
    items = [i for i in snapshot(table) if str(i["PK"]).startswith(mine) and i.get("entity") != "notified"]
    text = json.dumps(items, default=str).lower()
    assert [w for w in person.words if w.lower() in text] == []


def test_the_addresses_are_free_again(api: Api, person: Person) -> None:
    ok(api.post(f"/contacts/{person.id}/erase"))
    again = created(api, "/contacts", {"first_name": "New", "emails": [person.synced.upper(), person.other]})
    assert [e["address"] for e in again["emails"]] == [person.synced.upper(), person.other]


def test_the_last_contact_of_an_active_account_is_kept(api: Api, table: Table) -> None:
    account = new_account(api, "Solo Ltd", contacts=[contact_spec("Sole", "Person")])
    contact_id = account["contacts"][0]["id"]
    body = assert_refused(table, 409, lambda: api.post(f"/contacts/{contact_id}/erase"))
    assert body["code"] == "last_contact"
    ok(api.delete(f"/accounts/{account['id']}"), 204)  # archived
    ok(api.post(f"/contacts/{contact_id}/erase"))
    ok(api.get(f"/contacts/{contact_id}"), 404)
    assert ok(api.get(f"/accounts/{account['id']}"))["contacts"] == []


def test_refusals(api: Api, firm: TestFirm, table: Table, person: Person) -> None:
    _, employee = firm.add_member("employee", view_all=True, manage=True)
    for method, path in (("GET", f"/contacts/{person.id}/export"), ("POST", f"/contacts/{person.id}/erase")):
        assert_refused(table, 403, partial(api.as_(employee).call, method, path))
        assert_refused(table, 404, partial(api.call, method, path.replace(person.id, new_id())))
    stale = ok(api.get(f"/contacts/{person.id}"))["version"]
    ok(api.patch(f"/contacts/{person.id}", {"last_name": person.last + "x"}))
    body = assert_refused(
        table, 412, lambda: api.post(f"/contacts/{person.id}/erase", headers={"If-Match": f'"{stale}"'})
    )
    assert body["code"] == "version_mismatch"
    version = ok(api.get(f"/contacts/{person.id}"))["version"]
    ok(api.post(f"/contacts/{person.id}/erase", headers={"If-Match": f'"{version}"'}))


def test_a_chat_author_or_uploader_is_a_linked_contact(api: Api, table: Table, person: Person) -> None:
    a = f"/accounts/{person.account_ids[0]}"
    chat = created(api, f"{a}/chats", {"subject": "More"})
    stranger = created(api, "/contacts", {"first_name": "Stranger"})["id"]
    for path, body in (
        (f"{a}/chats/{chat['id']}/messages", {"body": "x", "author": "client", "contact_id": stranger}),
        (f"{a}/chats/{chat['id']}/messages", {"body": "x", "author": "firm", "contact_id": person.id}),
        (f"{a}/documents", {"name": "x.pdf", "uploaded_by": "client", "contact_id": stranger}),
    ):
        refused = assert_refused(table, 422, partial(api.post, path, body))
        assert refused["code"] == "unknown_reference"


def test_an_interrupted_erasure_is_finished_by_the_next(
    api: Api, person: Person, table: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: Any) -> int:
        raise RuntimeError("crash")

    # The outbox clean-up (a step after the tombstone) fails once, as a crashed function would stop there.
    monkeypatch.setattr(mail, "forget_mail_to", crash)
    # Straight through the test client: a 500 is no answer of the contract (the request crashed).
    headers = {"Authorization": f"Bearer {api.token}"}
    assert api.client.http.request("POST", f"/contacts/{person.id}/erase", headers=headers).status_code == 500
    ok(api.get(f"/contacts/{person.id}"), 404)  # already a tombstone
    monkeypatch.undo()
    got = ok(api.post(f"/contacts/{person.id}/erase", headers={"If-Match": '"1"'}))
    assert got["outbox_removed"] >= 1 and got["links_removed"] == 0
    ok(api.post(f"/contacts/{person.id}/erase"), 404)
    assert mails_to(person.synced) == []


@pytest.fixture
def recorder(table: Table) -> StreamPoller:
    """The overview function's poller (which records the audit trail), started before the person exists."""
    return poller(table)


def test_the_audit_trail_forgets_the_person(
    api: Api, firm: TestFirm, table: Table, recorder: StreamPoller, person: Person, stream: StreamPoller
) -> None:
    stream.drain()
    recorder.drain()
    about = ok(api.get(f"/contacts/{person.id}/export"))["audit"]
    assert about and all(e["resource"]["type"] for e in about), "the export holds the entries about the person"
    trail = json.dumps(ok(api.get("/audit?limit=100"))["items"]).lower()
    assert [w for w in person.words if w.lower() in trail], "the trail names the person before (else no proof)"

    ok(api.post(f"/contacts/{person.id}/erase"))
    stream.drain()
    recorder.drain()  # the erasure's own changes are recorded too: by field name only
    entries = ok(api.get("/audit?limit=100"))["items"]
    assert any(e["resource"]["id"] == person.id and e["changes"] for e in entries), "the erasure is recorded"
    left = [e for e in entries if any(w.lower() in json.dumps(e).lower() for w in person.words)]
    assert [json.dumps(e) for e in left] == []
    mine = f"FIRM#{firm.firm_id}"
    items = [i for i in snapshot(table) if str(i["PK"]).startswith(mine) and i.get("entity") != "notified"]
    assert [w for w in person.words if w.lower() in json.dumps(items, default=str).lower()] == []


def _recorded_after_the_erasure(
    api: Api, firm: TestFirm, table: Table, recorder: StreamPoller, person: Person, stream: StreamPoller
) -> list[dict[str, Any]]:
    """The firm's items once an erasure ran before the recorder saw the person's creation (the stream lags)."""
    ok(api.post(f"/contacts/{person.id}/erase"))
    stream.drain()
    recorder.drain()
    mine = f"FIRM#{firm.firm_id}"
    return [i for i in snapshot(table) if str(i["PK"]).startswith(mine) and i.get("entity") != "notified"]


def _naming(items: list[dict[str, Any]], person: Person) -> list[dict[str, Any]]:
    return [i for i in items if any(w.lower() in json.dumps(i, default=str).lower() for w in person.words)]


def test_changes_recorded_after_the_erasure_forget_the_person(
    api: Api, firm: TestFirm, table: Table, recorder: StreamPoller, person: Person, stream: StreamPoller
) -> None:
    items = _recorded_after_the_erasure(api, firm, table, recorder, person, stream)
    about = [i for i in items if i.get("entity") == "audit" and i.get("contact_id") == person.id]
    assert about, "the person's changes are recorded"
    assert _naming(about, person) == []
    assert [i for i in _naming(items, person) if i.get("entity") != "audit"] == []


@pytest.mark.xfail(
    strict=True,
    reason="known gap (docs/api.md, GDPR): an activity record naming the person by address (a login, a mail "
    "received), created and erased before the recorder saw its creation, is recorded with the address",
)
def test_activity_recorded_after_the_erasure_forgets_the_person(
    api: Api, firm: TestFirm, table: Table, recorder: StreamPoller, person: Person, stream: StreamPoller
) -> None:
    items = _recorded_after_the_erasure(api, firm, table, recorder, person, stream)
    assert _naming(items, person) == []


def test_an_account_the_erasure_touched_is_audited_in_full_afterwards(
    api: Api, table: Table, recorder: StreamPoller, person: Person
) -> None:
    account_id = person.account_ids[0]
    ok(api.post(f"/contacts/{person.id}/erase"))
    ok(api.patch(f"/accounts/{account_id}", {"name": "Renamed After Erasure"}))
    recorder.drain()
    entries = ok(api.get(f"/accounts/{account_id}/audit?limit=100"))["items"]
    renamed = [e for e in entries if any(c["field"] == "name" for c in e["changes"]) and e["action"] == "update"]
    assert renamed, entries
    change = next(c for c in renamed[0]["changes"] if c["field"] == "name")
    assert change["new"] == "Renamed After Erasure" and change["old"] != "[redacted]"


def test_a_resumed_erasure_forgets_the_persons_names_in_the_trail_too(
    api: Api,
    firm: TestFirm,
    table: Table,
    recorder: StreamPoller,
    person: Person,
    stream: StreamPoller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stopped after the tombstone (no contact left to read the names from): the next request still scrubs the
    names and numbers, kept on the tombstone until the erasure finishes."""
    # an entry about something else that names them only by name (no address to find it by)
    created(
        api, f"/accounts/{person.account_ids[0]}/tasks", {"title": f"Call {person.first} back", "status": "planned"}
    )
    stream.drain()
    recorder.drain()
    trail = json.dumps(ok(api.get("/audit?limit=100"))["items"]).lower()
    assert [w for w in person.words if w.lower() in trail], "the trail names the person before (else no proof)"

    def crash(*_: Any) -> int:
        raise RuntimeError("crash")

    monkeypatch.setattr(mail, "forget_mail_to", crash)  # a step after the tombstone, before the trail's scrub
    headers = {"Authorization": f"Bearer {api.token}"}
    assert api.client.http.request("POST", f"/contacts/{person.id}/erase", headers=headers).status_code == 500
    monkeypatch.undo()
    ok(api.post(f"/contacts/{person.id}/erase"))
    stream.drain()
    recorder.drain()

    entries = ok(api.get("/audit?limit=100"))["items"]
    assert [json.dumps(e) for e in entries if any(w.lower() in json.dumps(e).lower() for w in person.words)] == []
    tombstone = table.get(keys.contact(firm.firm_id, person.id), consistent=True)
    assert tombstone is not None and not {"erase_values", "erase_addresses"} & set(tombstone)  # nothing kept after
