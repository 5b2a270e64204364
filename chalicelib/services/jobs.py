"""The background job machinery (domain/jobs.py): create, start, cancel a
job, and the worker's step, ``run_message``, which runs one chunk per queue
message.

A message names a job and a chunk number. It runs only when that number is
the job's next chunk, and the chunk's work is recorded with one conditional
advance (repo/jobs.py), so a replayed or duplicated message is a no-op and a
crash anywhere reruns the chunk from the same cursor (chunks are idempotent).
Any unexpected exception propagates: SQS delivers the message again after its
visibility timeout, and after maxReceiveCount moves it to the dead-letter
queue, whose handler (``fail_dead``) marks the job failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Final

from chalicelib.adapters.auth import Claims
from chalicelib.adapters.queue import JobQueue
from chalicelib.domain import audit
from chalicelib.domain.errors import (
    ConflictError,
    DossierError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.domain.jobs import Job, JobFailed, JobKind, JobStatus, Step
from chalicelib.repo.jobs import JobRepo
from chalicelib.repo.table import Op, Table
from chalicelib.services.context import Ctx

log = logging.getLogger("dossier.jobs")

ChunkFn = Callable[[Ctx, Job], Step]
DEAD_MESSAGE: Final = "The job failed repeatedly and was stopped; start it again or contact support."
# Failures of the job's own member (deactivated, demoted, its records gone): retrying cannot mend them.
_FINAL: Final = (UnauthorizedError, ForbiddenError, NotFoundError)


def message(job: Job) -> dict[str, Any]:
    """The queue message that runs the job's next chunk."""
    return {"firm_id": job.firm_id, "job_id": job.id, "chunk": job.chunk}


def _job_of(firm_id: str, created_by: str, kind: JobKind, params: Mapping[str, Any], status: JobStatus) -> Job:
    return Job(
        firm_id=firm_id,
        id=new_id(),
        kind=kind,
        status=status,
        created_by=created_by,
        created_at=now_iso(),
        params=dict(params),
    )


def create(ctx: Ctx, kind: JobKind, params: Mapping[str, Any], *, status: JobStatus = "queued") -> Job:
    """A new job of the caller's firm, acting as the caller; ``queued`` also sends its first message."""
    return create_for(ctx.table, ctx.firm_id, ctx.member.id, kind, params, status=status)


def create_for(
    table: Table,
    firm_id: str,
    created_by: str,
    kind: JobKind,
    params: Mapping[str, Any],
    *,
    status: JobStatus = "queued",
) -> Job:
    """``create`` on a member's behalf, for work the system starts (a sweep) or carries on (an erasure)."""
    job = _job_of(firm_id, created_by, kind, params, status)
    repo = JobRepo(table)
    repo.put_new(job)
    if status == "queued":
        _send_first(repo, JobQueue.from_settings(), job)
    return job


def prepare(ctx: Ctx, kind: JobKind, params: Mapping[str, Any]) -> tuple[Job, Op]:
    """A new queued job of the caller's firm, not stored yet: the write that stores it, for the
    transaction of the change the job follows up (a fan-out), then ``send_prepared``."""
    job = _job_of(ctx.firm_id, ctx.member.id, kind, params, "queued")
    return job, JobRepo.new_op(job)


def send_prepared(ctx: Ctx, job: Job) -> bool:
    """Send the first message of a job stored with ``prepare``'s write. When the queue cannot be reached
    this answers False (logged): the change it follows up is made, and the request that made it does not
    fail for its follow-up. The job stays queued, marked for the scheduled sweeper (``sweep_unsent``),
    which sends its message once the queue is back."""
    repo = JobRepo(ctx.table)
    try:
        JobQueue.from_settings().send(message(job))
    except Exception:
        log.warning("fan-out job not queued yet; the sweeper will send it", extra={"job_id": job.id}, exc_info=True)
        try:
            repo.mark_unsent(job)
        except Exception:  # the table is out of reach too: nothing left to mark it with
            log.exception("fan-out job lost: neither queued nor marked", extra={"job_id": job.id, "kind": job.kind})
        return False
    return True


SWEEP_LIMIT: Final = 100  # jobs one sweep sends (every 5 minutes: infra/template.json's schedule)


def sweep_unsent(table: Table, queue: JobQueue, *, limit: int = SWEEP_LIMIT) -> dict[str, int]:
    """Send the first message of each job whose request could not (``send_prepared``), oldest first; a
    job that no longer waits (cancelled, or sent by an earlier sweep) only leaves the index. While the
    queue is still out of reach, nothing changes and the next sweep tries again."""
    repo = JobRepo(table)
    tally = {"sent": 0, "dropped": 0}
    for job in repo.unsent(limit):
        if job.status == "queued" and job.chunk == 0:
            queue.send(message(job))  # an error ends the sweep: the queue is still unavailable
            tally["sent"] += 1
        else:
            tally["dropped"] += 1
        repo.clear_unsent(job)
    return tally


def _send_first(repo: JobRepo, queue: JobQueue, job: Job) -> None:
    try:
        queue.send(message(job))
    except Exception:
        # Without its message the job would wait forever: end it, and let the request fail.
        repo.set_status(job, "failed", error="The job could not be queued; try again.")
        raise


def load(ctx: Ctx, kind: JobKind, job_id: str) -> Job:
    """The caller's firm's job of ``kind`` (404 for a missing id, another kind, another firm)."""
    job = JobRepo(ctx.table).get(ctx.firm_id, job_id)
    if job is None or job.kind != kind:
        raise NotFoundError(f"No {kind} with this id.", code="job_not_found")
    return job


def listed(ctx: Ctx, kind: JobKind, *, limit: int, cursor: str | None) -> tuple[list[Job], str | None]:
    """A page of the firm's jobs of ``kind``, newest first (finished ones are kept 30 days)."""
    return JobRepo(ctx.table).list_for_firm(ctx.firm_id, kind, limit, cursor)


def start(ctx: Ctx, job: Job, params: Mapping[str, Any] | None = None) -> Job:
    """Queue ``job`` from its first chunk, with ``params`` merged: only a job waiting for its file, or a
    finished dry run (409 ``job_not_startable`` otherwise)."""
    if job.status == "waiting_for_file":
        expect: tuple[JobStatus, ...] = ("waiting_for_file",)
    elif job.status == "completed" and job.params.get("dry_run"):
        expect = ("completed",)
    else:
        raise ConflictError(f"This job is {job.status}; it cannot be started.", code="job_not_startable")
    repo = JobRepo(ctx.table)
    if not repo.restart(job, params or {}, expect=expect):
        raise ConflictError("The job changed meanwhile; it cannot be started.", code="job_not_startable")
    _send_first(repo, JobQueue.from_settings(), job)
    return job


def cancel(ctx: Ctx, kind: JobKind, job_id: str) -> Job:
    """Cancel the job (409 ``job_finished`` once it finished). A chunk running meanwhile finishes its own
    work, but its advance fails, so no next chunk runs."""
    job = load(ctx, kind, job_id)
    if job.finished or not JobRepo(ctx.table).set_status(job, "cancelled"):
        raise ConflictError("The job has already finished.", code="job_finished")
    return job


def _parse(body: Mapping[str, Any]) -> tuple[str, str, int] | None:
    firm_id, job_id, chunk = body.get("firm_id"), body.get("job_id"), body.get("chunk")
    if isinstance(firm_id, str) and isinstance(job_id, str) and isinstance(chunk, int) and chunk >= 0:
        return firm_id, job_id, chunk
    return None


def run_message(
    table: Table,
    queue: JobQueue,
    body: Mapping[str, Any],
    chunk_fns: Mapping[JobKind, ChunkFn],
    *,
    redelivered: bool = False,
) -> None:
    """The worker's step for one message: run the job's chunk if the message names its next one, record
    it, and send the message for the chunk after (or finish the job)."""
    parsed = _parse(body)
    if parsed is None:
        log.warning("job message ignored: not a job message", extra={"body": dict(body)})
        return
    firm_id, job_id, chunk = parsed
    repo = JobRepo(table)
    job = repo.get(firm_id, job_id)
    if job is None or job.finished or job.status not in ("queued", "running"):
        return
    if chunk != job.chunk:
        if redelivered and chunk == job.chunk - 1:
            # This message's chunk advanced the job, then sending the next message failed: send it now.
            queue.send(message(job))
        return  # a replay of a chunk already recorded (or a stray message): nothing to do
    fn = chunk_fns.get(job.kind)
    if fn is None:
        repo.set_status(job, "failed", error=f"Jobs of kind {job.kind} are not run by this worker.")
        return
    ctx = Ctx(claims=Claims(firm_id=firm_id, member_id=job.created_by), table=table)
    try:
        # The chunk's writes are the member's in the audit trail (named once its rights are read);
        # the job's own bookkeeping stays the system's.
        with audit.acting_as(audit.Actor(audit.MEMBER, job.created_by)):
            step = fn(ctx, job)
    except JobFailed as exc:
        repo.set_status(job, "failed", error=str(exc))
        return
    except _FINAL as exc:
        log.info("job failed on its member's rights", extra={"job_id": job_id, "code": exc.problem_code})
        repo.set_status(job, "failed", error=_rights_message(exc))
        return
    # A chunk's progress (its cursor and counts) is bookkeeping, not a change anyone made: the audit trail
    # records the job's start (its first advance) and its end as the system's, not every chunk between.
    between = step.cursor is not None and job.started_at is not None
    with audit.acting_as(audit.DERIVED_ACTOR if between else audit.SYSTEM_ACTOR):
        advanced = repo.advance(job, step, expected_chunk=chunk)
    if not advanced:
        return  # cancelled meanwhile, or another delivery of this message recorded the chunk first
    if step.cursor is not None:
        queue.send(message(job))


def _rights_message(exc: DossierError) -> str:
    if isinstance(exc, UnauthorizedError | ForbiddenError):
        return "The member who started this job may no longer do it."
    return str(exc)


def fail_dead(table: Table, body: Mapping[str, Any]) -> None:
    """A message the dead-letter queue took (its chunk failed maxReceiveCount times): the job fails,
    unless it moved on since (a stale duplicate)."""
    parsed = _parse(body)
    if parsed is None:
        return
    firm_id, job_id, chunk = parsed
    repo = JobRepo(table)
    job = repo.get(firm_id, job_id)
    if job is None or job.finished or chunk != job.chunk:
        return
    log.error("job failed: its chunk went to the dead-letter queue", extra={"job_id": job_id, "chunk": chunk})
    repo.set_status(job, "failed", error=DEAD_MESSAGE)
