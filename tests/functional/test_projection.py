"""The stream projection: after the change stream is processed, each account's
Overview equals what its "show all" lists give (docs/api.md, "Activity sections").

Records are read from the table's stream (moto's) exactly as Lambda would get
them and handed to the deployed handler, ``app.project_overview``; failures are
injected into the table client with botocore event hooks, never by replacing
any of Dossier's own functions. The overview rules below are written from
docs/api.md, independently of ``chalicelib.domain.sections``.

``PROJECTION_EXAMPLES=50 pytest tests/functional/test_projection.py`` runs the
property with more examples per section group than the default three.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, TypeVar

import boto3
import pytest
from botocore.exceptions import ClientError
from chalice.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app import app, project_overview
from chalicelib.domain import files
from chalicelib.repo import keys
from chalicelib.repo.activity import ActivityRepo
from chalicelib.repo.table import Table, to_wire
from chalicelib.services import overview
from devtools.stream_poller import lambda_record, table_stream_arn
from tests.support.api import Api, TestFirm, make_firm
from tests.support.factories import created, list_all, new_account
from tests.support.jobs import drain_jobs
from tests.support.portal import activate
from tests.support.stream import poller, streams_client

LOGIN_ADDRESSES: Final = ("anna@client.example", "bo@client.example")

Item = dict[str, Any]
Record = dict[str, Any]  # a stream record as Lambda delivers it
T = TypeVar("T")

OVERVIEW_SIZE: Final = 5
WRITE_OPERATIONS: Final = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})


# --- the overview rules, as docs/api.md writes them ----------------------------------------


def _every(item: Item) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    """One overview section: what orders it, what counts, and the summary
    fields docs/api.md promises ("each summary shows at least")."""

    time_field: str
    counts: Callable[[Item], bool]
    shows: frozenset[str]

    def newest_first(self, item: Item) -> tuple[str, str]:
        return str(item[self.time_field]), str(item["id"])


def _shows(*fields: str) -> frozenset[str]:
    return frozenset({"id", *fields})


RULES: Final[dict[str, Rule]] = {
    "documents": Rule("uploaded_at", lambda i: i["uploaded_by"] == "client", _shows("name", "uploaded_at", "new")),
    "tasks": Rule(
        "created_at",
        lambda i: i["status"] in ("planned", "in_progress"),
        _shows("title", "status", "due_date", "assignee"),
    ),
    "emails": Rule("at", _every, _shows("subject", "direction", "status", "at")),
    "jobs": Rule(
        "created_at", lambda i: i["status"] not in ("completed", "archived"), _shows("name", "pipeline", "stage")
    ),
    "chats": Rule("last_at", _every, _shows("subject", "last_message", "last_author", "last_at")),
    "invoices": Rule(
        "issued_at",
        lambda i: i["status"] == "unpaid",
        _shows("number", "amount_due", "currency", "due_date", "payable_with_credit"),
    ),
    "approvals": Rule(
        "requested_at", lambda i: i["status"] == "pending", _shows("document_name", "requested_at", "status")
    ),
    "signatures": Rule("sent_at", _every, _shows("document_name", "status", "sent_at")),
    "organizers": Rule("sent_at", _every, _shows("name", "status", "sent_at")),
    "logins": Rule("at", _every, _shows("email", "at")),
    "notes": Rule("at", _every, _shows("title", "excerpt", "author", "at")),
    "time_entries": Rule("date", _every, _shows("member", "date", "minutes", "description", "billable")),
    # docs/api.md, "Activity sections": the latest 5 proposals or engagement letters sent to the
    # client, so drafts do not count.
    "proposals": Rule("created_at", lambda i: i["status"] != "draft", _shows("name", "kind", "status", "sent_at")),
}
SECTION_KEYS: Final = tuple(RULES)


def expected_section(api: Api, account_id: str, section: str) -> tuple[list[Item], bool]:
    """The oracle: the section's "show all" list (every page), filtered by the
    overview rule, newest first, the first five, and whether there are more."""
    rule = RULES[section]
    listed = list_all(api, f"/accounts/{account_id}/{section}")
    order = [rule.newest_first(i) for i in listed]
    assert order == sorted(order, reverse=True), f"{section}: show all is not newest first by {rule.time_field}"
    counted = sorted((i for i in listed if rule.counts(i)), key=rule.newest_first, reverse=True)
    return counted[:OVERVIEW_SIZE], len(counted) > OVERVIEW_SIZE


def assert_overview_matches_lists(api: Api, account_id: str, sections: Sequence[str] = SECTION_KEYS) -> Item:
    """GET /overview equals the oracle for ``sections``; every other section is empty."""
    got = api.get(f"/accounts/{account_id}/overview")
    assert got.status == 200, got.body
    info = api.get(f"/accounts/{account_id}")
    assert info.status == 200, info.body
    header = {k: info.body[k] for k in ("id", "name", "photo_url")}
    assert got.body["account"] == header
    balance, currency = Decimal(info.body["credit_balance"]), info.body["currency"]
    for section in SECTION_KEYS:
        shown = got.body[section]
        if section not in sections:
            assert shown == {"items": [], "has_more": False}, section
            continue
        expected, more = expected_section(api, account_id, section)
        assert [s["id"] for s in shown["items"]] == [e["id"] for e in expected], section
        assert shown["has_more"] is more, section
        for summary, item in zip(shown["items"], expected, strict=True):
            assert RULES[section].shows <= summary.keys(), (section, summary)
            for key, value in summary.items():
                if key == "payable_with_credit":
                    covered = item["currency"] == currency and Decimal(item["amount_due"]) <= balance
                    assert value is covered is item["payable_with_credit"], (summary, item, balance)
                else:
                    assert key in item and item[key] == value, (section, key, summary, item)
    body: Item = got.body
    return body


# --- the stream, the handler and the table client's hooks -----------------------------------


class StreamTap:
    """The table's stream, read from where it was when the tap was opened, as
    Lambda-shaped records (``devtools.stream_poller.lambda_record``)."""

    def __init__(self, table: Table) -> None:
        self.streams = streams_client()
        self.arn = table_stream_arn(table.client, table.name)
        self.region = table.client.meta.region_name
        shards = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        assert len(shards) == 1, "moto keeps a table's stream in one shard"
        self.iterator: str = self.streams.get_shard_iterator(
            StreamArn=self.arn, ShardId=shards[0]["ShardId"], ShardIteratorType="LATEST"
        )["ShardIterator"]
        self.records: list[Record] = []

    def read(self) -> list[Record]:
        """The records written since the last read (also kept in ``records``)."""
        new: list[Record] = []
        while True:
            page = self.streams.get_records(ShardIterator=self.iterator, Limit=1000)
            self.iterator = page["NextShardIterator"]
            if not page["Records"]:
                break
            new += [lambda_record(r, self.arn, self.region) for r in page["Records"]]
        self.records += new
        return new


def seq(record: Mapping[str, Any]) -> str:
    sequence_number: str = record["dynamodb"]["SequenceNumber"]
    return sequence_number


def entity(record: Mapping[str, Any]) -> str:
    image = record["dynamodb"].get("NewImage") or record["dynamodb"]["OldImage"]
    name: str = image["entity"]["S"]
    return name


def deliver(records: Sequence[Record]) -> list[str]:
    """Invoke the deployed handler with one batch; the sequence numbers it
    reports as failed (it must answer, never raise)."""
    result = project_overview({"Records": list(records)}, None)
    assert isinstance(result, dict) and set(result) == {"batchItemFailures"}, result
    failed = [f["itemIdentifier"] for f in result["batchItemFailures"]]
    assert set(failed) <= {seq(r) for r in records}, "a failure must name a record of the batch"
    return failed


def settle(stream: StreamTap) -> None:
    """Deliver everything new, in stream order, until the stream is quiet."""
    for _ in range(20):
        new = stream.read()
        if not new:
            return
        assert deliver(new) == []
    raise AssertionError("the stream did not settle")


@contextmanager
def hooked(table: Table, event_name: str, handler: Callable[..., Any]) -> Iterator[None]:
    """``handler`` on the table client's botocore event ``event_name`` while the block runs."""
    events = table.client.meta.events
    events.register(event_name, handler)
    try:
        yield
    finally:
        events.unregister(event_name, handler)


@dataclass
class Crash:
    """Fails the ``nth`` call of ``operation`` as an unavailable DynamoDB would
    (an error raised by a hook is not retried by botocore)."""

    operation: str
    nth: int
    seen: int = 0
    fired: bool = False

    def __call__(self, model: Any, **kwargs: Any) -> None:
        if model.name != self.operation:
            return
        self.seen += 1
        if self.seen == self.nth:
            self.fired = True
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "injected"}}, model.name)


@dataclass
class Calls:
    """Every DynamoDB call the client completed, with its error code if it failed."""

    made: list[tuple[str, str | None]] = field(default_factory=list)
    audit_batches: int = 0  # the audit recorder's writes (streams/audit.py), in the same function

    def __call__(self, model: Any, parsed: Mapping[str, Any], **kwargs: Any) -> None:
        self.made.append((model.name, parsed.get("Error", {}).get("Code")))

    def sent(self, params: Mapping[str, Any], model: Any, **kwargs: Any) -> None:
        if model.name == "BatchWriteItem":
            requests = [r for rs in params.get("RequestItems", {}).values() for r in rs]
            if all(r.get("PutRequest", {}).get("Item", {}).get("entity") == {"S": "audit"} for r in requests):
                self.audit_batches += 1

    @property
    def writes(self) -> list[str]:
        """The projection's writes (the audit entries the same function records are not counted)."""
        names = [name for name, _ in self.made if name in WRITE_OPERATIONS]
        for _ in range(self.audit_batches):
            names.remove("BatchWriteItem")
        return names


@contextmanager
def counting(table: Table) -> Iterator[Calls]:
    calls = Calls()
    with hooked(table, "after-call.dynamodb", calls), hooked(table, "provide-client-params.dynamodb", calls.sent):
        yield calls


# --- fixtures -------------------------------------------------------------------------------


@dataclass
class Tenant:
    table: Table
    firm: TestFirm
    api: Api
    stream: StreamTap


def open_tenant(table: Table, http: Client) -> Tenant:
    stream = StreamTap(table)  # before the firm: nothing of an earlier firm is delivered
    firm = make_firm(table)
    return Tenant(table, firm, Api(http, firm.owner_token), stream)


@pytest.fixture
def http(moto_table: Table) -> Iterator[Client]:
    with Client(app) as c:
        yield c


@pytest.fixture
def tenant(moto_table: Table, http: Client) -> Tenant:
    return open_tenant(moto_table, http)


def new_pipeline(api: Api, name: str, *stages: str) -> Item:
    return created(api, "/pipelines", {"name": name, "stages": [{"name": s} for s in stages]})


def overview_ids(api: Api, account_id: str, section: str) -> tuple[list[str], bool]:
    r = api.get(f"/accounts/{account_id}/overview")
    assert r.status == 200, r.body
    return [s["id"] for s in r.body[section]["items"]], r.body[section]["has_more"]


# --- 1. the property: any history, delivered adversarially, ends equal to the lists ---------

WORDS = st.sampled_from(["Alpha", "Beta", "Gamma", "Delta"])
TIMES = st.sampled_from([None, "2025-12-31T23:59:59Z", "2026-03-01T09:00:00Z", "2027-06-01T12:00:00+02:00"])
DAYS = st.sampled_from([None, "2026-01-05", "2026-02-01", "2027-01-01"])
TEXTS = st.sampled_from(["", "Short.", "A long body that needs an excerpt " * 4])
AMOUNTS = st.sampled_from(["10", "25.50", "100"])
BATCH_SIZES = st.sampled_from([1, 3, 5, 9, 17, 33])
CRASHABLE = st.sampled_from(["GetItem", "Query", "BatchGetItem", "PutItem", "BatchWriteItem"])
ACTIONS: Final = (
    *("create",) * 5,
    *("update",) * 5,
    *("delete",) * 2,
    *("deliver_batch",) * 4,
    "rewind",
    "rename_pipeline",
    "add_credit",
    "settle_and_check",
)


def _without_none(body: Mapping[str, Any]) -> Item:
    return {k: v for k, v in body.items() if v is not None}


class Scenario:
    """One firm's history, made through the HTTP API, with Lambda's event
    source mapping played adversarially over the stream it produces."""

    def __init__(self, tenant: Tenant, data: st.DataObject, sections: Sequence[str]) -> None:
        self.tenant, self.api, self.data = tenant, tenant.api, data
        self.sections: list[str] = data.draw(st.permutations(sections), label="sections")
        accounts = data.draw(st.sampled_from([2, 2, 3]), label="accounts")
        # Logins are recorded for addresses with active portal access on the account's contacts.
        links: dict[str, Any] = {}
        if "logins" in self.sections:
            person = created(self.api, "/contacts", {"first_name": "Anna", "emails": list(LOGIN_ADDRESSES)})
            for address in LOGIN_ADDRESSES:
                activate(self.api, person["id"], address)
            links["contacts"] = [{"contact_id": person["id"]}]
        self.accounts = [new_account(self.api, f"Client {n}", **links)["id"] for n in range(accounts)]
        self.members = [tenant.firm.owner_id, tenant.firm.add_member(name="Eve Employee")[0]]
        self.pipelines: dict[str, list[Item]] = {}  # id → stages
        for name in ("Onboarding", "Tax return") if "jobs" in self.sections else ():
            pipeline = new_pipeline(self.api, name, "Intake", "Review")
            self.pipelines[pipeline["id"]] = pipeline["stages"]
        self.live: dict[str, dict[str, Item]] = {s: {} for s in self.sections}  # section → item path → latest body
        self.checkpoint = 0  # index in stream.records of the next record Lambda delivers
        self.crashes_left = 3
        self.settles_left = 1

    def draw(self, strategy: st.SearchStrategy[T]) -> T:
        return self.data.draw(strategy)

    # --- the history -----------------------------------------------------------------------

    def run(self, steps: int) -> None:
        for _ in range(steps):
            action = self.draw(st.sampled_from(ACTIONS))
            if action == "update" and not any(self.live[s] for s in self.sections if s != "logins"):
                action = "create"
            if action == "delete" and not any(self.live.values()):
                action = "create"
            if action == "rename_pipeline" and not self.pipelines:
                action = "add_credit"
            getattr(self, action)()

    def create(self) -> None:
        # Skewed towards the first account and section, so that sections often outgrow five.
        section = self.draw(st.sampled_from([self.sections[0], *self.sections]))
        account = self.draw(st.sampled_from([self.accounts[0], *self.accounts]))
        for _ in range(self.draw(st.integers(1, 4))):
            body = _without_none(BODIES[section](self))
            item = created(self.api, f"/accounts/{account}/{section}", body)
            self.seen(f"/accounts/{account}/{section}/{item['id']}", item)

    def seen(self, path: str, item: Item) -> None:
        """The item's latest body, as the API answered it."""
        self.live[path.split("/")[3]][path] = item

    def update(self) -> None:
        section = self.draw(st.sampled_from([s for s in self.sections if s != "logins" and self.live[s]]))
        path = self.draw(st.sampled_from(list(self.live[section])))
        CHANGES[section](self, path, self.live[section][path])

    def patch(self, path: str, body: Item) -> None:
        r = self.api.patch(path, body)
        assert r.status == 200, (path, body, r.body)
        self.seen(path, r.body)

    def delete(self) -> None:
        section = self.draw(st.sampled_from([s for s in self.sections if self.live[s]]))
        path = self.draw(st.sampled_from(list(self.live[section])))
        r = self.api.delete(path)
        assert r.status == 204, r.body
        del self.live[section][path]

    def rename_pipeline(self) -> None:
        pipeline_id = self.draw(st.sampled_from(sorted(self.pipelines)))
        stages = self.pipelines[pipeline_id]
        if self.draw(st.booleans()):
            body: Item = {"name": f"Pipeline {self.draw(WORDS)}"}
        else:
            renamed = self.draw(st.sampled_from([s["id"] for s in stages]))
            body = {"stages": [{**s, "name": f"Stage {self.draw(WORDS)}"} if s["id"] == renamed else s for s in stages]}
        r = self.api.patch(f"/pipelines/{pipeline_id}", body)
        assert r.status == 200, r.body
        self.pipelines[pipeline_id] = r.body["stages"]

    def add_credit(self) -> None:
        account = self.draw(st.sampled_from(self.accounts))
        created(self.api, f"/accounts/{account}/credits", {"amount": self.draw(st.sampled_from(["5", "30", "100"]))})

    # --- Lambda's event source mapping, adversarial -------------------------------------------

    def deliver_batch(self) -> None:
        """One batch from the checkpoint: an odd size, maybe with duplicates,
        maybe out of order, maybe crashing a DynamoDB call, maybe retried whole."""
        self.tenant.stream.read()
        pending = self.tenant.stream.records[self.checkpoint :]
        if not pending:
            return
        batch = pending[: self.draw(BATCH_SIZES)]
        records = list(batch)
        for _ in range(self.draw(st.integers(0, 2))):
            records.insert(self.draw(st.integers(0, len(records))), self.draw(st.sampled_from(batch)))
        if self.draw(st.booleans()):
            records = self.draw(st.permutations(records))
        crash = None
        if self.crashes_left and self.draw(st.booleans()):
            crash = Crash(self.draw(CRASHABLE), self.draw(st.integers(1, 3)))
        failed = self._invoke(records, crash)
        if self.draw(st.integers(0, 3)) == 0:
            event("whole batch retried")
            failed = self._invoke(records, None)
            assert failed == []
        if failed:
            # Lambda checkpoints before the first failed record and retries from it.
            self.checkpoint += min(i for i, r in enumerate(batch) if seq(r) in failed)
        else:
            self.checkpoint += len(batch)

    def _invoke(self, records: list[Record], crash: Crash | None) -> list[str]:
        if crash is None:
            return deliver(records)
        with hooked(self.tenant.table, "before-call.dynamodb", crash):
            failed = deliver(records)
        if crash.fired:
            event(f"crash in {crash.operation}")
            self.crashes_left -= 1
            assert failed, f"{crash.operation} #{crash.nth} failed, yet the handler reported no failed record"
        return failed

    def rewind(self) -> None:
        """Replay from an earlier checkpoint: the older suffix comes again after later records."""
        if self.checkpoint:
            event("rewound")
            self.checkpoint = self.draw(st.integers(0, self.checkpoint - 1))

    def finish(self) -> None:
        """Run the renames' jobs, and deliver until every record (also those written by the projection)
        is processed."""
        drain_jobs()
        for _ in range(10_000):
            self.tenant.stream.read()
            if self.checkpoint == len(self.tenant.stream.records):
                return
            self.deliver_batch()
        raise AssertionError("delivery did not finish")

    def settle_and_check(self) -> None:
        """Mid-history: once everything is processed, the overview is already right."""
        if self.settles_left:
            self.settles_left -= 1
            self.finish()
            self.check()

    def check(self) -> None:
        for account in self.accounts:
            body = assert_overview_matches_lists(self.api, account, self.sections)
            for section in self.sections:
                event(f"{section}: has_more" if body[section]["has_more"] else f"{section}: fits")


# --- request bodies and changes, per section ------------------------------------------------


def _job_place(s: Scenario) -> Item:
    pipeline_id = s.draw(st.sampled_from(sorted(s.pipelines)))
    return {
        "pipeline_id": pipeline_id,
        "stage_id": s.draw(st.sampled_from([x["id"] for x in s.pipelines[pipeline_id]])),
    }


def _email_body(s: Scenario) -> Item:
    direction = s.draw(st.sampled_from(["inbound", "outbound"]))
    statuses = [None, "received"] if direction == "inbound" else [None, "draft", "sent", "delivered", "opened"]
    return {
        "subject": s.draw(WORDS),
        "direction": direction,
        "status": s.draw(st.sampled_from(statuses)),
        "at": s.draw(TIMES),
    }


BODIES: Final[dict[str, Callable[[Scenario], Item]]] = {
    "documents": lambda s: {
        "name": s.draw(WORDS),
        "uploaded_by": s.draw(st.sampled_from(["client", "firm"])),
        "uploaded_at": s.draw(TIMES),
    },
    "tasks": lambda s: {
        "title": s.draw(WORDS),
        "status": s.draw(st.sampled_from(["planned", "in_progress", "done"])),
        "assignee_id": s.draw(st.sampled_from([None, *s.members])),
        "due_date": s.draw(DAYS),
    },
    "emails": _email_body,
    "jobs": lambda s: {
        "name": s.draw(WORDS),
        "status": s.draw(st.sampled_from(["active", "active", "completed", "archived"])),
        **_job_place(s),
    },
    "chats": lambda s: {"subject": s.draw(WORDS), "status": s.draw(st.sampled_from(["open", "closed"]))},
    "invoices": lambda s: {
        "number": f"INV-{s.draw(st.integers(1, 99))}",
        "amount": s.draw(AMOUNTS),
        "currency": s.draw(st.sampled_from([None, None, "EUR"])),
        "issued_at": s.draw(TIMES),
        "due_date": s.draw(DAYS),
        "status": s.draw(st.sampled_from(["unpaid", "unpaid", "paid", "void"])),
    },
    "approvals": lambda s: {
        "document_name": s.draw(WORDS),
        "status": s.draw(st.sampled_from(["pending", "pending", "approved", "rejected"])),
        "requested_at": s.draw(TIMES),
    },
    "signatures": lambda s: {
        "document_name": s.draw(WORDS),
        "status": s.draw(st.sampled_from(["pending", "signed", "declined"])),
        "sent_at": s.draw(TIMES),
    },
    "organizers": lambda s: {
        "name": s.draw(WORDS),
        "status": s.draw(st.sampled_from(["sent", "in_progress", "completed"])),
        "sent_at": s.draw(TIMES),
    },
    "logins": lambda s: {
        "email": s.draw(st.sampled_from(LOGIN_ADDRESSES)),
        "at": s.draw(TIMES),
    },
    "notes": lambda s: {"title": s.draw(WORDS), "body": s.draw(TEXTS), "at": s.draw(TIMES)},
    "time_entries": lambda s: {
        "minutes": s.draw(st.sampled_from([15, 60, 90])),
        "date": s.draw(DAYS),
        "member_id": s.draw(st.sampled_from([None, *s.members])),
        "description": s.draw(TEXTS),
        "billable": s.draw(st.booleans()),
    },
    "proposals": lambda s: {
        "name": s.draw(WORDS),
        "kind": s.draw(st.sampled_from(["proposal", "engagement_letter"])),
        "status": s.draw(st.sampled_from(["draft", "draft", "sent", "viewed", "declined"])),
    },
}


def _change_document(s: Scenario, path: str, item: Item) -> None:
    if s.draw(st.booleans()):
        r = s.api.post(f"{path}/view")
        assert r.status == 200 and r.body["new"] is False, r.body
        s.seen(path, r.body)
    else:
        s.patch(path, {"name": s.draw(WORDS)})


def _change_job(s: Scenario, path: str, item: Item) -> None:
    how = s.draw(st.sampled_from(["status", "status", "stage", "move", "name"]))
    if how == "status":
        s.patch(path, {"status": s.draw(st.sampled_from(["active", "completed", "archived"]))})
    elif how == "stage":
        stages = s.pipelines[item["pipeline"]["id"]]
        s.patch(path, {"stage_id": s.draw(st.sampled_from([x["id"] for x in stages]))})
    elif how == "move":
        s.patch(path, _job_place(s))
    else:
        s.patch(path, {"name": s.draw(WORDS)})


def _change_chat(s: Scenario, path: str, item: Item) -> None:
    """Mostly a new message: the chat's last_at moves, so it becomes the most recently active."""
    how = s.draw(st.sampled_from(["message", "message", "status", "subject"]))
    if how == "message":
        body = s.draw(st.sampled_from(["Hello", "Please find the files attached. " * 5]))
        created(s.api, f"{path}/messages", {"body": body, "author": s.draw(st.sampled_from(["firm", "client"]))})
    elif how == "status":
        s.patch(path, {"status": s.draw(st.sampled_from(["open", "closed"]))})
    else:
        s.patch(path, {"subject": s.draw(WORDS)})


def _change_invoice(s: Scenario, path: str, item: Item) -> None:
    if item["status"] != "unpaid":
        s.patch(path, {"number": f"INV-{s.draw(st.integers(1, 99))}"})
        return
    how = s.draw(st.sampled_from(["paid", "void", "amount", "apply-credit"]))
    if how == "amount":
        s.patch(path, {"amount": s.draw(AMOUNTS)})
    elif how == "apply-credit":
        account = s.api.get(f"/accounts/{item['account_id']}").body
        covered = item["currency"] == account["currency"] and Decimal(item["amount_due"]) <= Decimal(
            account["credit_balance"]
        )
        r = s.api.post(f"{path}/apply-credit")
        assert r.status == (200 if covered else 409), (item, account["credit_balance"], r.body)
        if covered:
            s.seen(path, r.body)
    else:
        s.patch(path, {"status": how})


def _change_status(*statuses: str) -> Callable[[Scenario, str, Item], None]:
    def change(s: Scenario, path: str, item: Item) -> None:
        s.patch(path, {"status": s.draw(st.sampled_from(statuses))})

    return change


def _change_email(s: Scenario, path: str, item: Item) -> None:
    if item["direction"] == "outbound":
        s.patch(path, {"status": s.draw(st.sampled_from(["draft", "sent", "delivered", "opened", "bounced"]))})
    else:
        s.patch(path, {"subject": s.draw(WORDS)})


def _change_task(s: Scenario, path: str, item: Item) -> None:
    if s.draw(st.booleans()):
        s.patch(path, {"status": s.draw(st.sampled_from(["planned", "in_progress", "done"]))})
    else:
        s.patch(path, {"assignee_id": s.draw(st.sampled_from([None, *s.members])), "title": s.draw(WORDS)})


def _change_time_entry(s: Scenario, path: str, item: Item) -> None:
    s.patch(path, {"date": s.draw(DAYS.filter(bool)), "minutes": s.draw(st.sampled_from([15, 60, 90]))})


def _change_proposal(s: Scenario, path: str, item: Item) -> None:
    later = ["sent", "viewed", "declined"]  # "signed" comes from signing (test_portal)
    s.patch(path, {"status": s.draw(st.sampled_from(later if item["status"] != "draft" else ["draft", *later]))})


CHANGES: Final[dict[str, Callable[[Scenario, str, Item], None]]] = {
    "documents": _change_document,
    "tasks": _change_task,
    "emails": _change_email,
    "jobs": _change_job,
    "chats": _change_chat,
    "invoices": _change_invoice,
    "approvals": _change_status("pending", "approved", "rejected"),
    "signatures": _change_status("pending", "signed", "declined"),
    "organizers": _change_status("sent", "in_progress", "completed"),
    "notes": lambda s, path, item: s.patch(path, {"body": s.draw(TEXTS), "title": s.draw(WORDS)}),
    "time_entries": _change_time_entry,
    "proposals": _change_proposal,
}


# Every section in every run: each example mixes the sections of one group.
SECTION_GROUPS: Final = {
    "status-driven": ("tasks", "jobs", "approvals"),
    "sent-and-paid": ("invoices", "proposals", "documents"),
    "activity": ("chats", "notes", "time_entries"),
    "dated": ("emails", "signatures", "organizers", "logins"),
}
assert sorted(s for group in SECTION_GROUPS.values() for s in group) == sorted(SECTION_KEYS)


@pytest.mark.parametrize("sections", SECTION_GROUPS.values(), ids=SECTION_GROUPS.keys())
@settings(
    max_examples=int(os.environ.get("PROJECTION_EXAMPLES", "3")),
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_overview_equals_lists_whatever_the_delivery(
    moto_table: Table, http: Client, sections: tuple[str, ...], data: st.DataObject
) -> None:
    # GIVEN a fresh firm whose stream is read from here on
    scenario = Scenario(open_tenant(moto_table, http), data, sections)
    # WHEN a history is made while its records are delivered adversarially, then all are delivered
    scenario.run(data.draw(st.integers(6, 18), label="steps"))
    scenario.finish()
    # THEN every section of every account's overview is what its lists give
    scenario.check()


# --- 2. deterministic properties of the projection ------------------------------------------


def test_a_duplicate_record_writes_nothing(tenant: Tenant) -> None:
    api, table = tenant.api, tenant.table
    account = new_account(api)["id"]
    settle(tenant.stream)
    created(api, f"/accounts/{account}/tasks", {"title": "File the return"})
    (record,) = tenant.stream.read()
    with counting(table) as first:
        assert deliver([record]) == []
    assert first.writes == ["PutItem"]  # the tasks overview item
    with counting(table) as again:
        assert deliver([record]) == []
        assert deliver([record, record, record]) == []
        assert deliver(tenant.stream.read()) == []  # the overview item's own record
    assert again.writes == []
    assert [name for name, _ in again.made].count("Query") >= 2  # it did recompute, and found nothing to change
    assert_overview_matches_lists(api, account, ["tasks"])


def test_one_batch_of_many_accounts_updates_each_account(tenant: Tenant) -> None:
    api = tenant.api
    accounts = [new_account(api, f"Client {n}")["id"] for n in range(4)]
    settle(tenant.stream)
    for round_ in range(3):  # interleaved: each account's records are spread over the batch
        for n, account in enumerate(accounts):
            created(api, f"/accounts/{account}/notes", {"title": f"Client {n} note {round_}"})
            if n % 2:
                created(api, f"/accounts/{account}/tasks", {"title": f"Client {n} task {round_}"})
    batch = tenant.stream.read()
    assert len(batch) == 12 + 6
    with counting(tenant.table) as calls:
        assert deliver(batch) == []
    assert calls.writes == ["PutItem"] * (4 + 2)  # one write per (account, section), however many records
    for n, account in enumerate(accounts):
        body = assert_overview_matches_lists(api, account, ["notes", "tasks"])
        assert [s["title"] for s in body["notes"]["items"]] == [f"Client {n} note {r}" for r in (2, 1, 0)]
        assert len(body["tasks"]["items"]) == (3 if n % 2 else 0)


@dataclass(frozen=True)
class Qualifying:
    """How an item of ``section`` is made, and the changes that make it stop
    (and, when the rules allow it, start again) counting for the overview."""

    section: str
    body: Callable[[int, Item], Item]
    stop: Item
    start: Item | None


QUALIFYING: Final = [
    Qualifying("tasks", lambda n, _: {"title": f"Task {n}"}, {"status": "done"}, {"status": "in_progress"}),
    Qualifying(
        "invoices",
        lambda n, _: {"number": f"INV-{n}", "amount": "10", "issued_at": f"2026-01-{n + 1:02d}T10:00:00Z"},
        {"status": "paid"},
        None,
    ),
    Qualifying("jobs", lambda n, place: {"name": f"Job {n}", **place}, {"status": "completed"}, {"status": "active"}),
    Qualifying("approvals", lambda n, _: {"document_name": f"Doc {n}"}, {"status": "approved"}, {"status": "pending"}),
]


@pytest.mark.parametrize("case", QUALIFYING, ids=[q.section for q in QUALIFYING])
def test_an_item_that_stops_counting_is_replaced_by_the_next_older(tenant: Tenant, case: Qualifying) -> None:
    api, section = tenant.api, case.section
    account = new_account(api)["id"]
    pipeline = new_pipeline(api, "Onboarding", "Intake")
    place = {"pipeline_id": pipeline["id"], "stage_id": pipeline["stages"][0]["id"]}
    ids = [created(api, f"/accounts/{account}/{section}", case.body(n, place))["id"] for n in range(5)]
    settle(tenant.stream)
    assert overview_ids(api, account, section) == (ids[::-1], False)  # five: all shown, no more

    ids.append(created(api, f"/accounts/{account}/{section}", case.body(5, place))["id"])
    settle(tenant.stream)
    assert overview_ids(api, account, section) == (ids[:0:-1], True)  # six: the oldest drops out, has_more

    r = api.patch(f"/accounts/{account}/{section}/{ids[5]}", case.stop)
    assert r.status == 200, r.body
    settle(tenant.stream)
    assert overview_ids(api, account, section) == (ids[4::-1], False)  # the oldest comes back in its place
    assert_overview_matches_lists(api, account, [section])

    if case.start is not None:
        r = api.patch(f"/accounts/{account}/{section}/{ids[5]}", case.start)
        assert r.status == 200, r.body
        r = api.patch(f"/accounts/{account}/{section}/{ids[2]}", case.stop)
        assert r.status == 200, r.body
        settle(tenant.stream)
        assert overview_ids(api, account, section) == ([ids[5], ids[4], ids[3], ids[1], ids[0]], False)
        assert_overview_matches_lists(api, account, [section])


def test_a_proposal_that_is_sent_starts_counting(tenant: Tenant) -> None:
    api = tenant.api
    account = new_account(api)["id"]
    ids = [
        created(api, f"/accounts/{account}/proposals", {"name": f"EL {n}", "kind": "engagement_letter", "status": s})[
            "id"
        ]
        for n, s in enumerate(["sent", "sent", "draft", "viewed", "sent", "declined", "draft"])
    ]
    settle(tenant.stream)
    assert overview_ids(api, account, "proposals") == ([ids[5], ids[4], ids[3], ids[1], ids[0]], False)
    r = api.patch(f"/accounts/{account}/proposals/{ids[6]}", {"status": "sent"})
    assert r.status == 200 and r.body["sent_at"] is not None, r.body
    settle(tenant.stream)
    assert overview_ids(api, account, "proposals") == ([ids[6], ids[5], ids[4], ids[3], ids[1]], True)
    assert_overview_matches_lists(api, account, ["proposals"])


def test_a_client_file_counts_once_its_upload_is_checked(tenant: Tenant) -> None:
    api = tenant.api
    account = new_account(api)["id"]
    base = f"/accounts/{account}/documents"
    paper = created(api, base, {"name": "Paper copy", "uploaded_by": "client"})["id"]
    data = b"%PDF-1.7\n%%EOF\n"
    body = {"name": "Scan.pdf", "uploaded_by": "client", "content_type": "application/pdf", "size": len(data)}
    scan = created(api, base, body)
    settle(tenant.stream)
    assert overview_ids(api, account, "documents") == ([paper], False)  # pending: not yet
    key = files.upload_key(tenant.firm.firm_id, account, scan["id"])
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=os.environ["PHOTOS_BUCKET"], Key=key, Body=data)
    assert api.post(f"{base}/{scan['id']}/complete").status == 200
    settle(tenant.stream)
    assert overview_ids(api, account, "documents") == ([scan["id"], paper], False)
    assert_overview_matches_lists(api, account, ["documents"])


def test_deleting_items(tenant: Tenant) -> None:
    api = tenant.api
    account = new_account(api)["id"]
    notes = [
        created(api, f"/accounts/{account}/notes", {"title": f"Note {n}", "at": f"2026-02-0{n + 1}T08:00:00Z"})["id"]
        for n in range(7)
    ]
    settle(tenant.stream)
    assert overview_ids(api, account, "notes") == (notes[:1:-1], True)

    assert api.delete(f"/accounts/{account}/notes/{notes[6]}").status == 204
    settle(tenant.stream)
    assert overview_ids(api, account, "notes") == (notes[5:0:-1], True)

    assert api.delete(f"/accounts/{account}/notes/{notes[3]}").status == 204
    settle(tenant.stream)
    assert overview_ids(api, account, "notes") == ([notes[5], notes[4], notes[2], notes[1], notes[0]], False)
    assert_overview_matches_lists(api, account, ["notes"])

    for note in (notes[0], notes[1], notes[2], notes[4], notes[5]):
        assert api.delete(f"/accounts/{account}/notes/{note}").status == 204
    settle(tenant.stream)
    assert overview_ids(api, account, "notes") == ([], False)


def test_a_pipeline_rename_alone_refreshes_every_account_with_an_active_job_in_it(tenant: Tenant) -> None:
    api = tenant.api
    onboarding = new_pipeline(api, "Onboarding", "Intake", "Review")
    tax = new_pipeline(api, "Tax return", "Prepare")
    intake = onboarding["stages"][0]["id"]
    a, b, c = (new_account(api, name)["id"] for name in ("Alpha", "Bravo", "Charlie"))
    job = {"pipeline_id": onboarding["id"], "stage_id": intake}
    created(api, f"/accounts/{a}/jobs", {"name": "Bookkeeping", **job})
    created(api, f"/accounts/{b}/jobs", {"name": "Payroll", **job})
    created(api, f"/accounts/{b}/jobs", {"name": "Old payroll", **job, "status": "completed"})
    created(api, f"/accounts/{c}/jobs", {"name": "Closed", **job, "status": "archived"})
    created(api, f"/accounts/{c}/jobs", {"name": "1040", "pipeline_id": tax["id"], "stage_id": tax["stages"][0]["id"]})
    settle(tenant.stream)
    before_c = api.get(f"/accounts/{c}/overview").body["jobs"]

    stages = [{"id": intake, "name": "New clients"}, onboarding["stages"][1]]
    r = api.patch(f"/pipelines/{onboarding['id']}", {"name": "Client onboarding", "stages": stages})
    assert r.status == 200, r.body
    rename, queued = tenant.stream.read()  # the pipeline and, in its transaction, the job that refreshes
    assert entity(rename) == "pipeline" and rename["eventName"] == "MODIFY"
    assert entity(queued) == "job" and queued["eventName"] == "INSERT"
    with counting(tenant.table) as calls:
        assert deliver([rename, queued]) == []
    assert calls.writes == []  # the fan-out is the job's (services/pipeline_refresh.py), not the stream's
    with counting(tenant.table) as calls:
        drain_jobs()
    # Alpha's and Bravo's jobs overviews (Charlie has no active job in it), and the job's one advance.
    assert calls.writes == ["PutItem", "PutItem", "UpdateItem"]

    for account in (a, b):
        (shown,) = assert_overview_matches_lists(api, account, ["jobs"])["jobs"]["items"]
        assert shown["pipeline"] == {"id": onboarding["id"], "name": "Client onboarding"}
        assert shown["stage"] == {"id": intake, "name": "New clients"}
    assert api.get(f"/accounts/{c}/overview").body["jobs"] == before_c
    assert_overview_matches_lists(api, c, ["jobs"])


def test_added_credit_shows_in_payable_with_credit_without_any_projection(tenant: Tenant) -> None:
    api = tenant.api
    account = new_account(api)["id"]
    small = created(api, f"/accounts/{account}/invoices", {"number": "1", "amount": "50"})["id"]
    large = created(api, f"/accounts/{account}/invoices", {"number": "2", "amount": "120.50"})["id"]
    euro = created(api, f"/accounts/{account}/invoices", {"number": "3", "amount": "1"})["id"]
    # stored in EUR before an invoice had to be in its account's currency (issue 18 refuses a new one)
    tenant.table.client.update_item(
        TableName=tenant.table.name,
        Key=to_wire(keys.item(tenant.firm.firm_id, account, "invoices", euro).as_dict()),
        UpdateExpression="SET currency = :eur",
        ExpressionAttributeValues={":eur": {"S": "EUR"}},
    )
    settle(tenant.stream)

    def payable() -> dict[str, bool]:
        body = assert_overview_matches_lists(api, account, ["invoices"])
        return {s["id"]: s["payable_with_credit"] for s in body["invoices"]["items"]}

    assert payable() == {small: False, large: False, euro: False}
    created(api, f"/accounts/{account}/credits", {"amount": "60"})
    assert payable() == {small: True, large: False, euro: False}  # nothing delivered in between
    created(api, f"/accounts/{account}/credits", {"amount": "70.50"})
    assert payable() == {small: True, large: True, euro: False}
    assert all(entity(r) in ("account", "credit") for r in tenant.stream.read())


def test_a_crash_mid_batch_fails_only_the_records_of_the_unfinished_target(tenant: Tenant) -> None:
    api = tenant.api
    a, b, c = (new_account(api, name)["id"] for name in ("Alpha", "Bravo", "Charlie"))
    settle(tenant.stream)
    for account in (a, b, c, b, a):
        created(api, f"/accounts/{account}/notes", {"title": "Call back"})
    batch = tenant.stream.read()
    crash = Crash("PutItem", 2)  # the second overview write: Bravo's notes
    with hooked(tenant.table, "before-call.dynamodb", crash):
        failed = deliver(batch)
    assert crash.fired
    assert failed == [seq(batch[1]), seq(batch[3])]
    assert overview_ids(api, b, "notes") == ([], False)
    # Lambda retries from the first failed record: Alpha's second note comes again too.
    assert deliver(batch[1:]) == []
    for account in (a, b, c):
        assert_overview_matches_lists(api, account, ["notes"])


def test_of_two_interleaved_recomputes_the_older_read_does_not_overwrite(tenant: Tenant) -> None:
    api, table = tenant.api, tenant.table
    account = new_account(api)["id"]
    first = created(api, f"/accounts/{account}/tasks", {"title": "First"})["id"]
    settle(tenant.stream)
    second = created(api, f"/accounts/{account}/tasks", {"title": "Second"})["id"]
    repo, firm_id = ActivityRepo(table), tenant.firm.firm_id
    newer: list[bool] = []
    third: list[str] = []

    def in_the_window(**kwargs: Any) -> None:
        """Before the older recompute writes: a change, and a recompute that reads it."""
        if newer:
            return
        newer.append(False)
        third.append(created(api, f"/accounts/{account}/tasks", {"title": "Third"})["id"])
        newer[0] = overview.recompute(repo, firm_id, account, "tasks")

    with counting(table) as calls, hooked(table, "before-call.dynamodb.PutItem", in_the_window):
        older = overview.recompute(repo, firm_id, account, "tasks")

    assert newer == [True] and older is False
    puts = [code for name, code in calls.made if name == "PutItem"]
    # the task, the newer result, then the older one's write, refused
    assert puts == [None, None, "ConditionalCheckFailedException"]
    assert overview_ids(api, account, "tasks") == ([third[0], second, first], False)
    assert_overview_matches_lists(api, account, ["tasks"])


def test_a_concurrent_rename_projection_cannot_bring_back_a_deleted_job(tenant: Tenant) -> None:
    """A rename's background job and an account's shard may run at once, so their
    recomputes can overlap. Here the rename's recompute (in its job) reads the
    candidates (the job still there); the job is deleted and the account's shard
    finds the overview already right, so writes nothing (no new revision); then
    the rename's recompute writes what it read. The end state must still be right."""
    api, table = tenant.api, tenant.table
    onboarding = new_pipeline(api, "Onboarding", "Intake")
    tax = new_pipeline(api, "Tax return", "Prepare")
    account = new_account(api)["id"]
    created(
        api, f"/accounts/{account}/jobs", {"name": "1040", "pipeline_id": tax["id"], "stage_id": tax["stages"][0]["id"]}
    )
    settle(tenant.stream)
    job = created(
        api,
        f"/accounts/{account}/jobs",
        {"name": "Bookkeeping", "pipeline_id": onboarding["id"], "stage_id": onboarding["stages"][0]["id"]},
    )["id"]
    assert api.patch(f"/pipelines/{onboarding['id']}", {"name": "Client onboarding"}).status == 200
    records = tenant.stream.read()
    firm_shard = [r for r in records if entity(r) in ("pipeline", "job")]
    account_shard = [r for r in records if entity(r) == "item"]
    assert len(firm_shard) == 2 and len(account_shard) == 1
    account_failures: list[str] = []

    def account_shard_runs_meanwhile(**kwargs: Any) -> None:
        """The rename's recompute has read its candidates; meanwhile the job
        is deleted and the account's shard processes its records."""
        if any(r["eventName"] == "REMOVE" for r in account_shard):
            return  # (the delete's transaction also writes its audit deletion note)
        assert api.delete(f"/accounts/{account}/jobs/{job}").status == 204
        account_shard.extend(tenant.stream.read())
        account_failures.extend(deliver(account_shard))

    with hooked(table, "before-call.dynamodb.PutItem", account_shard_runs_meanwhile):
        assert deliver(firm_shard) == []
        drain_jobs()  # the rename's refresh, whose recompute is the one interrupted
    assert account_failures == []
    assert any(r["eventName"] == "REMOVE" for r in account_shard)
    settle(tenant.stream)  # every record has been delivered once after its write
    assert_overview_matches_lists(api, account, ["jobs"])


def test_a_member_rename_shows_in_the_overview_through_its_job_not_the_stream(tenant: Tenant) -> None:
    api = tenant.api
    account, other = new_account(api)["id"], new_account(api, "Other")["id"]
    member_id, _ = tenant.firm.add_member(name="Bob Before")
    created(api, f"/accounts/{account}/tasks", {"title": "Reconcile", "assignee_id": member_id})
    created(api, f"/accounts/{account}/time_entries", {"minutes": 30, "member_id": member_id})
    created(api, f"/accounts/{account}/notes", {"title": "Met the client"})
    created(api, f"/accounts/{other}/notes", {"title": "Called"})
    settle(tenant.stream)

    assert api.patch(f"/members/{member_id}", {"name": "Bob After"}).status == 200
    assert api.patch(f"/members/{tenant.firm.owner_id}", {"name": "Olivia Renamed"}).status == 200
    records = tenant.stream.read()  # each member and, in its transaction, the job that refreshes
    assert [(entity(r), r["eventName"]) for r in records] == [("member", "MODIFY"), ("job", "INSERT")] * 2
    with counting(tenant.table) as calls:
        assert deliver(records) == []
    # The fan-out is the job's (services/member_refresh.py): the stream neither looks up nor writes.
    assert calls.writes == [] and "Query" not in [name for name, _ in calls.made]
    with counting(tenant.table) as calls:
        drain_jobs()
    # Bob's tasks and time entries overviews and his job's advance; the owner's two notes overviews and hers.
    assert sorted(calls.writes) == ["PutItem"] * 4 + ["UpdateItem"] * 2

    body = assert_overview_matches_lists(api, account, ["tasks", "time_entries", "notes"])
    assert body["tasks"]["items"][0]["assignee"]["name"] == "Bob After"
    assert body["notes"]["items"][0]["author"]["name"] == "Olivia Renamed"
    assert_overview_matches_lists(api, other, ["notes"])


# --- 3. the local poller honours partial-batch failures --------------------------------------


@dataclass
class FlakyHandler:
    """The deployed handler, plus failures the test chooses: ``fail_times[seq]``
    more deliveries of that record are reported as failed."""

    fail_times: dict[str, int]
    batches: list[list[str]] = field(default_factory=list)

    def __call__(self, lambda_event: dict[str, Any], context: Any) -> dict[str, Any]:
        numbers = [seq(r) for r in lambda_event["Records"]]
        self.batches.append(numbers)
        result: dict[str, Any] = project_overview(lambda_event, context)
        for number in numbers:
            if self.fail_times.get(number, 0) > 0:
                self.fail_times[number] -= 1
                result["batchItemFailures"].append({"itemIdentifier": number})
        return result


def test_the_poller_retries_from_the_failed_record_and_gives_up_on_a_poison_one(tenant: Tenant) -> None:
    api = tenant.api
    account = new_account(api)["id"]
    settle(tenant.stream)
    max_retries = 2
    handler = FlakyHandler({})
    local = poller(tenant.table, handler, batch_size=3, max_retries=max_retries)
    notes = [created(api, f"/accounts/{account}/notes", {"title": f"Note {n}"})["id"] for n in range(9)]
    written = [seq(r) for r in tenant.stream.read()]
    assert len(written) == len(notes)
    flaky, poison = written[4], written[6]  # the middle of the second batch of three; a later one
    handler.fail_times.update({flaky: 1, poison: 1_000})

    local.drain()

    delivered = Counter(n for batch in handler.batches for n in batch)
    assert delivered[flaky] == 2
    retry = next(b for b in handler.batches[1:] if b[0] == flaky)
    assert handler.batches.index(retry) == handler.batches.index(next(b for b in handler.batches if flaky in b)) + 1
    assert delivered[written[3]] == 1  # before the failed record: checkpointed, not delivered again
    assert delivered[poison] == max_retries + 1
    assert [seq(r) for r in local.given_up] == [poison]
    assert all(delivered[n] >= 1 for n in written)
    assert all(delivered[n] >= 1 for n in written[written.index(poison) + 1 :]), "later records were blocked"
    assert_overview_matches_lists(api, account, ["notes"])
