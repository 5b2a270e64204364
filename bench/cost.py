"""What one request of each endpoint costs in AWS, from its DynamoDB units
on DynamoDB Local and its handler time, for every route in
``chalicelib.handlers.http.routing.load_all()``.

A firm is seeded through the API first, so reads are realistic: 4 members,
4 tags, 7 custom field definitions, a pipeline, QuickBooks connected, 30
other accounts, and one main account (2 tags, 2 team members, an address, 4
custom field values with history, 3 contacts with 2 addresses, a phone and
custom field values each, two of the addresses with active portal login,
credit) with 30 items in each of the 13 activity sections (10 messages in one
chat), its overview and search entries written by the real stream handlers
(the local pollers, drained). Then each route is called WARMUP + ROUNDS times
through chalice.test.Client as the firm's owner, each call metered on the
table's client: reads of the seeded resources first, then every mutating
route on a fresh resource per call (a new account shaped like the main one,
a new item of the main account, a new tag, ...), prepared and settled (the
pollers drained) before the calls are made. Photos go to moto's S3.

The handler time is the Lambda handler's (the Chalice app called with the API
Gateway event), timed in-process on this machine, DynamoDB Local round trips
over localhost included. The cold-start import ratio compares fresh
interpreters importing the app and importing boto3 alone.
"""

from __future__ import annotations

import logging
import math
import os
import re
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, redirect_stdout
from dataclasses import dataclass
from typing import Any
from unittest import mock

import boto3
from chalice.app import Chalice
from chalice.test import Client
from moto import mock_aws

from bench.common import Usage, dynamodb_per_million, lambda_per_million, metered
from bench.cost_firm import Firm
from bench.cost_scenarios import Req, Scenario, scenarios_of
from chalicelib.adapters.config import reset_settings, settings
from chalicelib.adapters.photo_store import reset_clients as reset_photo_clients
from chalicelib.domain import prices
from chalicelib.handlers.http.endpoint import RouteDoc
from chalicelib.handlers.http.routing import load_all
from chalicelib.repo.table import Table
from tests.support.api import Api, Reply, make_firm
from tests.support.stream import poller, search_poller

# --- prices -------------------------------------------------------------------------------
# One source for this table and the firms' usage estimate: chalicelib/domain/prices.py (sources there).
API_GATEWAY_REST_PER_MILLION = float(prices.API_GATEWAY_REST_PER_MILLION)  # the "REST total" column
HTTP_API_PER_MILLION = float(prices.API_GATEWAY_HTTP_PER_MILLION)  # the front door (infra/template.json's HttpApi)
HTTP_API_METERING_BYTES = 512 * 1024
LAMBDA_REQUESTS_PER_MILLION = float(prices.LAMBDA_REQUESTS_PER_MILLION)
LAMBDA_PER_GB_SECOND = float(prices.LAMBDA_PER_GB_SECOND)
LAMBDA_MEMORY_MB = prices.API_LAMBDA_MEMORY_MB
DYNAMODB_PER_MILLION_RRU = float(prices.DYNAMODB_PER_MILLION_RRU)
DYNAMODB_PER_MILLION_WRU = float(prices.DYNAMODB_PER_MILLION_WRU)

WARMUP = 1  # calls per route before the measured ones (lazy model builds, caches)
ROUNDS = 11  # measured calls per route: units of one call, median of the handler times

TRANSACTION_MARK = "†"
VARIED_MARK = "‡"


@dataclass(frozen=True, slots=True)
class Row:
    route: RouteDoc
    usage: Usage
    varied: str  # "" or the spread of (requests, RRU, WRU) across rounds
    handler_ms: float
    payload_bytes: int = 0  # the request's body and the answer's, as the function received and returned them

    @property
    def transactional(self) -> bool:
        return self.usage.requests["TransactWriteItems"] > 0

    @property
    def billed_ms(self) -> int:
        return math.ceil(self.handler_ms)

    @property
    def metered_requests(self) -> int:
        """What the HTTP API bills one call as: one request per 512 KB started of its payload."""
        return max(1, math.ceil(self.payload_bytes / HTTP_API_METERING_BYTES))

    @property
    def api_gateway(self) -> float:
        return HTTP_API_PER_MILLION * self.metered_requests

    @property
    def rest_total(self) -> float:
        """The same call behind the REST API (before issue 20)."""
        return API_GATEWAY_REST_PER_MILLION + self.lambda_ + self.dynamodb

    @property
    def lambda_(self) -> float:
        return lambda_per_million(self.billed_ms, LAMBDA_MEMORY_MB)

    @property
    def dynamodb(self) -> float:
        return dynamodb_per_million(self.usage.rru, self.usage.wru)

    @property
    def total(self) -> float:
        return self.api_gateway + self.lambda_ + self.dynamodb


class TimedHandler:
    """The Lambda handler as API Gateway invokes it (the Chalice app called
    with the event), timed; stands in for the app in the test client's gateway."""

    def __init__(self, app: Chalice) -> None:
        self.app = app
        self.seconds = 0.0
        self.route = ""
        self.payload_bytes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        request = event.get("requestContext", {})
        self.route = f"{request.get('httpMethod')} {request.get('resourcePath')}"
        start = time.perf_counter()
        answer: Any = None
        try:
            answer = self.app(event, context)
            return answer
        finally:
            self.seconds = time.perf_counter() - start
            sent = event.get("body") or ""
            returned = (answer or {}).get("body") or ""
            self.payload_bytes = len(sent) + len(returned)  # base64 text when binary, as the gateway sees it


@contextmanager
def _photos() -> Iterator[None]:
    """moto's S3 for the photo routes, with the bucket (only DynamoDB is metered)."""
    with mock_aws():
        reset_photo_clients()
        boto3.client("s3", region_name=settings().region).create_bucket(Bucket=settings().photos_bucket)
        try:
            yield
        finally:
            reset_photo_clients()


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    reset_settings()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_settings()


# --- measuring --------------------------------------------------------------------------


def _call(api: Api, method: str, req: Req) -> Reply:
    caller = api.as_(None) if req.anonymous else api
    return caller.call(method, req.path, req.body, raw=req.raw, headers=req.headers)


def _measure(table: Table, api: Api, firm: Firm, handler: TimedHandler, route: RouteDoc, scenario: Scenario) -> Row:
    route_id = f"{route.method} {route.path}"
    with _photos() if scenario.s3 else nullcontext():
        calls = scenario.prepare(WARMUP + ROUNDS)
        if route.method != "GET":
            firm.settle()
        usages: list[Usage] = []
        seconds: list[float] = []
        payloads: list[int] = []
        for i, req in enumerate(calls):
            with metered(table.client) as usage:
                reply = _call(api, route.method, req)
            assert reply.status == route.status, (route_id, req.path, reply.status, reply.body)
            assert handler.route == route_id, (route_id, "was served by", handler.route)
            if i >= WARMUP:
                usages.append(usage)
                seconds.append(handler.seconds)
                payloads.append(handler.payload_bytes)
    shapes = Counter((u.total_requests, u.rru, u.wru) for u in usages)
    usual = shapes.most_common(1)[0][0]
    varied = ""
    if len(shapes) > 1:
        spread = [
            f"{name} {min(s[k] for s in shapes):g} to {max(s[k] for s in shapes):g}"
            for k, name in enumerate(("requests", "RRU", "WRU"))
            if len({s[k] for s in shapes}) > 1
        ]
        varied = ", ".join(spread) + f" (the table shows the most frequent, {shapes.most_common(1)[0][1]} of {ROUNDS})"
    chosen = next(u for u in usages if (u.total_requests, u.rru, u.wru) == usual)
    return Row(route, chosen, varied, statistics.median(seconds) * 1000, max(payloads))


def _money(value: float) -> str:
    return f"{value:.2f}"


def _table(rows: list[Row]) -> list[str]:
    lines = [
        "| route | DynamoDB requests | RRU | WRU | handler ms: median (billed) | HTTP API | Lambda "
        "| DynamoDB | total | REST total (before) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        marks = (TRANSACTION_MARK if row.transactional else "") + (VARIED_MARK if row.varied else "")
        lines.append(
            f"| `{row.route.method} {row.route.path}`{marks} | {row.usage.requests_text()} | {row.usage.rru:g} "
            f"| {row.usage.wru:g} | {row.handler_ms:.1f} ({row.billed_ms}) | {_money(row.api_gateway)} "
            f"| {_money(row.lambda_)} | {_money(row.dynamodb)} | {_money(row.total)} | {_money(row.rest_total)} |"
        )
    return lines


def _notes(rows: list[Row]) -> list[str]:
    transactional = sum(1 for r in rows if r.transactional)
    by_dynamodb = sorted(rows, key=lambda r: r.dynamodb, reverse=True)
    gateway_first = sum(1 for r in rows if r.api_gateway >= max(r.lambda_, r.dynamodb))
    lines = [
        "",
        f"USD per million requests of the route, us-east-1 prices as of 2026-11 (constants in bench/cost.py): "
        f"API Gateway HTTP API ${HTTP_API_PER_MILLION:.2f} per {HTTP_API_METERING_BYTES // 1024} KB of payload "
        f"started (REST ${API_GATEWAY_REST_PER_MILLION:.2f} in the before column, no such metering); "
        f"Lambda ${LAMBDA_REQUESTS_PER_MILLION:.2f} "
        f"+ ${LAMBDA_PER_GB_SECOND} per GB-second at {LAMBDA_MEMORY_MB} MB; DynamoDB on-demand "
        f"${DYNAMODB_PER_MILLION_RRU} per million RRU, ${DYNAMODB_PER_MILLION_WRU} per million WRU. "
        "No free tier, data transfer, CloudWatch Logs, S3 (photos) or SES (invitations).",
        "",
        f"- Each route: {WARMUP} warm-up call, then {ROUNDS} measured calls as the firm's owner (not on the "
        "account's team), one call each on a "
        "fresh resource for the mutating routes. Requests and units are those of one call (every measured "
        "call gave the same unless marked).",
        f"- handler ms: the median of the {ROUNDS} calls' Lambda handler time (the Chalice app called with the "
        "API Gateway event), measured in-process on this machine, DynamoDB Local's round trips over localhost "
        "included, the app's INFO logs off and its metric lines written to /dev/null; billed = rounded up to "
        "the next 1 ms. It is not a Lambda measurement: no cold start, and AWS's own latencies differ.",
        f"- {TRANSACTION_MARK} the call makes a TransactWriteItems ({transactional} routes). DynamoDB Local reports "
        "transactions as flat figures that do not count every item written (the account create's transaction of "
        "25 items, 21 Puts and 4 condition checks, is reported as 6 WRU), not by DynamoDB's rule (2 WRU per item "
        "of up to 1 KB). These rows' WRU and DynamoDB cost are DynamoDB Local's figures, not AWS's bill; "
        "docs/data-model.md (Access patterns) gives the rule-based cost of these patterns, not recomputed here.",
        "- Stream work is not in these rows: the overview projection, the search indexer and notifications run "
        "in their own Lambda functions per change (see the Overview and Search sections).",
        f"- {sum(1 for r in rows if r.metered_requests > 1)} routes' calls were billed as more than one HTTP API "
        f"request (payload over {HTTP_API_METERING_BYTES // 1024} KB). "
        f"The HTTP API is the largest part of the total for {gateway_first} of {len(rows)} routes. Highest "
        "DynamoDB cost: "
        + "; ".join(
            f"`{r.route.method} {r.route.path}` ${r.dynamodb:.2f} ({r.usage.rru:g} RRU, {r.usage.wru:g} WRU)"
            for r in by_dynamodb[:5]
        )
        + ".",
    ]
    for row in rows:
        if row.varied:
            lines.append(f"- {VARIED_MARK} `{row.route.method} {row.route.path}` varied across calls: {row.varied}.")
    return lines


def endpoint_costs(table: Table, app: Chalice) -> str:
    """Seed, measure every route, and the results as a Markdown table with notes."""
    firm_ = make_firm(table, "Northwind CPA")
    handler = TimedHandler(app)
    with Client(app) as client, mock.patch.object(client.http._local_gateway, "_app_object", handler):
        api = Api(client, firm_.owner_token)
        firm = Firm(api, [poller(table), search_poller(table)])
        firm.seed()
        scenarios = scenarios_of(firm)
        # BENCH_ROUTES (a regular expression on "METHOD /path") measures only the routes it matches.
        chosen = [r for r in load_all() if re.search(os.environ.get("BENCH_ROUTES", ""), f"{r.method} {r.path}")]
        missing = [r for r in chosen if f"{r.method} {r.path}" not in scenarios]
        known = [r for r in chosen if f"{r.method} {r.path}" in scenarios]
        reads = [r for r in known if r.method == "GET"]
        writes = [r for r in known if r.method != "GET"]
        measured = {
            id(r): _measure(table, api, firm, handler, r, scenarios[f"{r.method} {r.path}"]) for r in reads + writes
        }
        firm.settle()
    rows = [measured[id(r)] for r in known]
    unmeasured = [
        f"- Not measured (no scenario in bench/cost.py yet, {len(missing)} routes): "
        + ", ".join(f"`{r.method} {r.path}`" for r in missing)
        + "."
    ]
    return "\n".join([*_table(rows), *_notes(rows), *(unmeasured if missing else [])])


@contextmanager
def _quiet(name: str = "dossier") -> Iterator[None]:
    """The stream functions log a line per batch; keep them out of the tables."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def run(table: Table, app: Chalice) -> str:
    with (
        _quiet(),
        open(os.devnull, "w") as sink,
        redirect_stdout(sink),  # the app's metric lines (CloudWatch's embedded metric format)
        tempfile.TemporaryDirectory() as outbox,
        _environment(MAIL_OUTBOX_DIR=outbox, PHOTOS_BUCKET=os.environ.get("PHOTOS_BUCKET") or "dossier-bench-photos"),
    ):
        costs = endpoint_costs(table, app)
    return costs
