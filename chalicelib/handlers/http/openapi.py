"""The OpenAPI 3.1 document, generated from the registered routes and models."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter

from chalicelib.domain.problem_codes import GENERIC, status_of
from chalicelib.handlers.http.endpoint import MAX_QUERY_VALUE, RouteDoc
from chalicelib.handlers.http.examples import EXAMPLES
from chalicelib.handlers.http.operations import TAGS, operation
from chalicelib.handlers.http.routing import load_all

_REF_TEMPLATE = "#/components/schemas/{model}"
_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted: the work runs in the background",
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
# POSTs that change without creating, and keep their first answer for an Idempotency-Key too.
_IDEMPOTENT_ACTIONS = {("POST", "/accounts/bulk")}
# Response headers a client reads (documented so that generated clients can reach them).
_ETAG = {
    "description": 'The resource\'s version as an entity tag ("3"): send it back as If-Match to edit safely.',
    "schema": {"type": "string"},
}
_LOCATION = {"description": "The path of the created resource.", "required": True, "schema": {"type": "string"}}
_RETRY_AFTER = {"description": "Seconds to wait before retrying.", "schema": {"type": "string", "pattern": "^[0-9]+$"}}
# RFC 7240 on the edits that take it (RouteDoc.minimal): the request header, and the 204 it may bring.
_PREFER = {
    "name": "Prefer",
    "in": "header",
    "required": False,
    "description": "RFC 7240 preferences, comma-separated. `return=minimal` answers 204 with the new ETag "
    "and no body (the resource is not read back); without it, or with `return=representation`, the "
    "resource is answered. Other preferences, and values not understood, are ignored.",
    "schema": {"type": "string", "examples": ["return=minimal"]},  # no bounds: a hint is never refused
}
_MINIMAL = {
    "description": "Done, as asked with Prefer: return=minimal: no body; ETag is the new version.",
    "headers": {
        "ETag": _ETAG,
        "Preference-Applied": {
            "description": "The preference honoured.",
            "required": True,
            "schema": {"type": "string", "const": "return=minimal"},
        },
    },
}


def _schema(annotation: Any, components: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(annotation).json_schema(ref_template=_REF_TEMPLATE, mode="serialization")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    return schema


def _model_schema(annotation: Any, components: dict[str, Any]) -> dict[str, Any]:
    """A route's body model as a named component and a reference to it, so that generated clients share
    one class per model (``AccountOut``) rather than one per operation; other annotations inline."""
    schema = _schema(annotation, components)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and schema.get("type") == "object":
        components[annotation.__name__] = schema
        return {"$ref": _REF_TEMPLATE.format(model=annotation.__name__)}
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
        if name == "month":  # GET /firm/usage
            schema = {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "maxLength": 7}
        # q: a filter elsewhere (GET /contacts); month: GET /firm/usage's only parameter
        required = (name == "q" and route.path == "/search") or name == "month"
        params.append({"name": name, "in": "query", "required": required, "schema": schema})
    if route.method in ("PATCH", "PUT", "DELETE") or route.path.endswith("/restore"):
        params.append({"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"}})
    if route.minimal:
        params.append(_PREFER)
    if route.method == "POST" and (route.status == 201 or (route.method, route.path) in _IDEMPOTENT_ACTIONS):
        params.append({"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}})
    return params


def problem_codes(route: RouteDoc) -> dict[int, tuple[str, ...]]:
    """The problem codes the route may answer, by status: every status's generic
    codes, and the codes its declaration names (``errors``)."""
    particular = [code for code in route.errors if isinstance(code, str)]
    statuses = {status for status in route.errors if isinstance(status, int)}
    statuses |= {status_of(code) for code in particular} | {400, 415, 429, 503}
    if route.auth:
        statuses.add(401)
    return {
        status: (*GENERIC.get(status, ()), *(code for code in particular if status_of(code) == status))
        for status in sorted(statuses)
    }


def _versioned(response: Any) -> bool:
    """A single resource that carries its version (the account contact link: link_version), which the
    answer sends as ETag."""
    fields = getattr(response, "model_fields", {})
    return "version" in fields or "link_version" in fields


def _request_body(route: RouteDoc, components: dict[str, Any]) -> dict[str, Any] | None:
    if route.request is not None:
        media: dict[str, Any] = {"schema": _model_schema(route.request, components)}
        examples = EXAMPLES.get(f"{route.method} {route.path}", {})
        if examples:
            media["examples"] = {name: {"value": value} for name, value in examples.items()}
        return {"required": True, "content": {"application/json": media}}
    if route.content_types != ("application/json",):
        # A raw upload (the photo), checked by its content. Documented as one generic binary type, which
        # code generators take as a file (they refuse image/*); the other accepted types are named.
        binary = {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"}
        return {
            "required": True,
            "description": "The file's bytes, sent as " + ", ".join(route.content_types) + ".",
            "content": {"application/octet-stream": {"schema": binary}},
        }
    return None


def _operation(route: RouteDoc, components: dict[str, Any]) -> dict[str, Any]:
    operation_id, tag = operation(route.method, route.path)
    op: dict[str, Any] = {"summary": route.summary, "operationId": operation_id, "tags": [tag]}
    params = _parameters(route)
    if params:
        op["parameters"] = params
    body = _request_body(route, components)
    if body is not None:
        op["requestBody"] = body
    responses: dict[str, Any] = {}
    success: dict[str, Any] = {"description": _STATUS_TEXT[route.status]}
    response = route.response_model
    if response is not None:
        origin = getattr(response, "__origin__", None)
        if origin is list:
            (item,) = response.__args__
            schema = _list_schema(_model_schema(item, components))
            if isinstance(item, type) and issubclass(item, BaseModel):  # one page class per item model
                name = f"{item.__name__}Page"
                components[name] = {"title": name, **schema}
                schema = {"$ref": _REF_TEMPLATE.format(model=name)}
        else:
            schema = _model_schema(response, components)
        success["content"] = {"application/json": {"schema": schema}}
    headers: dict[str, Any] = {}
    if _versioned(response):
        headers["ETag"] = _ETAG
    if route.status == 201:
        headers["Location"] = _LOCATION
    if headers:
        success["headers"] = headers
    responses[str(route.status)] = success
    if route.minimal:
        responses["204"] = _MINIMAL
    # Every route refuses unknown query parameters and malformed If-Match or
    # Idempotency-Key headers (400), and a Content-Type it does not take (415);
    # any may be throttled (429) or meet an outage (503).
    for status, codes in problem_codes(route).items():
        listed = ", ".join(f"`{code}`" for code in codes)
        responses[str(status)] = {
            "description": f"{_STATUS_TEXT[status]}. Codes: {listed}",
            "content": {"application/problem+json": {"schema": _PROBLEM}},
            "x-problem-codes": list(codes),
        }
        if status in (429, 503):
            responses[str(status)]["headers"] = {"Retry-After": _RETRY_AFTER}
    op["responses"] = responses
    op["security"] = [{"bearer": []}] if route.auth else []
    return op


def document() -> dict[str, Any]:
    from chalicelib.domain.models.operations import Problem

    components: dict[str, Any] = {}
    components["Problem"] = _schema(Problem, components)
    paths: dict[str, dict[str, Any]] = {}
    for route in load_all():
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
                "answers the resource the first attempt created (its current state). Edits that list a Prefer "
                "header take `Prefer: return=minimal` (RFC 7240): 204 with no body, the new ETag and "
                "Preference-Applied. Errors are "
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
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
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
