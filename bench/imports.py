"""CSV import of 10,000 rows on DynamoDB Local (issue 19): the real run, then the same file again, each
driven by the app's worker (run_jobs) through moto's server (SQS for the jobs queue, S3 for the file), as
``make run`` runs it. Reports wall time, chunks, requests and write units per row (the worker's table
client metered), and the peak Python memory of the worker (tracemalloc, on the second run only: it slows
Python down).

    python -m bench imports            (part of ``make bench``)
    python -m bench.imports [ROWS]     (alone)
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from typing import Any

import boto3

from bench.common import metered
from chalicelib.adapters.auth import Claims
from chalicelib.adapters.config import reset_settings
from chalicelib.adapters.photo_store import reset_clients as reset_s3_clients
from chalicelib.adapters.queue import reset_clients as reset_sqs_clients
from chalicelib.domain.models.imports import ImportCreate, ImportStart
from chalicelib.repo.schema import ensure_table
from chalicelib.repo.table import Table, reset_clients
from chalicelib.services import imports
from chalicelib.services.context import Ctx
from devtools.dynamodb_local import DynamoDBLocal
from devtools.job_poller import JobPoller
from devtools.sqs_local import SqsLocal, ensure_queues
from tests.support.api import make_firm

BUCKET = "dossier-bench-imports"
HEADER = "account_name;account_type;tags;contact_first_name;contact_last_name;contact_email;contact_phone"


def csv_file(rows: int) -> bytes:
    lines = [HEADER] + [
        f"Klant {i:05d} B.V.;company;vip|btw;Voornaam{i};Achternaam{i};klant{i}@bench.example;+31 6 {i:08d}"
        for i in range(1, rows + 1)
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _one(ctx: Ctx, poller: JobPoller, table: Table, data: bytes, *, trace: bool) -> dict[str, Any]:
    created = imports.create_import(ctx, ImportCreate(kind="accounts", format="csv"))
    imports.upload_file(ctx, created.id, data)
    imports.start_import(ctx, created.id, ImportStart(dry_run=False))
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with metered(table.client) as usage:
        chunks = poller.drain()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    out = imports.get_import(ctx, created.id)
    assert out.status == "completed", out
    return {"out": out, "seconds": elapsed, "chunks": chunks, "usage": usage, "peak": peak}


def run(rows: int = 10_000) -> str:
    with DynamoDBLocal() as dynamodb, SqsLocal() as server:
        sqs = server.client()
        queues = ensure_queues(sqs, "dossier-bench-jobs", visibility=60)
        boto3.client(
            "s3",
            endpoint_url=server.endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        ).create_bucket(Bucket=BUCKET)
        os.environ.update(
            DYNAMODB_ENDPOINT=dynamodb.endpoint,
            DOSSIER_TABLE="dossier-bench-imports",
            S3_ENDPOINT=server.endpoint,
            PHOTOS_BUCKET=BUCKET,
            SQS_ENDPOINT=server.endpoint,
            JOBS_QUEUE_URL=queues.url,
        )
        for reset in (reset_settings, reset_clients, reset_s3_clients, reset_sqs_clients):
            reset()
        table = Table.from_settings()
        ensure_table(table.client, table.name)
        from app import fail_dead_jobs, run_jobs

        firm = make_firm(table, "Bench & Co")
        ctx = Ctx(claims=Claims(firm_id=firm.firm_id, member_id=firm.owner_id), table=table)
        poller = JobPoller(sqs, queues.url, queues.dead_url, run_jobs, fail_dead_jobs, wait_seconds=0, retry_after=0)
        data = csv_file(rows)
        first = _one(ctx, poller, table, data, trace=False)
        again = _one(ctx, poller, table, data, trace=True)
    lines = [
        f"{rows:,} rows, {len(data) / 1e6:.1f} MB (Windows-1252, `;`), {imports.CHUNK_ROWS} rows a chunk.",
        "",
        "| run | outcome | wall s | ms / row | chunks | s / chunk | requests / row | WCU / row | RCU / row | peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in (("import", first), ("the same file again", again)):
        usage = r["usage"]
        counts = r["out"].counts
        outcome = f"{counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged"
        peak = f"{r['peak'] / 1e6:.1f}" if r["peak"] else "(not traced)"
        lines.append(
            f"| {name} | {outcome} | {r['seconds']:.0f} | {1000 * r['seconds'] / rows:.1f} | {r['chunks']} | "
            f"{r['seconds'] / max(r['chunks'], 1):.1f} | {usage.total_requests / rows:.1f} | "
            f"{usage.wru / rows:.1f} | {usage.rru / rows:.1f} | {peak} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    from tests.support import tokens

    os.environ.update(**tokens.environment(), AWS_DEFAULT_REGION="us-east-1")
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000), flush=True)
