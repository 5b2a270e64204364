"""Assertions for refused requests: problem+json shape, and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.repo.table import Table
from tests.support.api import Reply, snapshot

# A problem's ``loc``: the path to the refused part of the request.
Loc = tuple[str | int, ...]


def assert_problem(reply: Reply, status: int, *, loc: Loc | None = None, field: str | None = None) -> dict[str, Any]:
    """``reply`` is an ``application/problem+json`` answer with ``status``.

    With ``loc``, one of the ``errors`` has a ``loc`` starting with it; with
    ``field``, one of them names that field somewhere in its ``loc``.
    """
    assert reply.status == status, (reply.status, reply.body)
    assert reply.headers.get("content-type", "").startswith("application/problem+json"), reply.headers
    body = reply.body
    assert isinstance(body, dict), body
    assert {"type", "title", "status", "detail", "errors"} <= set(body), body
    assert isinstance(body["type"], str) and body["type"], body
    assert isinstance(body["title"], str) and body["title"], body
    assert body["status"] == status, body
    assert isinstance(body["detail"], str) and body["detail"], body
    assert isinstance(body["errors"], list), body
    for error in body["errors"]:
        assert isinstance(error, dict), body
        assert isinstance(error.get("loc"), list), body
        assert all(isinstance(part, str | int) for part in error["loc"]), body
        assert isinstance(error.get("msg"), str) and error["msg"], body
    if status == 400:
        assert body["errors"], "a 400 names what is wrong"
    if loc is not None:
        assert loc in [tuple(error["loc"][: len(loc)]) for error in body["errors"]], (loc, body["errors"])
    if field is not None:
        assert any(field in error["loc"] for error in body["errors"]), (field, body["errors"])
    return body


def assert_refused(table: Table, status: int, send: Callable[[], Reply], *, field: str | None = None) -> dict[str, Any]:
    """``send()`` is refused with ``status`` as problem+json and writes nothing."""
    before = snapshot(table)
    reply = send()
    body = assert_problem(reply, status, field=field)
    assert snapshot(table) == before, "a refused request must not write anything"
    return body
