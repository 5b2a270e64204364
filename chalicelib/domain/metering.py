"""Metering, per firm: what one access-log line ("request served",
adapters/observability.finished) counts, how lines add up per (firm, month,
route group, status class), and the estimated price of a month's use.

The meter reads the API function's access log (a CloudWatch Logs
subscription, handlers/usage.py), so it adds nothing to a request's own path.
A line counts for a firm only once the request's token named it (``firm_id``
on the line): refused tokens and the routes without one are nobody's.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from chalicelib.domain import prices
from chalicelib.domain.errors import BadRequestError, FieldError

SERVED: Final = "request served"  # the access log's message, written by adapters/observability.finished
STATUS_CLASSES: Final = ("2xx", "3xx", "4xx", "5xx")
PRICE_DECIMALS: Final = 6  # a small firm's month costs fractions of a cent
_MONTH = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])")  # ASCII digits only; matched whole (fullmatch)
_MILLION: Final = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class Served:
    """One metered request, from its access-log line."""

    firm_id: str
    route: str  # "GET /accounts/{account_id}"
    status: int
    read_units: Decimal
    write_units: Decimal
    billed_ms: int  # the handler's time, rounded up as Lambda bills it (1 ms)
    month: str  # "YYYY-MM", UTC, of the log event


@dataclass(frozen=True, slots=True, order=True)
class TallyKey:
    firm_id: str
    month: str
    route_group: str
    status_class: str


@dataclass(slots=True)
class Tally:
    requests: int = 0
    read_units: Decimal = Decimal(0)
    write_units: Decimal = Decimal(0)
    billed_ms: int = 0

    def add(self, line: Served) -> None:
        self.requests += 1
        self.read_units += line.read_units
        self.write_units += line.write_units
        self.billed_ms += line.billed_ms


def month_of(timestamp_ms: int) -> str:
    return datetime.fromtimestamp(timestamp_ms / 1000, UTC).strftime("%Y-%m")


def _units(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    return Decimal(str(value))  # the logged decimal text (0.5, 2.5), not the float's binary expansion


def parse_served(message: str, timestamp_ms: int) -> Served | None:
    """The metered request of an access-log line; ``None`` for any other line, or one of no firm."""
    try:
        record = json.loads(message)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("message") != SERVED:
        return None
    firm_id, route, status = record.get("firm_id"), record.get("route"), record.get("status")
    read, write = _units(record.get("read_units", 0)), _units(record.get("write_units", 0))
    latency = record.get("latency_ms", 0)
    if not (isinstance(firm_id, str) and firm_id and isinstance(route, str)):
        return None
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        return None
    if read is None or write is None or not isinstance(latency, int | float) or not math.isfinite(latency):
        return None
    return Served(firm_id, route, status, read, write, max(math.ceil(latency), 1), month_of(timestamp_ms))


def status_class(status: int) -> str:
    return f"{min(max(status // 100, 2), 5)}xx"  # 1xx never leaves the app; counted with 2xx if it did


def tally(lines: Iterable[Served], group_of: Callable[[str], str]) -> dict[TallyKey, Tally]:
    """The lines added up per firm, month, route group and status class."""
    totals: dict[TallyKey, Tally] = {}
    for line in lines:
        key = TallyKey(line.firm_id, line.month, group_of(line.route), status_class(line.status))
        totals.setdefault(key, Tally()).add(line)
    return totals


def parse_month(text: str | None) -> str:
    """``?month=YYYY-MM`` (required)."""
    if text is None:
        raise BadRequestError(
            "month is required (YYYY-MM).",
            [FieldError(("query", "month"), "missing", "required")],
            code="invalid_month",
        )
    if not _MONTH.fullmatch(text):
        raise BadRequestError(
            "month must be a month as YYYY-MM, e.g. 2026-12.",
            [FieldError(("query", "month"), "not YYYY-MM", "invalid_format")],
            code="invalid_month",
        )
    return text


def estimated_price(requests: int, read_units: Decimal, write_units: Decimal, billed_ms: int) -> Decimal:
    """What AWS bills for these requests (domain/prices.py): the front door and the API function per
    request, its duration at its memory, DynamoDB's units. Not in it: the stream functions' work on the
    firm's writes, CloudWatch, S3 and SES."""
    gb_seconds = Decimal(billed_ms) / 1000 * Decimal(prices.API_LAMBDA_MEMORY_MB) / 1024
    price = (
        requests * (prices.FRONT_DOOR_PER_MILLION + prices.LAMBDA_REQUESTS_PER_MILLION) / _MILLION
        + gb_seconds * prices.LAMBDA_PER_GB_SECOND
        + read_units * prices.DYNAMODB_PER_MILLION_RRU / _MILLION
        + write_units * prices.DYNAMODB_PER_MILLION_WRU / _MILLION
    )
    return price.quantize(Decimal(1).scaleb(-PRICE_DECIMALS), rounding=ROUND_HALF_UP)
