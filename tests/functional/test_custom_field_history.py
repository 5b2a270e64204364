"""Custom fields (issue 6, part 1): GET /accounts/{id}/custom-fields/history: its lines, pages,
who sees it, and what adds no line.

Runs on moto and DynamoDB Local (``table`` fixture).
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, make_firm
from tests.support.custom_fields import (
    TIMESTAMP,
    account_info,
    history_of,
    new_field,
    nothing_written_in_firm,
    ok_patch,
    refused,
)
from tests.support.factories import contact_spec, new_account
from tests.support.problems import assert_problem

# --- history -----------------------------------------------------------------------------


def test_history_lines_for_create_change_clear_and_multi_change(api: Api, firm: TestFirm) -> None:
    text = new_field(api, "Notes")
    number = new_field(api, "Employees", "number")
    addr = new_field(api, "Mailing address", "address")
    manager_id, manager = firm.add_member(view_all=True, manage=True, name="Mona Manager")
    account = new_account(api, custom_fields={text: "a", number: 7})
    aid = account["id"]

    created_lines = history_of(api, aid)
    assert len(created_lines) == 2
    assert {(h["field"]["id"], h["old"], h["new"]) for h in created_lines} == {(text, None, "a"), (number, None, 7)}
    for h in created_lines:
        assert set(h) == {"id", "field", "old", "new", "changed_by", "at"}
        assert h["changed_by"] == {"id": firm.owner_id, "name": "Olivia Owner"}
        assert TIMESTAMP.match(h["at"]), h["at"]
    assert created_lines[0]["field"] in (
        {"id": text, "label": "Notes", "kind": "text", "removed": False},
        {"id": number, "label": "Employees", "kind": "number", "removed": False},
    )

    ok_patch(api.as_(manager), f"/accounts/{aid}", {"custom_fields": {number: 12.5}})
    ok_patch(api, f"/accounts/{aid}", {"custom_fields": {text: None}})
    ok_patch(api, f"/accounts/{aid}", {"custom_fields": {text: "b", number: 7, addr: {"city": "Leeds"}}})

    history = history_of(api, aid)
    assert len(history) == 7
    assert len({h["id"] for h in history}) == 7
    newest_three = {
        (h["field"]["id"], json.dumps(h["old"], sort_keys=True), json.dumps(h["new"], sort_keys=True))
        for h in history[:3]
    }
    assert newest_three == {
        (text, "null", '"b"'),
        (number, "12.5", "7"),
        (
            addr,
            "null",
            json.dumps(
                {"line1": "", "line2": "", "city": "Leeds", "region": "", "postal_code": "", "country": ""},
                sort_keys=True,
            ),
        ),
    }
    assert [(h["field"]["id"], h["old"], h["new"]) for h in history[3:5]] == [(text, "a", None), (number, 7, 12.5)]
    assert history[4]["changed_by"] == {"id": manager_id, "name": "Mona Manager"}
    assert history[3]["changed_by"]["id"] == firm.owner_id
    assert [h["at"] for h in history] == sorted((h["at"] for h in history), reverse=True)


def test_history_pages_newest_first(api: Api, table: Table, firm: TestFirm) -> None:
    number = new_field(api, "Counter", "number")
    account = new_account(api, custom_fields={number: 0})
    aid = account["id"]
    for i in range(1, 5):
        ok_patch(api, f"/accounts/{aid}", {"custom_fields": {number: i}})
    path = f"/accounts/{aid}/custom-fields/history"
    seen: list[tuple[Any, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        r = api.get(f"{path}?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status == 200, r.body
        assert len(r.body["items"]) <= 2
        seen += [(h["old"], h["new"]) for h in r.body["items"]]
        pages += 1
        cursor = r.body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [(3, 4), (2, 3), (1, 2), (0, 1), (None, 0)]
    default = api.get(path)
    assert default.status == 200 and len(default.body["items"]) == 5 and default.body["next_cursor"] is None

    first = api.get(f"{path}?limit=2")
    cursor = first.body["next_cursor"]
    assert cursor
    other = new_account(api, "Other Ltd", custom_fields={number: 1})
    assert_problem(api.get(f"/accounts/{other['id']}/custom-fields/history?cursor={cursor}"), 400)
    assert_problem(api.get(f"{path}?cursor=garbage"), 400)
    for limit in ("0", "101", "-1", "two"):
        assert_problem(api.get(f"{path}?limit={limit}"), 400)
    assert_problem(api.get(f"{path}?bogus=1"), 400)
    stranger = api.as_(make_firm(table).owner_token)
    assert_problem(stranger.get(f"{path}?cursor={cursor}"), 404)


def test_stale_if_match_and_no_op_patches_add_no_line(api: Api, table: Table, firm: TestFirm) -> None:
    text = new_field(api, "Notes")
    number = new_field(api, "Employees", "number")
    account = new_account(api, custom_fields={text: "a"})
    aid = account["id"]
    etag = account_info(api, aid)["version"]
    before = len(history_of(api, aid))
    ok_patch(api, f"/accounts/{aid}", {"custom_fields": {text: "b"}}, headers={"If-Match": f'"{etag}"'})
    refused(
        table,
        firm,
        lambda: api.patch(
            f"/accounts/{aid}", {"custom_fields": {text: "c", number: 1}}, headers={"If-Match": f'"{etag}"'}
        ),
        412,
    )
    assert len(history_of(api, aid)) == before + 1
    assert account_info(api, aid)["custom_fields"] == {text: "b"}

    # Changing nothing writes nothing: same value, trimmed-equal text, 12 vs 12.0, clearing an absent value.
    ok_patch(api, f"/accounts/{aid}", {"custom_fields": {number: 12}})
    version = account_info(api, aid)["version"]
    count = len(history_of(api, aid))
    for same in ({text: "b"}, {text: "  b  "}, {number: 12.0}, {number: 12, text: "b"}):
        with nothing_written_in_firm(table, firm):
            out = ok_patch(api, f"/accounts/{aid}", {"custom_fields": same})
        assert out["version"] == version
    addr = new_field(api, "Where", "address")
    ok_patch(api, f"/accounts/{aid}", {"custom_fields": {addr: {"city": "Leeds"}}})
    version = account_info(api, aid)["version"]
    count = len(history_of(api, aid))
    with nothing_written_in_firm(table, firm):
        ok_patch(api, f"/accounts/{aid}", {"custom_fields": {addr: {"city": " Leeds ", "line1": ""}}})
    check = new_field(api, "Active", "checkbox")
    with nothing_written_in_firm(table, firm):
        ok_patch(api, f"/accounts/{aid}", {"custom_fields": {check: None}})
    assert len(history_of(api, aid)) == count
    assert account_info(api, aid)["version"] == version
    # A change of another detail writes no history line either.
    ok_patch(api, f"/accounts/{aid}", {"name": "Renamed Ltd"})
    assert len(history_of(api, aid)) == count


def test_history_is_visible_to_those_who_may_open_the_account(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = new_field(api, "Notes")
    on_team_id, on_team = firm.add_member(name="Tess Team")
    _, off_team = firm.add_member()
    _, viewer = firm.add_member(view_all=True)
    account = new_account(api, custom_fields={field_id: "x"}, team_member_ids=[on_team_id])
    path = f"/accounts/{account['id']}/custom-fields/history"
    assert_problem(api.as_(off_team).get(path), 404)
    assert_problem(api.as_(make_firm(table).owner_token).get(path), 404)
    assert_problem(api.get("/accounts/01JUNKUNKNOWNACCOUNT00000000/custom-fields/history"), 404)
    assert_problem(api.as_(None).get(path), 401)
    for token in (on_team, viewer):
        r = api.as_(token).get(path)
        assert r.status == 200 and len(r.body["items"]) == 1, r.body
    # Taken off the team: 404 at once.
    ok_patch(api, f"/accounts/{account['id']}", {"team_member_ids": []})
    assert_problem(api.as_(on_team).get(path), 404)


def test_archived_account_history_is_still_readable(api: Api) -> None:
    field_id = new_field(api, "Notes")
    account = new_account(api, custom_fields={field_id: "x"})
    assert api.delete(f"/accounts/{account['id']}").status in (200, 204)
    r = api.get(f"/accounts/{account['id']}/custom-fields/history")
    assert r.status == 200 and [(h["old"], h["new"]) for h in r.body["items"]] == [(None, "x")]


def test_idempotent_create_writes_the_initial_lines_once(api: Api) -> None:
    field_id = new_field(api, "Notes")
    body = {
        "name": "Once Ltd",
        "type": "company",
        "contacts": [contact_spec(emails=[])],
        "custom_fields": {field_id: "x"},
    }
    first = api.post("/accounts", body, headers={"Idempotency-Key": "cf-create-once-1"})
    again = api.post("/accounts", body, headers={"Idempotency-Key": "cf-create-once-1"})
    assert first.status == 201 and again.status in (200, 201), again.body
    assert again.body["id"] == first.body["id"]
    assert len(history_of(api, first.body["id"])) == 1
