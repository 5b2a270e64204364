"""Every route of the table, replayed as the deployed HTTP API sends it: payload format 1.0, the JWT
authorizer's verified claims in the event, through the app's Lambda entry point (``app.app``).

Each route is sent twice: as its own route of the HTTP API (``resource`` names it) and as the ``$default``
route would pass it (no route named). Either way the handler's own view answers, never a framework or
gateway refusal, and every refusal is the API's problem+json.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters.config import reset_settings
from chalicelib.handlers.http.endpoint import RouteDoc
from chalicelib.handlers.http.routing import load_all
from chalicelib.repo.table import Table
from tests.support import tokens
from tests.support.api import TestFirm, make_firm
from tests.support.http_api import Answer, claims_of, concrete, event, invoke
from tests.support.stage import stage_settings

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "code", "errors"}


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The deployed stage's setting: the gateway verified the token; the handler reads its claims only."""
    with stage_settings(monkeypatch, TOKEN_VERIFIER="gateway"):
        yield


@pytest.fixture
def owner(table: Table, gateway: None) -> TestFirm:
    return make_firm(table)


def _app() -> Any:
    from app import app

    return app


def _send(route: RouteDoc, firm: TestFirm, *, named: bool) -> Answer:
    path, params = concrete(route.path, {"email": "nobody@example.com"})
    headers = {"content-type": route.content_types[0]}
    body: bytes | None = None
    if route.method in ("POST", "PUT", "PATCH"):
        body = PNG if route.content_types[0].startswith("image/") else b"{}"
    if route.auth:
        headers["authorization"] = "Bearer " + firm.owner_token
    return invoke(
        _app(),
        event(
            route.method,
            path,
            resource=route.path if named else "$default",
            params=params if named else None,
            claims=claims_of(firm.owner_token) if route.auth else None,
            headers=headers,
            body=body,
        ),
    )


def assert_problem(answer: Answer, status: int | None = None) -> dict[str, Any]:
    assert answer.headers["content-type"] == "application/problem+json", answer
    body: dict[str, Any] = answer.body
    assert set(body) >= PROBLEM_MEMBERS and body["status"] == answer.status, body
    assert body["type"].startswith("https://dossier.example/problems/")
    if status is not None:
        assert answer.status == status, body
    return body


@pytest.mark.parametrize("named", [True, False], ids=["its-route", "default-route"])
def test_every_route_is_served_by_its_view(owner: TestFirm, named: bool) -> None:
    _app()  # registers every route
    routes = load_all()
    assert len(routes) > 100
    for route in routes:
        answer = _send(route, owner, named=named)
        where = f"{route.method} {route.path}"
        assert answer.status < 500 or answer.status == 503, (where, answer)
        assert answer.status not in (401, 405), (where, answer)  # authenticated from the claims; method found
        if answer.status >= 400:
            body = assert_problem(answer)
            assert body["detail"] != "No route has this path.", where
        assert answer.headers.get("cache-control") == "no-store", where


def test_an_unknown_path_is_a_404_and_an_unknown_method_a_405_in_problem_json(owner: TestFirm) -> None:
    claims = claims_of(owner.owner_token)
    missing = invoke(_app(), event("GET", "/no/such/thing", claims=claims))
    assert assert_problem(missing, 404)["code"] == "not_found"
    wrong = invoke(_app(), event("DELETE", "/health", claims=claims))
    assert assert_problem(wrong, 405)["code"] == "method_not_allowed"
    assert wrong.headers["allow"] == "GET"


def test_the_handler_trusts_only_claims_the_gateway_verified(owner: TestFirm) -> None:
    """A request the authorizer did not check (the $default route has none) carries no claims: a bearer
    token in it is not read, however valid."""
    headers = {"authorization": "Bearer " + owner.owner_token}
    unverified = invoke(_app(), event("GET", "/accounts", headers=headers))
    assert assert_problem(unverified, 401)["code"] == "token_missing"
    other_issuer = {**claims_of(owner.owner_token), "iss": "https://elsewhere.example"}
    refused = invoke(_app(), event("GET", "/accounts", resource="/accounts", claims=other_issuer))
    assert assert_problem(refused, 401)["code"] == "token_invalid"
    stranger = claims_of(tokens.mint("never-invited", "stranger@example.com"))
    not_member = invoke(_app(), event("GET", "/accounts", resource="/accounts", claims=stranger))
    assert_problem(not_member, 401)
    served = invoke(_app(), event("GET", "/accounts", resource="/accounts", claims=claims_of(owner.owner_token)))
    assert served.status == 200


def test_a_firm_over_its_rate_gets_429_with_retry_after(owner: TestFirm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIRM_RATE_LIMIT", "1")
    monkeypatch.setenv("FIRM_BURST_LIMIT", "3")
    reset_settings()
    claims = claims_of(owner.owner_token)
    answers = [invoke(_app(), event("GET", "/accounts", resource="/accounts", claims=claims)) for _ in range(4)]
    assert [a.status for a in answers[:3]] == [200, 200, 200]
    body = assert_problem(answers[3], 429)
    assert body["code"] == "rate_limited"
    assert int(answers[3].headers["retry-after"]) >= 1
    other = make_firm(owner.table)  # another firm's bucket is its own
    assert (
        invoke(_app(), event("GET", "/accounts", resource="/accounts", claims=claims_of(other.owner_token))).status
        == 200
    )
