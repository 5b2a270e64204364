"""``make bench``: the Info and Overview tabs' cost on DynamoDB Local (the
real engine, whose consumed-capacity figures are real).

One in-memory DynamoDB Local serves both benchmarks (bench/info.py,
bench/overview.py); each seeds its own firm. Prints Markdown tables for
docs/performance.md.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.update(
    AUTH_MODE="hs256",
    JWT_SECRET="bench-secret-0123456789-0123456789-0123456789",
    AWS_DEFAULT_REGION="us-east-1",
    DOSSIER_TABLE="dossier-bench",
)

from bench import info, overview
from chalicelib.config import reset_settings
from chalicelib.repo.schema import ensure_table
from chalicelib.repo.table import Table, reset_clients
from devtools.dynamodb_local import DynamoDBLocal


def main() -> int:
    started, load = time.perf_counter(), os.getloadavg()[0]
    with DynamoDBLocal() as server:
        os.environ["DYNAMODB_ENDPOINT"] = server.endpoint
        reset_settings()
        reset_clients()
        table = Table.from_settings()
        ensure_table(table.client, table.name)
        from app import app, project_overview

        print("## Info tab (`GET /accounts/{id}`)\n", flush=True)
        print(info.run(table, app), flush=True)
        print("\n## Overview tab (`GET /accounts/{id}/overview`)\n", flush=True)
        print(overview.run(table, app, project_overview), flush=True)
    print(
        f"\n({time.perf_counter() - started:.0f} s on {os.cpu_count()} CPUs; "
        f"1-minute load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
