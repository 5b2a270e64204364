"""An erasure cut short inside an account (services/gdpr_erase.py): a pass cleans an account's activity and
then its audit trail a page at a time, stops between two pages once its deadline has passed, and keeps its
place on the tombstone (``erase_cursor``); the next pass (the same POST again, or the job's next chunk) goes on
from there, and the end is the same as one pass's. A record changed under the erasure is read again alone.
Here pages hold 2 items and a request has 0 s: each request cleans one page. Both backends."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chalicelib.adapters.config import reset_settings, settings
from chalicelib.domain import jobs as job_rules
from chalicelib.repo import keys
from chalicelib.repo.gdpr import EraseCursor, cursor_of
from chalicelib.repo.table import Table, to_wire
from devtools.stream_poller import StreamPoller
from tests.support.api import Api, TestFirm, snapshot
from tests.support.factories import created
from tests.support.gdpr import Person, everything, ok
from tests.support.jobs import drain_jobs, job_ids, stored_job
from tests.support.reads import recorded_reads
from tests.support.stream import poller


def _settings(monkeypatch: pytest.MonkeyPatch, *, seconds: float, page: int) -> Iterator[None]:
    """Read before the app's test client starts (it sets its stage's environment, not to be seen here): a
    fixture listed before ``api``."""
    monkeypatch.setenv("ERASE_REQUEST_SECONDS", str(seconds))
    monkeypatch.setenv("ERASE_PAGE_ITEMS", str(page))
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


@pytest.fixture
def a_page_per_request(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from _settings(monkeypatch, seconds=0, page=2)


@pytest.fixture
def time_enough(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A request that has the time to finish, reading each account's activity in one page."""
    yield from _settings(monkeypatch, seconds=600, page=100)


@pytest.fixture
def recorder(table: Table) -> StreamPoller:
    """The audit recorder (the overview function's poller), from before the people exist."""
    return poller(table)


def _person(api: Api, firm: TestFirm, table: Table) -> Person:
    """``everything``, with more logins to delete and records naming nobody beside them."""
    p = everything(api, firm, table)
    a = f"/accounts/{p.account_ids[0]}"
    for _ in range(4):
        created(api, f"{a}/logins", {"email": p.synced})
    created(api, f"{a}/notes", {"title": "Review", "body": "Quarterly review planned"})
    chat = created(api, f"{a}/chats", {"subject": "Firm only"})
    created(api, f"{a}/chats/{chat['id']}/messages", {"body": "Reminder", "author": "firm"})
    return p


def _names(item: dict[str, Any], person: Person) -> bool:
    text = json.dumps(item, default=str).lower()
    return person.id.lower() in text or any(w.lower() in text for w in person.words)


def _activity(table: Table, firm: TestFirm, person: Person) -> dict[tuple[str, str], dict[str, Any]]:
    """The activity items of the person's accounts, by key."""
    pks = {keys.account_pk(firm.firm_id, a) for a in person.account_ids}
    return {
        (str(i["PK"]), str(i["SK"])): i
        for i in snapshot(table)
        if i["PK"] in pks and keys.ACTIVITY_START <= str(i["SK"]) <= keys.ACTIVITY_END
    }


def _naming_anywhere(table: Table, firm: TestFirm, person: Person) -> list[str]:
    """The person's fields anywhere in the firm's items (but the notification marks, which expire)."""
    mine = f"FIRM#{firm.firm_id}"
    items = [i for i in snapshot(table) if str(i["PK"]).startswith(mine) and i.get("entity") != "notified"]
    if settings().dynamodb_endpoint is None:
        # moto's stream stops handing the overview poller records part-way through the erasure's writes, so
        # its projections are checked on DynamoDB Local only.
        items = [i for i in items if i.get("entity") != "overview"]
    text = json.dumps(items, default=str).lower()
    return [w for w in person.words if w.lower() in text]


def _cursor(table: Table, firm: TestFirm, person: Person) -> EraseCursor | None:
    tombstone = table.get(keys.contact(firm.firm_id, person.id), consistent=True)
    assert tombstone is not None
    return cursor_of(tombstone.get("erase_cursor"))


def _expected(api: Api, person: Person) -> dict[str, int]:
    """The records an erasure deletes and pseudonymises, by the person's export: mail from them and to them
    alone, logins; chat messages, documents, proposals they signed."""
    out = ok(api.get(f"/contacts/{person.id}/export"))
    assert all(m["to_addresses"] == [person.synced] for m in out["mails_sent"])
    return {
        "records_deleted": len(out["logins"]) + len(out["mails_received"]) + len(out["mails_sent"]),
        "records_pseudonymised": len(out["chat_messages"])
        + len(out["documents"])
        + len({s["proposal_id"] for s in out["signatures"]}),
    }


def _audit(table: Table, firm: TestFirm) -> dict[str, dict[str, Any]]:
    """The firm's audit entries (their firm-wide copies), by id."""
    return {str(i["id"]): i for i in snapshot(table) if i["PK"] == keys.audit_pk(firm.firm_id)}


def test_page_by_page_ends_as_one_pass_would(
    a_page_per_request: None, api: Api, firm: TestFirm, table: Table, recorder: StreamPoller, stream: StreamPoller
) -> None:
    person = _person(api, firm, table)
    stream.drain()
    recorder.drain()  # the accounts' audit trails name them too
    expected = _expected(api, person)
    activity, trail = _activity(table, firm, person), _audit(table, firm)
    naming = {k for k, i in activity.items() if _names(i, person)}
    assert len(naming) > 4, "more records name them than a page holds"

    first = ok(api.post(f"/contacts/{person.id}/erase"))
    assert first["finished"] is False
    stopped = _cursor(table, firm, person)
    assert stopped is not None and stopped.account_id == person.account_ids[0] and stopped.phase == "activity"
    assert stopped.after, "inside the account's activity, after its first page"
    answers: list[dict[str, Any]] = [first]
    places: list[EraseCursor | None] = [stopped]
    while not answers[-1]["finished"]:
        assert len(answers) < 100, "every pass moves on"
        answers.append(ok(api.post(f"/contacts/{person.id}/erase")))
        places.append(_cursor(table, firm, person))
    assert len(answers) > 6
    assert {c.phase for c in places if c is not None and c.after} == {"activity", "audit"}, "both resumed"
    assert {c.account_id for c in places if c is not None} == set(person.account_ids)
    assert places[-1] is None  # the last step drops it

    # As one pass: what named them is deleted or rewritten, and nothing else; each counted once.
    after, trail_after = _activity(table, firm, person), _audit(table, firm)
    assert {k: after.get(k) for k in activity if k not in naming} == {k: activity[k] for k in activity.keys() - naming}
    assert not [i for i in after.values() if _names(i, person)]
    total = {k: sum(a[k] for a in answers) for k in first if isinstance(first[k], int) and k != "finished"}
    assert total["records_deleted"] == len(activity.keys() - after.keys()) == expected["records_deleted"]
    rewritten = [k for k in naming & after.keys() if after[k] != activity[k]]
    assert total["records_pseudonymised"] == len(rewritten) == expected["records_pseudonymised"]
    scrubbed = [i for i, e in trail.items() if trail_after.get(i) != e]
    assert total["audit_scrubbed"] == len(scrubbed) > 4
    assert total["links_removed"] == total["addresses_freed"] == 2 and total["outbox_removed"] > 0

    drain_jobs()  # the job the first request queued finds the erasure finished
    (job_id,) = job_ids(table, firm.firm_id, "erasure")
    assert stored_job(table, firm.firm_id, job_id).status == "completed"
    stream.drain()
    recorder.drain()  # the erasure's own changes are recorded too: by field name only
    assert _naming_anywhere(table, firm, person) == []
    ok(api.post(f"/contacts/{person.id}/erase"), 404)


def test_the_job_goes_on_from_the_cursor_a_page_per_chunk(
    a_page_per_request: None,
    api: Api,
    firm: TestFirm,
    table: Table,
    recorder: StreamPoller,
    stream: StreamPoller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = _person(api, firm, table)
    stream.drain()
    recorder.drain()
    expected = _expected(api, person)
    first = ok(api.post(f"/contacts/{person.id}/erase"))
    assert first["finished"] is False and _cursor(table, firm, person) is not None
    monkeypatch.setattr(job_rules, "CHUNK_SECONDS_BUDGET", 0)  # each chunk: one page, then out of time
    drain_jobs()
    (job_id,) = job_ids(table, firm.firm_id, "erasure")
    job = stored_job(table, firm.firm_id, job_id)
    assert job.status == "completed" and job.chunk > 6, job  # a chunk per page: both accounts, both phases
    total = {k: first[k] + job.counts.get(k, 0) for k in expected}
    assert total == expected
    stream.drain()
    recorder.drain()  # the overview's projections too
    assert _naming_anywhere(table, firm, person) == []
    ok(api.post(f"/contacts/{person.id}/erase"), 404)


def _changing(table: Table, key: keys.Key, times: int) -> Callable[..., None]:
    """A hook that renames the record at ``key`` just before the erasure's write of it, ``times`` times:
    another request's edit between the erasure's read and its write."""
    left = [times]

    def edit(params: dict[str, Any], **_: Any) -> None:
        if params.get("Key") != to_wire(key.as_dict()) or "#name" in params.get("ExpressionAttributeNames", {}):
            return  # another write, or this edit's own
        if not left[0]:
            return
        left[0] -= 1
        table.client.update_item(
            TableName=table.name,
            Key=to_wire(key.as_dict()),
            UpdateExpression="SET #name = :name ADD #version :one",
            ExpressionAttributeNames={"#name": "name", "#version": "version"},
            ExpressionAttributeValues=to_wire({":name": f"Renamed {left[0]}", ":one": 1}),
        )

    return edit


def _document_key(api: Api, firm: TestFirm, person: Person) -> keys.Key:
    (document,) = ok(api.get(f"/accounts/{person.account_ids[0]}/documents"))["items"]
    return keys.item(firm.firm_id, person.account_ids[0], "documents", document["id"])


def test_a_record_changed_meanwhile_is_read_again_alone(
    time_enough: None, api: Api, firm: TestFirm, table: Table, stream: StreamPoller
) -> None:
    person = everything(api, firm, table)
    expected = _expected(api, person)
    key = _document_key(api, firm, person)
    events, hook = table.client.meta.events, _changing(table, key, times=1)
    events.register("provide-client-params.dynamodb.UpdateItem", hook)
    try:
        with recorded_reads(table) as reads:
            got = ok(api.post(f"/contacts/{person.id}/erase"))
    finally:
        events.unregister("provide-client-params.dynamodb.UpdateItem", hook)
    assert got["finished"] is True
    assert {k: got[k] for k in expected} == expected, "counted once"
    partition = [r for r in reads if r.operation == "Query" and r.keys[0][0] == key.pk]
    assert len(partition) == 1, "the account's activity is not read again"
    again = [r for r in reads if r.operation == "GetItem" and r.keys == ((key.pk, key.sk),)]
    assert len(again) == 1 and again[0].consistent
    document = table.get(key, consistent=True)
    assert document is not None and document["name"] == "Renamed 0" and "contact_id" not in document


def test_a_record_that_keeps_changing_is_left_to_the_next_pass(
    time_enough: None, api: Api, firm: TestFirm, table: Table, stream: StreamPoller
) -> None:
    person = everything(api, firm, table)
    expected = _expected(api, person)
    key = _document_key(api, firm, person)
    events, hook = table.client.meta.events, _changing(table, key, times=100)
    events.register("provide-client-params.dynamodb.UpdateItem", hook)
    try:
        with recorded_reads(table) as reads:
            got = ok(api.post(f"/contacts/{person.id}/erase"))  # 200, not 409: the job goes on with it
    finally:
        events.unregister("provide-client-params.dynamodb.UpdateItem", hook)
    assert got["finished"] is False
    assert len([r for r in reads if r.operation == "GetItem" and r.keys == ((key.pk, key.sk),)]) == 2
    tombstone = table.get(keys.contact(firm.firm_id, person.id), consistent=True)
    assert tombstone is not None and set(tombstone["erase_done"]) == {"files"}  # stopped in its first account
    drain_jobs()
    (job_id,) = job_ids(table, firm.firm_id, "erasure")
    job = stored_job(table, firm.firm_id, job_id)
    assert job.status == "completed"
    assert {k: got[k] + job.counts.get(k, 0) for k in expected} == expected
    document = table.get(key, consistent=True)
    assert document is not None and "contact_id" not in document
    stream.drain()
    assert _naming_anywhere(table, firm, person) == []
