"""A reply reads what its own request wrote strongly consistent, everything else eventually consistent
(docs/architecture.md, "An HTTP request").

On DynamoDB an eventually consistent read right after a write may answer the item as it was (a reply,
and its ETag, from before the write) or miss a new one. moto and DynamoDB Local are always consistent,
so these tests check the flag each read of the written items carried (tests/support/reads.py), and
that a later plain read of the same items is not consistent (consistent reads cost twice the units).
Every test runs on moto and on DynamoDB Local (the ``table`` fixture).
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.text import email_key
from chalicelib.repo import keys
from chalicelib.repo.keys import Key
from chalicelib.repo.table import Table
from tests.support.api import Api, Reply, TestFirm
from tests.support.factories import contact_spec, new_account, new_contact, unique_email
from tests.support.reads import assert_read_consistently, assert_read_eventually, recorded_reads

Body = dict[str, Any]


def ok(r: Reply, status: int = 200) -> Body:
    assert r.status == status, (r.status, r.body)
    body: Body = r.body
    return body


def email_keys(firm: TestFirm, *addresses: str) -> list[Key]:
    return [keys.email(firm.firm_id, email_key(a)) for a in addresses]


def addresses(contact: Body) -> list[str]:
    return [e["address"] for e in contact["emails"]]


# --- accounts ---------------------------------------------------------------------------------


def test_an_account_create_reads_its_account_contacts_and_addresses_consistently(
    api: Api, firm: TestFirm, table: Table
) -> None:
    wanted = [unique_email("ann"), unique_email("ann")]
    body = {"name": "Fresh Ltd", "type": "company", "contacts": [contact_spec("Ann", "New", emails=wanted)]}
    with recorded_reads(table) as reads:
        info = ok(api.post("/accounts", body), 201)
    contact_id = info["contacts"][0]["id"]
    assert addresses(info["contacts"][0]) == wanted
    assert_read_consistently(reads, keys.account(firm.firm_id, info["id"]))
    assert_read_consistently(reads, keys.contact(firm.firm_id, contact_id), *email_keys(firm, *wanted))

    with recorded_reads(table) as later:
        ok(api.get(f"/accounts/{info['id']}"))
    assert_read_eventually(later, keys.account(firm.firm_id, info["id"]))
    assert_read_eventually(later, keys.contact(firm.firm_id, contact_id), *email_keys(firm, *wanted))


def test_an_account_edit_reads_the_account_consistently_and_its_contacts_eventually(
    api: Api, firm: TestFirm, table: Table
) -> None:
    account = new_account(api, "Before Ltd")
    contact = account["contacts"][0]
    with recorded_reads(table) as reads:
        info = ok(api.patch(f"/accounts/{account['id']}", {"name": "After Ltd"}))
    assert info["name"] == "After Ltd"
    assert_read_consistently(reads, keys.account(firm.firm_id, account["id"]))
    # not written by the edit: half the units
    assert_read_eventually(reads, keys.contact(firm.firm_id, contact["id"]), *email_keys(firm, *addresses(contact)))


def test_a_restore_reads_the_account_consistently(api: Api, firm: TestFirm, table: Table) -> None:
    account = new_account(api, "Back Ltd")
    assert api.delete(f"/accounts/{account['id']}").status == 204
    with recorded_reads(table) as reads:
        info = ok(api.post(f"/accounts/{account['id']}/restore"))
    assert info["archived"] is False
    assert_read_consistently(reads, keys.account(firm.firm_id, account["id"]))


# --- contacts ---------------------------------------------------------------------------------


def test_a_contact_create_and_its_replay_read_the_new_addresses_consistently(
    api: Api, firm: TestFirm, table: Table
) -> None:
    wanted = [unique_email("bea"), unique_email("bea")]
    body = {"first_name": "Bea", "last_name": "New", "emails": wanted}
    key = {"Idempotency-Key": "fresh-contact-1"}
    with recorded_reads(table) as reads:
        created = ok(api.post("/contacts", body, headers=key), 201)
    assert addresses(created) == wanted
    assert_read_consistently(reads, keys.contact(firm.firm_id, created["id"]), *email_keys(firm, *wanted))

    with recorded_reads(table) as replay:
        again = ok(api.post("/contacts", body, headers=key), 201)
    assert again == created
    assert_read_consistently(replay, *email_keys(firm, *wanted))

    with recorded_reads(table) as later:
        assert ok(api.get(f"/contacts/{created['id']}")) == created
    assert_read_eventually(later, *email_keys(firm, *wanted))


def test_a_contact_edit_reads_its_addresses_eventually(api: Api, firm: TestFirm, table: Table) -> None:
    contact = new_contact(api, "Cleo", "Old")
    with recorded_reads(table) as reads:
        edited = ok(api.patch(f"/contacts/{contact['id']}", {"last_name": "Renamed"}))
    assert (edited["last_name"], edited["version"]) == ("Renamed", contact["version"] + 1)
    assert_read_consistently(reads, keys.contact(firm.firm_id, contact["id"]))
    assert_read_eventually(reads, *email_keys(firm, *addresses(contact)))  # the edit did not write them


def test_a_merge_reads_the_addresses_it_moved_consistently(api: Api, firm: TestFirm, table: Table) -> None:
    source, target = new_contact(api, "Sam", "Source"), new_contact(api, "Tara", "Target")
    moved = addresses(source)
    with recorded_reads(table) as reads:
        merged = ok(api.post(f"/contacts/{target['id']}/merge", {"source_contact_id": source["id"]}))
    assert addresses(merged) == [*addresses(target), *moved]
    # the reply's read of them comes after every read of the merge itself, which are consistent too
    assert_read_consistently(reads, keys.contact(firm.firm_id, target["id"]), *email_keys(firm, *moved))


# --- links ------------------------------------------------------------------------------------


def test_linking_a_contact_created_inline_reads_its_addresses_consistently(
    api: Api, firm: TestFirm, table: Table
) -> None:
    account = new_account(api, "Links Ltd")
    wanted = [unique_email("dan")]
    with recorded_reads(table) as reads:
        linked = ok(api.post(f"/accounts/{account['id']}/contacts", contact_spec("Dan", "Inline", emails=wanted)), 201)
    assert addresses(linked) == wanted
    assert_read_consistently(
        reads,
        keys.account_contact(firm.firm_id, account["id"], linked["id"]),
        keys.contact(firm.firm_id, linked["id"]),
        *email_keys(firm, *wanted),
    )


def test_linking_an_existing_contact_reads_its_addresses_eventually(api: Api, firm: TestFirm, table: Table) -> None:
    account = new_account(api, "Links Ltd")
    person = new_contact(api, "Eva", "Existing")
    with recorded_reads(table) as reads:
        linked = ok(api.post(f"/accounts/{account['id']}/contacts", {"contact_id": person["id"]}), 201)
    assert addresses(linked) == addresses(person)
    # the link and the contact (its account ids) were written; its addresses were not
    assert_read_consistently(
        reads, keys.account_contact(firm.firm_id, account["id"], person["id"]), keys.contact(firm.firm_id, person["id"])
    )
    assert_read_eventually(reads, *email_keys(firm, *addresses(person)))
