"""The thirteen activity sections through the HTTP API (docs/api.md "Activity sections"):
record, read, "show all" (newest first, paged, ``?status=``), change, delete,
refused input (400) that writes nothing, and cursors. Broken rules (422) are
test_sections_rules.py's, who may reach an item test_sections_access.py's.

Table-driven: ``SPECS`` (tests/support/section_specs.py) holds, per section, a
valid create body, a valid change, its time field and statuses, and bodies that
must be refused. Every test runs on moto and on DynamoDB Local (the ``table``
fixture); ``env`` is conftest.py's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.domain.ids import new_id
from chalicelib.domain.sections import SECTIONS
from chalicelib.repo.table import Table
from tests.support.api import ids, nothing_written, snapshot
from tests.support.factories import create_account, created
from tests.support.problems import assert_problem
from tests.support.section_specs import API_STATUSES, SECTION_KEYS, SPECS
from tests.support.sections import STAMP, Body, Env, assert_common, assert_echoes, listed, moment, next_cursor


def test_every_section_is_covered() -> None:
    assert list(SPECS) == list(API_STATUSES)
    assert set(SPECS) == set(SECTIONS)
    for key, spec in SPECS.items():
        assert set(SECTIONS[key].statuses) == set(API_STATUSES[key]), key
        assert (spec.statuses is not None) == bool(API_STATUSES[key]), key


# --- helpers -------------------------------------------------------------------------------


def _resolve(expected: Any, env: Env, item: Body) -> Any:
    if expected == "<created_at>":
        return item["created_at"]
    if expected == "<today>":
        return item["created_at"][:10]
    if isinstance(expected, dict):
        return {k: env.firm.owner_id if v == "<owner>" else v for k, v in expected.items()}
    return expected


# --- record, read, change, delete; refused input ------------------------------------------------


def _refused_input(env: Env, section: str, item: Body) -> None:
    """Bad bodies for POST and PATCH: 400 naming the field (malformed JSON: the body)."""
    spec, api = SPECS[section], env.api
    good = spec.create(env)
    first_required = next(iter(spec.minimal(env)))
    creates: list[tuple[Body, str]] = [
        *(({**good, name: value}, name) for name, value in spec.bad),
        ({**good, "nickname": "Acme"}, "nickname"),
        ({**good, "id": new_id()}, "id"),
        ({**good, "version": 3}, "version"),
        ({k: v for k, v in good.items() if k != first_required}, first_required),
    ]
    for body, name in creates:
        assert_problem(api.post(env.path(section), body), 400, loc=("body", name))
    too_large = json.dumps({**good, "padding": "x" * 300_000})
    for raw in ('{"name": ', "not json", "", "[]", "null", b"\xff\xfe{}", too_large):
        assert_problem(api.post(env.path(section), raw=raw), 400, loc=("body",))
    one = env.path(section, item["id"])
    changes = [
        *spec.bad_change,
        ("nickname", "Acme"),
        ("version", 5),
        ("id", new_id()),
        ("created_at", item["created_at"]),
    ]
    for name, value in changes:
        assert_problem(api.patch(one, {name: value}), 400, loc=("body", name))
    for raw in ("{not json", "[1, 2]", ""):
        assert_problem(api.patch(one, raw=raw), 400, loc=("body",))
    for if_match in ("1", '"abc"', "W/", '"1'):
        assert_problem(api.patch(one, spec.change(env), headers={"If-Match": if_match}), 400, loc=("header",))
    assert_problem(api.patch(one, {spec.required: None}), 400, loc=("body", spec.required))


@pytest.mark.parametrize("section", SECTION_KEYS)
def test_item_lifecycle_and_show_all(env: Env, table: Table, section: str) -> None:
    spec, api, base = SPECS[section], env.api, env.path(section)

    # POST: 201, Location, ETag, and every field echoed
    body = spec.create(env)
    r = api.post(base, body)
    assert r.status == 201, r.body
    item = r.body
    path = env.path(section, item["id"])
    assert r.headers["location"] == path
    assert r.etag == '"1"'
    assert_common(env, section, item, version=1)
    assert_echoes(env, item, body)
    assert item["created_at"] == item["updated_at"]

    # GET one
    got = api.get(path)
    assert (got.status, got.etag) == (200, '"1"'), got.body
    assert got.body == item

    # defaults of a minimal item
    minimal = created(api, base, spec.minimal(env))
    assert_common(env, section, minimal, version=1)
    assert_echoes(env, minimal, {k: v for k, v in spec.minimal(env).items() if k not in spec.defaults})
    for name, expected in spec.defaults.items():
        assert minimal[name] == _resolve(expected, env, minimal), (name, minimal)

    # refused input: 400 and nothing written
    with nothing_written(table):
        _refused_input(env, section, item)

    # PATCH: the given fields change, the rest is kept, the version goes up
    change = spec.change(env)
    p = api.patch(path, change, headers={"If-Match": '"1"'})
    assert p.status == 200, p.body
    version = 2 if change else 1
    assert p.etag == f'"{version}"'
    assert_common(env, section, p.body, version=version)
    assert p.body["id"] == item["id"]
    assert p.body["created_at"] == item["created_at"]
    assert_echoes(env, p.body, {k: v for k, v in {**body, **change}.items() if v is not None})
    for name in (k for k, v in change.items() if v is None):
        assert p.body[name] is None, (name, p.body)
    for name, expected in spec.after_change.items():
        if expected == "<stamp>":
            assert isinstance(p.body[name], str) and STAMP.match(p.body[name]), (name, p.body)
        else:
            assert p.body[name] == expected, (name, p.body)
    assert api.get(path).body == p.body

    # a stale If-Match writes nothing
    stale = '"1"' if change else '"2"'
    with nothing_written(table):
        assert_problem(api.patch(path, change, headers={"If-Match": stale}), 412)
        assert_problem(api.delete(path, headers={"If-Match": stale}), 412)

    # DELETE: 204, then it is gone
    d = api.delete(path, headers={"If-Match": f'"{version}"'})
    assert (d.status, d.body) == (204, None)
    with nothing_written(table):
        assert_problem(api.get(path), 404)
        assert_problem(api.delete(path), 404)

    # show all: the minimal item and three more, newest first (by the section's
    # time field when it has an input: b < a < c; else by creation), paged
    made = {minimal["id"]: minimal}
    for day in (2, 1, 3):
        extra = spec.create(env)
        if spec.time_field:
            extra[spec.time_field] = moment(spec.time_field, day)
        if spec.statuses and day == 1:
            extra["status"] = spec.statuses[1]
        new = created(api, base, extra)
        made[new["id"]] = new
    m, a, b, c = made
    # the minimal item's time is now, after the others' (2001); without a time input it was created first
    order = [m, c, a, b] if spec.time_field else [c, b, a, m]

    whole = listed(api, base)
    assert whole.body == {"items": [made[i] for i in order], "next_cursor": None}
    first = listed(api, base + "?limit=2")
    assert ids(first.body["items"]) == order[:2]
    cursor = first.body["next_cursor"]
    assert cursor
    second = listed(api, base + f"?limit=2&cursor={cursor}")
    assert ids(second.body["items"]) == order[2:]
    assert second.body["next_cursor"] is None

    # ?status=, where the section has statuses
    if spec.statuses is None:
        assert_problem(api.get(base + "?status=done"), 400, loc=("query", "status"))
        return
    assert len({made[i]["status"] for i in order}) >= 2
    for status in API_STATUSES[section]:
        expected = [i for i in order if made[i]["status"] == status]
        assert ids(listed(api, base + f"?status={status}").body["items"]) == expected, status
    common = made[c]["status"]
    for bad_status in ("bogus", common.upper(), f"{common},{spec.statuses[1]}"):
        assert_problem(api.get(base + f"?status={bad_status}"), 400, loc=("query", "status"))


def test_idempotent_create_returns_the_first_item(env: Env, table: Table) -> None:
    for section in ("notes", "invoices"):
        body = SPECS[section].create(env)
        key = {"Idempotency-Key": f"create-{new_id()}"}
        first = env.api.post(env.path(section), body, headers=key)
        assert first.status == 201, first.body
        after_first = snapshot(table)

        retry = env.api.post(env.path(section), body, headers=key)

        assert retry.status == 201, retry.body
        assert retry.body == first.body
        assert retry.headers["location"] == first.headers["location"]
        assert snapshot(table) == after_first
        assert ids(listed(env.api, env.path(section)).body["items"]) == [first.body["id"]]
        name = next(iter(body))
        with nothing_written(table):
            other = {**body, name: body[name] + " (other)"}
            assert_problem(env.api.post(env.path(section), other, headers=key), 422)


def test_timestamps_are_stored_in_utc(env: Env) -> None:
    for section, spec in SPECS.items():
        if spec.time_field is None or spec.time_field == "date":
            continue
        body = {**spec.minimal(env), spec.time_field: "2026-03-01T10:15:00.250+02:00"}
        item = created(env.api, env.path(section), body)
        assert item[spec.time_field] == "2026-03-01T08:15:00Z", section


# --- cursors ----------------------------------------------------------------------------------


def test_a_cursor_only_works_for_the_list_it_came_from(env: Env) -> None:
    api, tasks = env.api, env.path("tasks")
    for status in ("planned", "done", "planned", "planned"):
        created(api, tasks, {"title": "Task", "status": status})
    cursor = next_cursor(api, tasks + "?limit=2")
    assert len(listed(api, tasks + f"?limit=2&cursor={cursor}").body["items"]) == 2
    planned = next_cursor(api, tasks + "?status=planned&limit=2")
    rest = listed(api, tasks + f"?status=planned&limit=2&cursor={planned}")
    assert (len(rest.body["items"]), rest.body["next_cursor"]) == (1, None)

    # tampered, truncated or made up
    payload, mac = cursor.rsplit(".", 1)
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    for bad in (f"{flipped}.{mac}", f"{payload}.{'0' * len(mac)}", cursor[:-4], "not-a-cursor", "e30.abc"):
        assert_problem(api.get(tasks + f"?limit=2&cursor={bad}"), 400, loc=("query", "cursor"))
    # another filter of the same list
    assert_problem(api.get(tasks + f"?limit=2&cursor={planned}"), 400, loc=("query", "cursor"))
    assert_problem(api.get(tasks + f"?status=done&cursor={planned}"), 400, loc=("query", "cursor"))
    assert_problem(api.get(tasks + f"?status=planned&cursor={cursor}"), 400, loc=("query", "cursor"))
    # another section, another account, another kind of list
    for section in SECTION_KEYS:
        if section != "tasks":
            assert_problem(api.get(env.path(section) + f"?cursor={cursor}"), 400, loc=("query", "cursor"))
    other = create_account(api, "Other Ltd")["id"]
    assert_problem(api.get(env.path("tasks", account_id=other) + f"?cursor={cursor}"), 400, loc=("query", "cursor"))
    assert_problem(api.get(f"/accounts?cursor={cursor}"), 400, loc=("query", "cursor"))
    # and the query itself
    for query, name in (("limit=0", "limit"), ("limit=101", "limit"), ("limit=two", "limit"), ("sort=asc", "sort")):
        assert_problem(api.get(tasks + f"?{query}"), 400, loc=("query", name))
