"""Background jobs (domain/jobs.py): one item per job in the firm's partition,
``PK=FIRM#<firm>``, ``SK=JOB#<job_id>``. Every change is one conditional
UpdateItem, so a chunk's advance and a cancellation can never both win."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Collection, Mapping
from typing import Any, Final

from chalicelib.domain.errors import ConflictError, DossierError
from chalicelib.domain.ids import now_iso
from chalicelib.domain.jobs import FINISHED, Job, JobKind, JobStatus, Step
from chalicelib.repo import keys
from chalicelib.repo.paging import key_attributes, paged
from chalicelib.repo.table import ITEM_ABSENT, Condition, Item, Put, Table, Update

# A finished job is kept this long (the table's TTL deletes it): long enough to fetch an export's link again.
KEEP_FINISHED_SECONDS: Final = 30 * 24 * 3600
_ACTIVE: Final = ("queued", "running")
# The identity of this error tells "the condition failed" (a replay, a cancellation) from any other failure.
_NOT_APPLIED: Final = ConflictError("The job moved on meanwhile.", code="changed_meanwhile")
_FIELDS: Final = frozenset(f.name for f in dataclasses.fields(Job))


def _item(job: Job) -> Item:
    return {
        **keys.job(job.firm_id, job.id).as_dict(),
        "entity": keys.JOB,
        **{k: v for k, v in dataclasses.asdict(job).items() if v is not None},
    }


def _job(item: Mapping[str, Any]) -> Job:
    fields = {k: v for k, v in item.items() if k in _FIELDS}
    fields["counts"] = {k: int(v) for k, v in item.get("counts", {}).items()}
    fields["chunk"] = int(item.get("chunk", 0))
    fields["version"] = int(item.get("version", 1))
    return Job(**fields)


def _status_in(statuses: Collection[str]) -> Condition:
    values = {f":s{i}": s for i, s in enumerate(sorted(statuses))}
    return Condition(f"#status IN ({', '.join(values)})", {"#status": "status"}, values)


class JobRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    def put_new(self, job: Job) -> None:
        self.table.write([self.new_op(job)])

    @staticmethod
    def new_op(job: Job) -> Put:
        """The write that stores a new job: alone, or in the transaction of the change it follows up."""
        return Put(_item(job), ITEM_ABSENT)

    def get(self, firm_id: str, job_id: str) -> Job | None:
        item = self.table.get(keys.job(firm_id, job_id), consistent=True)
        return _job(item) if item is not None else None

    def _update(self, job: Job, sets: Mapping[str, Any], removes: Collection[str], condition: Condition) -> bool:
        names: dict[str, str] = {"#version": "version"}
        values: dict[str, Any] = {":one": 1}
        parts: list[str] = ["#version = #version + :one"]
        for i, (name, value) in enumerate(sets.items()):
            names[f"#u{i}"] = name
            values[f":u{i}"] = value
            parts.append(f"#u{i} = :u{i}")
        expression = "SET " + ", ".join(parts)
        gone = [name for name in removes if name not in sets]
        if gone:
            names.update({f"#r{i}": name for i, name in enumerate(gone)})
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(gone)))
        update = Update(keys.job(job.firm_id, job.id), expression, names, values, condition, on_fail=_NOT_APPLIED)
        try:
            self.table.write([update])
        except DossierError as exc:
            if exc is _NOT_APPLIED:
                return False
            raise
        return True

    def advance(self, job: Job, step: Step, *, expected_chunk: int) -> bool:
        """Record one chunk's work: the next chunk's number, the new cursor, the counts added (and
        ``completed`` when ``step.cursor`` is None), only if the job is still at ``expected_chunk`` and
        queued or running. False when it is not: the chunk was a replay, or the job was cancelled."""
        counts = dict(job.counts)
        for name, n in step.counts.items():
            counts[name] = counts.get(name, 0) + int(n)
        now = now_iso()
        sets: dict[str, Any] = {"chunk": expected_chunk + 1, "counts": counts}
        if step.cursor is not None:
            sets.update(status="running", cursor=step.cursor)
        else:
            sets.update(status="completed", finished_at=now, expires_at=int(time.time()) + KEEP_FINISHED_SECONDS)
        if job.started_at is None:
            sets["started_at"] = now
        chunk_is = Condition("#chunk = :expected_chunk", {"#chunk": "chunk"}, {":expected_chunk": expected_chunk})
        # The counts written are the job's as read plus this chunk's: the chunk condition makes that safe.
        if not self._update(job, sets, ("cursor",), chunk_is & _status_in(_ACTIVE)):
            return False
        for name, value in sets.items():
            if name in _FIELDS:
                setattr(job, name, value)
        if step.cursor is None:
            job.cursor = None
        job.version += 1
        return True

    def set_status(
        self,
        job: Job,
        status: JobStatus,
        *,
        error: str | None = None,
        expect: Collection[JobStatus] | None = None,
    ) -> bool:
        """Set the job's status (and ``error``), only if it is one of ``expect`` (default: not finished).
        False when it was not."""
        allowed = set(expect) if expect is not None else {"waiting_for_file", *_ACTIVE}
        sets: dict[str, Any] = {"status": status}
        if error is not None:
            sets["error"] = error
        if status in FINISHED:
            sets.update(finished_at=now_iso(), expires_at=int(time.time()) + KEEP_FINISHED_SECONDS)
        if not self._update(job, sets, (), _status_in(allowed)):
            return False
        job.status = status
        job.error = error if error is not None else job.error
        job.finished_at = sets.get("finished_at", job.finished_at)
        job.version += 1
        return True

    def restart(self, job: Job, params: Mapping[str, Any], *, expect: Collection[JobStatus]) -> bool:
        """Queue the job again from its start with ``params`` merged (``services.jobs.start``): chunk 0, no
        cursor, no counts, no error. False when its status is not one of ``expect``."""
        merged = {**job.params, **params}
        sets = {"status": "queued", "params": merged, "chunk": 0, "counts": {}}
        removes = ("cursor", "error", "started_at", "finished_at", "expires_at")
        if not self._update(job, sets, removes, _status_in(expect)):
            return False
        job.status, job.params, job.chunk, job.counts = "queued", merged, 0, {}
        job.cursor = job.error = job.started_at = job.finished_at = None
        job.version += 1
        return True

    def mark_files_erased(self, job: Job) -> None:
        """Record that an erasure deleted the job's files (one UpdateItem; the job's status is left alone)."""
        now = now_iso()
        if self._update(job, {"files_erased_at": now}, (), Condition("attribute_exists(PK)")):
            job.files_erased_at = now
            job.version += 1

    def with_files(self, firm_id: str, kinds: Collection[JobKind]) -> list[Job]:
        """Every job of the firm of ``kinds`` (the erasure's look for files): one strongly consistent Query of
        the firm's ``JOB#`` range, the other kinds filtered out by DynamoDB, paged by it. A finished job
        expires after 30 days, so this is the last 30 days' jobs at most."""
        values = {f":k{i}": k for i, k in enumerate(sorted(kinds))}
        of_kinds = Condition(f"#kind IN ({', '.join(values)})", {"#kind": "kind"}, values)
        items = self.table.query_all(
            pk=keys.firm_pk(firm_id), sk_prefix=keys.JOB_PREFIX, filter_=of_kinds, consistent=True
        )
        return [_job(i) for i in items]

    def list_for_firm(
        self, firm_id: str, kind: JobKind, limit: int, cursor: str | None
    ) -> tuple[list[Job], str | None]:
        """A page of the firm's jobs of ``kind``, newest first (one Query of the firm's ``JOB#`` range,
        the other kinds skipped)."""
        rows, next_cursor = paged(
            lambda start, n: self.table.query(
                pk=keys.firm_pk(firm_id), sk_prefix=keys.JOB_PREFIX, limit=n, start_key=start, forward=False
            ),
            scope=f"jobs|{firm_id}|{kind}",
            cursor=cursor,
            limit=limit,
            key_attrs=key_attributes(),
            keep=lambda item: item.get("kind") == kind,
        )
        return [_job(r) for r in rows], next_cursor

    # --- jobs whose first message could not be sent (services/jobs.py ``sweep_unsent``) -----------------

    def mark_unsent(self, job: Job) -> None:
        """Put the job in the sweeper's index (GSI1 ``UNSENT_JOBS``): its first message is still to send."""
        self.table.write(
            [
                Update(
                    keys.job(job.firm_id, job.id),
                    "SET #pk = :pk, #sk = :sk",
                    {"#pk": "GSI1PK", "#sk": "GSI1SK"},
                    {":pk": keys.UNSENT_JOBS, ":sk": keys.unsent_job_sort(job.created_at, job.firm_id, job.id)},
                    Condition("attribute_exists(PK)"),
                )
            ]
        )

    def unsent(self, limit: int) -> list[Job]:
        """The oldest jobs in the sweeper's index (one Query of GSI1; eventually consistent: each is read
        again before it is sent)."""
        page = self.table.query(pk=keys.UNSENT_JOBS, index=keys.INDEX_LISTS_BY_NAME, limit=limit)
        found = (self.get(str(i["firm_id"]), str(i["id"])) for i in page.items)
        return [j for j in found if j is not None]

    def clear_unsent(self, job: Job) -> None:
        """Take the job out of the sweeper's index (its message is sent, or it no longer waits for one). A job
        gone meanwhile (its 30 days kept) stays gone: the update is conditioned on it."""
        key = keys.job(job.firm_id, job.id)
        remove = "REMOVE #pk, #sk"
        names = {"#pk": "GSI1PK", "#sk": "GSI1SK"}
        self.table.applied(Update(key, remove, names, {}, Condition("attribute_exists(PK)"), on_fail=_NOT_APPLIED))
