"""Custom fields (issue 6, part 1): /custom-fields definitions: the kinds, refused definitions,
unique labels, who may define them, rename, options, If-Match, delete and the limit of 100.

Runs on moto and DynamoDB Local (``table`` fixture); the costly
one (100 definitions) on moto only.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, make_firm
from tests.support.custom_fields import (
    OPTIONS,
    TIMESTAMP,
    account_info,
    contact_of,
    field_definitions,
    history_of,
    moto_only,
    new_field,
    ok_patch,
    refused,
)
from tests.support.factories import contact_spec, create_contact, list_all, new_account
from tests.support.problems import assert_problem

KINDS = ("text", "number", "date", "checkbox", "dropdown", "email", "phone", "address")


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
    assert [d["id"] for d in field_definitions(api, f"?target={target}")] == made


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
    refused(table, firm, lambda: api.post("/custom-fields", body), 400)
    assert field_definitions(api, "?include_removed=true") == []


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
    refused(table, firm, lambda: api.post("/custom-fields", body), 422)
    assert field_definitions(api, "?include_removed=true") == []


@pytest.mark.parametrize("label", ["VAT id", "vat ID", "  VAT ID  "])
def test_labels_are_unique_per_target_case_insensitively(api: Api, table: Table, firm: TestFirm, label: str) -> None:
    new_field(api, "VAT id")
    refused(
        table, firm, lambda: api.post("/custom-fields", {"target": "account", "label": label, "kind": "number"}), 409
    )
    # The other target has its own labels.
    new_field(api, label, target="contact")
    assert [d["label"] for d in field_definitions(api)] == ["VAT id", label.strip()]


def test_only_owner_and_admin_define_fields_every_member_reads(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = new_field(api, "Fiscal year end", "date")
    _, admin = firm.add_member("admin")
    _, manager = firm.add_member(view_all=True, manage=True)
    _, employee = firm.add_member()
    for token in (manager, employee):
        other = api.as_(token)
        assert [d["id"] for d in field_definitions(other)] == [field_id]
        assert other.get(f"/custom-fields/{field_id}").status == 200
        refused(
            table,
            firm,
            partial(other.post, "/custom-fields", {"target": "account", "label": "X", "kind": "text"}),
            403,
        )
        refused(table, firm, partial(other.patch, f"/custom-fields/{field_id}", {"label": "Renamed"}), 403)
        refused(table, firm, partial(other.delete, f"/custom-fields/{field_id}"), 403)
    assert api.as_(admin).post("/custom-fields", {"target": "contact", "label": "X", "kind": "text"}).status == 201
    assert ok_patch(api.as_(admin), f"/custom-fields/{field_id}", {"label": "Year end"})["label"] == "Year end"
    assert_problem(api.as_(None).get("/custom-fields"), 401)


def test_list_filters_by_target_and_hides_removed_ones(api: Api, table: Table, firm: TestFirm) -> None:
    a1 = new_field(api, "A1")
    c1 = new_field(api, "C1", target="contact")
    a2 = new_field(api, "A2", "dropdown")
    c2 = new_field(api, "C2", "checkbox", target="contact")
    assert api.delete(f"/custom-fields/{a1}").status == 204
    assert [d["id"] for d in field_definitions(api)] == [c1, a2, c2]
    assert [d["id"] for d in field_definitions(api, "?target=account")] == [a2]
    assert [d["id"] for d in field_definitions(api, "?target=contact")] == [c1, c2]
    assert [d["id"] for d in field_definitions(api, "?include_removed=false")] == [c1, a2, c2]
    everything = field_definitions(api, "?include_removed=true")
    assert [d["id"] for d in everything] == [a1, c1, a2, c2]
    assert [d["removed"] for d in everything] == [True, False, False, False]
    assert [d["id"] for d in field_definitions(api, "?target=account&include_removed=true")] == [a1, a2]
    for query in ("?target=Account", "?target=invoice", "?include_removed=yes", "?include_removed=1", "?bogus=1"):
        assert_problem(api.get(f"/custom-fields{query}"), 400)


def test_fields_of_another_firm_are_invisible(api: Api, table: Table, firm: TestFirm) -> None:
    other = api.as_(make_firm(table).owner_token)
    theirs = new_field(other, "Theirs")
    assert field_definitions(api) == []
    assert_problem(api.get(f"/custom-fields/{theirs}"), 404)
    refused(table, firm, lambda: api.patch(f"/custom-fields/{theirs}", {"label": "Mine"}), 404)
    refused(table, firm, lambda: api.delete(f"/custom-fields/{theirs}"), 404)
    body = refused(
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
    field_id = new_field(api, "Cycle", "dropdown")
    account = new_account(api, custom_fields={field_id: "Yearly"})
    r = api.patch(f"/custom-fields/{field_id}", {"label": "Billing cycle"}, headers={"If-Match": '"1"'})
    assert r.status == 200, r.body
    assert r.body["label"] == "Billing cycle" and r.body["version"] == 2 and r.etag == '"2"'
    info = account_info(api, account["id"])
    assert info["custom_fields"] == {field_id: "Yearly"}
    assert info["custom_field_values"] == [
        {"id": field_id, "label": "Billing cycle", "kind": "dropdown", "options": OPTIONS, "value": "Yearly"}
    ]
    # The old label is free again; a case-only rename of itself is fine.
    new_field(api, "cycle")
    assert ok_patch(api, f"/custom-fields/{field_id}", {"label": "BILLING CYCLE"})["label"] == "BILLING CYCLE"
    refused(table, firm, lambda: api.patch(f"/custom-fields/{field_id}", {"label": "CYCLE"}), 409)
    # The history names the field by its current label.
    assert [h["field"]["label"] for h in history_of(api, account["id"])] == ["BILLING CYCLE"]


def test_options_can_be_added_and_reordered_not_removed(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = new_field(api, "Cycle", "dropdown")
    path = f"/custom-fields/{field_id}"
    out = ok_patch(api, path, {"options": ["Yearly", "Monthly", "Weekly", "Quarterly"]})
    assert out["options"] == ["Yearly", "Monthly", "Weekly", "Quarterly"] and out["version"] == 2
    account = new_account(api, custom_fields={field_id: "Weekly"})
    assert account["custom_field_values"][0]["options"] == ["Yearly", "Monthly", "Weekly", "Quarterly"]
    for options in (["Yearly", "Monthly", "Quarterly"], ["Yearly", "Monthly", "Weekly", "quarterly"], []):
        body = refused(table, firm, partial(api.patch, path, {"options": options}), 422)
        assert ["body", "options"] in [e["loc"] for e in body["errors"]]
    refused(
        table, firm, lambda: api.patch(path, {"options": ["Yearly", "Monthly", "Weekly", "Quarterly", "Yearly"]}), 422
    )
    refused(
        table, firm, lambda: api.patch(path, {"options": ["Yearly", "Monthly", "Weekly", "Quarterly", "weekly"]}), 422
    )
    for body_ in ({"kind": "text"}, {"target": "contact"}, {"options": None}, {"label": None}, {"label": ""}):
        refused(table, firm, partial(api.patch, path, body_), 400)
    text_id = new_field(api, "Notes")
    refused(table, firm, lambda: api.patch(f"/custom-fields/{text_id}", {"options": ["A"]}), 422)
    # Same options, same label: nothing to change, the version stays.
    same = ok_patch(api, path, {"options": ["Yearly", "Monthly", "Weekly", "Quarterly"], "label": "Cycle"})
    assert same["version"] == 2


def test_if_match_on_patch_and_delete(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = new_field(api, "Cycle", "dropdown")
    path = f"/custom-fields/{field_id}"
    ok_patch(api, path, {"label": "Cycle 2"}, headers={"If-Match": '"1"'})
    refused(table, firm, lambda: api.patch(path, {"label": "Cycle 3"}, headers={"If-Match": '"1"'}), 412)
    refused(table, firm, lambda: api.delete(path, headers={"If-Match": '"1"'}), 412)
    refused(table, firm, lambda: api.delete(path, headers={"If-Match": "three"}), 400)
    assert api.delete(path, headers={"If-Match": '"2"'}).status == 204
    got = api.get(path)
    assert got.status == 200 and got.body["removed"] is True and got.body["label"] == "Cycle 2"
    # A removed field cannot be changed any more.
    refused(table, firm, lambda: api.patch(path, {"label": "Back"}, headers={"If-Match": got.etag or ""}), 404)


def test_delete_hides_values_refuses_new_ones_and_keeps_history(api: Api, table: Table, firm: TestFirm) -> None:
    gone = new_field(api, "Legacy id", "number")
    kept = new_field(api, "Kept", "checkbox")
    cgone = new_field(api, "Nickname", target="contact")
    contact = create_contact(api, custom_fields={cgone: "Bob"})
    account = new_account(
        api,
        custom_fields={gone: 42, kept: True},
        contacts=[{"contact_id": contact["id"], "description": ""}],
    )
    assert account["custom_fields"] == {gone: 42, kept: True}
    assert contact_of(api, contact["id"])["custom_fields"] == {cgone: "Bob"}

    assert api.delete(f"/custom-fields/{gone}").status == 204
    assert api.delete(f"/custom-fields/{cgone}").status == 204
    assert api.delete(f"/custom-fields/{gone}").status == 204  # again: nothing to do

    info = account_info(api, account["id"])
    assert info["custom_fields"] == {kept: True}
    assert [v["id"] for v in info["custom_field_values"]] == [kept]
    assert [c["custom_fields"] for c in info["contacts"]] == [{}]
    assert contact_of(api, contact["id"])["custom_fields"] == {}
    assert all(c["custom_fields"] == {} for c in list_all(api, "/contacts"))

    aid = account["id"]
    for value in (43, None):
        body = refused(table, firm, partial(api.patch, f"/accounts/{aid}", {"custom_fields": {gone: value}}), 400)
        assert ["body", "custom_fields", gone] in [e["loc"] for e in body["errors"]]
    refused(
        table,
        firm,
        lambda: api.post(
            "/accounts", {"name": "B", "type": "company", "contacts": [contact_spec()], "custom_fields": {gone: 1}}
        ),
        400,
        loc=("body", "custom_fields", gone),
    )
    refused(
        table,
        firm,
        lambda: api.patch(f"/contacts/{contact['id']}", {"custom_fields": {cgone: "Rob"}}),
        400,
        loc=("body", "custom_fields", cgone),
    )
    refused(
        table,
        firm,
        lambda: api.post("/contacts", {"first_name": "Z", "custom_fields": {cgone: "Z"}}),
        400,
        loc=("body", "custom_fields", cgone),
    )

    # Editing another value leaves the hidden one alone (no line for it).
    ok_patch(api, f"/accounts/{aid}", {"custom_fields": {kept: False}})
    history = history_of(api, aid)
    assert [(h["field"]["id"], h["old"], h["new"]) for h in history[:1]] == [(kept, True, False)]
    removed_lines = [h for h in history if h["field"]["id"] == gone]
    assert len(removed_lines) == 1
    assert removed_lines[0]["field"] == {"id": gone, "label": "Legacy id", "kind": "number", "removed": True}
    assert (removed_lines[0]["old"], removed_lines[0]["new"]) == (None, 42)
    assert all(h["field"]["removed"] is False for h in history if h["field"]["id"] == kept)


def test_a_removed_label_can_be_reused_without_the_old_values(api: Api, table: Table, firm: TestFirm) -> None:
    old = new_field(api, "Region")
    account = new_account(api, custom_fields={old: "North"})
    assert api.delete(f"/custom-fields/{old}").status == 204
    new = new_field(api, "region", "dropdown", options=["North", "South"])
    assert new != old
    assert account_info(api, account["id"])["custom_fields"] == {}
    ok_patch(api, f"/accounts/{account['id']}", {"custom_fields": {new: "South"}})
    info = account_info(api, account["id"])
    assert info["custom_fields"] == {new: "South"}
    assert [v["label"] for v in info["custom_field_values"]] == ["region"]
    assert [(h["field"]["id"], h["field"]["removed"]) for h in history_of(api, account["id"])] == [
        (new, False),
        (old, True),
    ]
    refused(
        table, firm, lambda: api.post("/custom-fields", {"target": "account", "label": "REGION", "kind": "text"}), 409
    )


@moto_only
def test_at_most_100_active_fields_per_target(api: Api, table: Table, firm: TestFirm) -> None:
    ids = [new_field(api, f"Field {i}") for i in range(100)]
    body = refused(
        table, firm, lambda: api.post("/custom-fields", {"target": "account", "label": "One more", "kind": "text"}), 422
    )
    assert "100" in body["detail"]
    new_field(api, "One more", target="contact")  # the other target has its own 100
    assert api.delete(f"/custom-fields/{ids[0]}").status == 204
    new_field(api, "One more")
    assert len(field_definitions(api, "?target=account")) == 100
    assert len(field_definitions(api, "?target=account&include_removed=true")) == 101
