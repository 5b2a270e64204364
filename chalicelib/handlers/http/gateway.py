"""The API Gateway HTTP API in front of the Chalice app (payload format 1.0).

A 1.0 event has the REST proxy's shape, so Chalice serves it as it is: every route of the table is
a route of the HTTP API (devtools/httpapi.py), and the event's ``resource`` is that route. What the
HTTP API adds is its ``$default`` route, which takes every request no route matches: an unknown
path, or a known path with a method it does not have. HTTP APIs have no gateway responses, so the
function answers those itself, in the API's problem+json: the path matched against the route table
gives Chalice's 405 (with ``Allow``, made problem+json by the ``observe`` middleware), and no match a
404. REST proxy events (the local gateway, the tests' client) carry no ``version`` and pass as they are.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from chalice.app import Chalice

from chalicelib.domain.errors import NotFoundError
from chalicelib.handlers.http.answers import problem_body

_PARAM = re.compile(r"^\{([^}]+)\}$")


@lru_cache(maxsize=4)
def _matchers(paths: frozenset[str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each route path as a pattern, the ones with more literal segments first (``/accounts/search``
    before ``/accounts/{account_id}``)."""
    found = []
    for path in paths:
        parts = path.strip("/").split("/") if path != "/" else []
        pattern = "".join(f"/(?P<{m.group(1)}>[^/]+)" if (m := _PARAM.match(p)) else "/" + re.escape(p) for p in parts)
        literal = sum(1 for p in parts if not _PARAM.match(p))
        found.append((-literal, len(parts), path, re.compile(f"^{pattern or '/'}$")))
    return tuple((path, regex) for _, _, path, regex in sorted(found))


def match_route(paths: frozenset[str], path: str) -> tuple[str, dict[str, str]] | None:
    """The route path that ``path`` is an instance of, and its parameters; None for no route."""
    for route, regex in _matchers(paths):
        found = regex.match(path)
        if found:
            return route, found.groupdict()
    return None


def not_found() -> dict[str, Any]:
    """The Lambda answer for a path no route has: 404 problem+json, as the handler's own answers."""
    body = problem_body(NotFoundError("No route has this path.", code="not_found"))
    return {
        "statusCode": 404,
        "headers": {
            "Content-Type": "application/problem+json",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def from_http_api(event: dict[str, Any], paths: frozenset[str]) -> dict[str, Any] | None:
    """Point an HTTP API 1.0 event at its route of the table (in place); None when no route has its path."""
    context = event.setdefault("requestContext", {})
    resource = event.get("resource")
    if isinstance(resource, str) and resource in paths:
        context["resourcePath"] = resource  # the route as the table names it, whatever the gateway put there
        return event
    found = match_route(paths, str(event.get("path") or context.get("path") or ""))
    if found is None:
        return None
    context["resourcePath"], params = found
    event["pathParameters"] = params or None
    return event


class HttpApiApp(Chalice):
    """Chalice, also for the HTTP API's $default route (see the module's description)."""

    _paths: frozenset[str] | None = None

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        if isinstance(event, dict) and event.get("version") == "1.0":
            if self._paths is None:  # once per instance: the routes are all registered before the first event
                self._paths = frozenset(self.routes)
            routed = from_http_api(event, self._paths)
            if routed is None:
                return not_found()
        return super().__call__(event, context)
