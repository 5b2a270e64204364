"""The background job machinery (issue 19; services/jobs.py, repo/jobs.py):
a job is a chain of chunk messages on the jobs queue (SQS), each run
by the worker at most once in effect.

The chunk functions here are the tests' own ("import" jobs counting through
a list of numbers, each chunk recording what it did in ``runs``): the
machinery is what is under test, driven through the real queue by
tests/support/jobs.py. Exports' chunks are tested in test_exports.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.adapters.auth import Claims
from chalicelib.adapters.queue import JobQueue
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.jobs import Job, JobFailed, Step, retry_delay
from chalicelib.repo.jobs import JobRepo
from chalicelib.repo.table import Table
from chalicelib.services import jobs
from chalicelib.services.context import Ctx
from devtools.job_poller import JobPoller
from tests.support.api import TestFirm, make_firm
from tests.support.jobs import drain_jobs, pending_messages, poller

# both engines: in process (moto) and DynamoDB Local with moto's SQS server

STEPS = 4  # chunks of a test job: cursors None, "1", "2", "3"


def ctx_of(table: Table, firm: TestFirm, member_id: str | None = None) -> Ctx:
    return Ctx(claims=Claims(firm_id=firm.firm_id, member_id=member_id or firm.owner_id), table=table)


class Counting:
    """A chunk function: chunk n (cursor n) counts 10 items; ``fail`` decides, per cursor, to raise."""

    def __init__(self, fail: Callable[[str | None, int], BaseException | None] | None = None) -> None:
        self.runs: list[str | None] = []
        self.fail = fail

    def __call__(self, ctx: Ctx, job: Job) -> Step:
        self.runs.append(job.cursor)
        at = int(job.cursor or 0)
        error = self.fail(job.cursor, self.runs.count(job.cursor)) if self.fail else None
        if error is not None:
            raise error
        following = str(at + 1) if at + 1 < STEPS else None
        return Step(cursor=following, counts={"rows": 10})


def stored(table: Table, job: Job) -> Job:
    found = JobRepo(table).get(job.firm_id, job.id)
    assert found is not None
    return found


def test_a_job_runs_its_chunks_in_order_and_adds_the_counts(table: Table, firm: TestFirm) -> None:
    chunk = Counting()
    job = jobs.create(ctx_of(table, firm), "import", {"file": "x.csv"})
    assert job.status == "queued" and pending_messages() == [{"firm_id": firm.firm_id, "job_id": job.id, "chunk": 0}]
    drain_jobs(table, chunks={"import": chunk})
    done = stored(table, job)
    assert chunk.runs == [None, "1", "2", "3"]
    assert (done.status, done.chunk, done.cursor, done.counts) == ("completed", STEPS, None, {"rows": 40})
    assert done.started_at and done.finished_at and done.created_by == firm.owner_id
    assert done.params == {"file": "x.csv"}


def test_a_replayed_or_duplicated_message_is_a_no_op(table: Table, firm: TestFirm) -> None:
    chunk = Counting()
    job = jobs.create(ctx_of(table, firm), "import", {})
    queue = JobQueue.from_settings()
    queue.send(jobs.message(job))  # delivered twice from the start (SQS delivers at least once)
    drain_jobs(table, chunks={"import": chunk})
    assert stored(table, job).counts == {"rows": 40}
    runs = len(chunk.runs)
    for n in range(STEPS + 1):  # every message of the chain again, and one past its end
        queue.send({"firm_id": job.firm_id, "job_id": job.id, "chunk": n})
    drain_jobs(table, chunks={"import": chunk})
    assert len(chunk.runs) == runs  # a finished job runs nothing
    done = stored(table, job)
    assert (done.status, done.counts, done.chunk) == ("completed", {"rows": 40}, STEPS)


def test_a_chunk_that_crashes_once_is_run_again_and_the_result_is_the_same(table: Table, firm: TestFirm) -> None:
    chunk = Counting(fail=lambda cursor, nth: RuntimeError("crash") if cursor == "2" and nth == 1 else None)
    job = jobs.create(ctx_of(table, firm), "import", {})
    drain_jobs(table, chunks={"import": chunk})
    assert chunk.runs == [None, "1", "2", "2", "3"]  # resumed at the chunk that crashed, not from the start
    done = stored(table, job)
    assert (done.status, done.counts) == ("completed", {"rows": 40})


def test_a_failed_chunk_comes_back_after_a_backoff_not_the_queues_timeout(
    table: Table, firm: TestFirm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's worker shortens a failed message's wait to domain.jobs.retry_delay (1, 2, 4, 8 minutes):
    the queue's 30-minute visibility timeout is for a chunk that ran its whole 5 minutes."""
    from app import fail_dead_jobs, run_jobs
    from chalicelib.handlers import jobs as worker

    monkeypatch.setitem(worker.CHUNKS, "import", Counting(fail=lambda cursor, nth: RuntimeError("throttled")))
    jobs.create(ctx_of(table, firm), "import", {})
    queue = JobQueue.from_settings()
    dead = queue.client.get_queue_url(QueueName=queue.url.rsplit("/", 1)[1] + "-dead")["QueueUrl"]
    asked: list[int] = []
    events = queue.client.meta.events
    hook = lambda params, **_: asked.append(params["VisibilityTimeout"])  # noqa: E731
    events.register("provide-client-params.sqs.ChangeMessageVisibility", hook, unique_id="backoff")
    try:
        p = JobPoller(queue.client, queue.url, dead, run_jobs, fail_dead_jobs, wait_seconds=0)
        assert p.poll_once(wait=0) == 1  # the chunk failed
        assert asked == [retry_delay(1)] == [60]
        assert p.poll_once(wait=0) == 0  # not back yet
    finally:
        events.unregister("provide-client-params.sqs.ChangeMessageVisibility", unique_id="backoff")
        queue.client.purge_queue(QueueUrl=queue.url)  # this module's queue: no message left for its next test
    assert [retry_delay(n) for n in range(1, 7)] == [60, 120, 240, 480, 900, 900]


def test_a_chunk_failing_every_time_goes_to_the_dead_letter_queue_and_fails_the_job(
    table: Table, firm: TestFirm
) -> None:
    chunk = Counting(fail=lambda cursor, nth: RuntimeError("always") if cursor == "1" else None)
    job = jobs.create(ctx_of(table, firm), "import", {})
    drain_jobs(table, chunks={"import": chunk})
    assert chunk.runs.count("1") == 5  # the queue's maxReceiveCount (infra/template.json)
    failed = stored(table, job)
    assert (failed.status, failed.error, failed.counts) == ("failed", jobs.DEAD_MESSAGE, {"rows": 10})
    assert failed.finished_at


def test_a_chunk_raising_job_failed_ends_the_job_with_its_message(table: Table, firm: TestFirm) -> None:
    chunk = Counting(fail=lambda cursor, nth: JobFailed("The file is not CSV.") if cursor == "2" else None)
    job = jobs.create(ctx_of(table, firm), "import", {})
    drain_jobs(table, chunks={"import": chunk})
    assert chunk.runs == [None, "1", "2"]  # not retried
    failed = stored(table, job)
    assert (failed.status, failed.error, failed.counts) == ("failed", "The file is not CSV.", {"rows": 20})


def test_cancel_stops_the_chain_and_a_finished_job_cannot_be_cancelled(table: Table, firm: TestFirm) -> None:
    chunk = Counting()
    ctx = ctx_of(table, firm)
    job = jobs.create(ctx, "import", {})
    runner = poller(table, {"import": chunk})
    runner.poll_once(wait=0)  # chunk 0 runs, chunk 1 is queued
    assert chunk.runs == [None]
    assert jobs.cancel(ctx, "import", job.id).status == "cancelled"
    drain_jobs(table, chunks={"import": chunk})
    assert chunk.runs == [None]  # the queued chunk found the job cancelled
    cancelled = stored(table, job)
    assert (cancelled.status, cancelled.counts, cancelled.chunk) == ("cancelled", {"rows": 10}, 1)
    with pytest.raises(ConflictError) as refused:
        jobs.cancel(ctx, "import", job.id)
    assert refused.value.code == "job_finished"


def test_a_cancellation_during_a_chunk_wins_over_its_advance(table: Table, firm: TestFirm) -> None:
    ctx = ctx_of(table, firm)
    job = jobs.create(ctx, "import", {})

    def cancelled_meanwhile(chunk_ctx: Ctx, running: Job) -> Step:
        jobs.cancel(ctx, "import", running.id)  # another request, while the chunk works
        return Step(cursor="1", counts={"rows": 10})

    drain_jobs(table, chunks={"import": cancelled_meanwhile})
    after = stored(table, job)
    assert (after.status, after.counts, after.chunk) == ("cancelled", {}, 0)


def test_start_queues_a_waiting_job_once(table: Table, firm: TestFirm) -> None:
    chunk = Counting()
    ctx = ctx_of(table, firm)
    job = jobs.create(ctx, "import", {"key": "uploads/x"}, status="waiting_for_file")
    assert pending_messages() == []
    drain_jobs(table, chunks={"import": chunk})
    assert chunk.runs == []  # a waiting job runs nothing, even if a message names it
    jobs.start(ctx, jobs.load(ctx, "import", job.id), {"dry_run": True})
    drain_jobs(table, chunks={"import": chunk})
    dry = stored(table, job)
    assert (dry.status, dry.params, dry.counts) == ("completed", {"key": "uploads/x", "dry_run": True}, {"rows": 40})
    # a finished dry run may be started again, for real: from chunk 0, counts reset
    jobs.start(ctx, dry, {"dry_run": False})
    assert stored(table, job).counts == {}
    drain_jobs(table, chunks={"import": chunk})
    real = stored(table, job)
    assert (real.status, real.params["dry_run"], real.counts) == ("completed", False, {"rows": 40})
    with pytest.raises(ConflictError) as refused:
        jobs.start(ctx, real)
    assert refused.value.code == "job_not_startable"


def test_jobs_are_found_only_in_their_firm_and_kind(table: Table, firm: TestFirm) -> None:
    ctx = ctx_of(table, firm)
    job = jobs.create(ctx, "import", {}, status="waiting_for_file")
    assert jobs.load(ctx, "import", job.id).id == job.id
    other = make_firm(table, "Other & Co")
    for where, kind, job_id in (
        (ctx_of(table, other), "import", job.id),  # another firm
        (ctx, "export", job.id),  # another kind
        (ctx, "import", "01JAAAAAAAAAAAAAAAAAAAAAAA"),  # no such job
    ):
        with pytest.raises(NotFoundError) as missing:
            jobs.load(where, kind, job_id)  # type: ignore[arg-type]
        assert missing.value.code == "job_not_found"
    with pytest.raises(NotFoundError):
        jobs.cancel(ctx_of(table, other), "import", job.id)
    assert stored(table, job).status == "waiting_for_file"


def test_the_firms_jobs_are_listed_newest_first_by_kind(table: Table, firm: TestFirm) -> None:
    ctx = ctx_of(table, firm)
    made = [jobs.create(ctx, "import", {"n": n}, status="waiting_for_file") for n in range(3)]
    jobs.create(ctx, "export", {"kind": "accounts", "format": "csv"}, status="waiting_for_file")
    page, cursor = JobRepo(table).list_for_firm(firm.firm_id, "import", 2, None)
    assert [j.id for j in page] == [made[2].id, made[1].id] and cursor
    rest, end = JobRepo(table).list_for_firm(firm.firm_id, "import", 2, cursor)
    assert [j.id for j in rest] == [made[0].id] and end is None


@pytest.mark.parametrize(
    "body",
    [{}, {"firm_id": "F"}, {"firm_id": "F", "job_id": "J", "chunk": "0"}, {"firm_id": 1, "job_id": "J", "chunk": 0}],
)
def test_a_message_that_is_not_a_job_message_is_dropped(table: Table, body: dict[str, Any]) -> None:
    JobQueue.from_settings().send(body)
    assert drain_jobs(table, chunks={"import": Counting()}) == 1  # taken once, not retried
