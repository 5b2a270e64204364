"""What one access-log line meters (domain/metering.py), the subscription
format (adapters/log_subscription.py), and the price estimate's unit prices."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from chalicelib.adapters.log_subscription import LogEvent, decode, encode
from chalicelib.domain import metering, prices
from chalicelib.domain.errors import BadRequestError

DEC_7 = 1_796_660_000_000  # 2026-12-07, UTC, in epoch ms


def _line(**fields: object) -> str:
    base = {
        "level": "INFO",
        "message": "request served",
        "route": "GET /tags",
        "firm_id": "F1",
        "status": 200,
        "latency_ms": 12.3,
        "read_units": 0.5,
        "write_units": 0.0,
    }
    return json.dumps({**base, **fields})


def test_a_served_line_meters_its_firm_route_status_units_and_billed_ms() -> None:
    served = metering.parse_served(_line(), DEC_7)
    assert served == metering.Served("F1", "GET /tags", 200, Decimal("0.5"), Decimal("0.0"), 13, "2026-12")


@pytest.mark.parametrize(
    "message",
    [
        _line(firm_id=None),  # a refused token: nobody's
        _line(message="unhandled error"),
        _line(status="200"),
        _line(status=True),
        _line(read_units=-1),
        _line(read_units="1"),
        _line(latency_ms="fast"),
        "not json",
        "[1, 2]",
    ],
)
def test_other_lines_meter_nothing(message: str) -> None:
    assert metering.parse_served(message, DEC_7) is None


def test_status_classes_and_tallies() -> None:
    assert [metering.status_class(s) for s in (200, 204, 304, 404, 429, 503)] == [
        "2xx",
        "2xx",
        "3xx",
        "4xx",
        "4xx",
        "5xx",
    ]
    lines = [metering.parse_served(_line(status=s), DEC_7) for s in (200, 201, 404)]
    totals = metering.tally([s for s in lines if s], lambda route: "tags")
    assert {k.status_class: t.requests for k, t in totals.items()} == {"2xx": 2, "4xx": 1}
    assert totals[metering.TallyKey("F1", "2026-12", "tags", "2xx")].read_units == Decimal("1.0")


@pytest.mark.parametrize("month", ["2026-12", "1999-01"])
def test_a_month_is_yyyy_mm(month: str) -> None:
    assert metering.parse_month(month) == month


@pytest.mark.parametrize(
    "month",
    [None, "", "2026-13", "2026-00", "2026-1", "202612", "2026-12-01", "\uff12\uff10\uff12\uff16-12", "2026-12\n"],
)
def test_anything_else_is_invalid_month(month: str | None) -> None:
    with pytest.raises(BadRequestError) as refused:
        metering.parse_month(month)
    assert refused.value.problem_code == "invalid_month"


def test_the_estimate_uses_the_shared_unit_prices() -> None:
    # a million requests of 20 ms, 2 RRU and 1 WRU each, at the HTTP API front door and 1024 MB
    price = metering.estimated_price(1_000_000, Decimal(2_000_000), Decimal(1_000_000), 20_000_000)
    expected = (
        prices.FRONT_DOOR_PER_MILLION
        + prices.LAMBDA_REQUESTS_PER_MILLION
        + Decimal(20_000) * prices.LAMBDA_PER_GB_SECOND
        + 2 * prices.DYNAMODB_PER_MILLION_RRU
        + prices.DYNAMODB_PER_MILLION_WRU
    )
    assert price == expected.quantize(Decimal("0.000001"))
    assert Decimal("1.00") == prices.FRONT_DOOR_PER_MILLION  # the HTTP API front door (issue 20, goal 1)
    assert metering.estimated_price(0, Decimal(0), Decimal(0), 0) == Decimal("0.000000")


def test_a_subscription_event_round_trips_and_its_batch_id_is_stable() -> None:
    events = [LogEvent("1", DEC_7, _line()), LogEvent("2", DEC_7, _line(status=404))]
    batch = decode(encode("/aws/lambda/api", "stream", events))
    assert batch is not None and batch.events == tuple(events)
    again = decode(encode("/aws/lambda/api", "stream", events))
    assert again is not None and again.batch_id == batch.batch_id
    other = decode(encode("/aws/lambda/api", "stream", events[:1]))
    assert other is not None and other.batch_id != batch.batch_id
    assert decode({"awslogs": {"data": "!!"}}) is None
    assert decode({}) is None
