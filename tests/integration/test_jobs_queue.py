"""Background jobs on the local stand-ins, as ``make run`` runs them:
DynamoDB Local, s3rver, the jobs queue on moto's server (devtools/sqs_local.py)
and the worker called by the local poller (devtools/job_poller.py) in a
thread, with the events Lambda sends.

- an export end to end: POST /exports, the chain runs on the queue, GET
  /exports/{id} answers a presigned link that s3rver serves as an attachment;
- a chunk that fails comes back after the queue's visibility timeout (no
  help from the test) and the job completes with the same counts.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from chalice.test import Client

from chalicelib.adapters.auth import Claims
from chalicelib.adapters.config import reset_settings, settings
from chalicelib.adapters.photo_store import reset_clients as reset_s3_clients
from chalicelib.adapters.queue import JobQueue
from chalicelib.adapters.queue import reset_clients as reset_queue_clients
from chalicelib.domain.jobs import Job, Step
from chalicelib.repo.jobs import JobRepo
from chalicelib.repo.table import Table
from chalicelib.services import jobs
from chalicelib.services.context import Ctx
from devtools.job_poller import JobPoller
from devtools.s3_local import S3Local
from devtools.sqs_local import JobQueues, SqsLocal, ensure_queues
from tests.support.api import Api, TestFirm, make_firm
from tests.support.factories import create_account
from tests.support.jobs import fail_dead, worker

pytestmark = pytest.mark.integration

BUCKET = "dossier-files-jobs"
VISIBILITY_SECONDS = 2


@pytest.fixture
def stand_ins(
    local_table: Table, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[tuple[SqsLocal, JobQueues]]:
    s3 = S3Local(tmp_path / "s3", BUCKET)
    sqs = SqsLocal()

    def restore() -> None:
        s3.stop()
        sqs.stop()
        monkeypatch.undo()
        reset_settings()
        reset_s3_clients()
        reset_queue_clients()

    request.addfinalizer(restore)
    s3.start()
    sqs.start()
    queues = ensure_queues(sqs.client(), "dossier-jobs-it", visibility=VISIBILITY_SECONDS)
    monkeypatch.setenv("S3_ENDPOINT", s3.endpoint)
    monkeypatch.setenv("PHOTOS_BUCKET", BUCKET)
    monkeypatch.setenv("SQS_ENDPOINT", sqs.endpoint)
    monkeypatch.setenv("JOBS_QUEUE_URL", queues.url)
    reset_settings()
    reset_s3_clients()
    reset_queue_clients()
    assert settings().sqs_endpoint == sqs.endpoint
    yield sqs, queues


def _polling(poller: JobPoller) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,), daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=10)


@pytest.fixture
def firm(local_table: Table) -> TestFirm:
    return make_firm(local_table)


@pytest.fixture
def client(stand_ins: tuple[SqsLocal, JobQueues]) -> Iterator[Client]:
    from app import app

    with Client(app) as c:
        yield c


@pytest.fixture
def app_worker(stand_ins: tuple[SqsLocal, JobQueues]) -> Iterator[None]:
    """The app's worker functions on the local queues, as make run polls them."""
    from app import fail_dead_jobs, run_jobs

    sqs, queues = stand_ins
    poller = JobPoller(sqs.client(), queues.url, queues.dead_url, run_jobs, fail_dead_jobs, wait_seconds=1)
    yield from _polling(poller)


def _until(check: Any, seconds: float = 60.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_an_export_runs_on_the_local_queue_and_downloads_from_s3rver(
    client: Client, firm: TestFirm, app_worker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = Api(client, firm.owner_token)
    for i in range(12):
        create_account(owner, f"Klant {i:02}", new_contact={"first_name": f"Jan{i:02}", "last_name": "Jansen"})
    started = owner.post("/exports", {"kind": "accounts", "format": "csv"}).body

    def completed() -> dict[str, Any] | None:
        out: dict[str, Any] = owner.get(f"/exports/{started['id']}").body
        return out if out["status"] in ("completed", "failed") else None

    out = _until(completed)
    assert out["status"] == "completed" and out["counts"]["accounts"] == 12, out
    session = requests.Session()
    session.trust_env = False
    got = session.get(out["download_url"], timeout=10)
    assert got.status_code == 200
    assert got.headers["content-disposition"] == f'attachment; filename="{out["filename"]}"'
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"), newline="")))
    assert sorted(r["contact_first_name"] for r in rows) == [f"Jan{i:02}" for i in range(12)]


def test_a_failed_chunk_reappears_after_the_visibility_timeout_and_the_job_completes(
    local_table: Table, firm: TestFirm, stand_ins: tuple[SqsLocal, JobQueues]
) -> None:
    sqs, queues = stand_ins
    runs: list[tuple[str | None, float]] = []

    def flaky(ctx: Ctx, job: Job) -> Step:
        runs.append((job.cursor, time.monotonic()))
        if job.cursor == "1" and [c for c, _ in runs].count("1") == 1:
            raise RuntimeError("the first attempt at chunk 1 fails")
        return Step(cursor=None if job.cursor == "2" else str(int(job.cursor or 0) + 1), counts={"rows": 5})

    queue = JobQueue.from_settings()
    poller = JobPoller(
        sqs.client(), queues.url, queues.dead_url, worker(local_table, queue, {"import": flaky}), fail_dead(local_table)
    )
    poller.wait_seconds = 1
    ctx = Ctx(claims=Claims(firm_id=firm.firm_id, member_id=firm.owner_id), table=local_table)
    job = jobs.create(ctx, "import", {})
    repo = JobRepo(local_table)
    for _ in _polling(poller):
        done = _until(lambda: (j := repo.get(firm.firm_id, job.id)) and j.finished and j, seconds=30)
    assert (done.status, done.counts) == ("completed", {"rows": 15})
    cursors = [c for c, _ in runs]
    assert cursors == [None, "1", "1", "2"]
    first, second = (t for c, t in runs if c == "1")
    assert second - first >= VISIBILITY_SECONDS - 0.5  # it came back when its visibility timeout ended


def test_the_cli_exports_with_a_progress_bar(
    client: Client, local_table: Table, firm: TestFirm, app_worker: None, tmp_path: Path
) -> None:
    from chalicelib.admin import jobs_cli

    owner = Api(client, firm.owner_token)
    for i in range(3):
        create_account(owner, f"Cli {i}", new_contact={"first_name": f"Kees{i}", "last_name": "Cli"})
    out = tmp_path / "accounts.json"
    args = argparse.Namespace(firm=firm.firm_id, kind="accounts", format="json", member=None, out=out, timeout=60.0)
    err = io.StringIO()
    assert jobs_cli.run(local_table, args, err=err) == 0, err.getvalue()
    assert sorted(a["name"] for a in json.loads(out.read_text())["items"]) == ["Cli 0", "Cli 1", "Cli 2"]
    assert f"[{'#' * jobs_cli.BAR}] 3/3 accounts completed" in err.getvalue()
    assert "bytes written to" in err.getvalue()
