"""CSV imports on the local stand-ins (issue 19's acceptance): DynamoDB Local, moto's server for SQS (the
jobs queue, as ``make run`` starts it) and s3rver for S3 (the file goes to the presigned upload URL with a
plain HTTP PUT), with the chunks run by the app's worker (run_jobs) as devtools/job_poller.py hands it the queue's
messages, as ``make run`` does.

1,000 rows, then the same file again (nothing created, no duplicate); a chunk that crashes once mid-import
resumes with the right counts; a dry run writes nothing but its row outcomes; a semicolon Windows-1252 file
with accents is read right."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from chalice.test import Client

from chalicelib.adapters.config import reset_settings, settings
from chalicelib.domain import csv_import
from chalicelib.repo.table import Table
from chalicelib.services import import_rows, imports
from devtools.job_poller import JobPoller
from devtools.sqs_local import SqsLocal, ensure_queues
from tests.support.api import Api, make_firm, snapshot
from tests.support.factories import list_all

pytestmark = pytest.mark.integration

HEADER = "account_name;account_type;tags;contact_first_name;contact_last_name;contact_email;contact_phone"


@pytest.fixture
def stack(local_table: Table, sqs_local: SqsLocal, monkeypatch: pytest.MonkeyPatch) -> Iterator[JobPoller]:
    """The run's moto server (SQS) and s3rver (tests/conftest.py), with a queue of this file's whose messages
    come back after 1 s (a crashed chunk's retry); yields the poller that feeds the app's worker."""
    sqs = sqs_local.client()
    queues = ensure_queues(sqs, "dossier-jobs-it", visibility=1)
    monkeypatch.setenv("JOBS_QUEUE_URL", queues.url)
    reset_settings()
    # read now: the test client sets its stage's variables (another table) for the requests it serves
    assert settings().jobs_queue_url == queues.url and settings().table_name == local_table.name
    from app import fail_dead_jobs, run_jobs

    yield JobPoller(sqs, queues.url, queues.dead_url, run_jobs, fail_dead_jobs, wait_seconds=0, retry_after=0)
    monkeypatch.undo()
    reset_settings()


@pytest.fixture
def api(stack: JobPoller, local_table: Table) -> Iterator[Api]:
    from app import app

    with Client(app) as client:
        yield Api(client, make_firm(local_table).owner_token)


def run_import(api: Api, poller: JobPoller, data: bytes, *, dry_run: bool = False) -> dict[str, Any]:
    created = api.post("/imports", {"kind": "accounts", "format": "csv", "size": len(data)})
    assert created.status == 201, created.body
    session = requests.Session()
    session.trust_env = False
    put = session.put(created.body["upload_url"], data=data, headers={"Content-Type": "text/csv"}, timeout=30)
    assert put.status_code == 200, put.text
    started = api.post(f"/imports/{created.body['id']}/start", {"dry_run": dry_run})
    assert started.status == 202, started.body
    poller.drain()
    out = api.get(f"/imports/{created.body['id']}")
    assert out.status == 200 and out.body["status"] == "completed", out.body
    body: dict[str, Any] = out.body
    return body


def counts(**given: int) -> dict[str, int]:
    return {name: given.get(name, 0) for name in csv_import.OUTCOME_COUNTS}


def rows(n: int, prefix: str = "Klant") -> bytes:
    lines = [HEADER] + [
        f"{prefix} {i:04d};company;vip;Voor{i};Achter{i};{prefix.lower()}{i}@klanten.example;+31 6 {i:08d}"
        for i in range(1, n + 1)
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_1000_rows_then_the_same_file_again(api: Api, stack: JobPoller) -> None:
    data = rows(1000)
    first = run_import(api, stack, data)
    assert first["counts"] == counts(rows=1000, created=1000) and first["errors"] == []
    again = run_import(api, stack, data)
    assert again["counts"] == counts(rows=1000, unchanged=1000)
    assert len(list_all(api, "/accounts")) == 1000
    assert len(list_all(api, "/contacts")) == 1000
    assert [t["name"] for t in api.get("/tags").body["items"]] == ["vip"]


def test_a_crash_mid_import_resumes(api: Api, stack: JobPoller, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "CHUNK_ROWS", 50)
    real_apply = import_rows.apply
    crashed: list[int] = []

    def crash_once(ctx: Any, cat: Any, job_id: str, run: int, plan: import_rows.Plan) -> None:
        real_apply(ctx, cat, job_id, run, plan)
        if plan.row == 120 and not crashed:
            crashed.append(plan.row)
            raise RuntimeError("the worker died after row 120's writes")

    monkeypatch.setattr(imports, "apply", crash_once)
    out = run_import(api, stack, rows(200, "Crash"))
    assert crashed == [120]
    assert out["counts"] == counts(rows=200, created=200)
    assert len(list_all(api, "/accounts")) == 200 and len(list_all(api, "/contacts")) == 200


def test_a_dry_run_writes_nothing_but_its_outcomes(api: Api, stack: JobPoller, local_table: Table) -> None:
    kept = {"job", "import_row", "import_error", "idempotency"}
    before = [i for i in snapshot(local_table) if i.get("entity") not in kept]
    out = run_import(api, stack, rows(30, "Droog"), dry_run=True)
    assert out["counts"] == counts(rows=30, created=30)
    assert [i for i in snapshot(local_table) if i.get("entity") not in kept] == before


def test_a_semicolon_windows_1252_file_with_accents(api: Api, stack: JobPoller) -> None:
    text = (
        f"{HEADER}\r\nCafé Zoë;company;;Zoë;Müller;zoe@cafe.example;\r\n"
        "Brasserie Noël;company;;Anaïs;Brontë;a@b.example;\r\n"
    )
    out = run_import(api, stack, text.encode("cp1252"))
    assert out["counts"] == counts(rows=2, created=2)
    assert sorted(a["name"] for a in list_all(api, "/accounts")) == ["Brasserie Noël", "Café Zoë"]


def test_another_firm_sees_nothing(api: Api, stack: JobPoller, local_table: Table) -> None:
    out = run_import(api, stack, rows(3, "Eigen"))
    other = Api(api.client, make_firm(local_table, "Other & Co").owner_token)
    assert other.get(f"/imports/{out['id']}").status == 404
    assert list_all(other, "/accounts") == []
