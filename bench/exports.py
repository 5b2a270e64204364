"""An export of 10,000 accounts (issue 19) on DynamoDB Local, run as
deployed: the job's chunks on the jobs queue (moto's server), the file in
s3rver, the worker (``app.run_jobs``) called by the local poller in this
process. Both stand-ins run in processes of their own, so this process's
memory is the worker's alone.

Measured per format: the wall time from POST /exports to ``completed``, the
DynamoDB requests and read units of the whole chain, the chunks, the file's
size, and the worker's peak Python memory (tracemalloc: every allocation
traced, which also slows it down; the time is measured in the same run).

The firm: 10,000 accounts, each with one contact, a fifth with a second one
(12,000 links), written straight to the table (only the items an export
reads: accounts, links, contacts).
"""

from __future__ import annotations

import os
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from chalice.app import Chalice
from chalice.test import Client

from bench.common import metered, ok
from bench.search_seed import Writer
from chalicelib.adapters.config import reset_settings, settings
from chalicelib.adapters.photo_store import reset_clients as reset_s3_clients
from chalicelib.adapters.queue import reset_clients as reset_queue_clients
from chalicelib.domain.entities import Account, Contact, Link
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.repo.records import to_item
from chalicelib.repo.table import Table
from devtools.job_poller import JobPoller
from devtools.s3_local import S3Local
from devtools.sqs_local import SqsLocal, ensure_queues
from tests.support.api import Api, TestFirm, make_firm

ACCOUNTS = int(os.environ.get("BENCH_EXPORT_ACCOUNTS", "10000"))
BUCKET = "dossier-bench-exports"


def seed(table: Table, firm: TestFirm, accounts: int) -> int:
    """``accounts`` accounts with their contacts and links; the items written."""
    now, items = now_iso(), []
    for i in range(accounts):
        account_id = new_id()
        people = 2 if i % 5 == 0 else 1
        for p in range(people):
            contact = Contact(
                firm.firm_id,
                new_id(),
                f"First{i}",
                "",
                f"Last{i}-{p}",
                [{"number": f"+31 6 {i:08}", "label": "mobile"}],
                None,
                {},
                [f"person{i}-{p}@client{i % 997}.example"],
                {account_id},
                now,
                now,
                firm.owner_id,
            )
            link = Link(firm.firm_id, account_id, contact.id, "Director" if p == 0 else "Bookkeeper", None, now)
            items += [to_item(contact), to_item(link)]
        address = {"line1": f"{i} Main Street", "city": "Utrecht", "country": "NL"}
        account = Account(
            firm.firm_id, account_id, f"Client {i:05} B.V.", "company", [], [], address, {}, now, now, firm.owner_id
        )
        account.contact_count = people
        items.append(to_item(account))
    writer = Writer(table, 4)
    for item in items:
        writer.put(item)
    writer.close()
    return len(items)


def _export(api: Api, table: Table, poller: JobPoller, fmt: str) -> dict[str, Any]:
    with metered(table.client) as usage:
        tracemalloc.start()
        started = time.perf_counter()
        export_id = ok(api.post("/exports", {"kind": "accounts", "format": fmt}), 201)["id"]
        chunks = 0
        while True:
            chunks += poller.poll_once(wait=1)
            out = ok(api.get(f"/exports/{export_id}"))
            if out["status"] in ("completed", "failed"):
                break
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert out["status"] == "completed", out
    return {"out": out, "seconds": seconds, "peak": peak, "usage": usage, "chunks": chunks}


def run(table: Table, app: Chalice) -> str:
    firm = make_firm(table, "Bench exports")
    started = time.perf_counter()
    written = seed(table, firm, ACCOUNTS)
    seeded = time.perf_counter() - started
    saved = dict(os.environ)
    rows: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="dossier-bench-s3-") as tmp,
        S3Local(Path(tmp), BUCKET) as s3,
        SqsLocal() as sqs,
    ):
        queues = ensure_queues(sqs.client(), "dossier-bench-jobs")
        os.environ.update(
            S3_ENDPOINT=s3.endpoint, PHOTOS_BUCKET=BUCKET, SQS_ENDPOINT=sqs.endpoint, JOBS_QUEUE_URL=queues.url
        )
        reset_settings()
        reset_s3_clients()
        reset_queue_clients()
        from app import fail_dead_jobs, run_jobs

        poller = JobPoller(sqs.client(), queues.url, queues.dead_url, run_jobs, fail_dead_jobs, wait_seconds=1)
        with Client(app) as client:
            api = Api(client, firm.owner_token)
            chunk_records = settings().export_chunk_records
            for fmt in ("csv", "json"):
                r = _export(api, table, poller, fmt)
                out, usage = r["out"], r["usage"]
                calls = ", ".join(f"{k} {v:,}" for k, v in sorted(usage.requests.items()))
                rows.append(
                    f"| {fmt} | {out['counts']['accounts']:,} | {out['counts']['rows']:,} | "
                    f"{out['counts']['bytes'] / 1e6:.1f} MB | {r['chunks']} | {r['seconds']:.1f} s | "
                    f"{usage.total_requests:,} ({calls}) | "
                    f"{usage.rru:,.0f} | {r['peak'] / 1e6:.1f} MB |"
                )
    os.environ.clear()
    os.environ.update(saved)
    reset_settings()
    reset_s3_clients()
    reset_queue_clients()
    head = (
        f"{ACCOUNTS:,} accounts ({written:,} items seeded in {seeded:.0f} s); chunks of {chunk_records:,} accounts, "
        f"parts of {settings().export_part_bytes / 2**20:.0f} MiB.\n\n"
        "| format | accounts | rows | file | chunks (messages) | time | DynamoDB requests | read units | "
        "peak memory (tracemalloc) |\n|---|---|---|---|---|---|---|---|---|"
    )
    return "\n".join([head, *rows])
