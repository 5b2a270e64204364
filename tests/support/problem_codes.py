"""Every problem answer in the tests is checked against the served document:
its ``code`` must be one the OpenAPI document lists for that route and status."""

from __future__ import annotations

import os
import re
from functools import cache
from typing import Any

from chalicelib.domain.problem_codes import CODES, GENERIC

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


@cache
def _operations() -> list[tuple[re.Pattern[str], int, dict[str, Any]]]:
    from chalicelib.handlers.http.openapi import document

    found = []
    for path, operations in document()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$")
        found.append((pattern, path.count("{"), operations))
    return sorted(found, key=lambda entry: entry[1])  # a literal segment wins over a parameter


def documented_codes(method: str, path: str, status: int) -> tuple[str, ...] | None:
    """The codes the document lists for the request's route and status; None when
    no route matches (the framework's own 404/405 answers)."""
    bare = path.split("?", 1)[0]
    for pattern, _, operations in _operations():
        if pattern.match(bare) and method.lower() in operations:
            response = operations[method.lower()]["responses"].get(str(status))
            assert response is not None, f"{method} {bare} answered {status}, which its document does not list"
            return tuple(response.get("x-problem-codes", ()))
    return None


def _route_of(path: str) -> str:
    bare = path.split("?", 1)[0]
    for pattern, _, _ in _operations():
        if pattern.match(bare):
            return pattern.pattern
    return bare


def check_problem(method: str, path: str, status: int, body: Any) -> None:
    assert isinstance(body, dict), body
    code = body.get("code")
    assert isinstance(code, str) and _SNAKE.match(code), f"a problem carries a snake_case code: {body}"
    assert code in CODES and CODES[code][0] == status, f"code {code!r} is not a {status} in the catalogue"
    for error in body.get("errors", ()):
        assert isinstance(error.get("code"), str) and _SNAKE.match(error["code"]), f"field error code: {body}"
    listed = documented_codes(method, path, status)
    allowed = listed if listed is not None else GENERIC.get(status, ())
    if code not in allowed and os.environ.get("RECORD_UNLISTED_CODES"):  # a survey while declaring codes
        with open(os.environ["RECORD_UNLISTED_CODES"], "a") as out:
            out.write(f"{method} {_route_of(path)} {code}\n")
        return
    assert code in allowed, f"{method} {path} answered code {code!r} ({status}); its document lists {allowed}"
