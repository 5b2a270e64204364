"""Helpers of the custom fields tests: define a field, read definitions, an account's Info tab, a
contact and the values' history, and refuse a request asserting that the firm's items are unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api, Reply, TestFirm, snapshot
from tests.support.factories import created, list_all
from tests.support.problems import assert_problem

OPTIONS = ["Monthly", "Quarterly", "Yearly"]  # a dropdown's, unless a test gives its own
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
# the costly tests on moto only, the races on DynamoDB Local only
moto_only = pytest.mark.parametrize("table", ["moto"], indirect=True)
local_only = pytest.mark.parametrize("table", [pytest.param("local", marks=pytest.mark.integration)], indirect=True)


def new_field(
    api: Api, label: str, kind: str = "text", *, target: str = "account", options: list[str] | None = None
) -> str:
    body: dict[str, Any] = {"target": target, "label": label, "kind": kind}
    if options is not None:
        body["options"] = options
    elif kind == "dropdown":
        body["options"] = OPTIONS
    field_id: str = created(api, "/custom-fields", body)["id"]
    return field_id


def field_definitions(api: Api, query: str = "") -> list[dict[str, Any]]:
    r = api.get(f"/custom-fields{query}")
    assert r.status == 200, r.body
    assert r.body["next_cursor"] is None
    items: list[dict[str, Any]] = r.body["items"]
    return items


def account_info(api: Api, account_id: str) -> dict[str, Any]:
    r = api.get(f"/accounts/{account_id}")
    assert r.status == 200, r.body
    body: dict[str, Any] = r.body
    return body


def contact_of(api: Api, contact_id: str) -> dict[str, Any]:
    r = api.get(f"/contacts/{contact_id}")
    assert r.status == 200, r.body
    body: dict[str, Any] = r.body
    return body


def history_of(api: Api, account_id: str) -> list[dict[str, Any]]:
    return list_all(api, f"/accounts/{account_id}/custom-fields/history")


def ok_patch(api: Api, path: str, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    r = api.patch(path, body, **kw)
    assert r.status == 200, r.body
    out: dict[str, Any] = r.body
    return out


def firm_items(table: Table, firm_id: str) -> list[dict[str, Any]]:
    """The firm's items only: other tests may write to the shared DynamoDB Local table meanwhile."""
    return [i for i in snapshot(table) if str(i["PK"]).startswith(f"FIRM#{firm_id}")]


@contextmanager
def nothing_written_in_firm(table: Table, firm: TestFirm) -> Iterator[None]:
    before = firm_items(table, firm.firm_id)
    yield
    assert firm_items(table, firm.firm_id) == before, "a refused request must not write anything"


def refused(table: Table, firm: TestFirm, reply_of: Callable[[], Reply], status: int, **kw: Any) -> dict[str, Any]:
    with nothing_written_in_firm(table, firm):
        reply: Reply = reply_of()
        body = assert_problem(reply, status, **kw)
    return body


def values_by_id(info: dict[str, Any]) -> dict[str, Any]:
    return {v["id"]: v["value"] for v in info["custom_field_values"]}
