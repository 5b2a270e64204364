"""The stream projection's tests (tests/functional/projection/): the overview rules as docs/api.md
writes them (independently of ``chalicelib.domain.sections``), the stream as Lambda delivers it to
``app.project_overview``, and failures injected into the table client with botocore event hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from botocore.exceptions import ClientError
from chalice.test import Client

from app import project_overview
from chalicelib.repo.table import Table
from devtools.stream_poller import lambda_record, table_stream_arn
from tests.support.api import Api, TestFirm, make_firm
from tests.support.factories import created, list_all
from tests.support.stream import streams_client

Item = dict[str, Any]
Record = dict[str, Any]  # a stream record as Lambda delivers it
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


# --- a tenant: a firm, its owner's API and its stream ---------------------------------------


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


def new_pipeline(api: Api, name: str, *stages: str) -> Item:
    return created(api, "/pipelines", {"name": name, "stages": [{"name": s} for s in stages]})


def overview_ids(api: Api, account_id: str, section: str) -> tuple[list[str], bool]:
    r = api.get(f"/accounts/{account_id}/overview")
    assert r.status == 200, r.body
    return [s["id"] for s in r.body[section]["items"]], r.body[section]["has_more"]
