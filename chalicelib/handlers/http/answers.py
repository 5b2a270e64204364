"""What every HTTP answer shares, kept apart from the ``endpoint`` decorator so that the app's wiring
(app.py, the HTTP API's $default route) imports nothing of the handlers, services or models: the
problem+json body of an error, a JSON reply, and the middleware that logs and meters each request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from chalice.app import Request, Response

from chalicelib.adapters import observability
from chalicelib.domain.errors import (
    BadRequestError,
    DossierError,
    MethodNotAllowedError,
    ServiceUnavailableError,
    TooManyRequestsError,
    UnsupportedMediaTypeError,
)

PROBLEM_TYPE_BASE = "https://dossier.example/problems/"


# --- problem responses ----------------------------------------------------------


_PROBLEM_MEMBERS = frozenset({"type", "title", "status", "detail", "code", "errors"})


def problem_body(error: DossierError) -> dict[str, Any]:
    """The problem+json object of ``error``: a response's body, or one account's answer in a bulk edit."""
    return {
        "type": PROBLEM_TYPE_BASE + error.type_slug,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "code": error.problem_code,
        "errors": [{"loc": list(e.loc), "msg": e.msg, "code": e.code} for e in error.errors],
        **{k: v for k, v in error.extensions.items() if k not in _PROBLEM_MEMBERS},
    }


def problem(error: DossierError) -> Response:
    body = problem_body(error)
    headers: dict[str, str | list[str]] = {"Content-Type": "application/problem+json"}
    if isinstance(error, ServiceUnavailableError | TooManyRequestsError):
        headers["Retry-After"] = str(error.retry_after)
    return Response(body=json.dumps(body), status_code=error.status, headers=headers)


# --- replies ----------------------------------------------------------------------


def _model_json(value: Any) -> Any:
    # Called by json.dumps only for what it cannot encode itself (pydantic models, known by their
    # ``model_dump``: importing pydantic here would load it with the app's wiring), so plain bodies such
    # as the overview are encoded without a Python walk.
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def reply(body: Any = None, *, status: int = 200, version: int | None = None, location: str | None = None) -> Response:
    headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
    if version is not None:
        headers["ETag"] = f'"{version}"'
    if location is not None:
        headers["Location"] = location
    if status == 204:
        return Response(body="", status_code=204, headers={k: v for k, v in headers.items() if k != "Content-Type"})
    return Response(body=json.dumps(body, default=_model_json), status_code=status, headers=headers)


def minimal(version: int) -> Response:
    """An edit's answer to ``Prefer: return=minimal`` (RFC 7240): no body, the ETag the full answer
    would carry (so an If-Match chain goes on), and the preference named as applied."""
    answer = reply(status=204, version=version)
    answer.headers["Preference-Applied"] = "return=minimal"
    return answer


# --- every request: logs, metrics, and Chalice's own refusals as problem+json -------------

# Chalice answers these itself, before any view runs, with {"Code", "Message"}.
_FRAMEWORK_ERRORS: dict[int, type[DossierError]] = {
    400: BadRequestError,
    405: MethodNotAllowedError,
    415: UnsupportedMediaTypeError,
}


def _framework_problem(response: Response) -> Response:
    body = response.body
    error = _FRAMEWORK_ERRORS.get(response.status_code)
    if error is None or not isinstance(body, dict) or "Code" not in body:
        return response
    answer = problem(error(str(body.get("Message", ""))))
    for name, value in (response.headers or {}).items():  # Allow, and CORS headers
        if name.lower() != "content-type":
            answer.headers[name] = value
    return answer


def observe(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """HTTP middleware (app.py registers it): the request's log context and
    metrics, and framework refusals (405, 415) in the API's error format."""
    context: Any = request.context or {}
    route = f"{request.method} {context.get('resourcePath', '?')}"
    started = time.perf_counter()
    # API Gateway's request id (the x-amzn-RequestId clients see), else the function's
    request_id = context.get("requestId") or getattr(request.lambda_context, "aws_request_id", "")
    with observability.api_request(route, str(request_id)) as meter:
        response = _framework_problem(get_response(request))
        observability.finished(route, response.status_code, started, meter)
    _protect(response)
    return response


def _protect(response: Response) -> None:
    # Answers hold one firm's data (or a caller's own token, for the portal's sign-in routes):
    # no shared or browser cache may keep them, and no browser may sniff a JSON body into HTML.
    names = {name.lower() for name in response.headers}
    if "cache-control" not in names:
        response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
