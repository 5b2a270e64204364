"""Every operation has a stable camelCase operationId and one tag (chalicelib/handlers/http/operations.py):
what generated clients name their functions and modules after."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

import app  # noqa: F401  (registers every route)
from chalicelib.handlers.http.openapi import document
from chalicelib.handlers.http.operations import OPERATIONS, TAGS, operation
from chalicelib.handlers.http.routing import load_all

ROUTES = load_all()  # every route the handlers declare

CAMEL_CASE = re.compile(r"[a-z]+(?:[A-Z][a-z0-9]+)*")  # no acronyms in capitals: they snake-case badly


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return document()


def test_every_registered_route_is_in_the_table_and_nothing_else_is() -> None:
    registered = {f"{r.method} {r.path}" for r in ROUTES}
    assert sorted(registered - set(OPERATIONS)) == []  # a new route adds its line to operations.py
    assert sorted(set(OPERATIONS) - registered) == []


def test_operation_ids_are_unique_and_camel_case() -> None:
    ids = [op.operation_id for op in OPERATIONS.values()]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert [i for i in ids if not CAMEL_CASE.fullmatch(i)] == []


def test_every_tag_is_declared_and_every_declared_tag_is_used() -> None:
    used = {op.tag for op in OPERATIONS.values()}
    assert used == set(TAGS)


def test_section_routes_read_as_verb_and_resource() -> None:
    assert OPERATIONS["GET /accounts/{account_id}/tasks"] == ("listTasks", "tasks")
    assert OPERATIONS["POST /accounts/{account_id}/tasks"] == ("createTask", "tasks")
    assert OPERATIONS["PATCH /accounts/{account_id}/time_entries/{item_id}"] == ("updateTimeEntry", "time_entries")
    assert OPERATIONS["POST /accounts/{account_id}/invoices/{item_id}/apply-credit"].operation_id == (
        "applyCreditToInvoice"
    )


def test_the_document_carries_the_table(doc: dict[str, Any]) -> None:
    served = {
        f"{method.upper()} {path}": (op["operationId"], op["tags"])
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
    }
    assert served == {route: (op.operation_id, [op.tag]) for route, op in OPERATIONS.items()}
    assert [t["name"] for t in doc["tags"]] == list(TAGS)


def test_a_route_not_yet_in_the_table_still_gets_a_valid_id() -> None:
    found = operation("POST", "/accounts/{account_id}/documents/{item_id}/archive")
    assert found == ("postAccountsAccountIdDocumentsItemIdArchive", "accounts")
    assert CAMEL_CASE.fullmatch(found.operation_id)
