"""Custom fields (issue 6, part 1): /custom-fields definitions, values on
accounts and contacts (rules per kind in chalicelib/domain/field_values.py), and
GET /accounts/{id}/custom-fields/history.

Runs on moto and DynamoDB Local (``table`` fixture); the costly ones
(100 definitions) on moto only, the race on DynamoDB Local only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import pytest

from chalicelib.adapters.auth import Claims
from chalicelib.domain.errors import DossierError
from chalicelib.domain.models.accounts import AccountPatch
from chalicelib.repo.table import Table
from chalicelib.services import accounts
from chalicelib.services.context import Ctx
from tests.support.api import Api, Reply, TestFirm, make_firm, snapshot
from tests.support.factories import contact_spec, create_contact, created, list_all, new_account
from tests.support.problems import assert_problem
from tests.support.race import race

KINDS = ("text", "number", "date", "checkbox", "dropdown", "email", "phone", "address")
OPTIONS = ["Monthly", "Quarterly", "Yearly"]
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
moto_only = pytest.mark.parametrize("table", ["moto"], indirect=True)
local_only = pytest.mark.parametrize("table", [pytest.param("local", marks=pytest.mark.integration)], indirect=True)


# --- helpers ---------------------------------------------------------------------------


def _field(
    api: Api, label: str, kind: str = "text", *, target: str = "account", options: list[str] | None = None
) -> str:
    body: dict[str, Any] = {"target": target, "label": label, "kind": kind}
    if options is not None:
        body["options"] = options
    elif kind == "dropdown":
        body["options"] = OPTIONS
    field_id: str = created(api, "/custom-fields", body)["id"]
    return field_id


def _defs(api: Api, query: str = "") -> list[dict[str, Any]]:
    r = api.get(f"/custom-fields{query}")
    assert r.status == 200, r.body
    assert r.body["next_cursor"] is None
    items: list[dict[str, Any]] = r.body["items"]
    return items


def _info(api: Api, account_id: str) -> dict[str, Any]:
    r = api.get(f"/accounts/{account_id}")
    assert r.status == 200, r.body
    body: dict[str, Any] = r.body
    return body


def _contact(api: Api, contact_id: str) -> dict[str, Any]:
    r = api.get(f"/contacts/{contact_id}")
    assert r.status == 200, r.body
    body: dict[str, Any] = r.body
    return body


def _history(api: Api, account_id: str) -> list[dict[str, Any]]:
    return list_all(api, f"/accounts/{account_id}/custom-fields/history")


def _ok_patch(api: Api, path: str, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    r = api.patch(path, body, **kw)
    assert r.status == 200, r.body
    out: dict[str, Any] = r.body
    return out


def _firm_items(table: Table, firm_id: str) -> list[dict[str, Any]]:
    """The firm's items only: other tests may write to the shared DynamoDB Local table meanwhile."""
    return [i for i in snapshot(table) if str(i["PK"]).startswith(f"FIRM#{firm_id}")]


@contextmanager
def _nothing_written(table: Table, firm: TestFirm) -> Iterator[None]:
    before = _firm_items(table, firm.firm_id)
    yield
    assert _firm_items(table, firm.firm_id) == before, "a refused request must not write anything"


def _refused(table: Table, firm: TestFirm, reply_of: Callable[[], Reply], status: int, **kw: Any) -> dict[str, Any]:
    with _nothing_written(table, firm):
        reply: Reply = reply_of()
        body = assert_problem(reply, status, **kw)
    return body


def _values_by_id(info: dict[str, Any]) -> dict[str, Any]:
    return {v["id"]: v["value"] for v in info["custom_field_values"]}


# --- definitions -------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["account", "contact"])
def test_each_kind_can_be_defined(api: Api, target: str) -> None:
    made = []
    for kind in KINDS:
        body: dict[str, Any] = {"target": target, "label": f"  My {kind}  ", "kind": kind}
        if kind == "dropdown":
            body["options"] = [" Monthly ", "Quarterly"]
        r = api.post("/custom-fields", body)
        assert r.status == 201, r.body
        out = r.body
        assert out["target"] == target
        assert out["label"] == f"My {kind}"
        assert out["kind"] == kind
        assert out["options"] == (["Monthly", "Quarterly"] if kind == "dropdown" else [])
        assert out["removed"] is False
        assert out["version"] == 1
        assert TIMESTAMP.match(out["created_at"]) and TIMESTAMP.match(out["updated_at"])
        assert r.headers["location"] == f"/custom-fields/{out['id']}"
        assert r.etag == '"1"'
        got = api.get(r.headers["location"])
        assert got.status == 200 and got.body == out and got.etag == '"1"'
        made.append(out["id"])
    assert [d["id"] for d in _defs(api, f"?target={target}")] == made


@pytest.mark.parametrize(
    "body",
    [
        {"label": "No target", "kind": "text"},
        {"target": "invoice", "label": "Bad target", "kind": "text"},
        {"target": "account", "kind": "text"},
        {"target": "account", "label": "", "kind": "text"},
        {"target": "account", "label": "   ", "kind": "text"},
        {"target": "account", "label": "x" * 101, "kind": "text"},
        {"target": "account", "label": 5, "kind": "text"},
        {"target": "account", "label": "No kind"},
        {"target": "account", "label": "Bad kind", "kind": "money"},
        {"target": "account", "label": "Upper kind", "kind": "TEXT"},
        {"target": "account", "label": "Extra", "kind": "text", "required": True},
        {"target": "account", "label": "Opts str", "kind": "dropdown", "options": "A,B"},
        {"target": "account", "label": "Opt empty", "kind": "dropdown", "options": ["A", ""]},
        {"target": "account", "label": "Opt num", "kind": "dropdown", "options": ["A", 2]},
        {"target": "account", "label": "Opt long", "kind": "dropdown", "options": ["x" * 101]},
        {"target": "account", "label": "Opt many", "kind": "dropdown", "options": [f"o{i}" for i in range(101)]},
    ],
)
def test_bad_definitions_are_400(api: Api, table: Table, firm: TestFirm, body: dict[str, Any]) -> None:
    _refused(table, firm, lambda: api.post("/custom-fields", body), 400)
    assert _defs(api, "?include_removed=true") == []


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("dropdown", []),
        ("dropdown", None),
        ("text", ["A"]),
        ("number", ["1"]),
        ("checkbox", ["yes"]),
        ("dropdown", ["A", "B", "A"]),
        ("dropdown", ["Yes", "yes"]),
        ("dropdown", ["Yes", " Yes "]),
    ],
)
def test_options_that_do_not_fit_the_kind_are_422(
    api: Api, table: Table, firm: TestFirm, kind: str, options: list[str] | None
) -> None:
    body: dict[str, Any] = {"target": "account", "label": "Cycle", "kind": kind}
    if options is not None:
        body["options"] = options
    _refused(table, firm, lambda: api.post("/custom-fields", body), 422)
    assert _defs(api, "?include_removed=true") == []


@pytest.mark.parametrize("label", ["VAT id", "vat ID", "  VAT ID  "])
def test_labels_are_unique_per_target_case_insensitively(api: Api, table: Table, firm: TestFirm, label: str) -> None:
    _field(api, "VAT id")
    _refused(
        table, firm, lambda: api.post("/custom-fields", {"target": "account", "label": label, "kind": "number"}), 409
    )
    # The other target has its own labels.
    _field(api, label, target="contact")
    assert [d["label"] for d in _defs(api)] == ["VAT id", label.strip()]


def test_only_owner_and_admin_define_fields_every_member_reads(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = _field(api, "Fiscal year end", "date")
    _, admin = firm.add_member("admin")
    _, manager = firm.add_member(view_all=True, manage=True)
    _, employee = firm.add_member()
    for token in (manager, employee):
        other = api.as_(token)
        assert [d["id"] for d in _defs(other)] == [field_id]
        assert other.get(f"/custom-fields/{field_id}").status == 200
        _refused(
            table,
            firm,
            partial(other.post, "/custom-fields", {"target": "account", "label": "X", "kind": "text"}),
            403,
        )
        _refused(table, firm, partial(other.patch, f"/custom-fields/{field_id}", {"label": "Renamed"}), 403)
        _refused(table, firm, partial(other.delete, f"/custom-fields/{field_id}"), 403)
    assert api.as_(admin).post("/custom-fields", {"target": "contact", "label": "X", "kind": "text"}).status == 201
    assert _ok_patch(api.as_(admin), f"/custom-fields/{field_id}", {"label": "Year end"})["label"] == "Year end"
    assert_problem(api.as_(None).get("/custom-fields"), 401)


def test_list_filters_by_target_and_hides_removed_ones(api: Api, table: Table, firm: TestFirm) -> None:
    a1 = _field(api, "A1")
    c1 = _field(api, "C1", target="contact")
    a2 = _field(api, "A2", "dropdown")
    c2 = _field(api, "C2", "checkbox", target="contact")
    assert api.delete(f"/custom-fields/{a1}").status == 204
    assert [d["id"] for d in _defs(api)] == [c1, a2, c2]
    assert [d["id"] for d in _defs(api, "?target=account")] == [a2]
    assert [d["id"] for d in _defs(api, "?target=contact")] == [c1, c2]
    assert [d["id"] for d in _defs(api, "?include_removed=false")] == [c1, a2, c2]
    everything = _defs(api, "?include_removed=true")
    assert [d["id"] for d in everything] == [a1, c1, a2, c2]
    assert [d["removed"] for d in everything] == [True, False, False, False]
    assert [d["id"] for d in _defs(api, "?target=account&include_removed=true")] == [a1, a2]
    for query in ("?target=Account", "?target=invoice", "?include_removed=yes", "?include_removed=1", "?bogus=1"):
        assert_problem(api.get(f"/custom-fields{query}"), 400)


def test_fields_of_another_firm_are_invisible(api: Api, table: Table, firm: TestFirm) -> None:
    other = api.as_(make_firm(table).owner_token)
    theirs = _field(other, "Theirs")
    assert _defs(api) == []
    assert_problem(api.get(f"/custom-fields/{theirs}"), 404)
    _refused(table, firm, lambda: api.patch(f"/custom-fields/{theirs}", {"label": "Mine"}), 404)
    _refused(table, firm, lambda: api.delete(f"/custom-fields/{theirs}"), 404)
    body = _refused(
        table,
        firm,
        lambda: api.post(
            "/accounts", {"name": "A", "type": "company", "contacts": [contact_spec()], "custom_fields": {theirs: "x"}}
        ),
        400,
    )
    assert ["body", "custom_fields", theirs] in [e["loc"] for e in body["errors"]]
    assert_problem(api.get("/custom-fields/01JUNKUNKNOWNFIELD0000000000"), 404)


def test_rename_keeps_values_and_the_info_tab_shows_the_new_label(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = _field(api, "Cycle", "dropdown")
    account = new_account(api, custom_fields={field_id: "Yearly"})
    r = api.patch(f"/custom-fields/{field_id}", {"label": "Billing cycle"}, headers={"If-Match": '"1"'})
    assert r.status == 200, r.body
    assert r.body["label"] == "Billing cycle" and r.body["version"] == 2 and r.etag == '"2"'
    info = _info(api, account["id"])
    assert info["custom_fields"] == {field_id: "Yearly"}
    assert info["custom_field_values"] == [
        {"id": field_id, "label": "Billing cycle", "kind": "dropdown", "options": OPTIONS, "value": "Yearly"}
    ]
    # The old label is free again; a case-only rename of itself is fine.
    _field(api, "cycle")
    assert _ok_patch(api, f"/custom-fields/{field_id}", {"label": "BILLING CYCLE"})["label"] == "BILLING CYCLE"
    _refused(table, firm, lambda: api.patch(f"/custom-fields/{field_id}", {"label": "CYCLE"}), 409)
    # The history names the field by its current label.
    assert [h["field"]["label"] for h in _history(api, account["id"])] == ["BILLING CYCLE"]


def test_options_can_be_added_and_reordered_not_removed(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = _field(api, "Cycle", "dropdown")
    path = f"/custom-fields/{field_id}"
    out = _ok_patch(api, path, {"options": ["Yearly", "Monthly", "Weekly", "Quarterly"]})
    assert out["options"] == ["Yearly", "Monthly", "Weekly", "Quarterly"] and out["version"] == 2
    account = new_account(api, custom_fields={field_id: "Weekly"})
    assert account["custom_field_values"][0]["options"] == ["Yearly", "Monthly", "Weekly", "Quarterly"]
    for options in (["Yearly", "Monthly", "Quarterly"], ["Yearly", "Monthly", "Weekly", "quarterly"], []):
        body = _refused(table, firm, partial(api.patch, path, {"options": options}), 422)
        assert ["body", "options"] in [e["loc"] for e in body["errors"]]
    _refused(
        table, firm, lambda: api.patch(path, {"options": ["Yearly", "Monthly", "Weekly", "Quarterly", "Yearly"]}), 422
    )
    _refused(
        table, firm, lambda: api.patch(path, {"options": ["Yearly", "Monthly", "Weekly", "Quarterly", "weekly"]}), 422
    )
    for body_ in ({"kind": "text"}, {"target": "contact"}, {"options": None}, {"label": None}, {"label": ""}):
        _refused(table, firm, partial(api.patch, path, body_), 400)
    text_id = _field(api, "Notes")
    _refused(table, firm, lambda: api.patch(f"/custom-fields/{text_id}", {"options": ["A"]}), 422)
    # Same options, same label: nothing to change, the version stays.
    same = _ok_patch(api, path, {"options": ["Yearly", "Monthly", "Weekly", "Quarterly"], "label": "Cycle"})
    assert same["version"] == 2


def test_if_match_on_patch_and_delete(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = _field(api, "Cycle", "dropdown")
    path = f"/custom-fields/{field_id}"
    _ok_patch(api, path, {"label": "Cycle 2"}, headers={"If-Match": '"1"'})
    _refused(table, firm, lambda: api.patch(path, {"label": "Cycle 3"}, headers={"If-Match": '"1"'}), 412)
    _refused(table, firm, lambda: api.delete(path, headers={"If-Match": '"1"'}), 412)
    _refused(table, firm, lambda: api.delete(path, headers={"If-Match": "three"}), 400)
    assert api.delete(path, headers={"If-Match": '"2"'}).status == 204
    got = api.get(path)
    assert got.status == 200 and got.body["removed"] is True and got.body["label"] == "Cycle 2"
    # A removed field cannot be changed any more.
    _refused(table, firm, lambda: api.patch(path, {"label": "Back"}, headers={"If-Match": got.etag or ""}), 404)


def test_delete_hides_values_refuses_new_ones_and_keeps_history(api: Api, table: Table, firm: TestFirm) -> None:
    gone = _field(api, "Legacy id", "number")
    kept = _field(api, "Kept", "checkbox")
    cgone = _field(api, "Nickname", target="contact")
    contact = create_contact(api, custom_fields={cgone: "Bob"})
    account = new_account(
        api,
        custom_fields={gone: 42, kept: True},
        contacts=[{"contact_id": contact["id"], "description": ""}],
    )
    assert account["custom_fields"] == {gone: 42, kept: True}
    assert _contact(api, contact["id"])["custom_fields"] == {cgone: "Bob"}

    assert api.delete(f"/custom-fields/{gone}").status == 204
    assert api.delete(f"/custom-fields/{cgone}").status == 204
    assert api.delete(f"/custom-fields/{gone}").status == 204  # again: nothing to do

    info = _info(api, account["id"])
    assert info["custom_fields"] == {kept: True}
    assert [v["id"] for v in info["custom_field_values"]] == [kept]
    assert [c["custom_fields"] for c in info["contacts"]] == [{}]
    assert _contact(api, contact["id"])["custom_fields"] == {}
    assert all(c["custom_fields"] == {} for c in list_all(api, "/contacts"))

    aid = account["id"]
    for value in (43, None):
        body = _refused(table, firm, partial(api.patch, f"/accounts/{aid}", {"custom_fields": {gone: value}}), 400)
        assert ["body", "custom_fields", gone] in [e["loc"] for e in body["errors"]]
    _refused(
        table,
        firm,
        lambda: api.post(
            "/accounts", {"name": "B", "type": "company", "contacts": [contact_spec()], "custom_fields": {gone: 1}}
        ),
        400,
        loc=("body", "custom_fields", gone),
    )
    _refused(
        table,
        firm,
        lambda: api.patch(f"/contacts/{contact['id']}", {"custom_fields": {cgone: "Rob"}}),
        400,
        loc=("body", "custom_fields", cgone),
    )
    _refused(
        table,
        firm,
        lambda: api.post("/contacts", {"first_name": "Z", "custom_fields": {cgone: "Z"}}),
        400,
        loc=("body", "custom_fields", cgone),
    )

    # Editing another value leaves the hidden one alone (no line for it).
    _ok_patch(api, f"/accounts/{aid}", {"custom_fields": {kept: False}})
    history = _history(api, aid)
    assert [(h["field"]["id"], h["old"], h["new"]) for h in history[:1]] == [(kept, True, False)]
    removed_lines = [h for h in history if h["field"]["id"] == gone]
    assert len(removed_lines) == 1
    assert removed_lines[0]["field"] == {"id": gone, "label": "Legacy id", "kind": "number", "removed": True}
    assert (removed_lines[0]["old"], removed_lines[0]["new"]) == (None, 42)
    assert all(h["field"]["removed"] is False for h in history if h["field"]["id"] == kept)


def test_a_removed_label_can_be_reused_without_the_old_values(api: Api, table: Table, firm: TestFirm) -> None:
    old = _field(api, "Region")
    account = new_account(api, custom_fields={old: "North"})
    assert api.delete(f"/custom-fields/{old}").status == 204
    new = _field(api, "region", "dropdown", options=["North", "South"])
    assert new != old
    assert _info(api, account["id"])["custom_fields"] == {}
    _ok_patch(api, f"/accounts/{account['id']}", {"custom_fields": {new: "South"}})
    info = _info(api, account["id"])
    assert info["custom_fields"] == {new: "South"}
    assert [v["label"] for v in info["custom_field_values"]] == ["region"]
    assert [(h["field"]["id"], h["field"]["removed"]) for h in _history(api, account["id"])] == [
        (new, False),
        (old, True),
    ]
    _refused(
        table, firm, lambda: api.post("/custom-fields", {"target": "account", "label": "REGION", "kind": "text"}), 409
    )


@moto_only
def test_at_most_100_active_fields_per_target(api: Api, table: Table, firm: TestFirm) -> None:
    ids = [_field(api, f"Field {i}") for i in range(100)]
    body = _refused(
        table, firm, lambda: api.post("/custom-fields", {"target": "account", "label": "One more", "kind": "text"}), 422
    )
    assert "100" in body["detail"]
    _field(api, "One more", target="contact")  # the other target has its own 100
    assert api.delete(f"/custom-fields/{ids[0]}").status == 204
    _field(api, "One more")
    assert len(_defs(api, "?target=account")) == 100
    assert len(_defs(api, "?target=account&include_removed=true")) == 101


# --- values ------------------------------------------------------------------------------

GOOD_VALUES: list[tuple[str, Any, Any]] = [
    ("text", "  Hello, world  ", "Hello, world"),
    ("text", "é" * 1000, "é" * 1000),
    ("text", " " + "x" * 1000 + " ", "x" * 1000),
    ("number", 12.5, 12.5),
    ("number", 7, 7),
    ("number", 0, 0),
    ("number", -3.25, -3.25),
    ("number", 7.0, 7),
    ("number", 999999999999999, 999999999999999),
    ("number", -999999999999999, -999999999999999),
    ("number", 123456789012.25, 123456789012.25),
    ("number", 1e-7, 1e-7),
    ("date", "2026-02-28", "2026-02-28"),
    ("date", "2024-02-29", "2024-02-29"),
    ("date", "1900-01-01", "1900-01-01"),
    ("date", "2200-12-31", "2200-12-31"),
    ("checkbox", True, True),
    ("checkbox", False, False),
    ("dropdown", "Quarterly", "Quarterly"),
    ("email", "Ann.Smith@Example.com", "Ann.Smith@Example.com"),
    ("email", " ann@example.co.uk ", "ann@example.co.uk"),
    ("phone", "+1 (555) 010-0199", "+1 (555) 010-0199"),
    ("phone", " 020 7946 0018 ", "020 7946 0018"),
    (
        "address",
        {"line1": " 1 Main St ", "city": "Springfield", "country": "US"},
        {"line1": "1 Main St", "line2": "", "city": "Springfield", "region": "", "postal_code": "", "country": "US"},
    ),
    ("address", {}, {"line1": "", "line2": "", "city": "", "region": "", "postal_code": "", "country": ""}),
    (
        "address",
        {"line1": "a", "line2": "b", "city": "c", "region": "d", "postal_code": "E1 6AN", "country": "GB"},
        {"line1": "a", "line2": "b", "city": "c", "region": "d", "postal_code": "E1 6AN", "country": "GB"},
    ),
]


def _same_json(a: Any, b: Any) -> bool:
    """Equal, and numbers of the same JSON type (7 stays an integer)."""
    return a == b and type(a) is type(b)


@pytest.mark.parametrize(("kind", "value", "shown"), GOOD_VALUES)
def test_good_values_round_trip_on_accounts(api: Api, kind: str, value: Any, shown: Any) -> None:
    field_id = _field(api, "The field", kind)
    account = new_account(api, custom_fields={field_id: value})
    for info in (account, _info(api, account["id"])):
        assert info["custom_fields"] == {field_id: shown}
        assert _same_json(info["custom_fields"][field_id], shown)
        options = OPTIONS if kind == "dropdown" else []
        assert info["custom_field_values"] == [
            {"id": field_id, "label": "The field", "kind": kind, "options": options, "value": shown}
        ]
    [line] = _history(api, account["id"])
    assert line["old"] is None and _same_json(line["new"], shown)


@pytest.mark.parametrize(("kind", "value", "shown"), GOOD_VALUES[::3])
def test_good_values_round_trip_on_contacts(api: Api, kind: str, value: Any, shown: Any) -> None:
    field_id = _field(api, "The field", kind, target="contact")
    contact = create_contact(api, custom_fields={field_id: value})
    assert contact["custom_fields"] == {field_id: shown}
    assert _same_json(_contact(api, contact["id"])["custom_fields"][field_id], shown)
    account = new_account(api, contacts=[contact_spec(custom_fields={field_id: value})])
    assert [c["custom_fields"] for c in account["contacts"]] == [{field_id: shown}]
    other = create_contact(api, first_name="Other")
    out = _ok_patch(api, f"/contacts/{other['id']}", {"custom_fields": {field_id: value}})
    assert out["custom_fields"] == {field_id: shown}
    # Contacts have no history: the account history stays empty.
    assert _history(api, account["id"]) == []


BAD_VALUES: list[tuple[str, Any]] = [
    ("text", 5),
    ("text", True),
    ("text", ["a"]),
    ("text", {"a": "b"}),
    ("text", "x" * 1001),
    ("number", True),
    ("number", False),
    ("number", "7"),
    ("number", "12.5"),
    ("number", 1e16),
    ("number", 1e15),
    ("number", -1e15),
    ("number", 10**20),
    ("number", 1e308),
    ("number", []),
    ("number", {"amount": 1}),
    ("date", "2026-02-30"),
    ("date", "2025-02-29"),
    ("date", "2026-2-3"),
    ("date", "26-02-03"),
    ("date", "2026/02/03"),
    ("date", "03.02.2026"),
    ("date", "2026-02-03T10:00:00Z"),
    ("date", "1899-12-31"),
    ("date", "2201-01-01"),
    ("date", ""),
    ("date", 20260203),
    ("date", True),
    ("checkbox", "true"),
    ("checkbox", 1),
    ("checkbox", 0),
    ("checkbox", "yes"),
    ("checkbox", []),
    ("dropdown", "quarterly"),
    ("dropdown", "Weekly"),
    ("dropdown", " Monthly"),
    ("dropdown", ""),
    ("dropdown", ["Monthly"]),
    ("dropdown", 1),
    ("email", "not-an-email"),
    ("email", "ann@example"),
    ("email", "ann smith@example.com"),
    ("email", "a@b@example.com"),
    ("email", 5),
    ("email", ["ann@example.com"]),
    ("phone", "call me"),
    ("phone", "555-CALL-NOW"),
    ("phone", "12"),
    ("phone", "1" * 41),
    ("phone", 5550100),
    ("address", {"street": "1 Main St"}),
    ("address", {"line1": "1 Main St", "zip": "12345"}),
    ("address", {"country": "usa"}),
    ("address", {"country": "XX"}),
    ("address", {"country": "xk"}),
    ("address", {"city": 5}),
    ("address", {"line1": None}),
    ("address", {"postal_code": "1" * 21}),
    ("address", "1 Main St, Springfield"),
    ("address", ["1 Main St"]),
    ("address", True),
]


@pytest.mark.parametrize(("kind", "value"), BAD_VALUES)
def test_bad_values_are_400_naming_the_field_and_write_nothing(
    api: Api, table: Table, firm: TestFirm, kind: str, value: Any
) -> None:
    field_id = _field(api, "The field", kind)
    good = _field(api, "Good one", "text")
    account = new_account(api, custom_fields={good: "before"})
    aid = account["id"]
    loc = ("body", "custom_fields", field_id)
    body = _refused(
        table,
        firm,
        lambda: api.patch(f"/accounts/{aid}", {"custom_fields": {good: "after", field_id: value}}),
        400,
        loc=loc,
    )
    # Only the bad value is named.
    assert [e["loc"] for e in body["errors"]] == [list(loc)]
    _refused(
        table,
        firm,
        lambda: api.post(
            "/accounts",
            {"name": "B", "type": "company", "contacts": [contact_spec()], "custom_fields": {field_id: value}},
        ),
        400,
        loc=loc,
    )
    assert _info(api, aid)["custom_fields"] == {good: "before"}
    assert len(_history(api, aid)) == 1


@pytest.mark.parametrize(("kind", "value"), BAD_VALUES[::4])
def test_bad_values_on_contacts_are_400(api: Api, table: Table, firm: TestFirm, kind: str, value: Any) -> None:
    field_id = _field(api, "The field", kind, target="contact")
    contact = create_contact(api)
    loc = ("body", "custom_fields", field_id)
    _refused(
        table,
        firm,
        lambda: api.post("/contacts", {"first_name": "Z", "custom_fields": {field_id: value}}),
        400,
        loc=loc,
    )
    _refused(
        table, firm, lambda: api.patch(f"/contacts/{contact['id']}", {"custom_fields": {field_id: value}}), 400, loc=loc
    )
    body = {
        "name": "B",
        "type": "company",
        "contacts": [contact_spec(), contact_spec("Second", custom_fields={field_id: value})],
    }
    _refused(
        table, firm, lambda: api.post("/accounts", body), 400, loc=("body", "contacts", 1, "custom_fields", field_id)
    )


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_400(api: Api, table: Table, firm: TestFirm, literal: str) -> None:
    # Not JSON, but Python's parser reads these literals; they must not get through.
    field_id = _field(api, "Amount", "number")
    account = new_account(api)
    raw = '{"custom_fields": {"' + field_id + '": ' + literal + "}}"
    _refused(table, firm, lambda: api.call("PATCH", f"/accounts/{account['id']}", raw=raw), 400)


@pytest.mark.parametrize("value", [1e-200, -1e-300, 1e-11, 0.12345678901])
def test_numbers_with_more_than_ten_decimals_are_refused(api: Api, table: Table, firm: TestFirm, value: float) -> None:
    """Found as a 500 (DynamoDB cannot store 1e-200): numbers keep at most 10 decimal places."""
    field_id = _field(api, "Amount", "number")
    account = new_account(api)
    _refused(table, firm, lambda: api.patch(f"/accounts/{account['id']}", {"custom_fields": {field_id: value}}), 400)


def test_only_calendar_dates_are_dates(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = _field(api, "Year end", "date")
    account = new_account(api)
    _refused(
        table,
        firm,
        lambda: api.patch(f"/accounts/{account['id']}", {"custom_fields": {field_id: "2026-W01-1"}}),
        400,
        loc=("body", "custom_fields", field_id),
    )


def test_a_field_of_the_other_target_or_unknown_is_400(api: Api, table: Table, firm: TestFirm) -> None:
    afield = _field(api, "Same label")
    cfield = _field(api, "Same label", target="contact")
    account = new_account(api)
    contact = create_contact(api)
    aid, cid = account["id"], contact["id"]
    _refused(
        table,
        firm,
        lambda: api.patch(f"/accounts/{aid}", {"custom_fields": {cfield: "x"}}),
        400,
        loc=("body", "custom_fields", cfield),
    )
    _refused(
        table,
        firm,
        lambda: api.patch(f"/contacts/{cid}", {"custom_fields": {afield: "x"}}),
        400,
        loc=("body", "custom_fields", afield),
    )
    _refused(
        table,
        firm,
        lambda: api.post("/contacts", {"first_name": "Z", "custom_fields": {afield: "x"}}),
        400,
        loc=("body", "custom_fields", afield),
    )
    _refused(
        table,
        firm,
        lambda: api.post(
            "/accounts", {"name": "B", "type": "company", "custom_fields": {cfield: "x"}, "contacts": [contact_spec()]}
        ),
        400,
        loc=("body", "custom_fields", cfield),
    )
    _refused(
        table,
        firm,
        lambda: api.post(
            "/accounts", {"name": "B", "type": "company", "contacts": [contact_spec(custom_fields={afield: "x"})]}
        ),
        400,
        loc=("body", "contacts", 0, "custom_fields", afield),
    )
    unknown = "01JUNKUNKNOWNFIELD0000000000"
    body = _refused(
        table, firm, lambda: api.patch(f"/accounts/{aid}", {"custom_fields": {unknown: "x", cfield: None}}), 400
    )
    assert sorted(tuple(e["loc"]) for e in body["errors"]) == sorted(
        [("body", "custom_fields", unknown), ("body", "custom_fields", cfield)]
    )
    for bad in ({"": "x"}, {"x" * 65: "x"}, ["x"], "x"):
        _refused(table, firm, partial(api.patch, f"/accounts/{aid}", {"custom_fields": bad}), 400)
    _refused(table, firm, lambda: api.patch(f"/contacts/{cid}", {"custom_fields": None}), 400)


def test_patch_merges_by_id_and_null_clears(api: Api, table: Table, firm: TestFirm) -> None:
    text = _field(api, "Notes")
    number = _field(api, "Employees", "number")
    check = _field(api, "Active", "checkbox")
    account = new_account(api, custom_fields={text: "first", number: 12})
    aid = account["id"]
    out = _ok_patch(api, f"/accounts/{aid}", {"custom_fields": {check: False}})
    assert out["custom_fields"] == {text: "first", number: 12, check: False}
    assert [v["id"] for v in out["custom_field_values"]] == [text, number, check]  # the fields' order
    out = _ok_patch(api, f"/accounts/{aid}", {"custom_fields": {text: None, number: 12.5}})
    assert out["custom_fields"] == {number: 12.5, check: False}
    out = _ok_patch(api, f"/accounts/{aid}", {"name": "Renamed"})
    assert out["custom_fields"] == {number: 12.5, check: False}
    out = _ok_patch(api, f"/accounts/{aid}", {"custom_fields": {}})
    assert out["custom_fields"] == {number: 12.5, check: False}
    out = _ok_patch(api, f"/accounts/{aid}", {"custom_fields": {text: None}})  # already absent
    assert out["custom_fields"] == {number: 12.5, check: False}
    assert _info(api, aid)["custom_fields"] == {number: 12.5, check: False}

    ctext = _field(api, "Nickname", target="contact")
    cdate = _field(api, "Birthday", "date", target="contact")
    contact = create_contact(api, custom_fields={ctext: "Bob", cdate: "1990-05-01"})
    out = _ok_patch(api, f"/contacts/{contact['id']}", {"custom_fields": {ctext: None}})
    assert out["custom_fields"] == {cdate: "1990-05-01"}
    out = _ok_patch(api, f"/contacts/{contact['id']}", {"custom_fields": {ctext: "Rob"}, "first_name": "Robert"})
    assert out["custom_fields"] == {ctext: "Rob", cdate: "1990-05-01"} and out["first_name"] == "Robert"


def test_values_need_the_edit_right(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = _field(api, "Notes")
    _, viewer = firm.add_member(view_all=True)
    account = new_account(api, custom_fields={field_id: "x"})
    _refused(
        table,
        firm,
        lambda: api.as_(viewer).patch(f"/accounts/{account['id']}", {"custom_fields": {field_id: "y"}}),
        403,
    )
    assert _info(api.as_(viewer), account["id"])["custom_fields"] == {field_id: "x"}


def test_at_most_30_values_per_request(api: Api, table: Table, firm: TestFirm) -> None:
    account = new_account(api)
    many = {f"01JUNKUNKNOWNFIELD{i:010d}": "x" for i in range(31)}
    body = _refused(table, firm, lambda: api.patch(f"/accounts/{account['id']}", {"custom_fields": many}), 400)
    assert ["body", "custom_fields"] in [e["loc"] for e in body["errors"]]
    _refused(table, firm, lambda: api.post("/contacts", {"first_name": "Z", "custom_fields": many}), 400)


@moto_only
def test_thirty_values_are_fine_and_make_thirty_lines(api: Api, table: Table, firm: TestFirm) -> None:
    ids = [_field(api, f"Field {i}", "number") for i in range(31)]
    account = new_account(api, custom_fields={f: i for i, f in enumerate(ids[:30])})
    assert len(account["custom_fields"]) == 30
    assert len(_history(api, account["id"])) == 30
    out = _ok_patch(api, f"/accounts/{account['id']}", {"custom_fields": {f: None for f in ids[:30]}})
    assert out["custom_fields"] == {}
    assert len(_history(api, account["id"])) == 60
    _refused(table, firm, lambda: api.patch(f"/accounts/{account['id']}", {"custom_fields": {f: 1 for f in ids}}), 400)


# --- history -----------------------------------------------------------------------------


def test_history_lines_for_create_change_clear_and_multi_change(api: Api, firm: TestFirm) -> None:
    text = _field(api, "Notes")
    number = _field(api, "Employees", "number")
    addr = _field(api, "Mailing address", "address")
    manager_id, manager = firm.add_member(view_all=True, manage=True, name="Mona Manager")
    account = new_account(api, custom_fields={text: "a", number: 7})
    aid = account["id"]

    created_lines = _history(api, aid)
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

    _ok_patch(api.as_(manager), f"/accounts/{aid}", {"custom_fields": {number: 12.5}})
    _ok_patch(api, f"/accounts/{aid}", {"custom_fields": {text: None}})
    _ok_patch(api, f"/accounts/{aid}", {"custom_fields": {text: "b", number: 7, addr: {"city": "Leeds"}}})

    history = _history(api, aid)
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
    number = _field(api, "Counter", "number")
    account = new_account(api, custom_fields={number: 0})
    aid = account["id"]
    for i in range(1, 5):
        _ok_patch(api, f"/accounts/{aid}", {"custom_fields": {number: i}})
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
    text = _field(api, "Notes")
    number = _field(api, "Employees", "number")
    account = new_account(api, custom_fields={text: "a"})
    aid = account["id"]
    etag = _info(api, aid)["version"]
    before = len(_history(api, aid))
    _ok_patch(api, f"/accounts/{aid}", {"custom_fields": {text: "b"}}, headers={"If-Match": f'"{etag}"'})
    _refused(
        table,
        firm,
        lambda: api.patch(
            f"/accounts/{aid}", {"custom_fields": {text: "c", number: 1}}, headers={"If-Match": f'"{etag}"'}
        ),
        412,
    )
    assert len(_history(api, aid)) == before + 1
    assert _info(api, aid)["custom_fields"] == {text: "b"}

    # Changing nothing writes nothing: same value, trimmed-equal text, 12 vs 12.0, clearing an absent value.
    _ok_patch(api, f"/accounts/{aid}", {"custom_fields": {number: 12}})
    version = _info(api, aid)["version"]
    count = len(_history(api, aid))
    for same in ({text: "b"}, {text: "  b  "}, {number: 12.0}, {number: 12, text: "b"}):
        with _nothing_written(table, firm):
            out = _ok_patch(api, f"/accounts/{aid}", {"custom_fields": same})
        assert out["version"] == version
    addr = _field(api, "Where", "address")
    _ok_patch(api, f"/accounts/{aid}", {"custom_fields": {addr: {"city": "Leeds"}}})
    version = _info(api, aid)["version"]
    count = len(_history(api, aid))
    with _nothing_written(table, firm):
        _ok_patch(api, f"/accounts/{aid}", {"custom_fields": {addr: {"city": " Leeds ", "line1": ""}}})
    check = _field(api, "Active", "checkbox")
    with _nothing_written(table, firm):
        _ok_patch(api, f"/accounts/{aid}", {"custom_fields": {check: None}})
    assert len(_history(api, aid)) == count
    assert _info(api, aid)["version"] == version
    # A change of another detail writes no history line either.
    _ok_patch(api, f"/accounts/{aid}", {"name": "Renamed Ltd"})
    assert len(_history(api, aid)) == count


def test_history_is_visible_to_those_who_may_open_the_account(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = _field(api, "Notes")
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
    _ok_patch(api, f"/accounts/{account['id']}", {"team_member_ids": []})
    assert_problem(api.as_(on_team).get(path), 404)


def test_archived_account_history_is_still_readable(api: Api) -> None:
    field_id = _field(api, "Notes")
    account = new_account(api, custom_fields={field_id: "x"})
    assert api.delete(f"/accounts/{account['id']}").status in (200, 204)
    r = api.get(f"/accounts/{account['id']}/custom-fields/history")
    assert r.status == 200 and [(h["old"], h["new"]) for h in r.body["items"]] == [(None, "x")]


def test_idempotent_create_writes_the_initial_lines_once(api: Api) -> None:
    field_id = _field(api, "Notes")
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
    assert len(_history(api, first.body["id"])) == 1


# --- concurrency (DynamoDB Local) -------------------------------------------------------


def _ctx(firm: TestFirm, table: Table) -> Ctx:
    return Ctx(claims=Claims(firm.firm_id, firm.owner_id), table=table)


def _line_count(firm: TestFirm, table: Table, account_id: str) -> int:
    rows = [
        i for i in _firm_items(table, firm.firm_id) if i["PK"].endswith(account_id) and i["SK"].startswith("CFHIST#")
    ]
    return len(rows)


@pytest.mark.integration
def test_parallel_patches_with_one_if_match_write_one_line(local_table: Table) -> None:
    from chalice.test import Client

    from app import app

    firm = make_firm(local_table)
    with Client(app) as c:
        owner = Api(c, firm.owner_token)
        field_id = _field(owner, "Counter", "number")
        account = new_account(owner, custom_fields={field_id: 0})
    aid, version = account["id"], account["version"]

    def patch(i: int) -> object:
        body = AccountPatch.model_validate({"custom_fields": {field_id: i + 1}})
        accounts.patch_account(_ctx(firm, local_table), aid, body, version)
        return None

    statuses, errors = race(patch, 10)
    assert statuses[200] == 1, statuses
    assert set(statuses) == {200, 412}, (statuses, [e.args for e in errors if isinstance(e, DossierError)])
    assert _line_count(firm, local_table, aid) == 2  # the initial value and the one winner


@pytest.mark.integration
def test_parallel_patches_of_different_fields_keep_values_and_history_in_step(local_table: Table) -> None:
    from chalice.test import Client

    from app import app

    firm = make_firm(local_table)
    with Client(app) as c:
        owner = Api(c, firm.owner_token)
        ids = [_field(owner, f"F{i}", "number") for i in range(8)]
        account = new_account(owner)
    aid = account["id"]

    def patch(i: int) -> object:
        body = AccountPatch.model_validate({"custom_fields": {ids[i]: i}})
        accounts.patch_account(_ctx(firm, local_table), aid, body, None)
        return None

    statuses, _ = race(patch, 8)
    assert set(statuses) <= {200, 412}, statuses
    with Client(app) as c:
        owner = Api(c, firm.owner_token)
        values = _info(owner, aid)["custom_fields"]
        history = _history(owner, aid)
    # Every success left its value and exactly one line; no line without its value.
    assert len(values) == statuses[200] == len(history)
    assert {h["field"]["id"]: h["new"] for h in history} == values


def test_ten_decimal_places_round_trip(api: Api) -> None:
    field_id = _field(api, "Amount", "number")
    account = new_account(api, custom_fields={field_id: 1e-10})
    assert _info(api, account["id"])["custom_fields"] == {field_id: 1e-10}


@local_only
@pytest.mark.parametrize("value", [-1e-131, 1.5e-140])
def test_numbers_below_dynamodbs_range_never_answer_5xx(api: Api, value: float) -> None:
    field_id = _field(api, "Amount", "number")
    account = new_account(api)
    r = api.patch(f"/accounts/{account['id']}", {"custom_fields": {field_id: value}})
    assert r.status < 500, r.body


def test_inline_contact_linked_to_an_account_takes_values(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = _field(api, "Nickname", target="contact")
    account = new_account(api)
    path = f"/accounts/{account['id']}/contacts"
    r = api.post(path, contact_spec("Lina", custom_fields={field_id: " Lin "}))
    assert r.status == 201, r.body
    shown = [c["custom_fields"] for c in _info(api, account["id"])["contacts"] if c["first_name"] == "Lina"]
    assert shown == [{field_id: "Lin"}]
    _refused(
        table,
        firm,
        lambda: api.post(path, contact_spec("Mo", custom_fields={field_id: 5})),
        400,
        loc=("body", "custom_fields", field_id),
    )


def test_a_refused_edit_writes_neither_values_nor_history(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = _field(api, "Notes")
    account = new_account(api, custom_fields={field_id: "a"})
    aid = account["id"]
    _refused(
        table,
        firm,
        lambda: api.patch(
            f"/accounts/{aid}", {"custom_fields": {field_id: "b"}, "tags": ["01JUNKUNKNOWNTAG000000000000"]}
        ),
        422,
    )
    _refused(
        table, firm, lambda: api.patch(f"/accounts/{aid}", {"custom_fields": {field_id: "b"}, "type": "bank"}), 400
    )
    assert api.delete(f"/accounts/{aid}").status in (200, 204)
    r = api.patch(f"/accounts/{aid}", {"custom_fields": {field_id: "b"}})
    assert 400 <= r.status < 500, r.body
    assert len(_history(api, aid)) == 1


def test_a_retried_field_create_returns_the_first_field(api: Api) -> None:
    body = {"target": "account", "label": "Retried", "kind": "text"}
    first = api.post("/custom-fields", body, headers={"Idempotency-Key": "cf-field-once-1"})
    again = api.post("/custom-fields", body, headers={"Idempotency-Key": "cf-field-once-1"})
    assert first.status == 201, first.body
    assert again.status in (200, 201), again.body
    assert again.body["id"] == first.body["id"]
    assert len(_defs(api)) == 1


@local_only
def test_parallel_creates_never_pass_100_active_fields(table: Table, firm: TestFirm) -> None:
    from chalicelib.domain.models.accounts import CustomFieldCreate
    from chalicelib.services import custom_fields

    def create(label: str) -> None:
        body = CustomFieldCreate.model_validate({"target": "account", "label": label, "kind": "text"})
        custom_fields.create_field(_ctx(firm, table), body, None)

    for i in range(99):
        create(f"Field {i}")
    statuses, _ = race(lambda i: create(f"Racer {i}"), 20)
    active = custom_fields.list_fields(_ctx(firm, table), "account", False)
    assert statuses[200] == 1 and len(active) == 100, (statuses, len(active))


@moto_only
def test_a_large_edit_with_many_value_changes_never_answers_5xx(api: Api, firm: TestFirm) -> None:
    field_ids = [_field(api, f"Field {i}", "number") for i in range(30)]
    tags = [created(api, "/tags", {"name": f"Tag {i}"})["id"] for i in range(40)]
    team = [firm.add_member(view_all=True)[0] for _ in range(40)]
    account = new_account(api, tags=tags[:20], team_member_ids=team[:20])
    body = {"tags": tags[20:], "team_member_ids": team[20:], "custom_fields": {f: 1 for f in field_ids}}
    r = api.patch(f"/accounts/{account['id']}", body)
    assert r.status < 500, r.body
    if r.status == 200:
        assert len(_history(api, account["id"])) == 30
