"""The API's local server (devtools/api_server.py: what ``make run`` and the
end-to-end stack serve) answers what Chalice's local gateway answers in its
own formats as the API does, in problem+json, and takes bursts of new
connections. A real server process; no request here reaches the database or
S3, so their endpoints are ports nothing listens on."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from http.client import HTTPConnection, HTTPResponse
from typing import Any

import pytest

from devtools.api_server import ApiServer
from devtools.stack import local_env

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"
PARALLEL = 50
PENDING = 64
CONNECT_SECONDS = 0.9


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    workdir = tmp_path_factory.mktemp("api-server")
    env = local_env("http://127.0.0.1:9", "http://127.0.0.1:9", workdir / "outbox")
    with (workdir / "api.log").open("ab") as log, ApiServer(env, log=log) as server:
        yield server


def send(api: ApiServer, method: str, path: str, headers: dict[str, str] | None = None) -> tuple[HTTPResponse, Any]:
    connection = HTTPConnection("127.0.0.1", api.port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    is_json = response.getheader("Content-Type", "").endswith("json")
    return response, json.loads(raw) if is_json and raw else raw


def an_api_problem(api: ApiServer) -> dict[str, Any]:
    """A problem the app itself answers (no token): the shape every problem has."""
    response, body = send(api, "GET", "/accounts")
    assert response.status == 401 and response.getheader("Content-Type") == PROBLEM
    assert isinstance(body, dict)
    return body


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "PUT"])
def test_a_method_the_path_lacks_is_405_problem_json_naming_the_allowed_ones(api: ApiServer, method: str) -> None:
    response, body = send(api, method, "/accounts")

    assert response.status == 405
    assert response.getheader("Content-Type") == PROBLEM
    assert body.keys() == an_api_problem(api).keys()
    assert body["type"].endswith("/method-not-allowed") and body["status"] == 405
    assert {m.strip() for m in response.getheader("Allow", "").split(",")} >= {"GET", "POST"}


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/nothing/here", {}),
        ("GET", "/", {}),
        ("POST", "/accounts/a1/no-such-section", {"Content-Type": "application/json"}),
        ("GET", "/nothing", {"Authorization": "Bearer x"}),  # Chalice's gateway had another 403 for this one
        ("TRACE", "/nothing", {}),
    ],
)
def test_an_unknown_path_is_404_problem_json(api: ApiServer, method: str, path: str, headers: dict[str, str]) -> None:
    response, body = send(api, method, path, headers)

    assert response.status == 404
    assert response.getheader("Content-Type") == PROBLEM
    assert body.keys() == an_api_problem(api).keys()
    assert body["type"].endswith("/not-found") and body["status"] == 404 and body["title"] == "Not found"
    assert path.split("?")[0] in body["detail"]


def test_a_404_keeps_the_connection_usable(api: ApiServer) -> None:
    connection = HTTPConnection("127.0.0.1", api.port, timeout=30)
    try:
        connection.request("POST", "/nothing", body=b'{"a": 1}', headers={"Content-Type": "application/json"})
        first = connection.getresponse()
        first.read()
        connection.request("GET", "/openapi.json")  # the same connection: the first body was read off it
        second = connection.getresponse()
        assert (first.status, second.status) == (404, 200) and json.loads(second.read())["openapi"]
    finally:
        connection.close()


def status_line(api: ApiServer, start: threading.Barrier) -> str:
    """Opens a connection once every thread is ready, sends a request; its status line, or the error."""
    start.wait()
    try:
        # The kernel completes a handshake at once while the listen backlog has room; a SYN it drops
        # (backlog full) is sent again only after a second (Linux's initial RTO).
        s = socket.create_connection(("127.0.0.1", api.port), timeout=CONNECT_SECONDS)
    except OSError as error:
        return f"connect: {type(error).__name__}: {error}"
    with s:
        s.settimeout(30)
        s.sendall(f"GET /accounts HTTP/1.1\r\nHost: 127.0.0.1:{api.port}\r\nConnection: close\r\n\r\n".encode())
        return s.makefile("rb").readline().decode("latin-1").strip()


def in_parallel(count: int, run: Callable[[threading.Barrier], str]) -> list[str]:
    results: list[str] = [""] * count
    start = threading.Barrier(count)

    def one(i: int) -> None:
        results[i] = run(start)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_fifty_new_connections_at_once_all_get_answers(api: ApiServer) -> None:
    answers = in_parallel(PARALLEL, lambda start: status_line(api, start))

    assert answers == ["HTTP/1.1 401 Unauthorized"] * PARALLEL


def test_pending_connections_wait_while_the_server_is_busy(api: ApiServer) -> None:
    """While the server accepts nothing (stopped, as a long pause of its accept loop), the kernel
    completes and queues the handshakes of up to the listen backlog; beyond it new connections
    are refused or time out."""
    assert api.process is not None
    queued: list[socket.socket] = []
    failed: list[str] = []
    os.kill(api.process.pid, signal.SIGSTOP)
    try:
        for _ in range(PENDING):
            try:
                queued.append(socket.create_connection(("127.0.0.1", api.port), timeout=CONNECT_SECONDS))
            except OSError as error:
                failed.append(f"{type(error).__name__}: {error}")
    finally:
        os.kill(api.process.pid, signal.SIGCONT)
    try:
        assert failed == []
        for s in queued:
            s.settimeout(30)
            s.sendall(f"GET /accounts HTTP/1.1\r\nHost: 127.0.0.1:{api.port}\r\nConnection: close\r\n\r\n".encode())
        assert [s.makefile("rb").readline().strip() for s in queued] == [b"HTTP/1.1 401 Unauthorized"] * PENDING
    finally:
        for s in queued:
            s.close()
