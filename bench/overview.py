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

import json
import math
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from chalice.app import Chalice
from chalice.test import Client

from bench.common import Usage, interleaved, item_bytes, median_ms, metered, p90_ms
from chalicelib.domain.sections import OVERVIEW_SIZE, SECTIONS
from chalicelib.repo import keys
from chalicelib.repo.table import Table, to_wire
from devtools.stream_poller import LambdaContext, StreamPoller
from tests.support.api import Api, Reply, TestFirm, make_firm
from tests.support.portal import activate
from tests.support.stream import poller
from tests.support.tokens import member_token

ROUNDS = 150
SECTION_ITEMS = OVERVIEW_SIZE + 1  # 5 shown and has_more
ACCOUNT_NAME = "Northwind Landscaping & Design LLC"
MEMBER_NAMES = ("Margaret Whitfield-Jones, CPA", "Theodore Okonkwo-Hartmann")
NOTE_BODY = (
    "Called the client to go over the fourth-quarter estimated payment. Revenue is up about 18 % on last "
    "year, mostly from the new commercial maintenance contracts, so the safe-harbour amount from last year's "
    "return will not cover the liability. Agreed to recalculate after the November books close and to send "
    "a revised voucher by the 5th. The client will also forward the lease for the second equipment yard."
)
TASK_DESCRIPTION = (
    "Match every deposit and withdrawal on the operating and payroll accounts against the ledger, flag "
    "anything older than 30 days that is still uncleared, and list the questions for the client."
)
CHAT_MESSAGE = (
    "Hi Maria, we still need the 1099-NEC forms from the two subcontractors you paid in March and July, and "
    "the closing statement for the truck you sold. Could you upload them to the portal this week? Thanks!"
)
EMAIL_SNIPPET = (
    "Attached are the bank statements for October and November. The December one will follow once the bank "
    "releases it; let me know if you also need the credit card statements for the same months."
)


@dataclass
class Seeded:
    api: Api
    firm_id: str
    owner_id: str
    account_id: str
    member_ids: list[str]
    pipeline_id: str
    stage_ids: list[str]
    ids: dict[str, list[str]] = field(default_factory=dict)
    messages: int = 0
    admin_token: str = ""

    @property
    def base(self) -> str:
        return f"/accounts/{self.account_id}"


def _ok(reply: Reply, status: int = 201) -> Any:
    assert reply.status == status, reply.body
    return reply.body


def _item_body(section: str, i: int, seed: Seeded) -> dict[str, Any]:
    """A realistic item of ``section`` that qualifies for the overview."""
    member = seed.member_ids[i % len(seed.member_ids)]
    bodies: dict[str, dict[str, Any]] = {
        "documents": {"name": f"2025 W-2 Northwind payroll {i:02d}.pdf", "uploaded_by": "client"},
        "tasks": {
            "title": f"Reconcile Q3 bank statements #{i}",
            "status": "planned" if i % 2 else "in_progress",
            "due_date": "2026-12-15",
            "assignee_id": member,
            "description": TASK_DESCRIPTION,
        },
        "emails": {
            "subject": f"Re: Missing 1099-NEC forms for 2025 ({i})",
            "direction": "inbound",
            "from_address": "maria.gonzalez@northwind.example",
            "to_addresses": ["team@firm.example"],
            "snippet": EMAIL_SNIPPET,
        },
        "jobs": {
            "name": f"2025 Business income tax return {i}",
            "pipeline_id": seed.pipeline_id,
            "stage_id": seed.stage_ids[i % len(seed.stage_ids)],
            "due_date": "2027-03-15",
            "assignee_id": member,
        },
        "chats": {"subject": f"Questions about estimated taxes {i}"},
        "invoices": {"number": f"INV-2026-{i:04d}", "amount": "1250.00", "due_date": "2026-12-31"},
        "approvals": {"document_name": f"Engagement letter, 2025 tax year {i}"},
        "signatures": {"document_name": f"Form 8879 e-file authorization {i}"},
        "organizers": {"name": f"2025 Business tax organizer {i:02d}"},
        "logins": {"email": "maria.gonzalez@northwind.example"},
        "notes": {"title": f"Call about Q4 estimated payment {i}", "body": NOTE_BODY},
        "time_entries": {
            "minutes": 90,
            "member_id": member,
            "description": "Prepared Schedule C and reviewed the expense categories with the client",
        },
        "proposals": {"name": f"2026 Bookkeeping and payroll plan {i}", "kind": "proposal", "status": "sent"},
    }
    return bodies[section]


def _seed_account(api: Api, firm: TestFirm) -> Seeded:
    member_ids = [
        _ok(api.post("/members", {"name": name, "email": f"member{n}@firm.example", "role": "employee"}))["id"]
        for n, name in enumerate(MEMBER_NAMES)
    ]
    tags = [
        _ok(api.post("/tags", {"name": name, "color": "#3366CC"}))["id"] for name in ("Monthly bookkeeping", "Payroll")
    ]
    stages = [{"name": n} for n in ("Documents requested", "In preparation", "Partner review", "Filed")]
    pipeline = _ok(api.post("/pipelines", {"name": "Business tax returns 2025", "stages": stages}))
    account = {
        "name": ACCOUNT_NAME,
        "type": "company",
        "tags": tags,
        "team_member_ids": member_ids,
        "address": {
            "line1": "1208 Cedar Hollow Road",
            "line2": "Suite 300",
            "city": "Asheville",
            "region": "NC",
            "postal_code": "28803",
            "country": "US",
        },
        "contacts": [
            {
                "first_name": "Maria",
                "last_name": "Gonzalez",
                "emails": ["maria.gonzalez@northwind.example"],
                "description": "Owner",
            }
        ],
    }
    created = _ok(api.post("/accounts", account))
    account_id = created["id"]
    # Logins are recorded for an address with active portal access: Maria accepted her invitation.
    activate(api, created["contacts"][0]["id"], "maria.gonzalez@northwind.example")
    _ok(api.post(f"/accounts/{account_id}/credits", {"amount": "10000.00", "note": "Retainer by bank transfer"}))
    stage_ids = [s["id"] for s in pipeline["stages"]]
    admin_token = firm.add_member("admin", name="Priya Raman-Castellanos")[1]
    return Seeded(
        api, firm.firm_id, firm.owner_id, account_id, member_ids, pipeline["id"], stage_ids, admin_token=admin_token
    )


def _seed_items(seed: Seeded) -> None:
    for i in range(SECTION_ITEMS):
        for key in SECTIONS:
            item = _ok(seed.api.post(f"{seed.base}/{key}", _item_body(key, i, seed)))
            seed.ids.setdefault(key, []).append(item["id"])
            if key == "chats":
                message = {"body": CHAT_MESSAGE, "author": "client"}
                _ok(seed.api.post(f"{seed.base}/chats/{item['id']}/messages", message))


# --- the three ways of reading the overview ----------------------------------------------------


def _bare(table: Table, seed: Seeded) -> Callable[[], Any]:
    """The overview's Query with boto3 alone (no HTTP, token, decoding or JSON)."""
    values = to_wire(
        {":pk": keys.account_pk(seed.firm_id, seed.account_id), ":lo": keys.OVERVIEW_PREFIX, ":hi": keys.ACCOUNT_SK}
    )

    def run() -> Any:
        return table.client.query(
            TableName=table.name,
            KeyConditionExpression="PK = :pk AND SK BETWEEN :lo AND :hi",
            ExpressionAttributeValues=values,
        )

    return run


def _bare_pair(table: Table, seed: Seeded) -> Callable[[], None]:
    """The endpoint's two reads one after the other (as before issue 20 for a
    caller off the team): the overview's Query, then the caller's consistent GetItem."""
    query = _bare(table, seed)
    key = to_wire(keys.member(seed.firm_id, seed.owner_id).as_dict())

    def run() -> None:
        query()
        table.client.get_item(TableName=table.name, Key=key, ConsistentRead=True)

    return run


_POOL = ThreadPoolExecutor(2)


def _bare_pair_beside(table: Table, seed: Seeded) -> Callable[[], None]:
    """The same two reads issued together, the GetItem on a thread pool (the endpoint's way since issue 20)."""
    query = _bare(table, seed)
    key = to_wire(keys.member(seed.firm_id, seed.owner_id).as_dict())

    def run() -> None:
        caller = _POOL.submit(table.client.get_item, TableName=table.name, Key=key, ConsistentRead=True)
        query()
        caller.result()

    return run


def _naive(table: Table, seed: Seeded) -> Callable[[], None]:
    """A design without overview items: every section's newest five qualifying
    items from the sparse index (13 Queries), and the account for the header."""
    pk = keys.account_pk(seed.firm_id, seed.account_id)
    key = to_wire(keys.account(seed.firm_id, seed.account_id).as_dict())
    client = table.client

    def run() -> None:
        for section in SECTIONS:
            client.query(
                TableName=table.name,
                IndexName=keys.INDEX_CURRENT,
                KeyConditionExpression="PK = :pk AND begins_with(LSI2SK, :s)",
                ExpressionAttributeValues=to_wire({":pk": pk, ":s": f"{section}#"}),
                ScanIndexForward=False,
                Limit=OVERVIEW_SIZE,
            )
        client.get_item(TableName=table.name, Key=key)

    return run


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
        body = _item_body("tasks", 1, seed) | {"title": "Send the Q4 estimated tax voucher"}
        task["id"] = _ok(api.post(f"{base}/tasks", body))["id"]

    def start_task() -> None:
        _ok(api.patch(f"{base}/tasks/{task['id']}", {"status": "in_progress"}), 200)

    return [
        ("create a task", create_task),
        ("change its status (planned → in progress)", start_task),
        ("create a note", lambda: _ok(api.post(f"{base}/notes", _item_body("notes", 9, seed)))),
        ("add a chat message", lambda: _ok(api.post(f"{base}/chats/{chat}/messages", message))),
        ("pay an invoice from credit", lambda: _ok(api.post(f"{base}/invoices/{invoice}/apply-credit"), 200)),
    ]


def _extra_writes(seed: Seeded) -> list[tuple[str, Callable[[], object]]]:
    """Writes that do not change what the overview shows."""
    api, base = seed.api, seed.base
    document = {"name": "Signed engagement letter 2026.pdf", "uploaded_by": "firm"}
    task = seed.ids["tasks"][0]
    edit = {"description": TASK_DESCRIPTION + " Include the savings account."}
    return [
        ("upload a document by the firm (never shown)", lambda: _ok(api.post(f"{base}/documents", document))),
        ("edit a task's description (not in the summary)", lambda: _ok(api.patch(f"{base}/tasks/{task}", edit), 200)),
    ]


# --- the run -----------------------------------------------------------------------------------


def _check_full(overview: dict[str, Any]) -> None:
    for key in SECTIONS:
        section = overview[key]
        assert len(section["items"]) == OVERVIEW_SIZE and section["has_more"], (key, section)


def _check_projected(overview: dict[str, Any]) -> None:
    """The single writes reached the overview."""
    assert overview["tasks"]["items"][0]["title"] == "Send the Q4 estimated tax voucher", overview["tasks"]
    assert overview["tasks"]["items"][0]["status"] == "in_progress", overview["tasks"]
    assert overview["notes"]["items"][0]["title"].endswith(" 9"), overview["notes"]
    assert overview["chats"]["items"][0]["last_author"] == "firm", overview["chats"]


def _raw_get(api: Api, path: str) -> Callable[[], Any]:
    """The endpoint without the test helper's parsing of the response body
    (the bare Query is not charged for a client's work either)."""
    headers = {"Authorization": f"Bearer {api.token}"}

    def run() -> Any:
        response = api.client.http.get(path, headers=headers)
        assert response.status_code == 200
        return response.body

    return run


def _read_table(table: Table, seed: Seeded) -> list[str]:
    path = f"{seed.base}/overview"
    owner = seed.api
    # A member of the account's team: the account item in the Query proves they may open it.
    team = Api(owner.client, member_token(seed.member_ids[0], "member0@firm.example"))
    _ok(team.get("/me"), 200)  # the first sign-in binds the member: not part of what is measured
    admin = Api(owner.client, seed.admin_token)
    _ok(admin.get("/me"), 200)
    bare, naive = _bare(table, seed), _naive(table, seed)
    pair, beside = _bare_pair(table, seed), _bare_pair_beside(table, seed)
    with metered(table.client) as team_use:
        _check_full(_ok(team.get(path), 200))
    with metered(table.client) as admin_use:
        _check_full(_ok(admin.get(path), 200))
    with metered(table.client) as owner_use:
        _check_full(_ok(owner.get(path), 200))
    with metered(table.client) as bare_use:
        items: list[dict[str, Any]] = bare()["Items"]
    with metered(table.client) as pair_use:
        pair()
    with metered(table.client) as beside_use:
        beside()
    with metered(table.client) as naive_use:
        naive()
    candidates = [_raw_get(team, path), _raw_get(admin, path), _raw_get(owner, path), bare, pair, beside, naive]
    interleaved(candidates, 10)  # warm-up
    team_t, admin_t, owner_t, bare_t, pair_t, beside_t, naive_t = interleaved(candidates, ROUNDS)
    lines = [
        "| read of the Overview tab | requests | read units | median ms | p90 ms "
        "| ÷ bare Query (median) | team member's endpoint ÷ this | owner's endpoint ÷ this |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, use, samples in (
        ("`GET /accounts/{id}/overview` as a member of the account's team (employee)", team_use, team_t),
        ("`GET /accounts/{id}/overview` as an admin (not on the team)", admin_use, admin_t),
        ("`GET /accounts/{id}/overview` as the owner (not on the team)", owner_use, owner_t),
        ("bare boto3 Query of the same key range", bare_use, bare_t),
        ("bare boto3 Query, then the caller's consistent GetItem (one after the other)", pair_use, pair_t),
        ("bare boto3 Query and the caller's consistent GetItem at once (GetItem on a thread)", beside_use, beside_t),
        (f"naive: {len(SECTIONS)} LSI2 Queries (newest 5) + GetItem, boto3, one after another", naive_use, naive_t),
    ):
        lines.append(
            f"| {label} | {use.requests_text()} | {use.units_text('read')} | {median_ms(samples):.2f} "
            f"| {p90_ms(samples):.2f} | {median_ms(samples) / median_ms(bare_t):.2f} "
            f"| {median_ms(team_t) / median_ms(samples):.2f} | {median_ms(owner_t) / median_ms(samples):.2f} |"
        )
    lines += [
        "",
        f"Goal (issue 20): every role's endpoint at most 1.15 times the bare Query's median: team member "
        f"{median_ms(team_t) / median_ms(bare_t):.2f} times, admin {median_ms(admin_t) / median_ms(bare_t):.2f} times, "
        f"owner {median_ms(owner_t) / median_ms(bare_t):.2f} times. The two reads at once take "
        f"{median_ms(beside_t) / median_ms(pair_t):.2f} times the time of the two one after the other.",
    ]
    lines += ["", *_size_table(items, bare_use)]
    return lines


def _size_table(items: list[dict[str, Any]], bare_use: Usage) -> list[str]:
    overviews = [i for i in items if i["entity"]["S"] == keys.OVERVIEW]
    accounts = [i for i in items if i["entity"]["S"] == keys.ACCOUNT]
    assert len(overviews) == len(SECTIONS) and len(accounts) == 1, [i["SK"] for i in items]
    summaries = sum(len(json.loads(i["s"]["S"])) for i in overviews)
    overview_bytes = sum(item_bytes(i) for i in overviews)
    rows_bytes = sum(len(i["s"]["S"].encode()) for i in overviews)
    account_bytes = item_bytes(accounts[0])
    total = overview_bytes + account_bytes
    return [
        "| items the overview's Query returns | count | bytes | bytes each | bytes per summary |",
        "|---|---|---|---|---|",
        f"| overview items ({summaries // len(overviews)} summaries each) | {len(overviews)} | {overview_bytes} "
        f"| {overview_bytes / len(overviews):.0f} | {overview_bytes / summaries:.0f} |",
        f"| of which the summary rows (`s`, compact JSON) | {len(overviews)} | {rows_bytes} "
        f"| {rows_bytes / len(overviews):.0f} | {rows_bytes / summaries:.0f} |",
        f"| account item (header) | 1 | {account_bytes} | {account_bytes} | |",
        f"| the whole Query: {len(items)} items, {summaries} summaries | {len(items)} | {total} "
        f"| | {total / summaries:.0f} |",
        "",
        f"One eventually consistent Query is billed 0.5 RRU per started 4 KB of all the items it reads: "
        f"ceil({total} / 4096) * 0.5 = {math.ceil(total / 4096) * 0.5:g} RRU (DynamoDB Local reported "
        f"{bare_use.rru:g}). Bytes are attribute names plus values by DynamoDB's sizing rules.",
    ]


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
        seed = _seed_account(Api(client, firm.owner_token), firm)
        recorder = Recorder(project)
        stream = poller(table, recorder)
        _seed_items(seed)
        stream.drain()
        lines = _read_table(table, seed)
        singles = [_project(label, [write], table, stream, recorder) for label, write in _writes(seed)]
        _check_projected(_ok(seed.api.get(f"{seed.base}/overview"), 200))
        singles += [_project(label, [write], table, stream, recorder) for label, write in _extra_writes(seed)]
        batch = [write for _ in range(2) for _, write in _writes(seed)]
        label = f"batch of {len(batch)} (the first five kinds, twice), one delivery"
        rows = [*singles, _project(label, batch, table, stream, recorder)]
    return "\n".join([*lines, "", *_projection_table(rows)])
