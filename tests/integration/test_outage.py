"""The database unreachable or throttling: every request gets a 503
problem+json with Retry-After (never a 500), and the API serves again as
soon as the database is back, without a restart (issue 21, defect 6)."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from chalice.test import Client

from chalicelib.adapters.config import reset_settings, settings
from chalicelib.repo.table import Table
from tests.support.api import Api, make_firm
from tests.support.problems import assert_problem

pytestmark = pytest.mark.integration


def _use_endpoint(endpoint: str) -> None:
    os.environ["DYNAMODB_ENDPOINT"] = endpoint
    reset_settings()
    settings()  # read now: chalice's test Client swaps in its stage's environment while it is open


@contextmanager
def database_at(endpoint: str) -> Iterator[None]:
    """The app's DynamoDB endpoint moved to ``endpoint`` for the block (what an
    outage looks like to it). Enter it outside a test Client."""
    before = os.environ["DYNAMODB_ENDPOINT"]
    _use_endpoint(endpoint)
    try:
        yield
    finally:
        _use_endpoint(before)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # closed again: connections to it are refused


class _Throttling(BaseHTTPRequestHandler):
    """DynamoDB's answer when a table's capacity is exhausted, to every request."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps(
            {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "Rate exceeded"}
        ).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def throttling_database() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Throttling)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _unavailable(api: Api, path: str) -> None:
    reply = api.get(path)
    problem = assert_problem(reply, 503)
    assert reply.headers.get("retry-after", "").isdigit(), reply.headers
    assert int(reply.headers["retry-after"]) >= 1
    assert problem["type"].endswith("/unavailable")


def test_database_unreachable_is_a_503_and_recovery_needs_no_restart(local_table: Table) -> None:
    from app import app

    firm = make_firm(local_table)
    with Client(app) as client:
        assert Api(client, firm.owner_token).get("/accounts").status == 200
    with database_at(f"http://127.0.0.1:{_closed_port()}"), Client(app) as client:
        _unavailable(Api(client, firm.owner_token), "/accounts")
        _unavailable(Api(client, firm.owner_token), "/me")
    with Client(app) as client:  # the same process, its clients kept: it serves again at once
        assert Api(client, firm.owner_token).get("/accounts").status == 200


def test_database_throttling_is_a_503(local_table: Table) -> None:
    from app import app

    firm = make_firm(local_table)
    with throttling_database() as endpoint, database_at(endpoint), Client(app) as client:
        _unavailable(Api(client, firm.owner_token), "/accounts")
