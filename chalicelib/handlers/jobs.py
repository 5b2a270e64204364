"""Background jobs: the worker functions on the jobs queue and its
dead-letter queue, and the routes of ``/exports``.

``run_jobs`` runs one chunk per message (batch size 1; services/jobs.py,
``run_message``). A chunk that raises is reported as a batch item failure:
its message is made visible again after a backoff (1, 2, 4, 8 minutes:
``domain.jobs.retry_delay``), and after maxReceiveCount SQS moves it to the
dead-letter queue, where ``fail_dead_jobs``
marks its job failed. Locally, devtools/job_poller.py calls both functions
with the events Lambda would send.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from chalice.app import Response, SQSEvent

from chalicelib.adapters.queue import JobQueue
from chalicelib.domain.jobs import JobKind, retry_delay
from chalicelib.domain.models.jobs import ExportCreate, ExportOut
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import exports, gdpr, imports, jobs, member_refresh, pipeline_refresh
from chalicelib.services.context import Ctx

log = logging.getLogger("dossier.jobs")


# Each kind's chunk function (domain/jobs.py).
CHUNKS: Final[Mapping[JobKind, jobs.ChunkFn]] = {
    "export": exports.run_export_chunk,
    "import": imports.run_import_chunk,
    "pipeline_rename": pipeline_refresh.run_chunk,
    "member_rename": member_refresh.run_chunk,
    "erasure": gdpr.run_erase_chunk,
}


def sweep_jobs(event: Any) -> dict[str, int]:
    """Every 5 minutes: send the first message of the fan-out jobs whose request could not reach the
    queue (services/jobs.py ``sweep_unsent``), and queue a job for each erasure left unfinished with none
    at work on it (services/gdpr.py ``sweep_unfinished``). Both run whatever the other does; a failure
    is raised after both (the function's errors alarm), and the next sweep tries again."""
    table, failures = Ctx.table_from_settings(), []
    tally = {"sent": 0, "dropped": 0, "erasures": 0}
    try:
        tally.update(jobs.sweep_unsent(table, JobQueue.from_settings()))
    except Exception as exc:
        failures.append(exc)
    try:
        tally["erasures"] = gdpr.sweep_unfinished(table, datetime.now(UTC))
    except Exception as exc:
        failures.append(exc)
    if any(tally.values()):
        log.info("jobs swept", extra=tally)
    if failures:
        raise failures[0]
    return tally


def _record_body(record: Mapping[str, Any]) -> dict[str, Any] | None:
    try:
        body = json.loads(record.get("body", ""))
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def run_jobs(event: SQSEvent) -> dict[str, Any]:
    """One chunk of a background job per message; a failed one is reported, and SQS delivers it again."""
    table, queue = Ctx.table_from_settings(), JobQueue.from_settings()
    failures: list[dict[str, str]] = []
    for record in event:
        raw = record.to_dict()
        body = _record_body(raw)
        if body is None:
            log.warning("job message ignored: its body is not a JSON object")
            continue
        received = int(raw.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        try:
            jobs.run_message(table, queue, body, CHUNKS, redelivered=received > 1)
        except Exception:
            log.exception("job chunk failed; SQS will deliver it again", extra={"job": body})
            failures.append({"itemIdentifier": str(raw.get("messageId", ""))})
            _retry_later(queue, raw, received)
    return {"batchItemFailures": failures}


def _retry_later(queue: JobQueue, raw: Mapping[str, Any], received: int) -> None:
    try:
        queue.retry_later(str(raw["receiptHandle"]), retry_delay(received))
    except Exception:  # the queue's own visibility timeout still brings it back
        log.warning("could not shorten a failed chunk's wait", exc_info=True)


def fail_dead_jobs(event: SQSEvent) -> dict[str, Any]:
    """Messages whose chunk failed maxReceiveCount times: their jobs end failed."""
    table = Ctx.table_from_settings()
    for record in event:
        body = _record_body(record.to_dict())
        if body is not None:
            jobs.fail_dead(table, body)
    return {"batchItemFailures": []}


# --- /exports ---------------------------------------------------------------------


@endpoint(
    "/exports",
    "POST",
    summary="Export the firm's accounts (one row per account-contact link, the import's columns) or contacts, "
    "as CSV or JSON, in the background (owner, admin). Poll GET /exports/{export_id} for its download link.",
    status=201,
    request=ExportCreate,
    response=ExportOut,
    errors=(403,),
)
def create_export(call: Call) -> Response:
    out = exports.create(call.ctx, call.body(ExportCreate))
    return reply(out, status=201, location=f"/exports/{out.id}")


@endpoint(
    "/exports",
    "GET",
    summary="The firm's exports, newest first, paged (finished ones are kept 30 days, their files 7); no "
    "download links: GET /exports/{export_id} gives one (owner, admin).",
    response=list[ExportOut],
    query=("limit", "cursor"),
    errors=(403,),
)
def list_exports(call: Call) -> Response:
    params = call.query()
    items, next_cursor = exports.listed(call.ctx, limit=call.limit(params), cursor=params.get("cursor"))
    return reply({"items": items, "next_cursor": next_cursor})


@endpoint(
    "/exports/{export_id}",
    "GET",
    summary="An export's status and counts; once completed, a download link valid 5 minutes (owner, admin). "
    "expired: the file is gone (kept 7 days; a GDPR erasure deletes every export made before it).",
    response=ExportOut,
    errors=(403, 404, "job_not_found"),
)
def get_export(call: Call) -> Response:
    return reply(exports.get(call.ctx, call.id("export_id")))
