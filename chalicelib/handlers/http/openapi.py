"""The OpenAPI 3.1 document, generated from the registered routes and models."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from chalicelib.handlers.http.endpoint import MAX_QUERY_VALUE, ROUTES, RouteDoc

_REF_TEMPLATE = "#/components/schemas/{model}"
_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No content",
    400: (
        "Bad input: wrong type, unknown field, too long, bad enum, bad cursor, malformed JSON, JSON nested "
        "deeper than 32 levels, body too large"
    ),
    401: "Missing, invalid or expired bearer token",
    403: "Visible, but the caller may not change it",
    404: "Does not exist, or the caller may not open it",
    409: "Conflicts with the current state (unique value taken, last contact, archived)",
    410: "Gone: the invitation expired",
    412: "If-Match is stale; nothing was written (without If-Match a concurrent edit is read again and retried)",
    415: "The request's Content-Type is not one this route takes",
    429: "Too many requests from the caller's firm (the deployed API's per-firm throttling); retry later",
    422: "Well-formed, but breaks a rule (unknown reference, too many items)",
    503: "The database or another service Dossier uses is unavailable or throttling; retry after Retry-After seconds",
}
_PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _schema(annotation: Any, components: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(annotation).json_schema(ref_template=_REF_TEMPLATE, mode="serialization")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    return schema


def _list_schema(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {"items": {"type": "array", "items": item}, "next_cursor": {"type": ["string", "null"]}},
    }


def _parameters(route: RouteDoc) -> list[dict[str, Any]]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", route.path)
    ]
    for name in route.query:
        schema: dict[str, Any] = {"type": "string", "maxLength": MAX_QUERY_VALUE}
        if name == "limit":
            schema = {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}
        if name == "q":  # the search text
            schema = {"type": "string", "minLength": 1, "maxLength": 100}
        required = name == "q" and route.path == "/search"  # a filter elsewhere (GET /contacts)
        params.append({"name": name, "in": "query", "required": required, "schema": schema})
    if route.method in ("PATCH", "PUT", "DELETE") or route.path.endswith("/restore"):
        params.append({"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"}})
    if route.method == "POST" and route.status == 201:
        params.append({"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}})
    return params


def _operation(route: RouteDoc, components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": route.summary, "operationId": f"{route.method.lower()}_{route.path}"}
    params = _parameters(route)
    if params:
        op["parameters"] = params
    if route.request is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(route.request, components)}},
        }
    elif route.content_types != ("application/json",):
        # a raw upload (the photo): any of these types, checked by content
        binary = {"type": "string", "contentMediaType": "application/octet-stream"}
        op["requestBody"] = {"required": True, "content": {t: {"schema": binary} for t in route.content_types}}
    responses: dict[str, Any] = {}
    success: dict[str, Any] = {"description": _STATUS_TEXT[route.status]}
    if route.response is not None:
        origin = getattr(route.response, "__origin__", None)
        if origin is list:
            (item,) = route.response.__args__
            body = _list_schema(_schema(item, components))
        else:
            body = _schema(route.response, components)
        success["content"] = {"application/json": {"schema": body}}
    responses[str(route.status)] = success
    # Every route refuses unknown query parameters and malformed If-Match or
    # Idempotency-Key headers (400), and a Content-Type it does not take (415);
    # any may be throttled (429) or meet an outage (503).
    codes = {*route.errors, 400, 415, 429, 503}
    if route.auth:
        codes.add(401)
    for code in sorted(codes):
        responses[str(code)] = {
            "description": _STATUS_TEXT[code],
            "content": {"application/problem+json": {"schema": _PROBLEM}},
        }
    op["responses"] = responses
    op["security"] = [{"bearer": []}] if route.auth else []
    return op


def document() -> dict[str, Any]:
    from chalicelib.domain.models import Problem

    components: dict[str, Any] = {}
    components["Problem"] = _schema(Problem, components)
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Dossier API",
            "version": "1.0.0",
            "description": (
                "The client account profile of a practice-management CRM. Every route but /health, "
                "/openapi.json and portal-invite acceptance needs a bearer JWT whose verified claims give "
                "the firm and member. Mutable resources carry `version`, served as `ETag`; PATCH/DELETE "
                "accept `If-Match` (stale: 412, nothing written). Creates accept `Idempotency-Key`: a retry "
                "answers the resource the first attempt created (its current state). Errors are "
                "application/problem+json. Unknown query parameters, query values over 2,048 characters, and "
                "malformed If-Match or Idempotency-Key headers are rejected with 400 on every route; a "
                "Content-Type the route does not take with 415. Ids in paths that cannot be ids answer 404, as "
                "do unknown paths. JSON bodies are limited to 256 KB and 32 levels of nesting (400 beyond). "
                "Without If-Match, an edit that meets a concurrent one reads again and retries. Cursors are "
                "signed and checked against the list they came from (400 otherwise). The deployed API throttles "
                "each firm (429 with problem+json when exceeded); an unavailable or throttling database is a "
                "503 with Retry-After. Every answer carries Cache-Control: no-store and "
                "X-Content-Type-Options: nosniff."
            ),
        },
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "paths": paths,
    }


@cache
def document_json() -> str:
    """The document as served: generating it takes a quarter of a second."""
    return json.dumps(document())
