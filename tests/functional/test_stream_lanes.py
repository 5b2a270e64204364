"""The local poller's lanes (the mapping's ParallelizationFactor): a page's
records split by partition key and delivered by lanes at once; one key's
records keep their order, and a failure in one lane moves the checkpoint to
just before the earliest failed record, whatever the other lanes did."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from chalicelib.repo.schema import TEMPLATE
from chalicelib.repo.table import Table
from devtools.stream_poller import StreamPoller, mapping_settings
from tests.support.api import Api
from tests.support.factories import contact_spec, new_account, unique_email
from tests.support.stream import poller

LANES = 3


@dataclass
class Recorder:
    """Records each delivery; the ``fail_at``-th record it sees is reported failed, once."""

    fail_at: int | None = None
    failed: str | None = None
    delivered: list[tuple[str, str]] = field(default_factory=list)  # (partition key, sequence number)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        failures = []
        with self.lock:
            for record in event["Records"]:
                number = record["dynamodb"]["SequenceNumber"]
                self.delivered.append((record["dynamodb"]["Keys"]["PK"]["S"], number))
                if self.failed is None and len(self.delivered) == self.fail_at:
                    self.failed = number
                    failures.append({"itemIdentifier": number})
        return {"batchItemFailures": failures}


def _lanes(table: Table, handler: Recorder) -> StreamPoller:
    return poller(table, handler, **{**mapping_settings(TEMPLATE, "IndexSearch"), "parallelization": LANES})


def _burst(api: Api, count: int = 8) -> None:
    for i in range(count):
        new_account(api, f"Lane{i:02d} Holdings", contacts=[contact_spec(emails=[unique_email(f"lane{i}")])])


def test_the_search_mapping_runs_lanes_and_the_poller_takes_its_settings() -> None:
    settings = mapping_settings(TEMPLATE, "IndexSearch")
    assert settings["parallelization"] > 1
    assert settings["batch_size"] >= 1 and settings["filters"]


def test_lanes_deliver_each_record_once_in_order_per_key(api: Api, table: Table) -> None:
    handler = Recorder()
    stream = _lanes(table, handler)
    _burst(api)
    stream.drain()
    numbers = [n for _, n in handler.delivered]
    assert numbers and len(numbers) == len(set(numbers))
    by_key: dict[str, list[int]] = {}
    for key, number in handler.delivered:
        by_key.setdefault(key, []).append(int(number))
    assert all(run == sorted(run) for run in by_key.values())
    assert len(by_key) > LANES  # several keys: every lane had work


def test_a_failure_in_one_lane_retries_from_the_earliest_failed_record(api: Api, table: Table) -> None:
    handler, everything = Recorder(fail_at=10), Recorder()
    stream, reference = _lanes(table, handler), _lanes(table, everything)
    _burst(api)
    stream.drain()
    reference.drain()
    assert handler.failed is not None
    failed = int(handler.failed)
    counts = Counter(int(n) for _, n in handler.delivered)
    assert counts[failed] == 2
    # Before it, everything was delivered (every lane ran its batches) and checkpointed: once each.
    assert all(times == 1 for number, times in counts.items() if number < failed)
    # After it, other lanes' records may come again (harmless: handlers recompute); none is lost.
    assert set(counts) == {int(n) for _, n in everything.delivered} and stream.given_up == []
