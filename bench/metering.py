"""Metering per firm (issue 20, goal 7): a recorded burst's access log
shipped to the meter (``app.meter_usage``) in subscription events of N
requests each, on DynamoDB Local; for each N, whether the counters agree
with the log, the meter's writes per batch (DynamoDB Local's figure, and by
DynamoDB's rule: 2 WRU per item of a transaction, every item ≤ 1 KB), its
in-process time per batch, and what metering costs per million requests
against the request's own price (prices: chalicelib/domain/prices.py)."""

from __future__ import annotations

import io
import logging
import math
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import replace
from decimal import Decimal
from typing import Any

from chalice.app import Chalice
from chalice.test import Client

from app import meter_usage
from bench.common import metered
from chalicelib.adapters.log_subscription import LogEvent, decode
from chalicelib.domain import metering, prices
from chalicelib.handlers.usage import route_group
from chalicelib.repo.table import Table
from chalicelib.repo.usage import PART_SIZE, UsageRepo
from tests.support.api import Api, make_firm
from tests.support.usage import batches, recorded_log, varied_burst

ROUNDS = 20  # of the burst's 16 requests
SIZES = (1, 10, 50, 100, 1000)  # requests per delivered batch
METER_MEMORY_MB = 256  # .chalice/config.json, meter_usage
METER_BILLED_MS = 40  # assumed per invocation in AWS (decode + one transaction round trip)
# The request's own price with the HTTP API front door: the cost table's cheapest route and the Overview
# read, each less REST's $3.50 plus HTTP's $1.00 (docs/performance.md, "Cost per endpoint").
REQUEST_PRICES = {"cheapest": Decimal("1.22"), "Overview": Decimal("1.80")}
LATEST: dict[int, float] = {}  # the last run's metering cost, % of the Overview's price, by batch size (bench/goals.py)


def _per_invocation() -> Decimal:
    gb_seconds = Decimal(METER_BILLED_MS) / 1000 * METER_MEMORY_MB / 1024
    return prices.LAMBDA_REQUESTS_PER_MILLION / 1_000_000 + gb_seconds * prices.LAMBDA_PER_GB_SECOND


@contextmanager
def _quiet() -> Iterator[None]:
    """The app's own log and metric lines (stdout) off; recorded_log's handler still sees every line."""
    app_logger = logging.getLogger("dossier")
    handlers = list(app_logger.handlers)
    for handler in handlers:
        app_logger.removeHandler(handler)
    try:
        with redirect_stdout(io.StringIO()):
            yield
    finally:
        for handler in handlers:
            app_logger.addHandler(handler)


def run(table: Table, app: Chalice) -> str:
    with _quiet():
        return _run(table, app)


def _run(table: Table, app: Chalice) -> str:
    with Client(app) as client:
        firm = make_firm(table, "Metered & Co")
        with recorded_log() as log:
            varied_burst(Api(client, firm.owner_token), firm, ROUNDS)
    events = log.events
    month = metering.month_of(events[0].timestamp)
    lines = [s for e in events if (s := metering.parse_served(e.message, e.timestamp)) is not None]
    expected = metering.tally(lines, route_group)
    want = sum(t.requests for t in expected.values())
    rows = [
        "| requests per batch | batches | agrees with the log | counters per batch | WRU per batch: DynamoDB Local "
        "(by rule) | meter ms per batch, median | metering $ per million requests | % of "
        + " | % of ".join(f"{k} (${v})" for k, v in REQUEST_PRICES.items())
        + " |",
        "|---|---|---|---|---|---|---|" + "---|" * len(REQUEST_PRICES),
    ]
    for size in SIZES:
        firm_id = f"BENCH{size:05d}"  # each size counts into a firm of its own
        renamed = [replace(e, message=e.message.replace(firm.firm_id, firm_id)) for e in events]
        deliveries = batches(renamed, size, stream=f"bench-{size}")
        times: list[float] = []
        counters: list[int] = []
        with metered(table.client) as usage:
            for event in deliveries:
                started = time.perf_counter()
                meter_usage(event, None)
                times.append((time.perf_counter() - started) * 1000)
        meter_usage(deliveries[0], None)  # delivered again: counted once
        for event in deliveries:
            batch = [s for e in _decoded(event) if (s := metering.parse_served(e.message, e.timestamp))]
            counters.append(len(metering.tally(batch, route_group)))
        got = sum(r.requests for r in UsageRepo(table).month(firm_id, month))
        by_rule = sum(2 * (k + math.ceil(k / PART_SIZE)) for k in counters if k)
        invocations = len(deliveries)
        cost = (invocations * _per_invocation() + by_rule * prices.DYNAMODB_PER_MILLION_WRU / 1_000_000) / want
        per_million = cost * 1_000_000
        LATEST[size] = float(per_million / REQUEST_PRICES["Overview"] * 100)
        shares = " | ".join(f"{per_million / price * 100:.1f} %" for price in REQUEST_PRICES.values())
        rows.append(
            f"| {size} | {invocations} | {'yes' if got == want else f'no: {got} of {want}'} "
            f"| {statistics.mean(counters):.1f} | {usage.wru / invocations:.1f} ({by_rule / invocations:.1f}) "
            f"| {statistics.median(times):.1f} | {per_million:.3f} | {shares} |"
        )
    notes = [
        "",
        f"{len(events)} log lines of a burst of {ROUNDS} rounds ({want} requests of the firm; 401s and /health are "
        f"no firm's), shipped in subscription events of N log lines. Cost per batch: Lambda "
        f"${prices.LAMBDA_REQUESTS_PER_MILLION}/M invocations + {METER_BILLED_MS} ms billed at {METER_MEMORY_MB} MB "
        f"(assumed, not measured in AWS), + the by-rule WRU at ${prices.DYNAMODB_PER_MILLION_WRU}/M. "
        "The meter's in-process time is DynamoDB Local's, on this machine.",
    ]
    return "\n".join(rows + notes)


def _decoded(event: dict[str, Any]) -> tuple[LogEvent, ...]:
    batch = decode(event)
    return batch.events if batch else ()
