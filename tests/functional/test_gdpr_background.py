"""An erasure that outgrows its request (issue 19): after the tombstone, the
request cleans accounts until ``erase_request_seconds`` have passed (at least
one), answers ``finished: false``, and a background job (kind ``erasure``,
services/gdpr.py ``run_erase_chunk``) finishes it through the real queue
(tests/support/jobs.py). The request budget is set to 0 here, so the request
cleans exactly one of the person's two accounts. Both backends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters.config import reset_settings
from chalicelib.repo import keys
from chalicelib.repo.table import Table
from devtools.stream_poller import StreamPoller
from tests.functional.test_gdpr import Person, _found_anywhere, everything, ok
from tests.support.api import Api, TestFirm, snapshot
from tests.support.jobs import drain_jobs, job_ids, queue_unavailable, stored_job
from tests.support.portal import mails_to
from tests.support.problems import assert_problem
from tests.support.stream import search_poller


@pytest.fixture(autouse=True)
def _no_time_for_the_request(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ERASE_REQUEST_SECONDS", "0")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


@pytest.fixture
def stream(table: Table) -> StreamPoller:
    return search_poller(table)


@pytest.fixture
def person(api: Api, firm: TestFirm, table: Table, stream: StreamPoller) -> Person:
    return everything(api, firm, table)


def _tombstone(table: Table, firm: TestFirm, person: Person) -> dict[str, Any]:
    item = table.get(keys.contact(firm.firm_id, person.id), consistent=True)
    assert item is not None
    return item


def _naming_the_person(table: Table, firm: TestFirm, person: Person) -> list[str]:
    """The person's fields anywhere in the firm's items (but the notification marks, which expire)."""
    mine = f"FIRM#{firm.firm_id}"
    items = [i for i in snapshot(table) if str(i["PK"]).startswith(mine) and i.get("entity") != "notified"]
    text = json.dumps(items, default=str).lower()
    return [w for w in person.words if w.lower() in text]


def test_the_job_finishes_what_the_request_left(
    api: Api, firm: TestFirm, table: Table, person: Person, stream: StreamPoller
) -> None:
    stream.drain()
    got = ok(api.post(f"/contacts/{person.id}/erase"))
    assert got["finished"] is False and got["links_removed"] == 2 and got["addresses_freed"] == 2
    ok(api.get(f"/contacts/{person.id}"), 404)  # gone from every route at once
    (job_id,) = job_ids(table, firm.firm_id, "erasure")
    assert stored_job(table, firm.firm_id, job_id).params == {"contact_id": person.id}  # ids only
    tombstone = _tombstone(table, firm, person)
    assert tombstone["erase_job_id"] == job_id
    assert set(tombstone["erase_done"]) == {"files", person.account_ids[0]}  # one account, then out of time
    assert _naming_the_person(table, firm, person), "the second account still names them (else no proof)"

    drain_jobs()
    job = stored_job(table, firm.firm_id, job_id)
    assert job.status == "completed", job
    assert job.counts.get("records_deleted", 0) + job.counts.get("records_pseudonymised", 0) > 0, job.counts
    stream.drain()
    assert _found_anywhere(api, person) == []
    assert _naming_the_person(table, firm, person) == []
    assert not {"erase_done", "erase_job_id", "erase_account_ids"} & set(_tombstone(table, firm, person))
    assert mails_to(person.synced) == []
    ok(api.post(f"/contacts/{person.id}/erase"), 404)  # finished


def test_the_request_sent_again_goes_on_and_the_job_then_has_nothing_to_do(
    api: Api, firm: TestFirm, table: Table, person: Person
) -> None:
    assert ok(api.post(f"/contacts/{person.id}/erase"))["finished"] is False
    again = ok(api.post(f"/contacts/{person.id}/erase"))  # one more account: the last, so it finishes
    assert again["finished"] is True and again["links_removed"] == 0 and again["export_files_deleted"] == 0
    assert len(job_ids(table, firm.firm_id, "erasure")) == 1  # no second job while the first waits
    drain_jobs()
    (job_id,) = job_ids(table, firm.firm_id, "erasure")
    assert stored_job(table, firm.firm_id, job_id).status == "completed"
    assert _naming_the_person(table, firm, person) == []


def test_a_queue_out_of_reach_answers_503_and_the_request_again_goes_on(
    api: Api, firm: TestFirm, table: Table, person: Person
) -> None:
    with queue_unavailable():
        reply = api.post(f"/contacts/{person.id}/erase")
    assert_problem(reply, 503)
    assert reply.headers.get("retry-after"), reply.headers
    ok(api.get(f"/contacts/{person.id}"), 404)  # what was done stays done
    assert ok(api.post(f"/contacts/{person.id}/erase"))["finished"] is True
    assert _naming_the_person(table, firm, person) == []
