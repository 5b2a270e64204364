"""Linking contacts to accounts: link, describe, unlink (docs/api.md "Account contacts and contacts").

Every test runs on moto and on DynamoDB Local (the ``table`` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from chalicelib.domain.ids import new_id
from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, make_firm, snapshot
from tests.support.factories import contact_spec, new_account, new_contact, unique_email
from tests.support.problems import assert_problem


def contact_ids(info: dict[str, Any]) -> list[str]:
    return [c["id"] for c in info["contacts"]]


def linked_account_ids(api: Api, contact_id: str) -> list[str]:
    r = api.get(f"/contacts/{contact_id}/accounts")
    assert r.status == 200, r.body
    return [a["id"] for a in r.body["items"]]


# --- linking ---------------------------------------------------------------------------------


def test_link_an_existing_contact(api: Api) -> None:
    account = new_account(api, "Acme")
    person = new_contact(api, "Bruno", "Bauer")

    r = api.post(
        f"/accounts/{account['id']}/contacts",
        {"contact_id": person["id"], "description": "Bookkeeper", "signer_priority": 4},
    )

    assert r.status == 201, r.body
    assert r.headers["location"] == f"/accounts/{account['id']}/contacts/{person['id']}"
    assert r.body["id"] == person["id"]
    assert (r.body["description"], r.body["signer_priority"]) == ("Bookkeeper", 4)
    assert [e["address"] for e in r.body["emails"]] == [e["address"] for e in person["emails"]]
    assert api.get(r.headers["location"]).body == r.body
    info = api.get(f"/accounts/{account['id']}").body
    assert sorted(contact_ids(info)) == sorted([account["contacts"][0]["id"], person["id"]])
    assert linked_account_ids(api, person["id"]) == [account["id"]]


def test_link_a_new_contact_inline(api: Api) -> None:
    account = new_account(api, "Acme")
    email = unique_email("nina")

    r = api.post(
        f"/accounts/{account['id']}/contacts",
        contact_spec("Nina", "Neu", emails=[email], description="CFO", signer_priority=1),
    )

    assert r.status == 201, r.body
    new_id_ = r.body["id"]
    assert new_id_ != account["contacts"][0]["id"]
    assert r.headers["location"] == f"/accounts/{account['id']}/contacts/{new_id_}"
    assert (r.body["display_name"], r.body["description"], r.body["signer_priority"]) == ("Nina Neu", "CFO", 1)
    assert r.body["emails"][0]["address"] == email
    assert r.body["emails"][0]["signing_authority"] is True
    assert r.body["emails"][0]["login"] == "none"
    assert api.get(f"/contacts/{new_id_}").status == 200
    assert new_id_ in contact_ids(api.get(f"/accounts/{account['id']}").body)
    assert linked_account_ids(api, new_id_) == [account["id"]]


def test_a_contact_created_with_its_account_knows_that_account(api: Api) -> None:
    account = new_account(api, "Acme")
    contact_id = account["contacts"][0]["id"]

    assert linked_account_ids(api, contact_id) == [account["id"]]


def test_team_member_sees_the_contacts_of_their_account(api: Api, client: Client, firm: TestFirm) -> None:
    eve, token = firm.add_member()
    account = new_account(api, "Team Account", team_member_ids=[eve])
    contact_id = account["contacts"][0]["id"]
    eve_api = Api(client, token)

    assert eve_api.get(f"/contacts/{contact_id}").status == 200
    assert linked_account_ids(eve_api, contact_id) == [account["id"]]


def test_linking_makes_accounts_related(api: Api) -> None:
    home = new_account(api, "Home")
    business = new_account(api, "Business")
    shared = home["contacts"][0]["id"]

    assert api.post(f"/accounts/{business['id']}/contacts", {"contact_id": shared}).status == 201

    related = api.get(f"/accounts/{business['id']}").body["related_accounts"]
    assert [a["id"] for a in related] == [home["id"]]
    assert sorted(linked_account_ids(api, shared)) == sorted([home["id"], business["id"]])


def test_linking_an_already_linked_contact_is_409(api: Api, table: Table) -> None:
    account = new_account(api, "Acme")
    before = snapshot(table)

    r = api.post(f"/accounts/{account['id']}/contacts", {"contact_id": account["contacts"][0]["id"]})

    assert_problem(r, 409)
    assert snapshot(table) == before


def test_linking_an_unknown_contact_is_422(api: Api, table: Table) -> None:
    account = new_account(api, "Acme")
    before = snapshot(table)

    r = api.post(f"/accounts/{account['id']}/contacts", {"contact_id": new_id()})

    assert_problem(r, 422)
    assert snapshot(table) == before


def test_linking_another_firms_contact_is_422(api: Api, client: Client, table: Table) -> None:
    account = new_account(api, "Acme")
    other = Api(client, make_firm(table, "Other & Co").owner_token)
    foreign = new_contact(other, "Fred", "Foreign")
    before = snapshot(table)

    r = api.post(f"/accounts/{account['id']}/contacts", {"contact_id": foreign["id"]})

    assert_problem(r, 422)
    assert snapshot(table) == before


def test_linking_an_inline_contact_with_a_taken_email_is_409(api: Api, table: Table) -> None:
    account = new_account(api, "Acme")
    taken = account["contacts"][0]["emails"][0]["address"]
    before = snapshot(table)

    r = api.post(f"/accounts/{account['id']}/contacts", contact_spec("Copy", "Cat", emails=[taken.upper()]))

    assert_problem(r, 409)
    assert snapshot(table) == before


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"contact_id": "01ABC", "signer_priority": 0}, ("body",)),
        ({"contact_id": "01ABC", "signer_priority": 101}, ("body",)),
        ({"contact_id": "01ABC", "signer_priority": "1"}, ("body",)),
        ({"contact_id": "01ABC", "role": "CEO"}, ("body",)),
        ({"contact_id": 12}, ("body",)),
        ({"first_name": "Anna", "signer_priority": 0}, ("body",)),
        ({"first_name": "Anna", "shoe_size": 42}, ("body",)),
        ({"first_name": "Anna", "description": "x" * 501}, ("body",)),
        ([], ("body",)),
    ],
)
def test_link_refuses_bad_input_with_400(api: Api, table: Table, body: Any, loc: tuple[str, ...]) -> None:
    account = new_account(api, "Acme")
    before = snapshot(table)

    r = api.post(f"/accounts/{account['id']}/contacts", body)

    assert_problem(r, 400, loc=loc)
    assert snapshot(table) == before


def test_link_refuses_malformed_json(api: Api, table: Table) -> None:
    account = new_account(api, "Acme")
    before = snapshot(table)

    assert_problem(api.post(f"/accounts/{account['id']}/contacts", raw='{"contact_id": '), 400, loc=("body",))
    assert snapshot(table) == before


def test_linking_to_an_archived_account_is_409(api: Api, table: Table) -> None:
    account = new_account(api, "Dormant")
    person = new_contact(api)
    assert api.delete(f"/accounts/{account['id']}").status == 204
    before = snapshot(table)

    assert_problem(api.post(f"/accounts/{account['id']}/contacts", {"contact_id": person["id"]}), 409)
    assert_problem(api.post(f"/accounts/{account['id']}/contacts", contact_spec("New", "Person")), 409)
    assert snapshot(table) == before


def test_linking_needs_the_manage_right(api: Api, client: Client, firm: TestFirm, table: Table) -> None:
    _, viewer_token = firm.add_member(view_all=True)
    _, outsider_token = firm.add_member(manage=True)
    account = new_account(api, "Acme")
    person = new_contact(api)
    before = snapshot(table)
    path = f"/accounts/{account['id']}/contacts"

    assert_problem(Api(client, viewer_token).post(path, {"contact_id": person["id"]}), 403)
    assert_problem(Api(client, outsider_token).post(path, contact_spec("Out", "Sider")), 404)
    assert snapshot(table) == before


def test_link_to_unknown_account_is_404(api: Api, table: Table) -> None:
    person = new_contact(api)
    before = snapshot(table)

    assert_problem(api.post(f"/accounts/{new_id()}/contacts", {"contact_id": person["id"]}), 404)
    assert snapshot(table) == before


def test_link_idempotent_retry(api: Api, table: Table) -> None:
    account = new_account(api, "Acme")
    body = contact_spec("Ida", "Idem")
    key = {"Idempotency-Key": f"link-{new_id()}"}
    first = api.post(f"/accounts/{account['id']}/contacts", body, headers=key)
    assert first.status == 201, first.body
    after_first = snapshot(table)

    retry = api.post(f"/accounts/{account['id']}/contacts", body, headers=key)

    assert retry.status == 201, retry.body
    assert retry.body["id"] == first.body["id"]
    assert snapshot(table) == after_first


# --- editing a link ------------------------------------------------------------------------


def test_patch_link_description_and_signer_priority(api: Api) -> None:
    home = new_account(api, "Home")
    contact_id = home["contacts"][0]["id"]
    business = new_account(api, "Business", contacts=[{"contact_id": contact_id, "description": "CEO"}])
    path = f"/accounts/{home['id']}/contacts/{contact_id}"

    r = api.patch(path, {"description": "Primary contact", "signer_priority": 1})

    assert r.status == 200, r.body
    assert (r.body["description"], r.body["signer_priority"]) == ("Primary contact", 1)
    assert r.etag == f'"{r.body["link_version"]}"'
    info = api.get(f"/accounts/{home['id']}").body["contacts"][0]
    assert (info["description"], info["signer_priority"]) == ("Primary contact", 1)
    other = api.get(f"/accounts/{business['id']}").body["contacts"][0]
    assert (other["description"], other["signer_priority"]) == ("CEO", None)

    kept = api.patch(path, {"signer_priority": 7})
    assert (kept.body["description"], kept.body["signer_priority"]) == ("Primary contact", 7)
    cleared = api.patch(path, {"signer_priority": None})
    assert (cleared.body["description"], cleared.body["signer_priority"]) == ("Primary contact", None)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"signer_priority": 0}, ("body", "signer_priority")),
        ({"signer_priority": 101}, ("body", "signer_priority")),
        ({"signer_priority": "2"}, ("body", "signer_priority")),
        ({"signer_priority": 1.5}, ("body", "signer_priority")),
        ({"description": 5}, ("body", "description")),
        ({"description": "x" * 501}, ("body", "description")),
        ({"first_name": "Renamed"}, ("body", "first_name")),
    ],
)
def test_patch_link_refuses_bad_input_with_400(
    api: Api, table: Table, body: dict[str, Any], loc: tuple[str, ...]
) -> None:
    account = new_account(api, "Acme")
    before = snapshot(table)

    r = api.patch(f"/accounts/{account['id']}/contacts/{account['contacts'][0]['id']}", body)

    assert_problem(r, 400, loc=loc)
    assert snapshot(table) == before


def test_patch_link_with_stale_if_match_is_412(api: Api, table: Table) -> None:
    account = new_account(api, "Acme")
    path = f"/accounts/{account['id']}/contacts/{account['contacts'][0]['id']}"
    first = api.patch(path, {"description": "One"}, headers={"If-Match": '"1"'})
    assert first.status == 200, first.body
    before = snapshot(table)

    assert_problem(api.patch(path, {"description": "Two"}, headers={"If-Match": '"1"'}), 412)
    assert snapshot(table) == before
    assert api.patch(path, {"description": "Two"}, headers={"If-Match": first.etag or ""}).status == 200


def test_patch_link_of_an_unlinked_contact_is_404(api: Api, table: Table) -> None:
    account = new_account(api, "Acme")
    person = new_contact(api)
    before = snapshot(table)

    assert_problem(api.patch(f"/accounts/{account['id']}/contacts/{person['id']}", {"description": "x"}), 404)
    assert snapshot(table) == before


def test_patch_link_needs_the_manage_right(api: Api, client: Client, firm: TestFirm, table: Table) -> None:
    _, viewer_token = firm.add_member(view_all=True)
    account = new_account(api, "Acme")
    before = snapshot(table)

    path = f"/accounts/{account['id']}/contacts/{account['contacts'][0]['id']}"

    r = Api(client, viewer_token).patch(path, {"description": "x"})

    assert_problem(r, 403)
    assert snapshot(table) == before


# --- unlinking -------------------------------------------------------------------------------


def test_unlink_a_contact(api: Api) -> None:
    first, second = contact_spec("Anna", "A"), contact_spec("Bert", "B")
    account = new_account(api, "Acme", contacts=[first, second])
    other = new_account(api, "Other")
    anna, bert = (c["id"] for c in account["contacts"])
    assert api.post(f"/accounts/{other['id']}/contacts", {"contact_id": bert}).status == 201
    assert [a["id"] for a in api.get(f"/accounts/{account['id']}").body["related_accounts"]] == [other["id"]]

    r = api.delete(f"/accounts/{account['id']}/contacts/{bert}")

    assert r.status == 204
    info = api.get(f"/accounts/{account['id']}").body
    assert contact_ids(info) == [anna]
    assert info["related_accounts"] == []
    assert linked_account_ids(api, bert) == [other["id"]]
    assert api.get(f"/contacts/{bert}").status == 200
    assert_problem(api.get(f"/accounts/{account['id']}/contacts/{bert}"), 404)


def test_unlinking_the_last_contact_is_409(api: Api, table: Table) -> None:
    account = new_account(api, "Acme")
    contact_id = account["contacts"][0]["id"]
    before = snapshot(table)

    r = api.delete(f"/accounts/{account['id']}/contacts/{contact_id}")

    assert_problem(r, 409)
    assert snapshot(table) == before
    assert contact_ids(api.get(f"/accounts/{account['id']}").body) == [contact_id]


def test_unlink_down_to_one_then_409(api: Api, table: Table) -> None:
    account = new_account(
        api, "Acme", contacts=[contact_spec("A", "A"), contact_spec("B", "B"), contact_spec("C", "C")]
    )
    a, b, c = contact_ids(account)
    assert api.delete(f"/accounts/{account['id']}/contacts/{a}").status == 204
    assert api.delete(f"/accounts/{account['id']}/contacts/{b}").status == 204
    before = snapshot(table)

    assert_problem(api.delete(f"/accounts/{account['id']}/contacts/{c}"), 409)
    assert snapshot(table) == before
    assert api.post(f"/accounts/{account['id']}/contacts", {"contact_id": a}).status == 201
    assert api.delete(f"/accounts/{account['id']}/contacts/{c}").status == 204
    assert contact_ids(api.get(f"/accounts/{account['id']}").body) == [a]


def test_unlink_a_contact_that_is_not_linked_is_404(api: Api, table: Table) -> None:
    account = new_account(api, "Acme", contacts=[contact_spec("A", "A"), contact_spec("B", "B")])
    person = new_contact(api)
    before = snapshot(table)

    assert_problem(api.delete(f"/accounts/{account['id']}/contacts/{person['id']}"), 404)
    assert_problem(api.delete(f"/accounts/{account['id']}/contacts/{new_id()}"), 404)
    assert snapshot(table) == before


def test_unlink_with_stale_if_match_is_412(api: Api, table: Table) -> None:
    account = new_account(api, "Acme", contacts=[contact_spec("A", "A"), contact_spec("B", "B")])
    path = f"/accounts/{account['id']}/contacts/{account['contacts'][0]['id']}"
    assert api.patch(path, {"description": "changed"}).status == 200
    before = snapshot(table)

    assert_problem(api.delete(path, headers={"If-Match": '"1"'}), 412)
    assert snapshot(table) == before


def test_unlink_needs_the_manage_right(api: Api, client: Client, firm: TestFirm, table: Table) -> None:
    _, viewer_token = firm.add_member(view_all=True)
    account = new_account(api, "Acme", contacts=[contact_spec("A", "A"), contact_spec("B", "B")])
    before = snapshot(table)

    r = Api(client, viewer_token).delete(f"/accounts/{account['id']}/contacts/{account['contacts'][0]['id']}")

    assert_problem(r, 403)
    assert snapshot(table) == before


def test_unlink_from_an_archived_account_is_409(api: Api, table: Table) -> None:
    account = new_account(api, "Acme", contacts=[contact_spec("A", "A"), contact_spec("B", "B")])
    assert api.delete(f"/accounts/{account['id']}").status == 204
    before = snapshot(table)

    assert_problem(api.delete(f"/accounts/{account['id']}/contacts/{account['contacts'][0]['id']}"), 409)
    assert snapshot(table) == before
