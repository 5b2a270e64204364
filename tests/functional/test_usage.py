"""Metering per firm (issue 20, goal 7): a recorded burst of requests of two
firms, its access log shipped to the meter as CloudWatch Logs' subscription
would (batches, one of them delivered again), then GET /firm/usage agrees
exactly with totals computed from the recorded lines. Also who may read it,
a bad month and an empty one."""

from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app import meter_usage
from chalicelib.adapters.log_subscription import LogEvent, encode
from chalicelib.domain.metering import estimated_price, month_of
from chalicelib.handlers.http.operations import OPERATIONS
from chalicelib.repo.schema import TEMPLATE
from chalicelib.repo.table import Table
from devtools.usage_poller import UsagePoller
from tests.support.api import Api, TestFirm, make_firm
from tests.support.problems import assert_refused
from tests.support.usage import batches, recorded_log, ship, varied_burst


def _expected(served: list[dict[str, Any]], firm_id: str) -> dict[str, Any]:
    mine = [line for line in served if line.get("firm_id") == firm_id]
    groups = Counter(OPERATIONS[line["route"]].tag for line in mine)
    classes = Counter(f"{line['status'] // 100}xx" for line in mine)
    read = sum((Decimal(str(line["read_units"])) for line in mine), Decimal(0))
    write = sum((Decimal(str(line["write_units"])) for line in mine), Decimal(0))
    billed = sum(max(math.ceil(line["latency_ms"]), 1) for line in mine)
    return {
        "requests": {"total": len(mine), "by_route_group": dict(groups), "by_status_class": dict(classes)},
        "read_units": float(read),
        "write_units": float(write),
        "estimated_price": {"amount": str(estimated_price(len(mine), read, write, billed)), "currency": "USD"},
    }


def test_usage_agrees_with_the_access_log_of_a_recorded_burst(
    api: Api, firm: TestFirm, table: Table, client: Any
) -> None:
    other = make_firm(table, "Other & Co")
    other_api = Api(client, other.owner_token)
    # GIVEN a burst of a few hundred requests of two firms, its access log recorded as Lambda prints it
    with recorded_log() as log:
        varied_burst(api, firm, 14)
        varied_burst(other_api, other, 3)
    served = log.served()
    assert len(served) > 250
    month = month_of(log.events[0].timestamp)
    # WHEN the log reaches the meter in batches, one delivered twice, with a control message and other lines
    events = batches(log.events, 37)
    assert ship([*events, events[2]]) == sum(1 for s in served if s.get("firm_id"))
    assert meter_usage({"awslogs": {"data": "not base64 gzip"}}, None) == {"metered": 0}
    # THEN each firm's usage is exactly what its lines add up to, counted once
    for who, firm_id in ((api, firm.firm_id), (other_api, other.firm_id)):
        r = who.get(f"/firm/usage?month={month}")
        assert r.status == 200, r.body
        assert r.body == {"month": month, **_expected(served, firm_id)}
    assert _expected(served, firm.firm_id)["requests"]["by_status_class"].keys() == {"2xx", "4xx"}


def test_another_firms_usage_is_never_shown(api: Api, firm: TestFirm, table: Table, client: Any) -> None:
    other = make_firm(table, "Other & Co")
    with recorded_log() as log:
        Api(client, other.owner_token).get("/me")
    ship(batches(log.events, 10))
    r = api.get(f"/firm/usage?month={month_of(log.events[0].timestamp)}")
    assert r.body["requests"]["total"] == 0
    # a firm header naming another firm is not a way in either
    r = api.get(f"/firm/usage?month={month_of(log.events[0].timestamp)}", headers={"Dossier-Firm": other.firm_id})
    assert r.status == 401


def test_a_month_without_requests_answers_zeros(api: Api) -> None:
    r = api.get("/firm/usage?month=2019-02")
    assert r.status == 200, r.body
    assert r.body == {
        "month": "2019-02",
        "requests": {"total": 0, "by_route_group": {}, "by_status_class": {}},
        "read_units": 0,
        "write_units": 0,
        "estimated_price": {"amount": "0.000000", "currency": "USD"},
    }


def test_owner_and_admin_read_usage_employees_get_403(api: Api, firm: TestFirm, table: Table) -> None:
    _, admin = firm.add_member("admin")
    _, manager = firm.add_member("employee", view_all=True, manage=True)
    assert api.as_(admin).get("/firm/usage?month=2026-01").status == 200
    body = assert_refused(table, 403, lambda: api.as_(manager).get("/firm/usage?month=2026-01"))
    assert body["code"] == "forbidden"


@pytest.mark.parametrize(
    "query", ["", "?month=", "?month=2026-13", "?month=2026-1", "?month=26-01", "?month=2026-01-01"]
)
def test_a_bad_month_is_a_400_with_its_code(api: Api, table: Table, query: str) -> None:
    body = assert_refused(table, 400, lambda: api.get(f"/firm/usage{query}"), field="month")
    assert body["code"] == "invalid_month"


def test_a_control_message_and_lines_of_no_firm_meter_nothing(api: Api) -> None:
    control = encode("/aws/lambda/dossier-dev", "s", [LogEvent("1", 0, "CWL CONTROL MESSAGE")])
    control_payload = control  # a DATA_MESSAGE of a non-JSON line: nothing metered
    assert meter_usage(control_payload, None) == {"metered": 0}
    nobody = '{"message": "request served", "route": "GET /me", "status": 401, "latency_ms": 3.1}'
    assert meter_usage(encode("/aws/lambda/dossier-dev", "s", [LogEvent("2", 0, nobody)]), None) == {"metered": 0}


def test_the_local_meter_ships_make_runs_access_log_once(api: Api, firm: TestFirm, tmp_path: Path) -> None:
    """devtools/usage_poller.py (make run): the API server's app log file, shipped as the subscription would;
    a pass repeated after a crash (its offset not saved) counts nothing twice."""
    app_log, checkpoint = tmp_path / "api-app.jsonl", tmp_path / "offset.txt"
    poller = UsagePoller(app_log, checkpoint, meter_usage, TEMPLATE)
    with recorded_log() as log:
        api.get("/me")
        api.get("/tags")
    app_log.write_text("".join(e.message + "\n" for e in log.events) + "not json\n")
    assert poller.poll_once() == 2
    checkpoint.unlink()  # as if the process died before saving its offset
    assert poller.poll_once() == 2  # the same batch again
    month = month_of(log.events[0].timestamp)
    assert api.get(f"/firm/usage?month={month}").body["requests"]["by_route_group"] == {"members": 1, "tags": 1}
    with recorded_log() as more:
        api.get("/me")
    with app_log.open("a") as f:
        f.write(more.events[0].message + "\n" + '{"message": "request served"')  # the last line half written
    assert poller.poll_once() == 1
    # the usage reads themselves are not in the shipped file: only what the log holds is counted
    assert api.get(f"/firm/usage?month={month}").body["requests"]["by_route_group"] == {"members": 2, "tags": 1}
