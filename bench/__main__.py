"""``make bench``: the Info and Overview tabs' and the search's cost on
DynamoDB Local (the real engine, whose consumed-capacity figures are real).

One in-memory DynamoDB Local serves every benchmark (bench/info.py,
bench/overview.py, bench/search.py, bench/portal.py, bench/exports.py); each
seeds its own firm. ``burst`` (bench/burst.py) and ``imports`` (bench/imports.py)
run local stacks of their own; ``capacity`` (bench/capacity.py) is a model on
paper and needs neither. Prints Markdown tables for docs/performance.md.
``python -m bench search`` (or ``info``, ``overview``, ``portal``, ``details``,
``cost``, ``exports``, ``imports``, ``coldstart``, ``burst``, ``capacity``, ``metering``, ``goals``,
several names) runs only those.
"""

from __future__ import annotations

import os
import sys
import time

from tests.support import tokens

os.environ.update(
    **tokens.environment(),
    AWS_DEFAULT_REGION="us-east-1",
    DOSSIER_TABLE="dossier-bench",
)

from bench import (
    burst,
    capacity,
    coldstart,
    cost,
    details,
    exports,
    goals,
    imports,
    info,
    metering,
    overview,
    portal,
    search,
)
from chalicelib.adapters.config import reset_settings
from chalicelib.repo.schema import ensure_table
from chalicelib.repo.table import Table, reset_clients
from devtools.dynamodb_local import DynamoDBLocal

BENCHES = (
    "info",
    "overview",
    "search",
    "portal",
    "details",
    "cost",
    "exports",
    "imports",
    "coldstart",
    "burst",
    "capacity",
    "metering",
    "goals",
)
ON_THEIR_OWN = frozenset({"burst", "capacity", "imports"})  # need no shared DynamoDB Local


def _shared(chosen: list[str]) -> None:
    """The benchmarks that share one in-memory DynamoDB Local."""
    with DynamoDBLocal() as server:
        os.environ["DYNAMODB_ENDPOINT"] = server.endpoint
        reset_settings()
        reset_clients()
        table = Table.from_settings()
        ensure_table(table.client, table.name)
        from app import app, project_overview

        if "info" in chosen:
            print("## Info tab (`GET /accounts/{id}`)\n", flush=True)
            print(info.run(table, app), flush=True)
        if "overview" in chosen:
            print("\n## Overview tab (`GET /accounts/{id}/overview`)\n", flush=True)
            print(overview.run(table, app, project_overview), flush=True)
        if "search" in chosen:
            print("\n## Search (`GET /search`)\n", flush=True)
            print(search.run(table, app), flush=True)
        if "portal" in chosen:
            print("\n## Portal access\n", flush=True)
            print(portal.run(table, app), flush=True)
        if "details" in chosen:
            print("\n## Account details (custom fields, QuickBooks, photo)\n", flush=True)
            print(details.run(table, app), flush=True)
        if "cost" in chosen:
            print("\n## Cost per endpoint\n", flush=True)
            print(cost.run(table, app), flush=True)
        if "exports" in chosen:
            print("\n## Exports (`POST /exports`, the jobs queue)\n", flush=True)
            print(exports.run(table, app), flush=True)
        if "metering" in chosen:
            print("\n## Metering per firm\n", flush=True)
            print(metering.run(table, app), flush=True)
        if "coldstart" in chosen:
            print("\n### Cold start: importing the app, and its first request\n", flush=True)
            print(coldstart.run(table, app), flush=True)
        if "goals" in chosen:
            print("\n## Issue 20's goals, before and after\n", flush=True)
            print(goals.run(), flush=True)


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHES)
    unknown = [name for name in chosen if name not in BENCHES]
    if unknown:
        print(f"usage: python -m bench [{' | '.join(BENCHES)} ...]; unknown: {', '.join(unknown)}", file=sys.stderr)
        return 2
    started, load = time.perf_counter(), os.getloadavg()[0]
    if set(chosen) - ON_THEIR_OWN:
        _shared(chosen)
    if "burst" in chosen:
        print("\n## Search and Overview lag under a burst of account creates\n", flush=True)
        print(burst.run(), flush=True)
    if "capacity" in chosen:
        print("\n## Capacity model\n", flush=True)
        print(capacity.report(), flush=True)
    if "imports" in chosen:
        print("\n## CSV import (background job)\n", flush=True)
        print(imports.run(), flush=True)  # its own DynamoDB Local and moto server
    print(
        f"\n({time.perf_counter() - started:.0f} s on {os.cpu_count()} CPUs; "
        f"1-minute load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
