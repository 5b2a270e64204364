"""/contacts: the contacts list, and which contacts an employee sees and edits
(docs/api.md "Account contacts and contacts" and "Conventions").
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, make_firm
from tests.support.contacts import contact_email_path
from tests.support.factories import create_account, create_contact
from tests.support.problems import assert_problem, assert_refused

# --- listing and visibility -------------------------------------------------------------


def test_list_is_alphabetical_and_paged(api: Api, table: Table) -> None:
    names = [("zoe", "Adams"), ("Émile", "Zola"), ("anna", "Berg"), ("Bob", "Young"), ("Carl", "Xu")]
    for first, last in names:
        create_contact(api, first, last)
    expected = ["anna Berg", "Bob Young", "Carl Xu", "Émile Zola", "zoe Adams"]
    full = api.get("/contacts")
    assert full.status == 200, full.body
    assert [c["display_name"] for c in full.body["items"]] == expected
    assert full.body["next_cursor"] is None

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        path = "/contacts?limit=2" + (f"&cursor={quote(cursor)}" if cursor else "")
        page = api.get(path)
        assert page.status == 200, page.body
        assert len(page.body["items"]) <= 2
        seen += [c["display_name"] for c in page.body["items"]]
        pages += 1
        cursor = page.body["next_cursor"]
        if cursor is None:
            break
        assert pages < 5
    assert seen == expected
    assert pages == 3


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "cursor=garbage", "sort=name"])
def test_list_rejects_bad_query(api: Api, table: Table, query: str) -> None:
    create_contact(api)
    assert_problem(api.get(f"/contacts?{query}"), 400)


def test_cursor_is_only_valid_for_the_caller_it_came_from(api: Api, firm: TestFirm, table: Table) -> None:
    for first in ("A", "B", "C"):
        create_contact(api, first, "Person")
    cursor = api.get("/contacts?limit=1").body["next_cursor"]
    assert cursor
    other = make_firm(table)
    assert_problem(api.as_(other.owner_token).get(f"/contacts?limit=1&cursor={quote(cursor)}"), 400)
    accounts_cursor_source = [create_account(api, f"Acc {i}") for i in range(2)]
    assert accounts_cursor_source
    accounts_cursor = api.get("/accounts?limit=1").body["next_cursor"]
    assert accounts_cursor
    assert_problem(api.get(f"/contacts?limit=1&cursor={quote(accounts_cursor)}"), 400)


def test_employee_sees_only_contacts_of_their_team_accounts(api: Api, firm: TestFirm, table: Table) -> None:
    employee_id, token = firm.add_member("employee")
    employee = api.as_(token)
    mine = create_contact(api, "Mia", "Mine", emails=["mia@example.com"])
    shared = create_contact(api, "Sam", "Shared", emails=["sam@example.com"])
    hidden = create_contact(api, "Hal", "Hidden", emails=["hal@example.com"])
    loose = create_contact(api, "Lou", "Loose", emails=["lou@example.com"])
    create_account(api, "Team Account", contact_ids=[mine["id"], shared["id"]], team=[employee_id])
    create_account(api, "Other Account", contact_ids=[hidden["id"], shared["id"]])

    listed = employee.get("/contacts")
    assert listed.status == 200, listed.body
    assert [c["id"] for c in listed.body["items"]] == [mine["id"], shared["id"]]
    assert employee.get(f"/contacts/{mine['id']}").status == 200
    assert employee.get(contact_email_path(shared["id"], "sam@example.com")).status == 200
    for invisible in (hidden, loose):
        assert_problem(employee.get(f"/contacts/{invisible['id']}"), 404)
        assert_problem(employee.get(contact_email_path(invisible["id"], invisible["emails"][0]["address"])), 404)

    everyone = api.get("/contacts").body["items"]
    assert {c["id"] for c in everyone} == {mine["id"], shared["id"], hidden["id"], loose["id"]}


def test_employee_paging_skips_invisible_contacts(api: Api, firm: TestFirm) -> None:
    employee_id, token = firm.add_member("employee")
    visible = [create_contact(api, f"V{i}", "Visible") for i in range(3)]
    invisible = [create_contact(api, f"V{i}a", "Invisible") for i in range(3)]
    create_account(api, "Team", contact_ids=[c["id"] for c in visible], team=[employee_id])
    create_account(api, "Other", contact_ids=[c["id"] for c in invisible])
    employee = api.as_(token)
    ids: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        page = employee.get("/contacts?limit=2" + (f"&cursor={quote(cursor)}" if cursor else ""))
        assert page.status == 200, page.body
        ids += [c["id"] for c in page.body["items"]]
        cursor = page.body["next_cursor"]
        if cursor is None:
            break
    assert ids == [c["id"] for c in visible]


def test_employee_with_view_all_sees_every_contact(api: Api, firm: TestFirm) -> None:
    _, token = firm.add_member("employee", view_all=True)
    a = create_contact(api, "A", "One")
    b = create_contact(api, "B", "Two")
    create_account(api, "Acc", contact_ids=[a["id"]])
    listed = api.as_(token).get("/contacts")
    assert [c["id"] for c in listed.body["items"]] == [a["id"], b["id"]]


def test_employee_without_manage_cannot_edit_a_visible_contact(api: Api, firm: TestFirm, table: Table) -> None:
    employee_id, token = firm.add_member("employee")
    employee = api.as_(token)
    c = create_contact(api, "Vera", "Visible", emails=["vera@example.com", "v2@example.com"])
    create_account(api, "Team", contact_ids=[c["id"]], team=[employee_id])
    assert employee.get(f"/contacts/{c['id']}").status == 200

    cid = c["id"]
    assert_refused(table, 403, lambda: employee.patch(f"/contacts/{cid}", {"first_name": "Changed"}))
    assert_refused(table, 403, lambda: employee.post(f"/contacts/{cid}/emails", {"address": "new@example.com"}))
    assert_refused(table, 403, lambda: employee.patch(contact_email_path(cid, "vera@example.com"), {"notify": False}))
    assert_refused(
        table, 403, lambda: employee.patch(contact_email_path(cid, "vera@example.com"), {"login": "invited"})
    )
    assert_refused(table, 403, lambda: employee.delete(contact_email_path(cid, "v2@example.com")))
    assert_refused(table, 403, lambda: employee.post("/contacts", {"first_name": "New"}))
    assert api.get(f"/contacts/{cid}").body == c


def test_employee_with_manage_edits_contacts_they_can_see_only(api: Api, firm: TestFirm, table: Table) -> None:
    employee_id, token = firm.add_member("employee", manage=True)
    employee = api.as_(token)
    mine = create_contact(api, "Mo", "Mine", emails=["mo@example.com"])
    other = create_contact(api, "Ot", "Other", emails=["ot@example.com"])
    create_account(api, "Team", contact_ids=[mine["id"]], team=[employee_id])
    create_account(api, "Not mine", contact_ids=[other["id"]])

    assert employee.patch(f"/contacts/{mine['id']}", {"first_name": "Moe"}).status == 200
    assert employee.post(f"/contacts/{mine['id']}/emails", {"address": "moe@example.com"}).status == 201
    assert employee.patch(contact_email_path(mine["id"], "moe@example.com"), {"email_sync": True}).status == 200
    assert_refused(table, 404, lambda: employee.patch(f"/contacts/{other['id']}", {"first_name": "X"}))
    assert_refused(table, 404, lambda: employee.post(f"/contacts/{other['id']}/emails", {"address": "x@example.com"}))
    assert_refused(
        table, 404, lambda: employee.patch(contact_email_path(other["id"], "ot@example.com"), {"notify": False})
    )

    # A contact they create stays visible to them.
    created = employee.post("/contacts", {"first_name": "Fresh"})
    assert created.status == 201, created.body
    assert employee.get(created.headers["location"]).status == 200
