"""``make run``: DynamoDB Local with a persistent data folder, the table,
demo data, and ``chalice local`` on http://localhost:8000. Ctrl-C stops all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from chalicelib.cli import use_stage
from chalicelib.config import settings
from chalicelib.demo import seed
from chalicelib.repo.schema import ensure_table
from chalicelib.repo.table import Table
from devtools.dynamodb_local import ROOT, DynamoDBLocal, answering

DATA_DIR = ROOT / ".data" / "dynamodb"
LOG_DIR = ROOT / ".data" / "logs"
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
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with (LOG_DIR / "dynamodb-local.log").open("ab") as log, DynamoDBLocal(port=port, data_dir=DATA_DIR, log=log):
        print(f"DynamoDB Local on http://localhost:{port} (data in {DATA_DIR.relative_to(ROOT)}/)")
        table = Table.from_settings()
        ensure_table(table.client, table.name)
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
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            print("\nStopped.")
            return 0


def _print_welcome(demo: dict[str, Any]) -> None:
    members = demo["members"]
    print(f"\nDemo firm {demo['firm_id']}. Bearer tokens (valid 12 h; new ones: python -m chalicelib.cli token):")
    for m in members:
        print(f"  {m['role']:<8} {m['name']:<15} rights={json.dumps(m['rights'])}\n    {m['token']}")
    print("\nTry:")
    print(
        f'  curl -s -H "Authorization: Bearer {members[0]["token"]}" "http://localhost:{API_PORT}/accounts?limit=5"\n'
    )


if __name__ == "__main__":
    sys.exit(main())
