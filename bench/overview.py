"""The Overview tab (``GET /accounts/{id}/overview``) and the stream projection
that keeps it, on DynamoDB Local.

One firm, one account whose thirteen sections are all full (6 qualifying
items each, so every overview item holds 5 summaries and has_more), created
through the HTTP API and projected by the real stream handler (the local
poller over the table's stream). Measured side by side in one run:

- latency of the endpoint (Chalice test client) vs a bare boto3 Query of the
  same key range vs a naive design that reads each section separately (13
  Queries of the newest 5 on LSI2 + a GetItem of the account), interleaved;
- read units of each, and the size of the items the Query returns;
- what the projection spends per source write (requests, read and write
  units on the table's client; the poller's own DynamoDB Streams calls are
  another client and not counted), what the source write itself spends, and
  what delivering the same records again costs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from chalice.app import Chalice
from chalice.test import Client

from bench.common import Usage, metered, ok
from bench.overview_reads import read_table
from bench.overview_seed import CHAT_MESSAGE, TASK_DESCRIPTION, Seeded, item_body, seed_account, seed_items
from chalicelib.repo import keys
from chalicelib.repo.table import Table
from devtools.stream_poller import LambdaContext, StreamPoller
from tests.support.api import Api, make_firm
from tests.support.stream import poller

# --- the projection ----------------------------------------------------------------------------


class Recorder:
    """The deployed stream handler, keeping the events it was given so they
    can be delivered again."""

    def __init__(self, handler: Callable[[dict[str, Any], Any], Any]) -> None:
        self.handler = handler
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        return self.handler(event, context)

    @contextmanager
    def fresh(self) -> Iterator[list[dict[str, Any]]]:
        self.events = []
        yield self.events


@dataclass
class Projected:
    label: str
    writes: int
    records: int
    own_records: int
    source: Usage
    projection: Usage
    duplicate: Usage


def _project(
    label: str, writes: list[Callable[[], object]], table: Table, stream: StreamPoller, recorder: Recorder
) -> Projected:
    """Run ``writes``, deliver their records with one drain of the poller,
    then hand the same events to the handler once more; each step metered."""
    with metered(table.client) as source:
        for write in writes:
            write()
    with recorder.fresh() as events, metered(table.client) as projection:
        stream.drain()
    assert events, f"{label}: the stream delivered nothing"
    with metered(table.client) as duplicate:
        for event in events:
            result = recorder.handler(event, LambdaContext())
            assert not result["batchItemFailures"], result
    records = [r for e in events for r in e["Records"]]
    own = [r for r in records if r["dynamodb"].get("NewImage", {}).get("entity") == {"S": keys.OVERVIEW}]
    return Projected(label, len(writes), len(records) - len(own), len(own), source, projection, duplicate)


def _writes(seed: Seeded) -> list[tuple[str, Callable[[], object]]]:
    """One-item writes of daily work, each a single API call; each call to
    this makes fresh ones (a new task and note, a message in the next chat,
    the next unpaid invoice)."""
    api, base = seed.api, seed.base
    task: dict[str, str] = {}
    invoice = seed.ids["invoices"].pop()
    # Another chat each time, last active at seeding: the message moves it to the top of the
    # overview, and re-keys it in its indexes, whatever the second it is written in.
    chat = seed.ids["chats"].pop()
    seed.messages += 1
    message = {"body": f"({seed.messages}) {CHAT_MESSAGE}", "author": "firm"}

    def create_task() -> None:
        body = item_body("tasks", 1, seed) | {"title": "Send the Q4 estimated tax voucher"}
        task["id"] = ok(api.post(f"{base}/tasks", body), 201)["id"]

    def start_task() -> None:
        ok(api.patch(f"{base}/tasks/{task['id']}", {"status": "in_progress"}))

    return [
        ("create a task", create_task),
        ("change its status (planned → in progress)", start_task),
        ("create a note", lambda: ok(api.post(f"{base}/notes", item_body("notes", 9, seed)), 201)),
        ("add a chat message", lambda: ok(api.post(f"{base}/chats/{chat}/messages", message), 201)),
        ("pay an invoice from credit", lambda: ok(api.post(f"{base}/invoices/{invoice}/apply-credit"))),
    ]


def _extra_writes(seed: Seeded) -> list[tuple[str, Callable[[], object]]]:
    """Writes that do not change what the overview shows."""
    api, base = seed.api, seed.base
    document = {"name": "Signed engagement letter 2026.pdf", "uploaded_by": "firm"}
    task = seed.ids["tasks"][0]
    edit = {"description": TASK_DESCRIPTION + " Include the savings account."}
    return [
        ("upload a document by the firm (never shown)", lambda: ok(api.post(f"{base}/documents", document), 201)),
        ("edit a task's description (not in the summary)", lambda: ok(api.patch(f"{base}/tasks/{task}", edit))),
    ]


# --- the run -----------------------------------------------------------------------------------


def _check_projected(overview: dict[str, Any]) -> None:
    """The single writes reached the overview."""
    assert overview["tasks"]["items"][0]["title"] == "Send the Q4 estimated tax voucher", overview["tasks"]
    assert overview["tasks"]["items"][0]["status"] == "in_progress", overview["tasks"]
    assert overview["notes"]["items"][0]["title"].endswith(" 9"), overview["notes"]
    assert overview["chats"]["items"][0]["last_author"] == "firm", overview["chats"]


def _projection_table(rows: list[Projected]) -> list[str]:
    lines = [
        "| source write | stream records: source + overview | source write: requests | source write: RRU / WCU "
        "| projection: requests | projection: RRU | projection: WCU | duplicate delivery: requests "
        "| duplicate: RRU / WCU |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.label} | {row.records} + {row.own_records} | {row.source.requests_text()} "
            f"| {row.source.rru:g} / {row.source.units_text('write')} | {row.projection.requests_text()} "
            f"| {row.projection.units_text('read')} | {row.projection.units_text('write')} "
            f"| {row.duplicate.requests_text()} | {row.duplicate.rru:g} / {row.duplicate.wru:g} |"
        )
        if row.writes > 1:
            n = row.writes
            lines.append(
                f"| … per source write (÷ {n}) | {row.records / n:.1f} + {row.own_records / n:.1f} "
                f"| {row.source.total_requests / n:.1f} | {row.source.rru / n:.2f} / {row.source.wru / n:.1f} "
                f"| {row.projection.total_requests / n:.1f} | {row.projection.rru / n:.2f} "
                f"| {row.projection.wru / n:.2f} | {row.duplicate.total_requests / n:.1f} "
                f"| {row.duplicate.rru / n:.2f} / {row.duplicate.wru / n:g} |"
            )
    return lines


def run(table: Table, app: Chalice, project: Callable[[dict[str, Any], Any], Any]) -> str:
    """Seed, project and measure; the results as Markdown tables.

    ``project`` is the deployed stream handler (``app.project_overview``).
    """
    firm = make_firm(table, "Overview & Co")
    with Client(app) as client:
        seed = seed_account(Api(client, firm.owner_token), firm)
        recorder = Recorder(project)
        stream = poller(table, recorder)
        seed_items(seed)
        stream.drain()
        lines = read_table(table, seed)
        singles = [_project(label, [write], table, stream, recorder) for label, write in _writes(seed)]
        _check_projected(ok(seed.api.get(f"{seed.base}/overview")))
        singles += [_project(label, [write], table, stream, recorder) for label, write in _extra_writes(seed)]
        batch = [write for _ in range(2) for _, write in _writes(seed)]
        label = f"batch of {len(batch)} (the first five kinds, twice), one delivery"
        rows = [*singles, _project(label, batch, table, stream, recorder)]
    return "\n".join([*lines, "", *_projection_table(rows)])
