"""``make run``: DynamoDB Local with a persistent data folder, the table,
demo data, and ``chalice local`` on http://localhost:8000. Ctrl-C stops all."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from chalicelib.cli import use_stage
from chalicelib.config import settings
from chalicelib.demo import seed
from chalicelib.repo.schema import TEMPLATE, ensure_table, schema_matches
from chalicelib.repo.table import Table
from devtools.dynamodb_local import ROOT, DynamoDBLocal, answering
from devtools.s3_local import S3Local
from devtools.stream_poller import StreamPoller, mapping_filters, table_stream_arn

DATA_DIR = ROOT / ".data" / "dynamodb"
S3_DIR = ROOT / ".data" / "s3"
LOG_DIR = ROOT / ".data" / "logs"
CHECKPOINTS = ROOT / ".data" / "stream-checkpoints.json"
SEARCH_CHECKPOINTS = ROOT / ".data" / "search-stream-checkpoints.json"
FAILED_RECORDS = LOG_DIR / "stream-failed-records.jsonl"
FUNCTIONS_LOG = LOG_DIR / "stream-functions.log"
API_PORT = 8000


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwind like Ctrl-C, so every process we started is stopped


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    use_stage("local")
    endpoint = settings().dynamodb_endpoint
    assert endpoint, "the local stage sets DYNAMODB_ENDPOINT"
    port = urlparse(endpoint).port or 8100
    if answering(port):
        print(f"Port {port} is already in use (another `make run`?). Stop it first.", file=sys.stderr)
        return 1
    s3_port = urlparse(settings().s3_endpoint or "http://localhost:4569").port or 4569
    if answering(s3_port):
        print(f"Port {s3_port} is already in use (another `make run`?). Stop it first.", file=sys.stderr)
        return 1
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with (
        (LOG_DIR / "dynamodb-local.log").open("ab") as log,
        DynamoDBLocal(port=port, data_dir=DATA_DIR, log=log),
        (LOG_DIR / "s3rver.log").open("ab") as s3_log,
        S3Local(S3_DIR, settings().photos_bucket, port=s3_port, log=s3_log),
    ):
        print(f"DynamoDB Local on http://localhost:{port} (data in {DATA_DIR.relative_to(ROOT)}/)")
        print(f"Local S3 (s3rver) on http://localhost:{s3_port} for photos (files in {S3_DIR.relative_to(ROOT)}/)")
        table = Table.from_settings()
        if not ensure_table(table.client, table.name) and not schema_matches(table.client, table.name):
            print("The local table was made by an older version of Dossier: recreating it with demo data.")
            CHECKPOINTS.unlink(missing_ok=True)
            SEARCH_CHECKPOINTS.unlink(missing_ok=True)
            table.client.delete_table(TableName=table.name)
            ensure_table(table.client, table.name)
        stop = threading.Event()
        pollers = _start_pollers(table, stop)
        print("Demo data (created on the first run, in about half a minute)...")
        _print_welcome(seed(table))
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "chalice"),
                "local",
                "--stage",
                "local",
                "--port",
                str(API_PORT),
                "--no-autoreload",
            ],
            cwd=ROOT,
            env=os.environ,
        )
        try:
            return server.wait()
        except KeyboardInterrupt:
            stop.set()
            for poller in pollers:
                poller.join(timeout=10)
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            print("\nStopped.")
            return 0


def _start_pollers(table: Table, stop: threading.Event) -> list[threading.Thread]:
    """The stream-triggered functions, each with its own mapping and
    checkpoints as Lambda would run them in AWS (chalice local does not)."""
    import boto3

    from app import index_search, project_overview

    # The stream functions' log lines (one per batch) go to a file, not over the welcome text.
    logger = logging.getLogger("dossier")
    for old in list(logger.handlers):
        logger.removeHandler(old)
    to_file = logging.FileHandler(FUNCTIONS_LOG)
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
        with FAILED_RECORDS.open("a") as out:
            out.write(json.dumps(record, default=str) + "\n")

    threads = []
    for handler, function, checkpoints in (
        (project_overview, "ProjectOverview", CHECKPOINTS),
        (index_search, "IndexSearch", SEARCH_CHECKPOINTS),
    ):
        poller = StreamPoller(
            streams,
            table_stream_arn(table.client, table.name),
            handler,
            region=s.region,
            checkpoint_file=checkpoints,
            filters=mapping_filters(TEMPLATE, function),
            on_give_up=give_up,
        )
        thread = threading.Thread(target=poller.run, args=(stop,), name=f"stream-{function}", daemon=True)
        thread.start()
        threads.append(thread)
    folder = CHECKPOINTS.parent.relative_to(ROOT)
    print(f"Stream pollers running: overview (and notifications), search (checkpoints in {folder}/,")
    print(f"  log in {FUNCTIONS_LOG.relative_to(ROOT)})")
    return threads


def _print_welcome(demo: dict[str, Any]) -> None:
    members = demo["members"]
    print(f"\nDemo firm {demo['firm_id']}. Bearer tokens (valid 12 h; new ones: python -m chalicelib.cli token):")
    for m in members:
        print(f"  {m['role']:<8} {m['name']:<15} rights={json.dumps(m['rights'])}\n    {m['token']}")
    print("\nTry:")
    print(f'  curl -s -H "Authorization: Bearer {members[0]["token"]}" "http://localhost:{API_PORT}/accounts?limit=5"')
    print("  # the Overview tab of the first account:")
    print(
        f'  curl -s -H "Authorization: Bearer {members[0]["token"]}" '
        f'"http://localhost:{API_PORT}/accounts/{demo["first_account_id"]}/overview"'
    )
    print("  # search as you type (name word prefixes, parts of contacts' addresses; accents ignored):")
    print(f'  curl -s -H "Authorization: Bearer {members[0]["token"]}" "http://localhost:{API_PORT}/search?q=mull"')
    print("  # mail (portal invitations, notifications) goes to .data/outbox/; list it, with accept commands:")
    print("  .venv/bin/python -m chalicelib.cli mail outbox --last 5")
    print("  # email sync: record a received message (RFC 5322 file) as SES inbound would:")
    print(f"  .venv/bin/python -m chalicelib.cli mail receive --firm {demo['firm_id']} message.eml\n")


if __name__ == "__main__":
    sys.exit(main())
