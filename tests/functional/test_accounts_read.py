"""Reading accounts through the HTTP API: GET /accounts/{id} (the Info tab) and GET /accounts
(the clients list: order, paging, filters, cursors).

Every test runs on moto and on DynamoDB Local (the ``table`` fixture).
"""

from __future__ import annotations

import pytest
from chalice.test import Client

from chalicelib.domain.ids import new_id
from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, ids, make_firm, names
from tests.support.factories import contact_spec, list_all, new_account, new_tag, unique_email
from tests.support.problems import Loc, assert_problem

# --- GET /accounts/{id}: the Info tab -------------------------------------------------


def test_info_lists_contacts_alphabetically_with_link_and_email_settings(api: Api) -> None:
    account = new_account(
        api,
        "Family Office",
        contacts=[
            contact_spec("zoe", "Zed", description="daughter"),
            contact_spec("Émile", "Blanc", description="grandfather", signer_priority=1),
            contact_spec("anna", "Adams", description="primary contact", signer_priority=3),
            contact_spec("Bob", "baker", emails=[unique_email("bob"), unique_email("bob.work")]),
        ],
    )

    info = api.get(f"/accounts/{account['id']}")

    assert info.status == 200
    contacts = info.body["contacts"]
    assert [c["display_name"] for c in contacts] == ["anna Adams", "Bob baker", "Émile Blanc", "zoe Zed"]
    assert [(c["description"], c["signer_priority"]) for c in contacts] == [
        ("primary contact", 3),
        ("", None),
        ("grandfather", 1),
        ("daughter", None),
    ]
    assert len(contacts[1]["emails"]) == 2
    for contact in contacts:
        assert contact["emails"], contact
        for email in contact["emails"]:
            assert email["login"] == "none"
            assert email["signing_authority"] is True
            assert isinstance(email["notify"], bool)
            assert isinstance(email["email_sync"], bool)
            assert isinstance(email["notification_preferences"], dict)
    assert info.body["credit_balance"] == "0.00"
    assert set(info.body["quickbooks"]) == {"status", "synced_at", "reason", "sync_mode"}


def test_related_accounts_share_a_contact_are_openable_and_not_archived(
    api: Api, client: Client, firm: TestFirm
) -> None:
    emp_id, emp_token = firm.add_member()
    home = new_account(api, "Home", team_member_ids=[emp_id])
    shared = home["contacts"][0]["id"]
    link = {"contact_id": shared, "description": "CEO"}
    business = new_account(api, "Business", team_member_ids=[emp_id], contacts=[link])
    hidden = new_account(api, "Hidden Trust", contacts=[link])
    archived = new_account(api, "Old Shop", contacts=[link])
    new_account(api, "Unrelated")
    assert api.delete(f"/accounts/{archived['id']}").status == 204

    as_owner = api.get(f"/accounts/{home['id']}").body["related_accounts"]
    as_employee = Api(client, emp_token).get(f"/accounts/{home['id']}").body["related_accounts"]

    assert sorted(ids(as_owner)) == sorted([business["id"], hidden["id"]])
    assert {"id": business["id"], "name": "Business", "type": "company", "photo_url": None} in as_owner
    assert ids(as_employee) == [business["id"]]
    from_business = api.get(f"/accounts/{business['id']}").body["related_accounts"]
    assert sorted(ids(from_business)) == sorted([home["id"], hidden["id"]])


@pytest.mark.parametrize("account_id", ["01ZZZZZZZZZZZZZZZZZZZZZZZZ", "not!an!id", "x" * 65])
def test_unknown_account_is_404(api: Api, account_id: str) -> None:
    assert_problem(api.get(f"/accounts/{account_id}"), 404)


# --- GET /accounts: the clients list --------------------------------------------------


def test_list_is_alphabetical_ignoring_case_and_accents(api: Api) -> None:
    for name in ("cherry", "banana Co", "Apple", "Äpfel AG", "zebra", "Zulu"):
        new_account(api, name, contacts=[contact_spec(emails=[])])

    listed = api.get("/accounts")

    assert names(listed.body["items"]) == ["Äpfel AG", "Apple", "banana Co", "cherry", "zebra", "Zulu"]


def test_paging_walks_every_account_once(api: Api) -> None:
    created = [new_account(api, f"Client {n}", contacts=[contact_spec(emails=[])])["id"] for n in "GABFCED"]

    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        r = api.get("/accounts?limit=3" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status == 200, r.body
        assert len(r.body["items"]) <= 3
        pages.append(names(r.body["items"]))
        cursor = r.body["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 10

    walked = [n for page in pages for n in page]
    assert walked == [f"Client {n}" for n in "ABCDEFG"]
    assert [len(p) for p in pages[:3]] == [3, 3, 1]
    assert sorted(ids(list_all(api, "/accounts", limit=2))) == sorted(created)


def test_default_page_is_25(api: Api) -> None:
    for n in range(26):
        new_account(api, f"Client {n:02d}", contacts=[contact_spec(emails=[])])

    first = api.get("/accounts")

    assert len(first.body["items"]) == 25
    assert first.body["next_cursor"]
    rest = api.get(f"/accounts?cursor={first.body['next_cursor']}")
    assert names(rest.body["items"]) == ["Client 25"]


def test_filters_by_tag_type_and_team_member(api: Api, firm: TestFirm) -> None:
    vip = new_tag(api, "VIP")
    other_tag = new_tag(api, "Other")
    alice, _ = firm.add_member(name="Alice")
    bob, _ = firm.add_member(name="Bob")
    plain = [contact_spec(emails=[])]
    new_account(api, "A Corp", tags=[vip], team_member_ids=[alice], contacts=plain)
    new_account(api, "B Person", type_="individual", tags=[vip, other_tag], team_member_ids=[bob], contacts=plain)
    new_account(api, "C Other", type_="other", team_member_ids=[alice, bob], contacts=plain)
    new_account(api, "D Corp", tags=[other_tag], contacts=plain)

    def listed(query: str) -> list[str]:
        r = api.get(f"/accounts?{query}")
        assert r.status == 200, r.body
        return names(r.body["items"])

    assert listed(f"tag={vip}") == ["A Corp", "B Person"]
    assert listed(f"tag={other_tag}") == ["B Person", "D Corp"]
    assert listed("type=company") == ["A Corp", "D Corp"]
    assert listed("type=individual") == ["B Person"]
    assert listed(f"team_member={alice}") == ["A Corp", "C Other"]
    assert listed(f"team_member={bob}&type=other") == ["C Other"]
    assert listed(f"tag={vip}&type=company") == ["A Corp"]
    assert listed(f"tag={vip}&team_member={bob}") == ["B Person"]
    assert listed(f"tag={new_id()}") == []
    assert listed("archived=true") == []


def test_filtered_list_pages(api: Api) -> None:
    vip = new_tag(api, "VIP")
    for n in range(5):
        new_account(api, f"Tagged {n}", tags=[vip], contacts=[contact_spec(emails=[])])
        new_account(api, f"Plain {n}", contacts=[contact_spec(emails=[])])

    assert names(list_all(api, f"/accounts?tag={vip}", limit=2)) == [f"Tagged {n}" for n in range(5)]
    assert names(list_all(api, "/accounts?type=company", limit=3)) == sorted(
        [f"Plain {n}" for n in range(5)] + [f"Tagged {n}" for n in range(5)]
    )


def test_employee_list_pages_through_team_accounts_with_a_filter(api: Api, client: Client, firm: TestFirm) -> None:
    eve, token = firm.add_member()
    quiet = [contact_spec(emails=[])]
    for n in range(5):
        new_account(api, f"Team Co {n}", team_member_ids=[eve], contacts=quiet)
        new_account(api, f"Team Person {n}", type_="individual", team_member_ids=[eve], contacts=quiet)
        new_account(api, f"Foreign Co {n}", contacts=quiet)

    walked = list_all(Api(client, token), "/accounts?type=company", limit=2)

    assert names(walked) == [f"Team Co {n}" for n in range(5)]


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("limit=0", ("query", "limit")),
        ("limit=101", ("query", "limit")),
        ("limit=abc", ("query", "limit")),
        ("limit=-1", ("query", "limit")),
        ("limit=", ("query", "limit")),
        ("cursor=garbage", ("query", "cursor")),
        ("cursor=eyJzIjoieCJ9.0000000000000000", ("query", "cursor")),
        ("type=person", ("query", "type")),
        ("archived=maybe", ("query", "archived")),
        ("sort=name", ("query", "sort")),
        ("tag=not!an!id", ("query", "tag")),
    ],
)
def test_list_refuses_bad_query_with_400(api: Api, query: str, loc: Loc) -> None:
    assert_problem(api.get(f"/accounts?{query}"), 400, loc=loc)


def _cursor(api: Api, query: str) -> str:
    r = api.get(f"/accounts?limit=1&{query}" if query else "/accounts?limit=1")
    assert r.status == 200, r.body
    cursor: str | None = r.body["next_cursor"]
    assert cursor
    return cursor


def test_cursor_only_works_for_the_list_it_came_from(api: Api) -> None:
    vip = new_tag(api, "VIP")
    for name in ("A", "B", "C"):
        new_account(api, name, tags=[vip], contacts=[contact_spec(emails=[])])
    plain = _cursor(api, "")
    tagged = _cursor(api, f"tag={vip}")
    typed = _cursor(api, "type=company")

    assert api.get(f"/accounts?limit=1&cursor={plain}").status == 200
    assert_problem(api.get(f"/accounts?limit=1&tag={vip}&cursor={plain}"), 400, loc=("query", "cursor"))
    assert_problem(api.get(f"/accounts?limit=1&cursor={tagged}"), 400, loc=("query", "cursor"))
    assert_problem(api.get(f"/accounts?limit=1&type=individual&cursor={typed}"), 400, loc=("query", "cursor"))
    assert_problem(api.get(f"/accounts?limit=1&archived=true&cursor={plain}"), 400, loc=("query", "cursor"))
    tampered = plain[:-1] + ("0" if plain[-1] != "0" else "1")
    assert_problem(api.get(f"/accounts?limit=1&cursor={tampered}"), 400, loc=("query", "cursor"))


def test_cursor_from_another_firm_is_400(api: Api, client: Client, table: Table) -> None:
    other = Api(client, make_firm(table, "Other & Co").owner_token)
    for name in ("X", "Y"):
        new_account(other, name)
        new_account(api, name)
    foreign = _cursor(other, "")

    assert_problem(api.get(f"/accounts?limit=1&cursor={foreign}"), 400, loc=("query", "cursor"))
