"""/contacts and their e-mail addresses (docs/api.md "Account contacts and contacts" and "Conventions")."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from chalicelib.repo import keys
from chalicelib.repo.table import Table, to_wire
from tests.support.api import Api, TestFirm, make_firm, snapshot
from tests.support.factories import create_account, create_contact, linked_contact
from tests.support.problems import assert_problem, assert_refused

DEFAULT_SETTINGS = {
    "login": "none",
    "notify": True,
    "notification_preferences": {},
    "email_sync": False,
    "signing_authority": True,
}


def _settings(email: dict[str, Any]) -> dict[str, Any]:
    return {k: email[k] for k in DEFAULT_SETTINGS}


def _email_path(contact_id: str, address: str, *, encoded: bool = False) -> str:
    return f"/contacts/{contact_id}/emails/{quote(address, safe='') if encoded else address}"


def _addresses(api: Api, contact_id: str) -> list[str]:
    r = api.get(f"/contacts/{contact_id}")
    assert r.status == 200, r.body
    return [e["address"] for e in r.body["emails"]]


# --- creating and reading -------------------------------------------------------------


def test_create_contact_answers_201_with_location_and_default_settings(api: Api) -> None:
    r = api.post(
        "/contacts",
        {
            "first_name": " Anna ",
            "middle_name": "Maria",
            "last_name": "Müller",
            "phones": [{"number": "+49 30 1234567", "label": "office"}],
            "address": {"line1": "Hauptstr. 1", "city": "Berlin", "country": "DE"},
            "emails": ["anna@mueller.example", "a.mueller@home.example"],
        },
    )
    assert r.status == 201, r.body
    c = r.body
    assert r.headers["location"] == f"/contacts/{c['id']}"
    assert r.etag == f'"{c["version"]}"'
    assert (c["first_name"], c["middle_name"], c["last_name"]) == ("Anna", "Maria", "Müller")
    assert c["phones"] == [{"number": "+49 30 1234567", "label": "office"}]
    assert c["address"] == {
        "line1": "Hauptstr. 1",
        "line2": "",
        "city": "Berlin",
        "region": "",
        "postal_code": "",
        "country": "DE",
    }
    assert c["custom_fields"] == {}
    assert [e["address"] for e in c["emails"]] == ["anna@mueller.example", "a.mueller@home.example"]
    for email in c["emails"]:
        assert _settings(email) == DEFAULT_SETTINGS
    got = api.get(r.headers["location"])
    assert got.status == 200, got.body
    assert got.body == c
    assert got.etag == r.etag


def test_contact_needs_a_name_or_an_email(api: Api, table: Table) -> None:
    assert_refused(table, 422, lambda: api.post("/contacts", {"middle_name": "Only"}))
    only_email = api.post("/contacts", {"emails": ["nobody@example.com"]})
    assert only_email.status == 201, only_email.body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_name": "A", "nickname": "x"}, "nickname"),
        ({"first_name": 1}, "first_name"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"first_name": "A", "emails": "a@example.com"}, "emails"),
        ({"first_name": "A", "emails": ["not-an-address"]}, "emails"),
        ({"first_name": "A", "emails": [{"address": "a@example.com"}]}, "emails"),
        ({"first_name": "A", "phones": ["+1 555 0100"]}, "phones"),
        ({"first_name": "A", "phones": [{"number": "call me"}]}, "number"),
        ({"first_name": "A", "phones": [{"number": "+1 555 0100", "kind": "mobile"}]}, "kind"),
        ({"first_name": "A", "address": {"street": "Main St"}}, "street"),
        ({"first_name": "A", "address": {"country": "Germany"}}, "country"),
        ({"first_name": "A", "address": {"country": "XX"}}, "country"),
        ({"first_name": "A", "address": {"country": "uk"}}, "country"),  # the code is GB
        ({"first_name": "A", "address": "Main St 1"}, "address"),
    ],
)
def test_create_contact_rejects_bad_input(api: Api, table: Table, body: dict[str, Any], field: str) -> None:
    assert_refused(table, 400, lambda: api.post("/contacts", body), field=field)


def test_create_contact_rejects_malformed_json(api: Api, table: Table) -> None:
    assert_refused(table, 400, lambda: api.post("/contacts", raw='{"first_name": '))


def test_create_contact_with_a_taken_address_is_409(api: Api, table: Table) -> None:
    create_contact(api, emails=["taken@example.com"])
    assert_refused(table, 409, lambda: api.post("/contacts", {"first_name": "B", "emails": ["Taken@Example.COM"]}))


def test_unknown_contact_is_404(api: Api, table: Table) -> None:
    assert_problem(api.get("/contacts/01NOSUCHCONTACT0000000000"), 404)
    assert_refused(table, 404, lambda: api.patch("/contacts/01NOSUCHCONTACT0000000000", {"first_name": "X"}))
    assert_refused(table, 404, lambda: api.post("/contacts/01NOSUCHCONTACT0000000000/emails", {"address": "x@y.co"}))


def test_contact_of_another_firm_is_404(api: Api, table: Table) -> None:
    other = make_firm(table)
    theirs = create_contact(api.as_(other.owner_token), "Theo", "Theirs", emails=["theo@other.example"])
    cid = theirs["id"]
    assert_problem(api.get(f"/contacts/{cid}"), 404)
    assert_problem(api.get(_email_path(cid, "theo@other.example")), 404)
    assert_refused(table, 404, lambda: api.patch(f"/contacts/{cid}", {"first_name": "Mine"}))
    assert_refused(table, 404, lambda: api.post(f"/contacts/{cid}/emails", {"address": "new@other.example"}))
    assert_refused(table, 404, lambda: api.patch(_email_path(cid, "theo@other.example"), {"notify": False}))
    assert_refused(table, 404, lambda: api.delete(_email_path(cid, "theo@other.example")))
    assert cid not in {c["id"] for c in api.get("/contacts").body["items"]}
    # Addresses are unique per firm: ours may use the same one.
    create_contact(api, emails=["theo@other.example"])


# --- editing ------------------------------------------------------------------------


def test_name_change_shows_on_every_linked_account(api: Api) -> None:
    c = create_contact(api, "Anna", "Muller", emails=["anna@example.com"])
    family = create_account(api, "Muller Family", contact_ids=[c["id"]], description="primary contact")
    business = create_account(api, "Muller GmbH", contact_ids=[c["id"]], description="CEO")

    r = api.patch(f"/contacts/{c['id']}", {"last_name": "Müller-Lüdenscheidt"})
    assert r.status == 200, r.body
    assert r.body["last_name"] == "Müller-Lüdenscheidt"
    assert r.body["first_name"] == "Anna"
    assert r.body["display_name"] == "Anna Müller-Lüdenscheidt"
    assert r.body["version"] == c["version"] + 1
    assert r.etag == f'"{r.body["version"]}"'

    for account, description in ((family, "primary contact"), (business, "CEO")):
        info = api.get(f"/accounts/{account['id']}")
        assert info.status == 200, info.body
        shown = linked_contact(info.body, c["id"])
        assert shown["last_name"] == "Müller-Lüdenscheidt"
        assert shown["display_name"] == "Anna Müller-Lüdenscheidt"
        assert shown["description"] == description


def test_patch_that_changes_nothing_writes_nothing(api: Api, table: Table) -> None:
    c = create_contact(
        api,
        "Ann",
        "Lee",
        emails=["ann.same@example.com"],
        middle_name="B",
        phones=[{"number": "555 0100", "label": "home"}],
        address={"city": "Paris", "country": "FR"},
    )
    same = {k: c[k] for k in ("first_name", "middle_name", "last_name", "phones", "address", "language")}
    before = snapshot(table)
    r = api.patch(f"/contacts/{c['id']}", same, headers={"If-Match": f'"{c["version"]}"'})
    assert (r.status, r.etag) == (200, f'"{c["version"]}"'), r.body
    assert snapshot(table) == before, "an edit to the values already stored writes nothing"
    r = api.patch(f"/contacts/{c['id']}", {**same, "last_name": "Leigh"})
    assert (r.status, r.body["last_name"], r.body["version"]) == (200, "Leigh", c["version"] + 1)


def test_patch_keeps_absent_fields(api: Api) -> None:
    c = create_contact(
        api,
        "Ann",
        "Lee",
        emails=["ann@example.com"],
        middle_name="B",
        phones=[{"number": "555 0100", "label": "home"}],
        address={"city": "Paris", "country": "FR"},
    )
    r = api.patch(f"/contacts/{c['id']}", {"first_name": "Anne"})
    assert r.status == 200, r.body
    expected = {**c, "first_name": "Anne", "display_name": "Anne B Lee", "version": r.body["version"]}
    expected["updated_at"] = r.body["updated_at"]
    assert r.body == expected


def test_phones_are_a_list_of_number_and_label(api: Api) -> None:
    c = create_contact(api, emails=["p@example.com"])
    phones = [{"number": "+1 (555) 010-0100", "label": "mobile"}, {"number": "555.0101"}]
    r = api.patch(f"/contacts/{c['id']}", {"phones": phones})
    assert r.status == 200, r.body
    assert r.body["phones"] == [
        {"number": "+1 (555) 010-0100", "label": "mobile"},
        {"number": "555.0101", "label": ""},
    ]
    r = api.patch(f"/contacts/{c['id']}", {"phones": []})
    assert r.status == 200, r.body
    assert r.body["phones"] == []
    assert api.get(f"/contacts/{c['id']}").body["phones"] == []


def test_address_null_clears_it(api: Api) -> None:
    c = create_contact(api, emails=["addr@example.com"], address={"line1": "1 Main St", "country": "US"})
    assert c["address"] is not None and c["address"]["line1"] == "1 Main St"
    r = api.patch(f"/contacts/{c['id']}", {"address": {"line1": "2 Side St", "city": "Boston"}})
    assert r.status == 200, r.body
    assert r.body["address"] == {
        "line1": "2 Side St",
        "line2": "",
        "city": "Boston",
        "region": "",
        "postal_code": "",
        "country": "",
    }
    r = api.patch(f"/contacts/{c['id']}", {"address": None})
    assert r.status == 200, r.body
    assert r.body["address"] is None
    assert api.get(f"/contacts/{c['id']}").body["address"] is None


def test_a_country_is_an_iso_code_lower_case_normalised(api: Api, table: Table, firm: TestFirm) -> None:
    c = create_contact(api, emails=["nl@example.com"], address={"city": "Utrecht", "country": "nl"})
    assert c["address"]["country"] == "NL"
    assert_refused(
        table, 400, lambda: api.patch(f"/contacts/{c['id']}", {"address": {"country": "XX"}}), field="country"
    )
    # an address stored before the check, with a country that is no code, still reads and survives other edits
    table.client.update_item(
        TableName=table.name,
        Key=to_wire(keys.contact(firm.firm_id, c["id"]).as_dict()),
        UpdateExpression="SET #a.#c = :zz",
        ExpressionAttributeNames={"#a": "address", "#c": "country"},
        ExpressionAttributeValues={":zz": {"S": "ZZ"}},
    )
    assert api.get(f"/contacts/{c['id']}").body["address"]["country"] == "ZZ"
    r = api.patch(f"/contacts/{c['id']}", {"first_name": "Nel"})
    assert r.status == 200, r.body
    assert r.body["address"]["country"] == "ZZ"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"nickname": "x"}, "nickname"),
        ({"first_name": 5}, "first_name"),
        ({"last_name": "y" * 101}, "last_name"),
        ({"phones": {"number": "555 0100"}}, "phones"),
        ({"phones": [{"number": "555 0100", "label": 1}]}, "label"),
        ({"phones": [{"number": "5"}] * 11}, "phones"),
        ({"emails": ["new@example.com"]}, "emails"),
        ({"address": {"zip": "12345"}}, "zip"),
    ],
)
def test_patch_contact_rejects_bad_input(api: Api, table: Table, body: dict[str, Any], field: str) -> None:
    c = create_contact(api, emails=["bad@example.com"])
    assert_refused(table, 400, lambda: api.patch(f"/contacts/{c['id']}", body), field=field)
    assert api.get(f"/contacts/{c['id']}").body == c


def test_patch_contact_with_stale_if_match_is_412(api: Api, table: Table) -> None:
    c = create_contact(api, emails=["v@example.com"])
    v = c["version"]
    assert api.patch(f"/contacts/{c['id']}", {"first_name": "Two"}, headers={"If-Match": f'"{v}"'}).status == 200
    assert_refused(
        table, 412, lambda: api.patch(f"/contacts/{c['id']}", {"first_name": "Lost"}, headers={"If-Match": f'"{v}"'})
    )
    assert api.get(f"/contacts/{c['id']}").body["first_name"] == "Two"


def test_removing_a_name_that_leaves_nothing_to_show_is_refused(api: Api, table: Table) -> None:
    c = create_contact(api, "Solo", "", emails=None)
    assert_refused(table, 422, lambda: api.patch(f"/contacts/{c['id']}", {"first_name": ""}))


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
    assert employee.get(_email_path(shared["id"], "sam@example.com")).status == 200
    for invisible in (hidden, loose):
        assert_problem(employee.get(f"/contacts/{invisible['id']}"), 404)
        assert_problem(employee.get(_email_path(invisible["id"], invisible["emails"][0]["address"])), 404)

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
    assert_refused(table, 403, lambda: employee.patch(_email_path(cid, "vera@example.com"), {"notify": False}))
    assert_refused(table, 403, lambda: employee.patch(_email_path(cid, "vera@example.com"), {"login": "invited"}))
    assert_refused(table, 403, lambda: employee.delete(_email_path(cid, "v2@example.com")))
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
    assert employee.patch(_email_path(mine["id"], "moe@example.com"), {"email_sync": True}).status == 200
    assert_refused(table, 404, lambda: employee.patch(f"/contacts/{other['id']}", {"first_name": "X"}))
    assert_refused(table, 404, lambda: employee.post(f"/contacts/{other['id']}/emails", {"address": "x@example.com"}))
    assert_refused(table, 404, lambda: employee.patch(_email_path(other["id"], "ot@example.com"), {"notify": False}))

    # A contact they create stays visible to them.
    created = employee.post("/contacts", {"first_name": "Fresh"})
    assert created.status == 201, created.body
    assert employee.get(created.headers["location"]).status == 200


# --- e-mail addresses ---------------------------------------------------------------


def test_add_email_answers_201_and_location_works(api: Api) -> None:
    c = create_contact(api, emails=["first@example.com"])
    r = api.post(f"/contacts/{c['id']}/emails", {"address": "second@example.com"})
    assert r.status == 201, r.body
    assert r.body["address"] == "second@example.com"
    assert _settings(r.body) == DEFAULT_SETTINGS
    assert r.etag == f'"{r.body["version"]}"'
    location = r.headers["location"]
    assert location.startswith(f"/contacts/{c['id']}/emails/")
    got = api.get(location)
    assert got.status == 200, got.body
    assert got.body == r.body
    assert _addresses(api, c["id"]) == ["first@example.com", "second@example.com"]


@pytest.mark.parametrize("address", ["anna+tax@example.com", "o'brien@example.ie", "first.last@sub.example.co.uk"])
def test_location_of_an_added_email_works_for_any_address(api: Api, address: str) -> None:
    c = create_contact(api, emails=["base@example.com"])
    r = api.post(f"/contacts/{c['id']}/emails", {"address": address})
    assert r.status == 201, r.body
    got = api.get(r.headers["location"])
    assert got.status == 200, (r.headers["location"], got.body)
    assert got.body["address"] == address
    patched = api.patch(r.headers["location"], {"notify": False})
    assert patched.status == 200, patched.body
    assert api.delete(r.headers["location"]).status == 204
    assert _addresses(api, c["id"]) == ["base@example.com"]


def test_added_email_shows_on_the_linked_accounts(api: Api) -> None:
    c = create_contact(api, emails=["one@example.com"])
    account = create_account(api, "Acme", contact_ids=[c["id"]])
    assert api.post(f"/contacts/{c['id']}/emails", {"address": "two@example.com"}).status == 201
    shown = linked_contact(api.get(f"/accounts/{account['id']}").body, c["id"])
    assert [e["address"] for e in shown["emails"]] == ["one@example.com", "two@example.com"]
    assert _settings(shown["emails"][1]) == DEFAULT_SETTINGS


@pytest.mark.parametrize("address", ["shared@example.com", "SHARED@example.com", "Shared@Example.Com"])
def test_address_is_unique_per_firm_case_insensitively(api: Api, table: Table, address: str) -> None:
    owner_of_it = create_contact(api, "Own", "Er", emails=["shared@example.com"])
    other = create_contact(api, "Oth", "Er", emails=["other@example.com"])
    assert_refused(table, 409, lambda: api.post(f"/contacts/{other['id']}/emails", {"address": address}))
    assert_refused(table, 409, lambda: api.post(f"/contacts/{owner_of_it['id']}/emails", {"address": address}))
    assert _addresses(api, other["id"]) == ["other@example.com"]
    assert _addresses(api, owner_of_it["id"]) == ["shared@example.com"]


def test_removed_address_can_be_added_again(api: Api) -> None:
    a = create_contact(api, "A", "A", emails=["a1@example.com", "move@example.com"])
    b = create_contact(api, "B", "B", emails=["b1@example.com"])
    assert api.delete(_email_path(a["id"], "move@example.com")).status == 204
    r = api.post(f"/contacts/{b['id']}/emails", {"address": "move@example.com"})
    assert r.status == 201, r.body
    assert _settings(r.body) == DEFAULT_SETTINGS
    assert _addresses(api, b["id"]) == ["b1@example.com", "move@example.com"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"address": "no-at-sign"}, "address"),
        ({"address": "a@b"}, "address"),
        ({"address": 42}, "address"),
        ({"address": "x" * 250 + "@example.com"}, "address"),
        ({"address": "ok@example.com", "login": "invited"}, "login"),
        ({}, "address"),
    ],
)
def test_add_email_rejects_bad_input(api: Api, table: Table, body: dict[str, Any], field: str) -> None:
    c = create_contact(api, emails=["k@example.com"])
    assert_refused(table, 400, lambda: api.post(f"/contacts/{c['id']}/emails", body), field=field)


# --- e-mail settings ------------------------------------------------------------------------


@pytest.mark.parametrize("encoded", [False, True], ids=["raw", "urlencoded"])
def test_email_path_segment_raw_or_urlencoded(api: Api, encoded: bool) -> None:
    c = create_contact(api, emails=["a@b.com", "keep@b.com"])
    path = _email_path(c["id"], "a@b.com", encoded=encoded)
    if encoded:
        assert path.endswith("/a%40b.com")
    got = api.get(path)
    assert got.status == 200, got.body
    assert got.body["address"] == "a@b.com"
    patched = api.patch(path, {"email_sync": True})
    assert patched.status == 200, patched.body
    assert patched.body["email_sync"] is True
    assert api.get(_email_path(c["id"], "a@b.com", encoded=not encoded)).body == patched.body
    assert api.delete(path).status == 204
    assert _addresses(api, c["id"]) == ["keep@b.com"]


def test_login_can_be_invited_and_revoked(api: Api) -> None:
    c = create_contact(api, emails=["l@example.com"])
    path = _email_path(c["id"], "l@example.com")
    r = api.patch(path, {"login": "invited"})
    assert r.status == 200, r.body
    assert r.body["login"] == "invited"
    assert r.body["invitation"]["delivery"] == "sent"  # setting "invited" sends the invitation
    assert r.etag == f'"{r.body["version"]}"'
    assert api.get(path).body == r.body
    r = api.patch(path, {"login": "none"})
    assert r.status == 200, r.body
    assert r.body["login"] == "none"
    assert {k: v for k, v in _settings(r.body).items() if k != "login"} == {
        k: v for k, v in DEFAULT_SETTINGS.items() if k != "login"
    }


@pytest.mark.parametrize("start", ["none", "invited"])
def test_login_active_cannot_be_set_by_the_firm(api: Api, table: Table, start: str) -> None:
    c = create_contact(api, emails=["act@example.com"])
    path = _email_path(c["id"], "act@example.com")
    if start != "none":
        assert api.patch(path, {"login": start}).status == 200
    assert_refused(table, 422, lambda: api.patch(path, {"login": "active"}), field="login")
    assert_refused(table, 422, lambda: api.patch(path, {"login": "active", "notify": False}), field="login")
    assert api.get(path).body["login"] == start
    assert api.get(path).body["notify"] is True


def test_notification_preferences_merge_by_event(api: Api) -> None:
    c = create_contact(api, emails=["n@example.com"])
    path = _email_path(c["id"], "n@example.com")
    r = api.patch(path, {"notification_preferences": {"new_message": False}})
    assert r.status == 200, r.body
    assert r.body["notification_preferences"] == {"new_message": False}
    r = api.patch(path, {"notification_preferences": {"invoice_sent": True, "organizer_sent": False}})
    assert r.status == 200, r.body
    assert r.body["notification_preferences"] == {
        "new_message": False,
        "invoice_sent": True,
        "organizer_sent": False,
    }
    r = api.patch(path, {"notification_preferences": {"new_message": True}, "notify": False})
    assert r.status == 200, r.body
    assert r.body["notification_preferences"] == {"new_message": True, "invoice_sent": True, "organizer_sent": False}
    assert r.body["notify"] is False
    assert api.get(path).body == r.body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"notification_preferences": {"birthday": True}}, "birthday"),
        ({"notification_preferences": {"new_message": "yes"}}, "new_message"),
        ({"notification_preferences": ["new_message"]}, "notification_preferences"),
        ({"login": "enabled"}, "login"),
        ({"notify": "false"}, "notify"),
        ({"email_sync": 1}, "email_sync"),
        ({"signing_authority": None, "signer": True}, "signer"),
        ({"address": "renamed@@example.com"}, "address"),  # a correction must be an address
    ],
)
def test_patch_email_rejects_bad_input(api: Api, table: Table, body: dict[str, Any], field: str) -> None:
    c = create_contact(api, emails=["bad@example.com"])
    path = _email_path(c["id"], "bad@example.com")
    if "notification_preferences" in body:
        assert api.patch(path, {"notification_preferences": {"document_shared": False}}).status == 200
    before = api.get(path).body
    assert_refused(table, 400, lambda: api.patch(path, body), field=field)
    assert api.get(path).body == before


def test_email_sync_and_signing_authority_are_per_address(api: Api) -> None:
    c = create_contact(api, emails=["one@example.com", "two@example.com"])
    account = create_account(api, "Acme", contact_ids=[c["id"]])
    r = api.patch(_email_path(c["id"], "one@example.com"), {"email_sync": True, "signing_authority": False})
    assert r.status == 200, r.body
    assert (r.body["email_sync"], r.body["signing_authority"]) == (True, False)
    emails = {e["address"]: e for e in api.get(f"/contacts/{c['id']}").body["emails"]}
    assert (emails["one@example.com"]["email_sync"], emails["one@example.com"]["signing_authority"]) == (True, False)
    assert _settings(emails["two@example.com"]) == DEFAULT_SETTINGS
    shown = linked_contact(api.get(f"/accounts/{account['id']}").body, c["id"])
    shown_emails = {e["address"]: e for e in shown["emails"]}
    assert shown_emails["one@example.com"]["signing_authority"] is False
    assert shown_emails["one@example.com"]["email_sync"] is True
    assert shown_emails["two@example.com"]["signing_authority"] is True
    r = api.patch(_email_path(c["id"], "one@example.com"), {"email_sync": False, "signing_authority": True})
    assert r.status == 200, r.body
    assert _settings(r.body) == DEFAULT_SETTINGS


def test_patch_email_with_stale_if_match_is_412(api: Api, table: Table) -> None:
    c = create_contact(api, emails=["s@example.com", "t@example.com"])
    path = _email_path(c["id"], "s@example.com")
    assert api.patch(path, {"notify": False}, headers={"If-Match": '"1"'}).status == 200
    assert_refused(table, 412, lambda: api.patch(path, {"email_sync": True}, headers={"If-Match": '"1"'}))
    assert_refused(table, 412, lambda: api.delete(path, headers={"If-Match": '"1"'}))
    assert api.get(path).body["email_sync"] is False
    assert api.delete(path, headers={"If-Match": '"2"'}).status == 204


def test_email_of_another_contact_is_404_through_this_one(api: Api, table: Table) -> None:
    a = create_contact(api, "A", "A", emails=["a@example.com", "a2@example.com"])
    b = create_contact(api, "B", "B", emails=["b@example.com", "b2@example.com"])
    assert_problem(api.get(_email_path(a["id"], "b@example.com")), 404)
    assert_refused(table, 404, lambda: api.patch(_email_path(a["id"], "b@example.com"), {"notify": False}))
    assert_refused(table, 404, lambda: api.delete(_email_path(a["id"], "b@example.com")))
    assert _addresses(api, b["id"]) == ["b@example.com", "b2@example.com"]


# --- removing addresses --------------------------------------------------------------------


def test_delete_email_answers_204(api: Api) -> None:
    c = create_contact(api, emails=["x@example.com", "y@example.com", "z@example.com"])
    r = api.delete(_email_path(c["id"], "y@example.com"))
    assert r.status == 204, r.body
    assert r.body is None
    assert _addresses(api, c["id"]) == ["x@example.com", "z@example.com"]
    assert_problem(api.get(_email_path(c["id"], "y@example.com")), 404)


def test_last_address_cannot_be_removed(api: Api, table: Table) -> None:
    c = create_contact(api, emails=["only@example.com", "gone@example.com"])
    assert api.delete(_email_path(c["id"], "gone@example.com")).status == 204
    assert_refused(table, 409, lambda: api.delete(_email_path(c["id"], "only@example.com")))
    assert _addresses(api, c["id"]) == ["only@example.com"]


@pytest.mark.parametrize("segment", ["nobody@example.com", "nobody%40example.com", "not-an-email", "x%23y@a.b"])
def test_delete_unknown_address_is_404(api: Api, table: Table, segment: str) -> None:
    c = create_contact(api, emails=["one@example.com", "two@example.com"])
    assert_refused(table, 404, lambda: api.delete(f"/contacts/{c['id']}/emails/{segment}"))
    assert_refused(table, 404, lambda: api.patch(f"/contacts/{c['id']}/emails/{segment}", {"notify": False}))
    assert_problem(api.get(f"/contacts/{c['id']}/emails/{segment}"), 404)
