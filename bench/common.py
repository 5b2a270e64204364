"""What both benchmarks share: counting a client's DynamoDB requests and the
capacity they consume, item sizes, and latency statistics."""

from __future__ import annotations

import io
import math
import statistics
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

READ_OPERATIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})


@dataclass
class Usage:
    """Requests and consumed capacity seen on one client while metered.

    ``by_index`` splits the units by where they were spent (``table``, or an
    index name), as DynamoDB reports with ``ReturnConsumedCapacity=INDEXES``.
    """

    requests: Counter[str] = field(default_factory=Counter)
    rru: float = 0.0
    wru: float = 0.0
    rru_by_op: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    wru_by_index: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    items_read: int = 0  # items DynamoDB read (a Query's or Scan's ScannedCount, items a Get returned)
    items_returned: int = 0  # of those, the items it returned (after a FilterExpression)
    # Read units by DynamoDB's billing rules, from the sizes of the items returned (``billed_read_units``):
    # right for reads without a projection or filter, which is what the request-count tests meter.
    billed_rru: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def add(self, operation: str, consumed: Any, items: tuple[int, int] = (0, 0)) -> None:
        entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
        with self._lock:
            self.requests[operation] += 1
            self.items_read += items[0]
            self.items_returned += items[1]
            for entry in entries:
                units = float(entry.get("CapacityUnits", 0))
                if operation in READ_OPERATIONS:
                    self.rru += units
                    self.rru_by_op[operation] += units
                    continue
                self.wru += units
                self.wru_by_index["table"] += float(entry.get("Table", {}).get("CapacityUnits", 0))
                for index, used in entry.get("LocalSecondaryIndexes", {}).items():
                    self.wru_by_index[index] += float(used.get("CapacityUnits", 0))
                for index, used in entry.get("GlobalSecondaryIndexes", {}).items():
                    self.wru_by_index[index] += float(used.get("CapacityUnits", 0))

    def units_text(self, which: str, per: int = 1) -> str:
        """Read units split by operation, or write units split by table and
        index; with ``per``, the mean per write."""
        total, parts = (self.rru, self.rru_by_op) if which == "read" else (self.wru, self.wru_by_index)
        fmt = "g" if per == 1 else ".1f"
        shown = [(k, v / per) for k, v in sorted(parts.items(), key=lambda kv: (kv[0] != "table", kv[0])) if v]
        if len(shown) <= 1:
            return f"{total / per:{fmt}}"
        return f"{total / per:{fmt}} ({', '.join(f'{k} {v:{fmt}}' for k, v in shown)})"

    def requests_text(self) -> str:
        """e.g. ``3 (Query 1, GetItem 2)``."""
        parts = ", ".join(f"{op} {n}" for op, n in sorted(self.requests.items()))
        return f"{self.total_requests} ({parts})" if parts else "0"


def billed_read_units(operation: str, items: Sequence[Mapping[str, Any]], consistent: bool) -> float:
    """What DynamoDB bills for one read that returned ``items`` (wire format): a Query or Scan 1 RCU per
    started 4 KB of all its items together (at least one unit), a GetItem or BatchGetItem each item on its
    own (a GetItem that finds nothing still bills one); strongly consistent 1 per 4 KB, eventually 0.5.
    Transactions (2 per 4 KB) are not reads the service makes."""
    per = 1.0 if consistent else 0.5
    sizes = [item_bytes(i) for i in items]
    if operation in ("Query", "Scan"):
        return max(1, math.ceil(sum(sizes) / 4096)) * per
    if operation == "GetItem" and not sizes:
        return per
    return sum(max(1, math.ceil(size / 4096)) for size in sizes) * per


def _returned(parsed: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if "Items" in parsed:
        return list(parsed["Items"])
    if "Item" in parsed:
        return [parsed["Item"]]
    responses = parsed.get("Responses") or {}
    if isinstance(responses, dict):  # BatchGetItem
        return [i for items in responses.values() for i in items]
    return []


def _consistent(params: Mapping[str, Any]) -> bool:
    if "ConsistentRead" in params:
        return bool(params["ConsistentRead"])
    tables = params.get("RequestItems") or {}  # BatchGetItem: one setting per table
    return any(bool(t.get("ConsistentRead")) for t in tables.values()) if isinstance(tables, dict) else False


def _items(parsed: Mapping[str, Any]) -> tuple[int, int]:
    """(items read, items returned) of one response."""
    if "ScannedCount" in parsed:
        return int(parsed["ScannedCount"]), int(parsed.get("Count", 0))
    if "Item" in parsed:
        return 1, 1
    responses = parsed.get("Responses") or {}
    if isinstance(responses, list):  # TransactGetItems
        found = sum(1 for r in responses if r.get("Item"))
    else:  # BatchGetItem, by table
        found = sum(len(items) for items in responses.values())
    return found, found


@contextmanager
def metered(client: Any) -> Iterator[Usage]:
    """Count the requests ``client`` (a boto3 DynamoDB client) makes, and the
    capacity they consume (asked for, per index, on every call that can report it)."""
    usage = Usage()

    def ask(params: dict[str, Any], model: Any, context: dict[str, Any] | None = None, **_: Any) -> None:
        if "ReturnConsumedCapacity" in model.input_shape.members:
            params["ReturnConsumedCapacity"] = "INDEXES"
        if context is not None and model.name in READ_OPERATIONS:  # per call: concurrent calls do not mix
            context["bench_consistent"] = _consistent(params)

    def add(parsed: dict[str, Any], model: Any, context: dict[str, Any] | None = None, **_: Any) -> None:
        usage.add(model.name, parsed.get("ConsumedCapacity"), _items(parsed))
        if model.name in READ_OPERATIONS and model.name != "TransactGetItems":
            consistent = bool((context or {}).get("bench_consistent"))
            billed = billed_read_units(model.name, _returned(parsed), consistent)
            with usage._lock:
                usage.billed_rru += billed

    events = client.meta.events
    events.register("provide-client-params.dynamodb", ask)
    events.register("after-call.dynamodb", add)
    try:
        yield usage
    finally:
        events.unregister("provide-client-params.dynamodb", ask)
        events.unregister("after-call.dynamodb", add)


# --- item sizes -------------------------------------------------------------------------


def _number_bytes(raw: str) -> int:
    digits = str(Decimal(raw)).lstrip("-").replace(".", "").lstrip("0").rstrip("0") or "0"
    return 1 + math.ceil(len(digits) / 2)


def value_bytes(value: Mapping[str, Any]) -> int:
    """The size DynamoDB bills for one attribute value (wire format), by the
    documented rules: strings and binaries by length, numbers about one byte
    per two significant digits plus one, lists and maps 3 bytes plus one byte
    per element (and the keys of a map)."""
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(str(inner).encode())
    if kind == "B":
        return len(inner)
    if kind == "N":
        return _number_bytes(str(inner))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(_number_bytes(n) for n in inner)
    if kind == "BS":
        return sum(len(b) for b in inner)
    if kind == "L":
        return 3 + sum(value_bytes(v) + 1 for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_bytes(v) + 1 for k, v in inner.items())
    raise ValueError(f"unknown attribute type {kind}")


def item_bytes(item: Mapping[str, Mapping[str, Any]]) -> int:
    """An item's billed size: attribute names plus values."""
    return sum(len(name.encode()) + value_bytes(value) for name, value in item.items())


# --- latency -------------------------------------------------------------------------------


def interleaved(candidates: Sequence[Callable[[], object]], rounds: int) -> list[list[float]]:
    """Seconds per call of each candidate, run alternately (the order rotates
    every round), so machine noise and warm-up hit all of them alike."""
    samples: list[list[float]] = [[] for _ in candidates]
    for r in range(rounds):
        for offset in range(len(candidates)):
            i = (r + offset) % len(candidates)
            start = time.perf_counter()
            candidates[i]()
            samples[i].append(time.perf_counter() - start)
    return samples


def median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1000


def p90_ms(samples: Sequence[float]) -> float:
    return statistics.quantiles(samples, n=10, method="inclusive")[-1] * 1000


# --- calls through the API ------------------------------------------------------------------


def ok(reply: Any, status: int = 200) -> Any:
    """The body of a reply that must have this status (a benchmark's setup step)."""
    assert reply.status == status, (reply.status, reply.body)
    return reply.body


def png() -> bytes:
    """A small real PNG, for photo uploads."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 256), (25, 118, 210)).save(out, "PNG")
    return out.getvalue()


# --- prices and other commits' code --------------------------------------------------------------


# The prices are imported where used: this module also serves bench/goals_probe.py in a tree of an older
# commit, whose chalicelib has no prices module.


def lambda_per_million(billed_ms: int, memory_mb: int | None = None) -> float:
    """A million invocations of ``billed_ms`` each, in dollars (chalicelib/domain/prices.py)."""
    from chalicelib.domain import prices

    gb_seconds = billed_ms / 1000 * (memory_mb or prices.API_LAMBDA_MEMORY_MB) / 1024
    return float(prices.LAMBDA_REQUESTS_PER_MILLION) + gb_seconds * float(prices.LAMBDA_PER_GB_SECOND) * 1_000_000


def dynamodb_per_million(rru: float, wru: float) -> float:
    """A million requests of these read and write units, on demand, in dollars."""
    from chalicelib.domain import prices

    return rru * float(prices.DYNAMODB_PER_MILLION_RRU) + wru * float(prices.DYNAMODB_PER_MILLION_WRU)


def extract(commit: str, paths: Sequence[str], into: Path) -> None:
    """``paths`` as they are at ``commit``, written into ``into`` (what a "before" measures)."""
    root = Path(__file__).resolve().parent.parent
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, *paths], cwd=root, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
