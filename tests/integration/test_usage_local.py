"""make run's metering stand-in (devtools/usage_poller.py) reads the API
server's app log file: the server process writes its access log there, one
JSON line per request as Lambda prints it, which the subscription's filter
pattern passes. A real server process; its one request needs no database."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from chalicelib.repo.schema import TEMPLATE
from devtools.api_server import ApiServer
from devtools.stack import local_env
from devtools.usage_poller import UsagePoller, subscription_filter
from tests.integration.test_local_api_server import send

pytestmark = pytest.mark.integration


def test_the_local_api_server_writes_its_access_log_where_the_meter_reads_it(tmp_path: Path) -> None:
    app_log = tmp_path / "api-app.jsonl"
    env = {
        **local_env("http://127.0.0.1:9", "http://127.0.0.1:9", tmp_path / "outbox"),
        "DOSSIER_APP_LOG": str(app_log),
    }
    with (tmp_path / "api.log").open("ab") as log, ApiServer(env, log=log) as server:
        response, _ = send(server, "GET", "/accounts")
        assert response.status == 401
        deadline = time.monotonic() + 10
        while not app_log.exists() or b"request served" not in app_log.read_bytes():
            assert time.monotonic() < deadline, "no access-log line in the app log file"
            time.sleep(0.1)
    (line,) = [json.loads(raw) for raw in app_log.read_text().splitlines() if '"request served"' in raw]
    field, value = subscription_filter(TEMPLATE)
    assert line[field] == value  # the subscription's filter passes it
    assert (line["route"], line["status"]) == ("GET /accounts", 401) and "firm_id" not in line
    delivered: list[dict[str, object]] = []
    poller = UsagePoller(app_log, tmp_path / "offset.txt", lambda event, context: delivered.append(event), TEMPLATE)
    assert poller.poll_once() == 1 and len(delivered) == 1  # shipped, and (no firm) metered for nobody
    assert poller.poll_once() == 0  # nothing new
