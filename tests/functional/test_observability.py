"""Operations: one JSON log line per request with the request id, the route
and the firm (never a token or personal data), and one CloudWatch EMF record
per request with its latency and DynamoDB units (Powertools)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters.observability import NAMESPACE, logger
from tests.support.api import Api, TestFirm
from tests.support.factories import new_account, unique_email


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The app's log lines as Powertools formats them in Lambda."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    app_logger = logging.getLogger("dossier")
    app_logger.addHandler(handler)
    yield stream
    app_logger.removeHandler(handler)


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _emf(text: str) -> list[dict[str, Any]]:
    return [line for line in _json_lines(text) if "_aws" in line]


def test_each_request_logs_one_line_with_its_request_id_route_and_firm(
    api: Api, firm: TestFirm, log_lines: io.StringIO
) -> None:
    account = new_account(api, "Logged Ltd")
    api.get(f"/accounts/{account['id']}")
    api.as_(None).get("/me")

    served = [line for line in _json_lines(log_lines.getvalue()) if line["message"] == "request served"]
    assert [(line["route"], line["status"]) for line in served] == [
        ("POST /accounts", 201),
        ("GET /accounts/{account_id}", 200),
        ("GET /me", 401),
    ]
    assert [line.get("firm_id") for line in served] == [firm.firm_id, firm.firm_id, None]  # no firm without a token
    assert all(line["request_id"] and line["service"] == "dossier" and line["level"] == "INFO" for line in served)
    assert len({line["request_id"] for line in served}) == 3
    assert served[1]["read_units"] > 0  # the Info tab read the table


def test_the_request_context_does_not_leak_into_the_next_lines(api: Api, log_lines: io.StringIO) -> None:
    api.get("/me")
    logger.info("outside any request")

    (outside,) = [line for line in _json_lines(log_lines.getvalue()) if line["message"] == "outside any request"]
    assert "request_id" not in outside and "firm_id" not in outside and "route" not in outside


def test_logs_and_metrics_hold_no_token_and_no_personal_data(
    api: Api, firm: TestFirm, log_lines: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    address = unique_email("private.person")
    account = new_account(
        api,
        "Private Person",
        contacts=[{"first_name": "Priva", "last_name": "Tessa", "emails": [address], "description": "owner"}],
    )
    contact_id = account["contacts"][0]["id"]
    api.post(f"/contacts/{contact_id}/emails/{address}/invite")
    api.patch(f"/accounts/{account['id']}", {"name": "Private Person"}, headers={"If-Match": '"999"'})  # 412
    api.as_("not.a.valid.token").get("/me")

    everything = log_lines.getvalue() + capsys.readouterr().out
    assert "request served" in everything and "_aws" in everything  # the capture works
    for secret in (api.token, "not.a.valid.token", address, "Priva", "Tessa", "Private Person"):
        assert secret and secret not in everything, secret


def test_each_request_writes_one_emf_record_by_route(api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    api.get("/tags")
    api.get("/accounts?limit=0")

    records = _emf(capsys.readouterr().out)
    assert [(r["route"], r["status"]) for r in records] == [("GET /tags", 200), ("GET /accounts", 400)]
    for record in records:
        (directive,) = record["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == NAMESPACE
        assert directive["Dimensions"] == [["route", "service"]]  # not per firm, nor per status: each is billed
        names = {m["Name"] for m in directive["Metrics"]}
        assert names == {"Latency", "ReadUnits", "WriteUnits"}
        assert len(record["Latency"]) == 1 and record["Latency"][0] > 0
    assert records[1]["ReadUnits"] == [0.0]  # refused before reading anything


@pytest.mark.parametrize("table", ["local"], indirect=True)
def test_the_units_are_dynamodbs_own_figures(api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    """On DynamoDB Local (real consumed capacity): a create writes, a read reads."""
    account = new_account(api, "Metered")
    capsys.readouterr()
    api.get(f"/accounts/{account['id']}")
    api.patch(f"/accounts/{account['id']}", {"name": "Metered Ltd"})

    read, edit = _emf(capsys.readouterr().out)
    assert read["route"] == "GET /accounts/{account_id}" and read["ReadUnits"][0] > 0 and read["WriteUnits"] == [0.0]
    assert edit["route"] == "PATCH /accounts/{account_id}" and edit["WriteUnits"][0] > 0
