"""Requests an attacker or a broken client sends: deeply nested JSON, cursors
that carry a valid signature but a forged position, and what every answer
must say to caches and browsers (issue 21, defects 1, 2 and 9). On moto and
DynamoDB Local: the forged cursors must never reach the real engine."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from chalicelib.repo.paging import encode_cursor
from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, make_firm, nothing_written
from tests.support.factories import contact_spec, created, new_account
from tests.support.problems import assert_problem

# --- defect 1: deep JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 990, 1_000, 50_000])
def test_deeply_nested_bodies_are_a_400_and_write_nothing(api: Api, table: Table, depth: int) -> None:
    account = new_account(api)
    deep_list = "[" * depth + "]" * depth
    deep_object = '{"a":' * depth + "1" + "}" * depth
    with nothing_written(table):
        for reply in (
            api.as_(None).post("/portal/invites/accept", raw=deep_list),  # no token needed to reach the parser
            api.post(f"/accounts/{account['id']}/notes", raw=deep_list),
            api.patch(f"/accounts/{account['id']}", raw=deep_object),
        ):
            problem = assert_problem(reply, 400, loc=("body",))
            assert "nests deeper" in problem["detail"] or "exceeds" in problem["detail"], problem


def test_nesting_within_the_bound_and_brackets_inside_strings_are_read(api: Api) -> None:
    account = new_account(api)
    title = "[" * 500 + "{" * 500  # brackets in a string are text, not nesting
    note = api.post(f"/accounts/{account['id']}/notes", {"title": "Brackets", "body": title})
    assert note.status == 201, note.body
    assert note.body["body"] == title


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "\\ud800"}',  # a lone surrogate: valid JSON, not text DynamoDB can store
        b'{"name": ' + b"9" * 5_000 + b"}",  # longer than Python's int parsing limit
        b"\xff\xfe{}",
        b'{"name": "a"} trailing',
        b'{"name": NaN}',
    ],
)
def test_bodies_the_parser_or_the_store_refuse_are_a_400(api: Api, table: Table, raw: bytes) -> None:
    account = new_account(api)
    with nothing_written(table):
        assert_problem(api.patch(f"/accounts/{account['id']}", raw=raw), 400)


# --- defect 2: forged cursors -----------------------------------------------------------------------


def _opened(cursor: str) -> tuple[str, dict[str, Any]]:
    body = cursor.rsplit(".", 1)[0]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return payload["s"], payload["k"]


def _swap(key: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    return {k: v.replace(old, new) if isinstance(v, str) else v for k, v in key.items()}


def _forgeries(key: dict[str, Any], firm_id: str, other_firm_id: str) -> dict[str, dict[str, Any]]:
    first = sorted(key)[0]
    sort_keys = [k for k in key if not k.endswith("PK")] or [first]
    return {
        "another firm": _swap(key, firm_id, other_firm_id),
        "wrong type": {**key, first: 5},
        "missing attribute": {k: v for k, v in key.items() if k != first},
        "extra attribute": {**key, "Extra": "x"},
        "null": {**key, first: None},
        "out of range sort key": {**key, **{k: "~~~" for k in sort_keys}},
        "empty": {},
        "empty string": {**key, first: ""},
        "too long": {**key, first: "F" * 1_100},  # over a sort key's 1,024 bytes, inside a query value
        "a map": {**key, first: {"S": "x"}},
        "a list": {**key, first: ["x"]},
        "another partition of the firm": _swap(key, "#ACCOUNT#", "#ACCOUNT#other"),
    }


@pytest.fixture
def lists(api: Api, firm: TestFirm) -> dict[str, str]:
    """A path of each kind of list, each holding two pages of one item."""
    a = new_account(api, "Alpha", contacts=[contact_spec("Ann"), contact_spec("Bob")])
    beta = new_account(api, "Beta")
    base = f"/accounts/{a['id']}"
    for name in ("Tax", "Payroll"):
        created(api, "/pipelines", {"name": name, "stages": [{"name": "Intake"}]})
    for i in range(2):
        created(api, f"{base}/notes", {"title": f"Note {i}"})
        created(api, f"{base}/tasks", {"title": f"Task {i}"})
        created(api, f"{base}/credits", {"amount": "10", "note": f"Credit {i}"})
    chat = created(api, f"{base}/chats", {"subject": "Year end"})
    for i in range(2):
        created(api, f"{base}/chats/{chat['id']}/messages", {"body": f"Hi {i}", "author": "firm"})
    contact_id = a["contacts"][0]["id"]
    created(api, f"/accounts/{beta['id']}/contacts", {"contact_id": contact_id})
    return {
        "accounts (GSI)": "/accounts",
        "contacts (GSI)": "/contacts",
        "pipelines (table)": "/pipelines",
        "notes (LSI by time)": f"{base}/notes",
        "tasks of a status (LSI by status)": f"{base}/tasks?status=planned",
        "credits (table)": f"{base}/credits",
        "messages (table)": f"{base}/chats/{chat['id']}/messages",
        NO_QUERY: f"/contacts/{contact_id}/accounts",
    }


# Lists whose Query has no sort key condition (and the one list that is no Query): any sort key is a
# position in them, "~~~" one past the end. In an index's list the table's key only breaks ties, so
# another partition of the firm there is a position too.
# In the list that is no Query, any text is a (name, id) position.
NO_QUERY = "a contact's accounts (no Query)"
ANY_SORT_KEY = {"accounts (GSI)", "contacts (GSI)", NO_QUERY}


def _page(api: Api, path: str, cursor: str | None = None) -> Any:
    joiner = "&" if "?" in path else "?"
    return api.get(f"{path}{joiner}limit=1" + (f"&cursor={quote(cursor)}" if cursor else ""))


def test_cursors_with_a_valid_signature_and_a_forged_position_are_a_400(
    api: Api, firm: TestFirm, table: Table, lists: dict[str, str]
) -> None:
    other = make_firm(table)
    refused: list[str] = []
    for name, path in lists.items():
        first = _page(api, path)
        assert first.status == 200, (name, first.body)
        cursor = first.body["next_cursor"]
        assert cursor, f"{name}: a second page exists"
        assert _page(api, path, cursor).status == 200, name  # the genuine cursor works
        scope, key = _opened(cursor)
        for forgery, forged in _forgeries(key, firm.firm_id, other.firm_id).items():
            if forged == key:
                continue  # no account partition in this list's keys
            reply = _page(api, path, encode_cursor(scope, forged))
            if (
                (name in ANY_SORT_KEY and forgery == "out of range sort key")
                or ("GSI" in name and forgery == "another partition of the firm")
                or (name == NO_QUERY and forgery in ("empty string", "too long"))
            ):
                assert reply.status == 200, (name, forgery, reply.body)  # a position in the caller's own list
                continue
            assert reply.status == 400, (name, forgery, reply.body)
            assert_problem(reply, 400, loc=("query", "cursor"))
            refused.append(f"{name}: {forgery}")
    assert len(refused) >= 7 * 9 + 6, refused  # each Query's list refused nine kinds of forgery or more


# --- defect 9: caches and browsers ------------------------------------------------------------------

Check = Callable[[Api], Any]


@pytest.mark.parametrize(
    "call",
    [
        lambda api: api.get("/accounts"),
        lambda api: api.get("/me"),
        lambda api: api.post("/accounts", {"name": ""}),  # a 400
        lambda api: api.as_(None).get("/accounts"),  # a 401
        lambda api: api.get("/accounts/nope"),  # a 404
    ],
    ids=["list", "me", "400", "401", "404"],
)
def test_answers_are_never_cached_nor_sniffed(api: Api, call: Check) -> None:
    reply = call(api)
    assert reply.headers.get("cache-control") == "no-store", reply.headers
    assert reply.headers.get("x-content-type-options") == "nosniff", reply.headers
