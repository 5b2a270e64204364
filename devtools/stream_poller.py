"""A local stand-in for Lambda's DynamoDB event-source mapping.

``chalice local`` never runs stream handlers, so ``make run`` and the
integration tests use this poller: it reads the table's stream (DynamoDB
Local's, or moto's), and invokes the same handler the deployed function runs
with Lambda-shaped events, behaving as the mapping in ``infra/`` is configured:

- records read from the shard in pages of up to 1,000 (GetRecords' limit),
  filtered by the mapping's ``FilterCriteria``, and the records that pass
  delivered in batches of at most ``batch_size``, in stream order per shard
  (Lambda filters before it batches: records filtered out never take a place
  in a batch), and a child shard only after its parent is finished;
- ``parallelization`` lanes (the mapping's ParallelizationFactor): a page's
  records split by partition key, each lane's batches run at once with the
  others' (one key's records stay in order);
- ``batchItemFailures`` (ReportBatchItemFailures): the checkpoint moves to
  just before the earliest failed record, and the batch is retried from there;
- a handler that raises: the whole batch is retried;
- finite retries: after ``max_retries`` retries of the same record it is
  handed to ``on_give_up`` (the on-failure destination) and skipped.

Checkpoints (the last processed sequence number per shard) can be kept in a
file, so a restarted ``make run`` does not reprocess the stream.
"""

from __future__ import annotations

import json
import logging
import threading
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

log = logging.getLogger("dossier.poller")

Handler = Callable[[dict[str, Any], Any], Any]
EMPTY_PAGES_FOLLOWED = 5
READ_PAGE = 1000  # GetRecords' maximum
DRAINED_AFTER_QUIET_PASSES = 3
MAX_BACKOFF_SECONDS = 8.0


def lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A record from GetRecords as Lambda delivers it (typed images kept as they are)."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    elif created is None:
        dynamodb["ApproximateCreationDateTime"] = datetime.now().timestamp()
    dynamodb.setdefault("SizeBytes", len(json.dumps(dynamodb, default=str)))
    dynamodb.setdefault("StreamViewType", "NEW_AND_OLD_IMAGES")
    return {
        "eventID": record.get("eventID", dynamodb["SequenceNumber"]),
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", region),
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


def _matches(value: Any, pattern: Any) -> bool:
    """Lambda's event-filter matching, for the subset the mapping uses: nested
    keys, and lists of accepted values at the leaves."""
    if isinstance(pattern, list):
        return value in pattern
    if not isinstance(pattern, dict) or not isinstance(value, dict):
        return False
    return all(_matches(value.get(key), sub) for key, sub in pattern.items())


def _mapping(template: Path, function: str) -> dict[str, Any]:
    resources = json.loads(template.read_text())["Resources"]
    properties: dict[str, Any] = resources[function]["Properties"]["Events"][f"{function}DynamodbEventSource"][
        "Properties"
    ]
    return properties


def mapping_filters(template: Path, function: str = "ProjectOverview") -> list[dict[str, Any]]:
    """The FilterCriteria of a function's stream mapping in
    ``infra/template.json`` (SAM names it after the handler: ``index_search``
    is ``IndexSearch``), so the poller delivers what Lambda would."""
    filters = _mapping(template, function).get("FilterCriteria", {}).get("Filters", [])
    return [json.loads(f["Pattern"]) for f in filters]


def mapping_settings(template: Path, function: str = "ProjectOverview") -> dict[str, Any]:
    """A ``StreamPoller``'s settings from the function's mapping: its filters,
    batch size and parallelization factor (``StreamPoller(..., **settings)``).
    Its batching window is not applied: records are delivered as they come,
    as with a window of 0."""
    mapping = _mapping(template, function)
    return {
        "filters": mapping_filters(template, function),
        "batch_size": int(mapping.get("BatchSize", 100)),
        "parallelization": int(mapping.get("ParallelizationFactor", 1)),
    }


@dataclass
class LambdaContext:
    """The few attributes handlers commonly read from Lambda's context."""

    function_name: str = "dossier-local-project_overview"
    aws_request_id: str = "local"
    memory_limit_in_mb: int = 256

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass
class StreamPoller:
    streams: Any  # a boto3 "dynamodbstreams" client
    stream_arn: str
    handler: Handler
    batch_size: int = 100
    parallelization: int = 1  # the mapping's ParallelizationFactor
    max_retries: int = 5
    region: str = "us-east-1"
    checkpoint_file: Path | None = None
    filters: list[dict[str, Any]] = field(default_factory=list)
    on_give_up: Callable[[dict[str, Any]], None] | None = None
    checkpoints: dict[str, str] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)
    _attempts: dict[str, int] = field(default_factory=dict)
    given_up: list[dict[str, Any]] = field(default_factory=list)
    failed_pass: bool = False
    _next: dict[str, str] = field(default_factory=dict)
    _partition_key: str | None = None  # the table's hash key, from the stream's description

    def __post_init__(self) -> None:
        if self.checkpoint_file and self.checkpoint_file.exists():
            saved = json.loads(self.checkpoint_file.read_text())
            self.checkpoints = dict(saved.get("checkpoints", {}))
            self.finished = set(saved.get("finished", []))

    # --- shards ---------------------------------------------------------------------

    def _shards(self) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"StreamArn": self.stream_arn}
        while True:
            description = self.streams.describe_stream(**kwargs)["StreamDescription"]
            shards += description.get("Shards", [])
            hashed = [k["AttributeName"] for k in description.get("KeySchema", []) if k.get("KeyType") == "HASH"]
            self._partition_key = hashed[0] if hashed else self._partition_key
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            kwargs["ExclusiveStartShardId"] = last

    def _ready(self, shards: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Open work in order: a shard whose parent is still listed and not finished waits."""
        listed = {s["ShardId"] for s in shards}
        return [
            s
            for s in shards
            if s["ShardId"] not in self.finished
            and (s.get("ParentShardId") not in listed or s.get("ParentShardId") in self.finished)
        ]

    def _iterator(self, shard_id: str) -> str | None:
        kwargs: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard_id}
        checkpoint = self.checkpoints.get(shard_id)
        if checkpoint:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=checkpoint)
        else:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        try:
            iterator: str | None = self.streams.get_shard_iterator(**kwargs).get("ShardIterator")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("TrimmedDataAccessException", "ResourceNotFoundException"):
                log.warning("shard %s: checkpoint no longer readable; starting from the trim horizon", shard_id)
                self.checkpoints.pop(shard_id, None)
                kwargs = {"StreamArn": self.stream_arn, "ShardId": shard_id, "ShardIteratorType": "TRIM_HORIZON"}
                iterator = self.streams.get_shard_iterator(**kwargs).get("ShardIterator")
            else:
                raise
        return iterator

    # --- one pass ----------------------------------------------------------------------

    def _read(self, shard_id: str, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """The next records of a shard, and whether the shard has ended.

        GetRecords may answer empty pages before records further on, so a few
        are followed per pass, and the position reached is kept for the next
        pass (as Lambda keeps its iterator) instead of starting again from the
        checkpoint."""
        current = self._next.pop(shard_id, None) or self._iterator(shard_id)
        for _ in range(EMPTY_PAGES_FOLLOWED):
            if current is None:
                return [], True
            try:
                response = self.streams.get_records(ShardIterator=current, Limit=limit)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ExpiredIteratorException":
                    raise
                current = self._iterator(shard_id)
                continue
            records: list[dict[str, Any]] = response.get("Records", [])
            following: str | None = response.get("NextShardIterator")
            if records:
                if following:
                    self._next[shard_id] = following
                return records, False
            if following is None:
                return [], True
            if following == current:
                break
            current = following
        if current is not None:
            self._next[shard_id] = current
        return [], False

    def poll_once(self) -> int:
        """Deliver one batch from every shard that has records; the number of
        records delivered (0 when nothing new was found)."""
        delivered = 0
        self.failed_pass = False
        for shard in self._ready(self._shards()):
            shard_id = shard["ShardId"]
            records, ended = self._read(shard_id, READ_PAGE)
            if ended:
                self.finished.add(shard_id)
            if records:
                delivered += len(records)
                self._deliver(shard_id, records)
        self._save()
        return delivered

    def skip_to_end(self) -> None:
        """Start after the records already in the stream (like a mapping created
        with LATEST): mark every current record as processed without delivering it."""
        quiet = 0
        while quiet < DRAINED_AFTER_QUIET_PASSES:
            moved = False
            for shard in self._ready(self._shards()):
                records, ended = self._read(shard["ShardId"], 1000)
                if ended:
                    self.finished.add(shard["ShardId"])
                if records:
                    self._advance(shard["ShardId"], records[-1])
                    moved = True
            quiet = 0 if moved else quiet + 1

    def drain(self, max_passes: int = 10_000) -> int:
        """Poll until the stream has nothing new (a few quiet passes in a row,
        since empty pages can come before records); the number delivered."""
        total, quiet = 0, 0
        for _ in range(max_passes):
            count = self.poll_once()
            total += count
            quiet = 0 if count or self.failed_pass else quiet + 1
            if quiet >= DRAINED_AFTER_QUIET_PASSES:
                return total
        raise RuntimeError("the stream did not drain")

    def _deliver(self, shard_id: str, page: list[dict[str, Any]]) -> None:
        """The page's records that pass the filters, in batches of ``batch_size``
        per lane (``parallelization`` lanes by partition key, run at once, as
        the mapping's ParallelizationFactor does: one key's records stay in
        order). The checkpoint then moves to the page's end, or to just before
        its earliest failed record (whatever other lanes did after it is
        delivered again: harmless, since handlers recompute)."""
        lanes: dict[int, list[int]] = {}
        for position, record in enumerate(page):
            if self._wanted(record):
                lanes.setdefault(self._lane(record), []).append(position)
        if len(lanes) <= 1:
            failures = [self._run_lane(shard_id, page, positions) for positions in lanes.values()]
        else:
            with ThreadPoolExecutor(len(lanes)) as pool:
                failures = list(pool.map(lambda positions: self._run_lane(shard_id, page, positions), lanes.values()))
        failed = [f for f in failures if f is not None]
        if not failed:
            self._advance(shard_id, page[-1])  # records filtered out included, like the mapping's FilterCriteria
            return
        first = min(failed)
        if first > 0:
            self._advance(shard_id, page[first - 1])
        self._retry_or_skip(shard_id, page, first)

    def _lane(self, record: dict[str, Any]) -> int:
        """By the partition key's value, as Lambda hashes it (all of the keys if the stream did not name it)."""
        keys = record["dynamodb"].get("Keys", {})
        key = keys.get(self._partition_key, keys) if self._partition_key else keys
        return zlib.crc32(json.dumps(key, sort_keys=True, default=str).encode()) % self.parallelization

    def _run_lane(self, shard_id: str, page: list[dict[str, Any]], positions: list[int]) -> int | None:
        """One lane's records in batches, in order, until one fails: the page
        position of its earliest failed record (None: all delivered)."""
        for start in range(0, len(positions), self.batch_size):
            batch = positions[start : start + self.batch_size]
            event = {"Records": [lambda_record(page[i], self.stream_arn, self.region) for i in batch]}
            try:
                result = self.handler(event, LambdaContext())
            except Exception:
                log.exception("handler failed; the whole batch will be retried")
                return batch[0]
            failures = (result or {}).get("batchItemFailures", []) if isinstance(result, dict) else []
            failed = {f["itemIdentifier"] for f in failures}
            if failed:
                return next((i for i in batch if page[i]["dynamodb"]["SequenceNumber"] in failed), batch[0])
        return None

    def _wanted(self, record: dict[str, Any]) -> bool:
        return not self.filters or any(_matches(record, f) for f in self.filters)

    def _advance(self, shard_id: str, record: dict[str, Any]) -> None:
        self.checkpoints[shard_id] = record["dynamodb"]["SequenceNumber"]
        self._attempts.pop(shard_id, None)

    def _retry_or_skip(self, shard_id: str, records: list[dict[str, Any]], first: int) -> None:
        self._next.pop(shard_id, None)  # start again from the checkpoint
        self.failed_pass = True
        attempts = self._attempts.get(shard_id, 0) + 1
        self._attempts[shard_id] = attempts
        if attempts <= self.max_retries:
            return  # the next poll starts again from the first failed record
        record = records[first]
        log.error("giving up on record %s after %d retries", record["dynamodb"]["SequenceNumber"], self.max_retries)
        self.given_up.append(record)
        if self.on_give_up:
            self.on_give_up(record)
        self._advance(shard_id, record)

    def _save(self) -> None:
        if self.checkpoint_file:
            state = {"checkpoints": self.checkpoints, "finished": sorted(self.finished)}
            self.checkpoint_file.write_text(json.dumps(state))

    # --- running ------------------------------------------------------------------------

    def run(self, stop: threading.Event, idle_seconds: float = 0.25) -> None:
        """Poll until ``stop`` is set, waiting ``idle_seconds`` when there is
        nothing new, and backing off (up to 8 s) while deliveries fail, so a
        short outage does not use up the retries at once."""
        backoff = idle_seconds
        while not stop.is_set():
            try:
                busy = self.poll_once()
            except Exception:
                log.exception("stream poll failed; retrying")
                busy, self.failed_pass = 0, True
            if self.failed_pass:
                stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            backoff = idle_seconds
            if not busy:
                stop.wait(idle_seconds)


def table_stream_arn(client: Any, table_name: str) -> str:
    arn: str = client.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
    return arn
