"""Editing accounts through the HTTP API: PATCH /accounts/{id}, and archive and restore.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from chalicelib.domain.ids import new_id
from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, ids, names, snapshot
from tests.support.factories import account_body, new_account, new_tag
from tests.support.problems import Loc, assert_problem

# --- PATCH /accounts/{id} ---------------------------------------------------------------


def test_patch_changes_given_fields_and_keeps_the_rest(api: Api, firm: TestFirm) -> None:
    old_tag, new_tag_id = new_tag(api, "Old"), new_tag(api, "New")
    alice, _ = firm.add_member(name="Alice")
    bob, _ = firm.add_member(name="Bob")
    account = new_account(
        api, "Zeta Ltd", tags=[old_tag], team_member_ids=[alice], address={"line1": "1 Main St", "city": "Leeds"}
    )
    new_account(api, "Middle Co")
    path = f"/accounts/{account['id']}"

    r = api.patch(path, {"name": "Alpha Ltd", "type": "other", "tags": [new_tag_id], "team_member_ids": [bob]})

    assert r.status == 200, r.body
    assert r.etag == '"2"'
    assert (r.body["name"], r.body["type"], r.body["version"]) == ("Alpha Ltd", "other", 2)
    assert r.body["tags"] == [{"id": new_tag_id, "name": "New", "color": "#9E9E9E"}]
    assert r.body["team_members"] == [{"id": bob, "name": "Bob"}]
    assert r.body["address"]["line1"] == "1 Main St"
    assert r.body["contacts"] == account["contacts"]
    assert api.get(path).body == r.body
    assert names(api.get("/accounts").body["items"]) == ["Alpha Ltd", "Middle Co"]
    assert names(api.get(f"/accounts?tag={new_tag_id}").body["items"]) == ["Alpha Ltd"]
    assert api.get(f"/accounts?tag={old_tag}").body["items"] == []
    assert names(api.get(f"/accounts?team_member={bob}").body["items"]) == ["Alpha Ltd"]
    assert api.get(f"/accounts?team_member={alice}").body["items"] == []
    assert names(api.get("/accounts?type=other").body["items"]) == ["Alpha Ltd"]


def test_patch_absent_fields_are_kept(api: Api) -> None:
    tag = new_tag(api, "Keep")
    account = new_account(api, "Keeper", tags=[tag], address={"city": "York"})

    r = api.patch(f"/accounts/{account['id']}", {"type": "individual"})

    assert r.status == 200, r.body
    assert r.body["type"] == "individual"
    for field in ("name", "tags", "team_members", "address", "custom_fields", "contacts"):
        assert r.body[field] == account[field], field


def test_patch_empty_tags_and_team_clear_them(api: Api, firm: TestFirm) -> None:
    tag = new_tag(api, "Gone Soon")
    alice, _ = firm.add_member()
    account = new_account(api, "Stripped", tags=[tag], team_member_ids=[alice])

    r = api.patch(f"/accounts/{account['id']}", {"tags": [], "team_member_ids": []})

    assert r.status == 200, r.body
    assert (r.body["tags"], r.body["team_members"]) == ([], [])
    assert api.get(f"/accounts?tag={tag}").body["items"] == []
    assert api.get(f"/accounts?team_member={alice}").body["items"] == []


def test_restricted_employee_cannot_link_a_contact_they_cannot_see(
    api: Api, client: Client, firm: TestFirm, table: Table
) -> None:
    _, token = firm.add_member(manage=True)
    hidden = new_account(api, "Hidden")
    before = snapshot(table)

    r = Api(client, token).post("/accounts", account_body(contacts=[{"contact_id": hidden["contacts"][0]["id"]}]))

    assert_problem(r, 422, loc=("body", "contacts", 0))
    assert snapshot(table) == before


def test_patch_address_null_clears_it(api: Api) -> None:
    account = new_account(api, "Moving", address={"line1": "1 Old Rd", "country": "GB"})
    path = f"/accounts/{account['id']}"

    r = api.patch(path, {"address": None})

    assert r.status == 200, r.body
    assert r.body["address"] is None
    assert api.get(path).body["address"] is None
    assert api.patch(path, {"address": {"line1": "2 New Rd"}}).body["address"]["line1"] == "2 New Rd"


def test_patch_with_stale_if_match_is_412_and_writes_nothing(api: Api, table: Table) -> None:
    account = new_account(api, "Contested")
    path = f"/accounts/{account['id']}"
    assert api.patch(path, {"name": "First Edit"}, headers={"If-Match": '"1"'}).status == 200
    before = snapshot(table)

    r = api.patch(path, {"name": "Lost Update"}, headers={"If-Match": '"1"'})

    assert_problem(r, 412)
    assert snapshot(table) == before
    assert api.get(path).body["name"] == "First Edit"


def test_patch_with_current_if_match_succeeds(api: Api) -> None:
    account = new_account(api, "Versioned")
    path = f"/accounts/{account['id']}"

    first = api.patch(path, {"name": "V2"}, headers={"If-Match": '"1"'})
    second = api.patch(path, {"name": "V3"}, headers={"If-Match": first.etag or ""})

    assert (first.status, first.etag) == (200, '"2"')
    assert (second.status, second.etag, second.body["version"]) == (200, '"3"', 3)
    assert api.get(path).etag == '"3"'


def test_patch_that_changes_nothing_writes_nothing(api: Api, table: Table) -> None:
    tag = new_tag(api, "Same")
    account = new_account(api, "Unchanged BV", tags=[tag], address={"city": "Delft"})
    path = f"/accounts/{account['id']}"
    same = {
        "name": "Unchanged BV",
        "type": account["type"],
        "tags": [tag],
        "team_member_ids": [m["id"] for m in account["team_members"]],
        "address": account["address"],
    }
    before = snapshot(table)
    r = api.patch(path, same, headers={"If-Match": f'"{account["version"]}"'})
    assert (r.status, r.etag) == (200, f'"{account["version"]}"'), r.body
    assert snapshot(table) == before, "an edit to the values already stored writes nothing"
    # One real change among the same values is written, and only it moves the version.
    r = api.patch(path, {**same, "name": "Changed BV"})
    assert (r.status, r.body["name"], r.body["version"]) == (200, "Changed BV", account["version"] + 1)


@pytest.mark.parametrize("if_match", ["1", '"abc"', "garbage", '"1', '""'])
def test_patch_with_malformed_if_match_is_400(api: Api, table: Table, if_match: str) -> None:
    account = new_account(api, "Strict")
    before = snapshot(table)

    r = api.patch(f"/accounts/{account['id']}", {"name": "Nope"}, headers={"If-Match": if_match})

    assert_problem(r, 400)
    assert snapshot(table) == before


@pytest.mark.parametrize(
    ("body", "status", "loc"),
    [
        ({"name": ""}, 400, ("body", "name")),
        ({"name": "x" * 201}, 400, ("body", "name")),
        ({"type": "family"}, 400, ("body", "type")),
        ({"colour": "red"}, 400, ("body", "colour")),
        ({"tags": "vip"}, 400, ("body", "tags")),
        ({"address": {"country": "Germany"}}, 400, ("body", "address")),
        ({"contacts": []}, 400, ("body", "contacts")),
        ({"tags": ["01UNKNOWNTAG"]}, 422, ("body", "tags", 0)),
        ({"team_member_ids": ["01UNKNOWNMEMBER"]}, 422, ("body", "team_member_ids", 0)),
        ({"custom_fields": {"vat": "1"}}, 400, ("body", "custom_fields")),
    ],
)
def test_patch_refuses_bad_input(api: Api, table: Table, body: dict[str, Any], status: int, loc: Loc) -> None:
    account = new_account(api, "Untouched")
    before = snapshot(table)

    r = api.patch(f"/accounts/{account['id']}", body)

    assert_problem(r, status, loc=loc)
    assert snapshot(table) == before


def test_patch_unknown_account_is_404(api: Api, table: Table) -> None:
    before = snapshot(table)
    assert_problem(api.patch(f"/accounts/{new_id()}", {"name": "Ghost"}), 404)
    assert snapshot(table) == before


# --- archive and restore ----------------------------------------------------------------


def test_archive_and_restore(api: Api, table: Table) -> None:
    vip = new_tag(api, "VIP")
    account = new_account(api, "Dormant", tags=[vip])
    new_account(api, "Active")
    path = f"/accounts/{account['id']}"

    archived = api.delete(path)

    assert archived.status == 204
    assert archived.body is None
    assert names(api.get("/accounts").body["items"]) == ["Active"]
    assert api.get(f"/accounts?tag={vip}").body["items"] == []
    assert names(api.get("/accounts?archived=true").body["items"]) == ["Dormant"]
    assert api.get("/accounts?archived=true").body["items"][0]["archived"] is True
    info = api.get(path)
    assert info.status == 200
    assert info.body["archived"] is True
    before = snapshot(table)
    assert_problem(api.patch(path, {"name": "Edited While Archived"}), 409)
    assert snapshot(table) == before

    restored = api.post(f"{path}/restore")

    assert restored.status == 200, restored.body
    assert restored.body["archived"] is False
    assert restored.etag == f'"{restored.body["version"]}"'
    assert names(api.get("/accounts").body["items"]) == ["Active", "Dormant"]
    assert names(api.get(f"/accounts?tag={vip}").body["items"]) == ["Dormant"]
    assert api.get("/accounts?archived=true").body["items"] == []
    assert api.patch(path, {"name": "Awake"}).status == 200


def test_archive_with_stale_if_match_is_412(api: Api, table: Table) -> None:
    account = new_account(api, "Busy")
    path = f"/accounts/{account['id']}"
    assert api.patch(path, {"name": "Busier"}).status == 200
    before = snapshot(table)

    assert_problem(api.delete(path, headers={"If-Match": '"1"'}), 412)
    assert snapshot(table) == before
    assert api.get(path).body["archived"] is False


def test_archived_accounts_leave_the_employees_list(api: Api, client: Client, firm: TestFirm) -> None:
    eve, token = firm.add_member()
    account = new_account(api, "Team Account", team_member_ids=[eve])
    assert api.delete(f"/accounts/{account['id']}").status == 204

    eve_api = Api(client, token)
    assert eve_api.get("/accounts").body["items"] == []
    assert ids(eve_api.get("/accounts?archived=true").body["items"]) == [account["id"]]


def test_archive_unknown_account_is_404(api: Api) -> None:
    assert_problem(api.delete(f"/accounts/{new_id()}"), 404)
    assert_problem(api.post(f"/accounts/{new_id()}/restore"), 404)
