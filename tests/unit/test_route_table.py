"""The app registers its routes from a table without importing their handlers
(chalicelib/handlers/http/routing.py): the table is current, the app's import loads no handler, and a
request imports only the handler module of its own route."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from chalicelib.handlers.http.route_table import TABLE
from chalicelib.handlers.http.routing import load_all, table_of

ROOT = Path(__file__).resolve().parents[2]


def test_the_route_table_is_the_routes_the_handlers_declare() -> None:
    assert list(TABLE) == table_of(load_all()), "run: python -m devtools.route_table"


def _fresh(code: str) -> dict[str, object]:
    """What ``code`` (run after ``import app`` in a fresh interpreter) prints as JSON."""
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "DOSSIER_TABLE": "dossier-route-table"}
    run = subprocess.run(
        [sys.executable, "-c", "import app, json, sys\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return found


_LOADED = (
    "print(json.dumps({'modules': sorted(m for m in sys.modules if m.startswith(('chalicelib', 'pydantic', 'jwt')))}))"
)


def test_importing_the_app_loads_no_handler_model_or_token_library() -> None:
    modules = _fresh(_LOADED)["modules"]
    assert isinstance(modules, list)
    assert "chalicelib.handlers.http.routing" in modules  # the wiring ran
    assert not [m for m in modules if m.startswith(("chalicelib.handlers.accounts", "chalicelib.services"))]
    assert not [m for m in modules if m.startswith(("chalicelib.domain.models", "pydantic", "jwt"))]


def _get(path: str, resource: str, params: dict[str, str] | None = None) -> dict[str, object]:
    """A GET as API Gateway sends it (payload 1.0), without a token."""
    return {
        "resource": resource,
        "path": path,
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": params,
        "stageVariables": None,
        "requestContext": {"resourcePath": resource, "httpMethod": "GET", "requestId": "r-1"},
        "body": None,
        "isBase64Encoded": False,
    }


def test_a_request_imports_its_own_route_handler_only() -> None:
    event = _get("/health", "/health")
    code = (
        f"answer = app.app({event!r}, None)\n"
        "print(json.dumps({'status': answer['statusCode'], 'body': json.loads(answer['body']),"
        " 'modules': sorted(m for m in sys.modules if m.startswith('chalicelib.handlers'))}))"
    )
    found = _fresh(code)
    assert found["status"] == 200
    assert found["body"] == {"status": "ok", "table": "dossier-route-table"}
    modules = found["modules"]
    assert isinstance(modules, list)
    assert "chalicelib.handlers.ops" in modules
    assert not {"chalicelib.handlers.accounts", "chalicelib.handlers.activity", "chalicelib.handlers.jobs"} & set(
        modules
    )


def test_the_routes_come_in_one_order_whichever_were_served_first() -> None:
    code = (
        "from chalicelib.handlers import members, usage\n"  # what a first request may have imported
        "from chalicelib.handlers.http.routing import load_all\n"
        "print(json.dumps({'routes': [f'{r.method} {r.path}' for r in load_all()]}))"
    )
    assert _fresh(code)["routes"] == [f"{r.method} {r.path}" for r in load_all()]


def test_a_handler_that_cannot_be_imported_answers_problem_json() -> None:
    from chalice.app import Chalice

    from chalicelib.handlers.http import routing

    view = routing._lazy_view(Chalice("broken"), "GET /nowhere", "no_such_handler_module")
    answer = view()
    assert answer.status_code == 500
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert json.loads(answer.body)["code"] == "internal"


def test_an_overview_request_builds_no_model() -> None:
    """The Overview is the most read route: after a cold start its handler loads no pydantic and no section
    model (its reply is plain JSON; the documented model is built for the OpenAPI document only)."""
    event = _get("/accounts/01ACCOUNT/overview", "/accounts/{account_id}/overview", {"account_id": "01ACCOUNT"})
    code = (
        f"answer = app.app({event!r}, None)\n"
        "print(json.dumps({'status': answer['statusCode'],"
        " 'modules': sorted(m for m in sys.modules if m.startswith(('chalicelib', 'pydantic')))}))"
    )
    found = _fresh(code)
    assert found["status"] == 401  # no token: the handler's module was imported, and refused it
    modules = found["modules"]
    assert isinstance(modules, list)
    assert {"chalicelib.handlers.overview", "chalicelib.services.overview_read"} <= set(modules)
    loaded = [m for m in modules if m.startswith(("pydantic", "chalicelib.domain.models", "chalicelib.services.views"))]
    assert not loaded
    assert not [
        m for m in modules if m.startswith(("chalicelib.domain.sections.models", "chalicelib.services.activity"))
    ]
