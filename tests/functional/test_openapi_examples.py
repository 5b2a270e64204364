"""The request body examples of /openapi.json (chalicelib/handlers/http/examples.py) do what they show:
sent in order to a fresh firm (parents first: the account, the contact, then their items, then the
edits), every example that names no other resource is taken, and the created ones answer with Location
and, when versioned, ETag. Ids in the paths are those of what the earlier examples created."""

from __future__ import annotations

import json
import re

import app  # noqa: F401  (registers every route)
from chalicelib.handlers.http.examples import EXAMPLES, PLACEHOLDER_IDS
from tests.support.api import Api

# Examples that are valid but whose answer depends on a state the example alone cannot make.
REFUSED = {
    ("POST /portal/invites/accept", "accept"): 404,  # the token is only in the invitation mail
    # only an address with active portal access (an accepted invitation) logs in and signs
    ("POST /accounts/{account_id}/logins", "login"): 422,
    ("POST /accounts/{account_id}/proposals/{item_id}/sign", "signer"): 403,
    # an import starts once its file is uploaded to the presigned URL, which no example does
    ("POST /imports/{import_id}/start", "dry run"): 409,
    ("POST /imports/{import_id}/start", "import"): 409,
}
# Edits of what no example here could create (its create names a pipeline, or needs portal access).
UNREACHED = {"PATCH /accounts/{account_id}/jobs/{item_id}", "PATCH /accounts/{account_id}/logins/{item_id}"}
_PARAM = re.compile(r"{(\w+)}")


def _order(route: str) -> tuple[int, int, str]:
    method, path = route.split(" ", 1)
    return (method == "PATCH", len(_PARAM.findall(path)), path)


def _fill(path: str, created: dict[str, str]) -> str | None:
    """The path with each parameter the id created by the POST to the collection before it; None when
    nothing was created there."""
    filled = path
    for found in _PARAM.finditer(path):
        collection = path[: found.start() - 1]
        if collection not in created:
            return None
        filled = filled.replace(found.group(0), created[collection], 1)
    return filled


def test_every_self_contained_example_is_taken(api: Api) -> None:
    created: dict[str, str] = {}
    answered: dict[tuple[str, str], int] = {}
    unreached = set()
    for route in sorted(EXAMPLES, key=_order):
        method, path = route.split(" ", 1)
        for name, body in EXAMPLES[route].items():
            if any(placeholder in json.dumps(body) for placeholder in PLACEHOLDER_IDS):
                continue  # names a resource this firm does not have
            url = _fill(path, created)
            if url is None:
                unreached.add(route)
                continue
            r = api.call(method, url, body)
            answered[(route, name)] = r.status
            expected = REFUSED.get((route, name))
            if expected is not None:
                assert r.status == expected, (route, name, r.body)
                continue
            assert 200 <= r.status < 300, (route, name, r.body)
            if r.status == 201:
                assert r.headers["location"].startswith(url), (route, r.headers)
                created.setdefault(path, str(r.body.get("id") or r.body.get("address")))
            if isinstance(r.body, dict) and ("version" in r.body or "link_version" in r.body):
                assert r.etag, (route, name)
    assert unreached == UNREACHED
    # the firm's own resources and every section were reached
    assert {"/accounts", "/contacts", "/accounts/{account_id}/tasks", "/tags"} <= set(created)
    assert len(answered) >= 40
