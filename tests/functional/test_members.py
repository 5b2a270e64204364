"""Operations routes, /me and /members (docs/api.md "Firm and members" and "Operations")."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, make_firm
from tests.support.problems import assert_problem, assert_refused


def _new_member(api: Api, email: str, role: str = "employee", **rights: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"name": f"Member {email.split('@')[0]}", "email": email, "role": role}
    if rights:
        body["rights"] = rights
    r = api.post("/members", body)
    assert r.status == 201, r.body
    created: dict[str, Any] = r.body
    return created


# --- operations ----------------------------------------------------------------


def test_health_needs_no_auth_and_names_the_table(api: Api, table: Table) -> None:
    r = api.as_(None).get("/health")
    assert r.status == 200, r.body
    assert r.body == {"status": "ok", "table": table.name}


def test_openapi_document_needs_no_auth_and_lists_every_route(api: Api) -> None:
    from app import app

    r = api.as_(None).get("/openapi.json")
    assert r.status == 200, r.body
    doc = r.body
    assert doc["openapi"].startswith("3.1.")
    registered = {(path, method.lower()) for path, methods in app.routes.items() for method in methods}
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert registered, "the app registers routes"
    assert registered <= documented, sorted(registered - documented)
    assert documented <= registered, sorted(documented - registered)
    for path in ("/health", "/me", "/members", "/members/{member_id}", "/tags", "/contacts/{contact_id}/emails"):
        assert path in doc["paths"], path
    assert doc["paths"]["/health"]["get"]["security"] == []
    assert doc["paths"]["/me"]["get"]["security"], "authenticated routes declare their security"


def test_routes_other_than_health_and_openapi_need_a_token(api: Api, table: Table) -> None:
    anonymous = api.as_(None)
    for path in ("/me", "/members", "/tags", "/contacts"):
        assert_problem(anonymous.get(path), 401)
    assert_refused(table, 401, lambda: anonymous.post("/members", {"name": "X", "email": "x@example.com"}))
    assert_problem(api.as_("not-a-jwt").get("/me"), 401)


# --- /me -----------------------------------------------------------------------


def test_me_describes_the_owner_and_the_firm(api: Api, firm: TestFirm) -> None:
    r = api.get("/me")
    assert r.status == 200, r.body
    me = r.body
    assert me["id"] == firm.owner_id
    assert me["name"] == "Olivia Owner"
    assert me["email"].endswith("@firm.example")
    assert me["role"] == "owner"
    assert me["rights"] == {"view_all_accounts": True, "manage_accounts": True}
    assert me["firm"] == {"id": firm.firm_id, "name": "Test & Co"}
    assert r.etag == f'"{me["version"]}"'


def test_me_describes_an_employee_and_their_rights(api: Api, firm: TestFirm) -> None:
    member_id, token = firm.add_member("employee", manage=True, name="Eve Employee")
    me = api.as_(token).get("/me")
    assert me.status == 200, me.body
    assert me.body["id"] == member_id
    assert me.body["name"] == "Eve Employee"
    assert me.body["role"] == "employee"
    assert me.body["rights"] == {"view_all_accounts": False, "manage_accounts": True}
    assert me.body["firm"]["id"] == firm.firm_id


def test_me_of_a_member_of_another_firm_is_that_firms(api: Api, firm: TestFirm, table: Table) -> None:
    other = make_firm(table, name="Other LLP")
    me = api.as_(other.owner_token).get("/me")
    assert me.status == 200, me.body
    assert me.body["firm"] == {"id": other.firm_id, "name": "Other LLP"}
    assert me.body["id"] == other.owner_id != firm.owner_id


# --- listing and adding members ---------------------------------------------------


def test_owner_adds_a_member_and_lists_them(api: Api, firm: TestFirm) -> None:
    r = api.post(
        "/members",
        {"name": "Adam Admin", "email": "adam@firm.example", "role": "admin", "rights": {"view_all_accounts": True}},
    )
    assert r.status == 201, r.body
    created = r.body
    assert created["name"] == "Adam Admin"
    assert created["email"] == "adam@firm.example"
    assert created["role"] == "admin"
    assert created["rights"] == {"view_all_accounts": True, "manage_accounts": True}
    assert created["version"] == 1
    assert r.headers["location"] == f"/members/{created['id']}"
    assert r.etag == '"1"'

    got = api.get(r.headers["location"])
    assert got.status == 200, got.body
    assert got.body == created

    listed = api.get("/members")
    assert listed.status == 200, listed.body
    assert listed.body["next_cursor"] is None
    by_id = {m["id"]: m for m in listed.body["items"]}
    assert set(by_id) == {firm.owner_id, created["id"]}
    assert by_id[firm.owner_id]["role"] == "owner"
    assert by_id[created["id"]] == created


def test_new_member_defaults_to_employee_without_rights(api: Api) -> None:
    r = api.post("/members", {"name": "Emma", "email": "emma@firm.example"})
    assert r.status == 201, r.body
    assert r.body["role"] == "employee"
    assert r.body["rights"] == {"view_all_accounts": False, "manage_accounts": False}


def test_admin_lists_adds_and_changes_members(api: Api, firm: TestFirm) -> None:
    _, admin_token = firm.add_member("admin")
    admin = api.as_(admin_token)
    created = _new_member(admin, "new@firm.example", manage_accounts=True)
    assert created["rights"] == {"view_all_accounts": False, "manage_accounts": True}
    listed = admin.get("/members")
    assert listed.status == 200, listed.body
    assert created["id"] in {m["id"] for m in listed.body["items"]}

    r = admin.patch(f"/members/{created['id']}", {"role": "admin"})
    assert r.status == 200, r.body
    assert r.body["role"] == "admin"
    assert r.body["version"] == 2
    assert r.etag == '"2"'
    assert api.get(f"/members/{created['id']}").body["role"] == "admin"


def test_employee_may_not_read_or_change_members(api: Api, firm: TestFirm, table: Table) -> None:
    _, token = firm.add_member("employee", view_all=True, manage=True)
    employee = api.as_(token)
    assert_refused(table, 403, lambda: employee.get("/members"))
    assert_refused(table, 403, lambda: employee.get(f"/members/{firm.owner_id}"))
    assert_refused(table, 403, lambda: employee.post("/members", {"name": "Mallory", "email": "m@firm.example"}))
    assert_refused(table, 403, lambda: employee.patch(f"/members/{firm.owner_id}", {"name": "Hacked"}))
    member_id, _ = firm.add_member("employee")
    assert_refused(table, 403, lambda: employee.patch(f"/members/{member_id}", {"role": "admin"}))
    # Nor may they grant rights to themselves.
    me = employee.get("/me").body
    assert_refused(table, 403, lambda: employee.patch(f"/members/{me['id']}", {"rights": {"view_all_accounts": True}}))


@pytest.mark.parametrize("email", ["dup@firm.example", "DUP@Firm.Example", "  dup@firm.example "])
def test_member_email_is_unique_case_insensitively(api: Api, table: Table, email: str) -> None:
    _new_member(api, "dup@firm.example")
    assert_refused(table, 409, lambda: api.post("/members", {"name": "Twin", "email": email}))
    emails = [m["email"].lower() for m in api.get("/members").body["items"]]
    assert emails.count("dup@firm.example") == 1


def test_member_email_of_the_owner_is_taken(api: Api, table: Table) -> None:
    owner_email = api.get("/me").body["email"]
    assert_refused(table, 409, lambda: api.post("/members", {"name": "Twin", "email": owner_email.upper()}))


def test_same_member_email_is_fine_in_another_firm(api: Api, table: Table) -> None:
    _new_member(api, "shared@firm.example")
    other = make_firm(table)
    _new_member(api.as_(other.owner_token), "shared@firm.example")


# --- changing members ----------------------------------------------------------------


def test_patch_changes_rights_and_keeps_what_is_absent(api: Api) -> None:
    m = _new_member(api, "r@firm.example", view_all_accounts=True)
    r = api.patch(f"/members/{m['id']}", {"rights": {"manage_accounts": True}})
    assert r.status == 200, r.body
    assert r.body["rights"] == {"view_all_accounts": True, "manage_accounts": True}
    assert r.body["name"] == m["name"] and r.body["role"] == "employee"
    r = api.patch(f"/members/{m['id']}", {"rights": {"view_all_accounts": False}, "name": "Renamed"})
    assert r.status == 200, r.body
    assert r.body["rights"] == {"view_all_accounts": False, "manage_accounts": True}
    assert r.body["name"] == "Renamed"
    assert api.get(f"/members/{m['id']}").body == r.body


@pytest.mark.parametrize(
    "patch",
    [
        {"role": "admin"},
        {"role": "employee"},
        {"rights": {"manage_accounts": False}},
        {"rights": {"view_all_accounts": False}},
        {"rights": {"view_all_accounts": True, "manage_accounts": True}},
    ],
)
def test_owner_cannot_be_demoted(api: Api, firm: TestFirm, table: Table, patch: dict[str, Any]) -> None:
    _, admin_token = firm.add_member("admin")
    admin = api.as_(admin_token)
    assert_refused(table, 409, lambda: api.patch(f"/members/{firm.owner_id}", patch))
    assert_refused(table, 409, lambda: admin.patch(f"/members/{firm.owner_id}", patch))
    owner = api.get(f"/members/{firm.owner_id}").body
    assert owner["role"] == "owner"
    assert owner["rights"] == {"view_all_accounts": True, "manage_accounts": True}


def test_owner_may_still_be_renamed(api: Api, firm: TestFirm) -> None:
    r = api.patch(f"/members/{firm.owner_id}", {"name": "Olivia O."})
    assert r.status == 200, r.body
    assert r.body["name"] == "Olivia O."
    assert r.body["role"] == "owner"


def test_revoked_right_takes_effect_at_once(api: Api, firm: TestFirm, table: Table) -> None:
    employee_id, token = firm.add_member("employee", manage=True)
    employee = api.as_(token)
    account = {"name": "Acme", "type": "company", "contacts": [{"first_name": "Ann", "last_name": "Acme"}]}
    first = employee.post("/accounts", account)
    assert first.status == 201, first.body

    _, admin_token = firm.add_member("admin")
    revoked = api.as_(admin_token).patch(f"/members/{employee_id}", {"rights": {"manage_accounts": False}})
    assert revoked.status == 200, revoked.body
    assert revoked.body["rights"]["manage_accounts"] is False

    assert_refused(table, 403, lambda: employee.post("/accounts", {**account, "name": "Acme 2"}))
    assert employee.get("/me").body["rights"]["manage_accounts"] is False
    # The account they created is still theirs to open (they are on its team).
    assert employee.get(f"/accounts/{first.body['id']}").status == 200


def test_granted_right_takes_effect_at_once(api: Api, firm: TestFirm) -> None:
    employee_id, token = firm.add_member("employee")
    employee = api.as_(token)
    assert employee.post("/tags", {"name": "VIP"}).status == 403
    assert api.patch(f"/members/{employee_id}", {"rights": {"manage_accounts": True}}).status == 200
    assert employee.post("/tags", {"name": "VIP"}).status == 201


def test_demoted_admin_loses_member_management_at_once(api: Api, firm: TestFirm, table: Table) -> None:
    admin_id, admin_token = firm.add_member("admin")
    admin = api.as_(admin_token)
    assert admin.get("/members").status == 200
    assert api.patch(f"/members/{admin_id}", {"role": "employee"}).status == 200
    assert_refused(table, 403, lambda: admin.get("/members"))


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "email": "x@firm.example", "nickname": "x"}, "nickname"),
        ({"name": "X", "email": "x@firm.example", "role": "owner"}, "role"),
        ({"name": "X", "email": "x@firm.example", "role": "boss"}, "role"),
        ({"name": 5, "email": "x@firm.example"}, "name"),
        ({"name": "X", "email": ["x@firm.example"]}, "email"),
        ({"name": "X", "email": "not-an-email"}, "email"),
        ({"name": "X", "email": "x@firm.example", "rights": {"manage_accounts": "true"}}, "manage_accounts"),
        ({"name": "X", "email": "x@firm.example", "rights": {"delete_everything": True}}, "delete_everything"),
        ({"name": "X", "email": "x@firm.example", "rights": True}, "rights"),
        ({"name": "x" * 201, "email": "x@firm.example"}, "name"),
        ({"name": "   ", "email": "x@firm.example"}, "name"),
        ({"email": "x@firm.example"}, "name"),
        ({"name": "X"}, "email"),
    ],
)
def test_add_member_rejects_bad_input(api: Api, table: Table, body: dict[str, Any], field: str) -> None:
    assert_refused(table, 400, lambda: api.post("/members", body), field=field)


@pytest.mark.parametrize("raw", ["{", "[]", '"x"', "", "null"])
def test_add_member_rejects_malformed_bodies(api: Api, table: Table, raw: str) -> None:
    assert_refused(table, 400, lambda: api.post("/members", raw=raw))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "owner"}, "role"),
        ({"email": "new@firm.example"}, "email"),
        ({"rights": {"manage_accounts": 1}}, "manage_accounts"),
        ({"name": "y" * 201}, "name"),
        ({"name": None, "colour": "red"}, "colour"),
    ],
)
def test_patch_member_rejects_bad_input(api: Api, table: Table, body: dict[str, Any], field: str) -> None:
    m = _new_member(api, "p@firm.example")
    assert_refused(table, 400, lambda: api.patch(f"/members/{m['id']}", body), field=field)
    assert api.get(f"/members/{m['id']}").body == m


@pytest.mark.parametrize("field", ["name", "role", "rights"])
def test_patch_member_null_for_a_required_field_is_400(api: Api, table: Table, field: str) -> None:
    """A member always has a name, a role and rights: null is the wrong type, not "keep"."""
    m = _new_member(api, "null@firm.example")
    assert_refused(table, 400, lambda: api.patch(f"/members/{m['id']}", {field: None}), field=field)
    assert api.get(f"/members/{m['id']}").body == m


def test_patch_member_with_stale_if_match_is_412(api: Api, table: Table) -> None:
    m = _new_member(api, "v@firm.example")
    first = api.patch(f"/members/{m['id']}", {"name": "Version Two"}, headers={"If-Match": '"1"'})
    assert first.status == 200, first.body
    assert first.etag == '"2"'
    assert_refused(table, 412, lambda: api.patch(f"/members/{m['id']}", {"role": "admin"}, headers={"If-Match": '"1"'}))
    current = api.get(f"/members/{m['id']}")
    assert current.body["role"] == "employee" and current.body["version"] == 2
    ok = api.patch(f"/members/{m['id']}", {"role": "admin"}, headers={"If-Match": current.etag or ""})
    assert ok.status == 200, ok.body
    assert ok.body["role"] == "admin"


def test_unknown_member_is_404(api: Api, firm: TestFirm, table: Table) -> None:
    assert_problem(api.get("/members/01UNKNOWNMEMBER0000000000"), 404)
    assert_refused(table, 404, lambda: api.patch("/members/01UNKNOWNMEMBER0000000000", {"name": "Ghost"}))
    assert_refused(table, 404, lambda: api.patch("/members/not%20an%20id", {"name": "Ghost"}))


def test_member_of_another_firm_is_404(api: Api, table: Table) -> None:
    other = make_firm(table)
    stranger = _new_member(api.as_(other.owner_token), "stranger@other.example")
    assert_problem(api.get(f"/members/{stranger['id']}"), 404)
    assert_problem(api.get(f"/members/{other.owner_id}"), 404)
    assert_refused(table, 404, lambda: api.patch(f"/members/{stranger['id']}", {"role": "admin"}))
    assert_refused(table, 404, lambda: api.patch(f"/members/{other.owner_id}", {"name": "Taken over"}))
