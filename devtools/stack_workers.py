"""The local stack's workers (devtools/stack.py): the two stream pollers, each
as Lambda's stream mapping runs its function, and the jobs' queue poller."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devtools.dynamodb_local import ROOT
from devtools.job_poller import JobPoller, start_sweeper
from devtools.sqs_local import JobQueues
from devtools.stream_poller import DRAINED_AFTER_QUIET_PASSES, StreamPoller, mapping_settings, table_stream_arn

CHECKPOINTS = "stream-checkpoints.json"
SEARCH_CHECKPOINTS = "search-stream-checkpoints.json"


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


class _WatchedPoller(StreamPoller):
    """A poller that tells when it has caught up with the stream (a few quiet
    passes in a row, as ``drain`` counts them)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.caught_up = threading.Event()
        self._quiet = 0

    def poll_once(self) -> int:
        count = super().poll_once()
        self._quiet = 0 if count or self.failed_pass else self._quiet + 1
        if self._quiet >= DRAINED_AFTER_QUIET_PASSES:
            self.caught_up.set()
        return count


def start_stream_pollers(
    table: Any, workdir: Path, say: Callable[[str], None]
) -> tuple[Callable[[], None], list[threading.Event]]:
    """The stream-triggered functions, each with its own mapping and
    checkpoints as Lambda would run them in AWS (chalice local does not).
    Returns what stops them, and an event per poller set once it has caught up."""
    import boto3

    from app import index_search, project_overview
    from chalicelib.adapters.config import settings
    from chalicelib.repo.schema import TEMPLATE

    functions_log = workdir / "logs" / "stream-functions.log"
    failed_records = workdir / "logs" / "stream-failed-records.jsonl"
    # The stream functions' log lines (one per batch) go to a file, not over the welcome text.
    logger = logging.getLogger("dossier")
    for old in list(logger.handlers):
        logger.removeHandler(old)
    to_file = logging.FileHandler(functions_log)
    to_file.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.addHandler(to_file)

    s = settings()
    streams = boto3.client(
        "dynamodbstreams",
        endpoint_url=s.dynamodb_endpoint,
        region_name=s.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )

    def give_up(record: dict[str, Any]) -> None:
        with failed_records.open("a") as out:
            out.write(json.dumps(record, default=str) + "\n")

    stop = threading.Event()
    threads, caught_up = [], []
    for handler, function, checkpoints in (
        (project_overview, "ProjectOverview", CHECKPOINTS),
        (index_search, "IndexSearch", SEARCH_CHECKPOINTS),
    ):
        poller = _WatchedPoller(
            streams,
            table_stream_arn(table.client, table.name),
            handler,
            region=s.region,
            checkpoint_file=workdir / checkpoints,
            **mapping_settings(TEMPLATE, function),  # filters, batch size, parallelization factor
            on_give_up=give_up,
        )
        thread = threading.Thread(target=poller.run, args=(stop,), name=f"stream-{function}", daemon=True)
        thread.start()
        threads.append(thread)
        caught_up.append(poller.caught_up)
    say(f"Stream pollers running: overview (and notifications), search (checkpoints in {shown(workdir)}/,")
    say(f"  log in {shown(functions_log)})")

    def stop_pollers() -> None:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        logger.removeHandler(to_file)
        to_file.close()

    return stop_pollers, caught_up


def start_job_poller(sqs: Any, queues: JobQueues, say: Callable[[str], None]) -> Callable[[], None]:
    """The jobs worker on the local queue, as Lambda's SQS mapping runs it (devtools/job_poller.py);
    its log lines go where the stream functions' go. Returns what stops it."""
    from app import fail_dead_jobs, run_jobs, sweep_jobs

    poller = JobPoller(sqs, queues.url, queues.dead_url, run_jobs, fail_dead_jobs, wait_seconds=5)
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,), name="jobs-worker", daemon=True)
    thread.start()
    sweeper = start_sweeper(sweep_jobs, sqs.meta.region_name, stop)
    say("Jobs worker polling the local queue (exports, imports, fan-outs), and its sweeper every minute")

    def stop_poller() -> None:
        stop.set()
        thread.join(timeout=10)
        sweeper.join(timeout=10)

    return stop_poller
