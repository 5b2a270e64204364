"""An erasure that outgrows its request (issue 19): after the tombstone, the
request cleans accounts until ``erase_request_seconds`` have passed (at least
one), answers ``finished: false``, and a background job (kind ``erasure``,
services/gdpr.py ``run_erase_chunk``) finishes it through the real queue
(tests/support/jobs.py), and the scheduled sweep (``sweep_unfinished``)
queues one for an erasure left unfinished with none at work on it. The
request budget is set to 0 here, so a request cleans exactly one page of
the person's accounts (gdpr/test_gdpr_resume.py: page by page). Both backends; ``person`` is conftest.py's,
``stream`` tests/functional/conftest.py's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters import mail
from chalicelib.adapters.config import reset_settings
from chalicelib.repo import keys
from chalicelib.repo.gdpr import EraseCursor, cursor_of
from chalicelib.repo.jobs import JobRepo
from chalicelib.repo.table import Table
from chalicelib.services.gdpr import SWEEP_AFTER_SECONDS, sweep_unfinished
from devtools.stream_poller import StreamPoller
from tests.support.api import Api, TestFirm, snapshot
from tests.support.factories import contact_spec, created, new_account
from tests.support.gdpr import Person, found_anywhere, ok
from tests.support.jobs import drain_jobs, job_ids, queue_unavailable, stored_job
from tests.support.portal import mails_to


@pytest.fixture(autouse=True)
def _no_time_for_the_request(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ERASE_REQUEST_SECONDS", "0")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


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
    # One page (the first account's activity), then out of time: its audit trail is next.
    assert set(tombstone["erase_done"]) == {"files"}
    assert cursor_of(tombstone["erase_cursor"]) == EraseCursor(person.account_ids[0], "audit")
    assert _naming_the_person(table, firm, person), "the second account still names them (else no proof)"

    drain_jobs()
    job = stored_job(table, firm.firm_id, job_id)
    assert job.status == "completed", job
    assert job.counts.get("records_deleted", 0) + job.counts.get("records_pseudonymised", 0) > 0, job.counts
    stream.drain()
    assert found_anywhere(api, person) == []
    assert _naming_the_person(table, firm, person) == []
    assert not {"erase_done", "erase_job_id", "erase_account_ids", "GSI1PK"} & set(_tombstone(table, firm, person))
    assert mails_to(person.synced) == []
    ok(api.post(f"/contacts/{person.id}/erase"), 404)  # finished


def test_the_request_sent_again_goes_on_and_queues_no_second_job(
    api: Api, firm: TestFirm, table: Table, person: Person
) -> None:
    new_account(api, "Holding Three", contacts=[{"contact_id": person.id}, contact_spec("Hugo", "Filler")])
    assert ok(api.post(f"/contacts/{person.id}/erase"))["finished"] is False  # a page of the first of three accounts
    again = ok(api.post(f"/contacts/{person.id}/erase"))  # the next; the first job still waits
    assert again["finished"] is False and again["links_removed"] == 0 and again["export_files_deleted"] == 0
    assert len(job_ids(table, firm.firm_id, "erasure")) == 1
    drain_jobs()
    (job_id,) = job_ids(table, firm.firm_id, "erasure")
    assert stored_job(table, firm.firm_id, job_id).status == "completed"
    assert _naming_the_person(table, firm, person) == []
    ok(api.post(f"/contacts/{person.id}/erase"), 404)


def _sweep_later(table: Table) -> int:
    """The scheduled sweep, as it runs once the erasure is older than its wait."""
    later = datetime.now(UTC) + timedelta(seconds=SWEEP_AFTER_SECONDS + 60)
    return sweep_unfinished(table, later)


def test_a_queue_out_of_reach_leaves_the_job_to_the_sweep(
    api: Api, firm: TestFirm, table: Table, person: Person
) -> None:
    with queue_unavailable():
        got = ok(api.post(f"/contacts/{person.id}/erase"))
        assert sweep_unfinished(table, datetime.now(UTC)) == 0  # too young: a request may still be at work
        with pytest.raises(ClientError):  # still out of reach: the sweep stops, the erasure stays in its index
            _sweep_later(table)
    assert got["finished"] is False
    ok(api.get(f"/contacts/{person.id}"), 404)  # what was done stays done
    assert _sweep_later(table) == 1
    assert _sweep_later(table) == 0  # a job is at work on it now
    drain_jobs()
    assert _naming_the_person(table, firm, person) == []
    assert _sweep_later(table) == 0  # finished: out of the index
    ok(api.post(f"/contacts/{person.id}/erase"), 404)


def test_a_request_that_stopped_is_finished_by_the_sweep(
    api: Api, firm: TestFirm, table: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: Any) -> int:
        raise RuntimeError("crash")

    # On no account (nothing to clean page by page), the request gets to the outbox at once and stops there (as
    # a function that timed out would): no job.
    contact_id = created(api, "/contacts", {"first_name": "Crash", "last_name": "Sample"})["id"]
    monkeypatch.setattr(mail, "forget_mail_to", crash)
    headers = {"Authorization": f"Bearer {api.token}"}
    assert api.client.http.request("POST", f"/contacts/{contact_id}/erase", headers=headers).status_code == 500
    monkeypatch.setattr(mail, "forget_mail_to", lambda *_: 0)
    assert job_ids(table, firm.firm_id, "erasure") == set()
    assert _sweep_later(table) == 1
    drain_jobs()
    (job_id,) = job_ids(table, firm.firm_id, "erasure")
    assert stored_job(table, firm.firm_id, job_id).status == "completed"
    ok(api.post(f"/contacts/{contact_id}/erase"), 404)  # finished


def test_a_failed_job_is_replaced_by_the_sweep(api: Api, firm: TestFirm, table: Table, person: Person) -> None:
    assert ok(api.post(f"/contacts/{person.id}/erase"))["finished"] is False
    (first,) = job_ids(table, firm.firm_id, "erasure")
    assert _sweep_later(table) == 0  # its job is at work
    # The job fails (dead-lettered after its retries): the next sweep queues another.
    assert JobRepo(table).set_status(stored_job(table, firm.firm_id, first), "failed", error="dead")
    assert _sweep_later(table) == 1
    drain_jobs()
    (second,) = job_ids(table, firm.firm_id, "erasure") - {first}
    assert stored_job(table, firm.firm_id, second).status == "completed"
    assert _naming_the_person(table, firm, person) == []
