"""Running background jobs in tests: ``drain_jobs`` takes the jobs queue's
messages (moto's SQS in process, or its server for the tests on DynamoDB Local:
the real client, the queue conftest creates) and hands
them to the worker as Lambda would (devtools/job_poller.py), until the queue
and its dead-letter queue are empty.

By default the worker is the app's own ``run_jobs`` (and ``fail_dead_jobs``
for the dead-letter queue). With ``chunks``, a test runs the machinery
(``services.jobs.run_message``) with its own chunk functions: a chunk that
fails once, a test kind. A failed message is made visible again at once
(``retry_after=0``), so the redrive to the dead-letter queue happens within
the test."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.config import settings
from chalicelib.adapters.queue import JobQueue, sqs_client
from chalicelib.domain.jobs import Job, JobKind, Step
from chalicelib.repo.jobs import JobRepo
from chalicelib.repo.table import Table
from chalicelib.services import jobs
from chalicelib.services.context import Ctx
from devtools.job_poller import JobPoller

ChunkFn = Callable[[Ctx, Job], Step]


def _sqs() -> Any:
    """The test's SQS: moto's in-process one, or the server of the tests on DynamoDB Local."""
    return sqs_client(settings().sqs_endpoint, settings().region)


def _dead_url(sqs: Any, url: str) -> str:
    policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    arn = json.loads(policy)["deadLetterTargetArn"]
    return str(sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"])


def worker(table: Table, queue: JobQueue, chunks: Mapping[JobKind, ChunkFn]) -> Callable[[dict[str, Any], Any], Any]:
    """A worker like ``run_jobs`` with these chunk functions."""

    def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            redelivered = int(record["attributes"].get("ApproximateReceiveCount", "1")) > 1
            try:
                jobs.run_message(table, queue, json.loads(record["body"]), chunks, redelivered=redelivered)
            except Exception:
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    return run


def fail_dead(table: Table) -> Callable[[dict[str, Any], Any], Any]:
    def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
        for record in event["Records"]:
            jobs.fail_dead(table, json.loads(record["body"]))
        return {"batchItemFailures": []}

    return run


def poller(
    table: Table | None = None, chunks: Mapping[JobKind, ChunkFn] | None = None, queue: JobQueue | None = None
) -> JobPoller:
    """The test's poller of the jobs queue."""
    queue = queue or JobQueue.from_settings()
    sqs = _sqs()
    if chunks is None:
        from app import fail_dead_jobs, run_jobs

        handler, dead = run_jobs, fail_dead_jobs
    else:
        assert table is not None, "a table for the test's chunk functions"
        handler, dead = worker(table, queue, chunks), fail_dead(table)
    return JobPoller(sqs, queue.url, _dead_url(sqs, queue.url), handler, dead, wait_seconds=0, retry_after=0)


def drain_jobs(
    app_or_table: Any = None, queue: JobQueue | None = None, *, chunks: Mapping[JobKind, ChunkFn] | None = None
) -> int:
    """Run every queued chunk (and the chunks they queue) until both queues are empty; the messages handled.
    ``app_or_table``: the app (or None) runs the app's worker; a Table with ``chunks`` runs those."""
    table = app_or_table if isinstance(app_or_table, Table) else None
    return poller(table, chunks, queue).drain()


def pending_messages() -> list[dict[str, Any]]:
    """The bodies of the jobs queue's messages, received and left there (visible again at once)."""
    sqs = _sqs()
    url = JobQueue.from_settings().url
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    for m in got:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    return [json.loads(m["Body"]) for m in got]


def crashing_once(chunk: ChunkFn, when: Callable[[Job, Step], bool]) -> tuple[ChunkFn, list[Job]]:
    """``chunk``, made to raise once after its writes, the first time ``when(job, step)`` holds: as a worker
    that dies before the job's advance (SQS then delivers the message again and the chunk reruns from the
    same cursor). Also answers the list of the jobs (as the chunk saw them) it crashed at."""
    crashed: list[Job] = []

    def run(ctx: Ctx, job: Job) -> Step:
        step = chunk(ctx, job)
        if not crashed and when(job, step):
            crashed.append(job)
            raise RuntimeError("crash after the chunk's writes")
        return step

    return run, crashed


@contextmanager
def queue_unavailable() -> Iterator[None]:
    """SQS refuses every SendMessage of the jobs queue's client while inside (a botocore hook), as in an
    outage: what a request that queues a job meets when its follow-up cannot be queued."""

    def unavailable(model: Any, **kwargs: Any) -> None:
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "injected"}}, model.name)

    events = JobQueue.from_settings().client.meta.events
    events.register("before-call.sqs.SendMessage", unavailable)
    try:
        yield
    finally:
        events.unregister("before-call.sqs.SendMessage", unavailable)


def stored_job(table: Table, firm_id: str, job_id: str) -> Job:
    """A job as stored (it must exist)."""
    found = JobRepo(table).get(firm_id, job_id)
    assert found is not None
    return found


def job_ids(table: Table, firm_id: str, kind: JobKind) -> set[str]:
    """The ids of the firm's jobs of ``kind`` (a test makes a few)."""
    found, _ = JobRepo(table).list_for_firm(firm_id, kind, 10, None)
    return {j.id for j in found}


def queued_job() -> str:
    """The id of the one job whose first chunk is waiting on the queue."""
    (first,) = [m for m in pending_messages() if m["chunk"] == 0]
    return str(first["job_id"])
