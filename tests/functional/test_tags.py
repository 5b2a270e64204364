"""/tags: the firm's tag catalogue (docs/api.md "Firm and members")."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, make_firm
from tests.support.factories import create_account, created
from tests.support.problems import assert_problem, assert_refused


def _tag(api: Api, name: str, color: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name}
    if color is not None:
        body["color"] = color
    return created(api, "/tags", body)


def _names(api: Api) -> list[str]:
    r = api.get("/tags")
    assert r.status == 200, r.body
    return [t["name"] for t in r.body["items"]]


def test_create_answers_201_with_location_and_etag(api: Api) -> None:
    r = api.post("/tags", {"name": "  Payroll  ", "color": "#1E88E5"})
    assert r.status == 201, r.body
    assert r.body["name"] == "Payroll"
    assert r.body["color"] == "#1E88E5"
    assert r.body["version"] == 1
    assert set(r.body) >= {"id", "name", "color", "version"}
    assert r.headers["location"] == f"/tags/{r.body['id']}"
    assert r.etag == '"1"'
    got = api.get(r.headers["location"])
    assert got.status == 200, got.body
    assert got.body == r.body
    assert got.etag == '"1"'


def test_color_has_a_default(api: Api) -> None:
    tag = _tag(api, "Plain")
    assert tag["color"].startswith("#") and len(tag["color"]) == 7


def test_list_is_alphabetical_case_and_accent_insensitive(api: Api) -> None:
    assert _names(api) == []
    for name in ("zeta", "Éclair", "Alpha", "beta", "delta"):
        _tag(api, name)
    assert _names(api) == ["Alpha", "beta", "delta", "Éclair", "zeta"]
    r = api.get("/tags")
    assert r.body["next_cursor"] is None
    assert all(set(t) >= {"id", "name", "color", "version"} for t in r.body["items"])


def test_tags_of_another_firm_are_invisible(api: Api, table: Table) -> None:
    other = make_firm(table)
    theirs = _tag(api.as_(other.owner_token), "Theirs")
    _tag(api, "Ours")
    assert _names(api) == ["Ours"]
    assert_problem(api.get(f"/tags/{theirs['id']}"), 404)
    assert_refused(table, 404, lambda: api.patch(f"/tags/{theirs['id']}", {"name": "Mine now"}))
    assert_refused(table, 404, lambda: api.delete(f"/tags/{theirs['id']}"))
    # Names are unique per firm only.
    _tag(api, "Theirs")


@pytest.mark.parametrize("name", ["VIP", "vip", "Vip", " vIp "])
def test_name_is_unique_case_insensitively(api: Api, table: Table, name: str) -> None:
    _tag(api, "VIP")
    assert_refused(table, 409, lambda: api.post("/tags", {"name": name}))
    assert _names(api) == ["VIP"]


def test_rename_to_a_taken_name_is_409(api: Api, table: Table) -> None:
    _tag(api, "VIP")
    other = _tag(api, "Payroll")
    assert_refused(table, 409, lambda: api.patch(f"/tags/{other['id']}", {"name": "vip"}))
    assert_refused(table, 409, lambda: api.patch(f"/tags/{other['id']}", {"name": "VIP", "color": "#000000"}))
    got = api.get(f"/tags/{other['id']}").body
    assert got == other
    assert _names(api) == ["Payroll", "VIP"]


def test_rename_and_recolor(api: Api) -> None:
    tag = _tag(api, "Payrol", "#FF0000")
    r = api.patch(f"/tags/{tag['id']}", {"name": "Payroll"})
    assert r.status == 200, r.body
    assert r.body == {**tag, "name": "Payroll", "version": 2}
    assert r.etag == '"2"'
    r = api.patch(f"/tags/{tag['id']}", {"color": "#00AA00"})
    assert r.status == 200, r.body
    assert r.body == {**tag, "name": "Payroll", "color": "#00AA00", "version": 3}
    assert api.get(f"/tags/{tag['id']}").body == r.body
    assert _names(api) == ["Payroll"]


def test_renamed_tag_frees_its_old_name(api: Api, table: Table) -> None:
    tag = _tag(api, "Old")
    assert api.patch(f"/tags/{tag['id']}", {"name": "New"}).status == 200
    _tag(api, "old")
    assert _names(api) == ["New", "old"]
    # The new name is now guarded.
    assert_refused(table, 409, lambda: api.post("/tags", {"name": "NEW"}))


def test_rename_changing_only_the_case_keeps_the_name_guarded(api: Api, table: Table) -> None:
    tag = _tag(api, "vip")
    r = api.patch(f"/tags/{tag['id']}", {"name": "VIP"})
    assert r.status == 200, r.body
    assert r.body["name"] == "VIP"
    assert_refused(table, 409, lambda: api.post("/tags", {"name": "Vip"}))
    # Renaming to its own current name is not a conflict with itself.
    assert api.patch(f"/tags/{tag['id']}", {"name": "VIP"}).status == 200


def test_delete_answers_204_then_404(api: Api, table: Table) -> None:
    tag = _tag(api, "Temp")
    keep = _tag(api, "Keep")
    r = api.delete(f"/tags/{tag['id']}")
    assert r.status == 204, r.body
    assert r.body is None
    assert_problem(api.get(f"/tags/{tag['id']}"), 404)
    assert_refused(table, 404, lambda: api.delete(f"/tags/{tag['id']}"))
    assert_refused(table, 404, lambda: api.patch(f"/tags/{tag['id']}", {"name": "Back"}))
    assert _names(api) == ["Keep"]
    assert api.get(f"/tags/{keep['id']}").status == 200
    # The name is free again.
    _tag(api, "temp")


def test_unknown_tag_is_404(api: Api, table: Table) -> None:
    assert_problem(api.get("/tags/01NOSUCHTAG00000000000000"), 404)
    assert_refused(table, 404, lambda: api.patch("/tags/01NOSUCHTAG00000000000000", {"name": "X"}))
    assert_refused(table, 404, lambda: api.delete("/tags/01NOSUCHTAG00000000000000"))


@pytest.mark.parametrize("color", ["red", "#FFF", "#GGGGGG", "FF0000", "#FF00000", "#ff00", "", 123, ["#FFFFFF"]])
def test_color_must_be_rrggbb(api: Api, table: Table, color: Any) -> None:
    assert_refused(table, 400, lambda: api.post("/tags", {"name": "Colourful", "color": color}), field="color")
    tag = _tag(api, "Grey")
    assert_refused(table, 400, lambda: api.patch(f"/tags/{tag['id']}", {"color": color}), field="color")
    assert api.get(f"/tags/{tag['id']}").body == tag


@pytest.mark.parametrize("field", ["name", "color"])
def test_null_for_a_required_tag_field_is_400(api: Api, table: Table, field: str) -> None:
    """A tag always has a name and a colour: null is the wrong type, not "keep"."""
    assert_refused(table, 400, lambda: api.post("/tags", {"name": "Nully", field: None}), field=field)
    tag = _tag(api, "Grey")
    assert_refused(table, 400, lambda: api.patch(f"/tags/{tag['id']}", {field: None}), field=field)
    assert api.get(f"/tags/{tag['id']}").body == tag


def test_lowercase_hex_color_is_accepted(api: Api) -> None:
    tag = _tag(api, "Lower", "#a1b2c3")
    assert tag["color"].upper() == "#A1B2C3"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 51}, "name"),
        ({"name": 7}, "name"),
        ({"name": "Ok", "icon": "star"}, "icon"),
        ({}, "name"),
    ],
)
def test_create_rejects_bad_input(api: Api, table: Table, body: dict[str, Any], field: str) -> None:
    assert_refused(table, 400, lambda: api.post("/tags", body), field=field)
    assert _names(api) == []


def test_patch_rejects_bad_input(api: Api, table: Table) -> None:
    tag = _tag(api, "Fine")
    assert_refused(table, 400, lambda: api.patch(f"/tags/{tag['id']}", {"name": ""}), field="name")
    assert_refused(table, 400, lambda: api.patch(f"/tags/{tag['id']}", {"version": 5}), field="version")
    assert_refused(table, 400, lambda: api.patch(f"/tags/{tag['id']}", raw="{not json"))


def test_stale_if_match_is_412(api: Api, table: Table) -> None:
    tag = _tag(api, "Versioned")
    assert api.patch(f"/tags/{tag['id']}", {"color": "#111111"}, headers={"If-Match": '"1"'}).status == 200
    assert_refused(table, 412, lambda: api.patch(f"/tags/{tag['id']}", {"name": "Lost"}, headers={"If-Match": '"1"'}))
    assert_refused(table, 412, lambda: api.delete(f"/tags/{tag['id']}", headers={"If-Match": '"1"'}))
    assert api.get(f"/tags/{tag['id']}").body["name"] == "Versioned"
    assert api.delete(f"/tags/{tag['id']}", headers={"If-Match": '"2"'}).status == 204


def test_employee_without_manage_reads_but_cannot_write(api: Api, firm: TestFirm, table: Table) -> None:
    tag = _tag(api, "VIP")
    _, token = firm.add_member("employee", view_all=True)
    employee = api.as_(token)
    assert _names(employee) == ["VIP"]
    assert employee.get(f"/tags/{tag['id']}").body == tag
    assert_refused(table, 403, lambda: employee.post("/tags", {"name": "Mine"}))
    assert_refused(table, 403, lambda: employee.patch(f"/tags/{tag['id']}", {"name": "Mine"}))
    assert_refused(table, 403, lambda: employee.delete(f"/tags/{tag['id']}"))
    assert_refused(table, 403, lambda: employee.post("/tags", {"name": "VIP"}))


def test_plain_employee_reads_the_catalogue(api: Api, firm: TestFirm) -> None:
    _tag(api, "B")
    _tag(api, "A")
    _, token = firm.add_member("employee")
    assert _names(api.as_(token)) == ["A", "B"]


@pytest.mark.parametrize(("role", "manage"), [("admin", False), ("employee", True)])
def test_admin_and_manager_write_tags(api: Api, firm: TestFirm, role: str, manage: bool) -> None:
    _, token = firm.add_member(role, manage=manage)
    writer = api.as_(token)
    tag = _tag(writer, "Theirs")
    assert writer.patch(f"/tags/{tag['id']}", {"name": "Renamed", "color": "#123456"}).status == 200
    assert _names(api) == ["Renamed"]
    assert writer.delete(f"/tags/{tag['id']}").status == 204
    assert _names(api) == []


def test_renamed_tag_shows_its_new_name_on_accounts(api: Api) -> None:
    tag = _tag(api, "VIP", "#FF0000")
    account = create_account(api, "Acme", tags=[tag["id"]])
    assert account["tags"] == [{"id": tag["id"], "name": "VIP", "color": "#FF0000"}]
    assert api.patch(f"/tags/{tag['id']}", {"name": "Gold", "color": "#FFD700"}).status == 200
    info = api.get(f"/accounts/{account['id']}").body
    assert info["tags"] == [{"id": tag["id"], "name": "Gold", "color": "#FFD700"}]


def test_deleted_tag_no_longer_shows_on_accounts(api: Api) -> None:
    gone = _tag(api, "Gone")
    kept = _tag(api, "Kept", "#00FF00")
    account = create_account(api, "Acme", tags=[gone["id"], kept["id"]])
    assert {t["id"] for t in account["tags"]} == {gone["id"], kept["id"]}
    assert api.delete(f"/tags/{gone['id']}").status == 204
    info = api.get(f"/accounts/{account['id']}")
    assert info.status == 200, info.body
    assert info.body["tags"] == [{"id": kept["id"], "name": "Kept", "color": "#00FF00"}]
    listed = api.get("/accounts").body["items"]
    assert [row["tags"] for row in listed] == [[{"id": kept["id"], "name": "Kept", "color": "#00FF00"}]]


def test_deleted_tag_cannot_be_put_on_an_account(api: Api, table: Table) -> None:
    tag = _tag(api, "Gone")
    assert api.delete(f"/tags/{tag['id']}").status == 204
    body = {"name": "Acme", "type": "company", "tags": [tag["id"]], "contacts": [{"first_name": "A"}]}
    assert_refused(table, 422, lambda: api.post("/accounts", body))


def test_names_that_fold_longer_than_a_key_are_stored_and_still_unique(api: Api) -> None:
    # "ﷺ" folds to 18 letters: 50 of them would not fit in a sort key as they are.
    long_name = "ﷺ" * 50
    assert api.post("/tags", {"name": long_name}).status == 201
    assert_problem(api.post("/tags", {"name": long_name}), 409)
    assert api.post("/tags", {"name": "ﷺ" * 49 + "x"}).status == 201
    account = api.post(
        "/accounts",
        {
            "name": "ﷺ" * 200,
            "type": "company",
            "tags": [api.get("/tags").body["items"][0]["id"]],
            "contacts": [{"first_name": "ﷺ" * 100, "emails": ["x@y.example"]}],
        },
    )
    assert account.status == 201, account.body
    assert [a["id"] for a in api.get("/accounts").body["items"]] == [account.body["id"]]
