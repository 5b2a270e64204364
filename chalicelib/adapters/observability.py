"""Structured logs and per-request metrics, with Powertools for AWS Lambda.

Every log line of the app's loggers ("dossier" and its children) is one JSON
object carrying the request id, the route and, once the token is verified, the
firm id; log messages never hold a body, an address or a token. Each API
request also writes one record in CloudWatch's embedded metric format: its
latency and the DynamoDB read and write units it consumed, by route (not by
firm: a dimension per tenant would be a metric per tenant, billed monthly;
Latency's sample count is the number of requests).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

from chalicelib.domain.metering import SERVED

SERVICE = "dossier"
NAMESPACE = "Dossier"

logger = Logger(service=SERVICE, level="INFO")
# The function's own handler prints each record once; the root's would print it again.
logging.getLogger(SERVICE).propagate = False
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
# Powertools' metric set is one per process: requests served on threads (the local server) must add and flush
# theirs one at a time, or one request's flush takes another's metrics and the other's finds none (and raises).
_emitting = threading.Lock()

_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})


@dataclass
class Capacity:
    """DynamoDB units consumed while serving one request. A request may write from several threads (a bulk
    edit's writers share this meter through their copied context), so additions take the lock."""

    read: float = 0.0
    write: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, *, read: float = 0.0, write: float = 0.0) -> None:
        with self.lock:
            self.read += read
            self.write += write


_capacity: ContextVar[Capacity | None] = ContextVar("dossier_capacity", default=None)


def count_capacity(operation: str, consumed: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None) -> None:
    """Add a DynamoDB response's ConsumedCapacity to the current request's (if any)."""
    meter = _capacity.get()
    if meter is None or not consumed:
        return
    entries = [consumed] if isinstance(consumed, Mapping) else consumed
    units = sum(float(e.get("CapacityUnits", 0.0)) for e in entries)
    if operation in _READS:
        meter.add(read=units)
    else:
        meter.add(write=units)


@contextmanager
def api_request(route: str, request_id: str) -> Iterator[Capacity]:
    """Log context and metrics for one API request; call ``finished`` before leaving."""
    # thread-local keys: Chalice's local server serves requests on threads (Lambda, one at a time)
    logger.thread_safe_append_keys(request_id=request_id, route=route)
    meter = Capacity()
    token = _capacity.set(meter)
    try:
        yield meter
    finally:
        _capacity.reset(token)
        logger.thread_safe_remove_keys(["request_id", "route", "firm_id"])


def firm_known(firm_id: str) -> None:
    """The verified token's firm: on every later log line of this request."""
    logger.thread_safe_append_keys(firm_id=firm_id)


def finished(route: str, status: int, started: float, meter: Capacity) -> None:
    """One access-log line and one EMF record for the request: latency and
    capacity, by route."""
    latency = (time.perf_counter() - started) * 1000
    logger.info(
        SERVED,
        extra={"status": status, "latency_ms": round(latency, 1), "read_units": meter.read, "write_units": meter.write},
    )
    with _emitting:
        metrics.add_dimension(name="route", value=route)
        # The status stays a property, not a dimension: each dimension value is a metric, billed monthly.
        metrics.add_metadata(key="status", value=status)
        metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=latency)
        metrics.add_metric(name="ReadUnits", unit=MetricUnit.Count, value=meter.read)
        metrics.add_metric(name="WriteUnits", unit=MetricUnit.Count, value=meter.write)
        metrics.flush_metrics()
