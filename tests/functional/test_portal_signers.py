"""Signers (issue 5, part 2): an account's signers are the addresses of its linked contacts with an
active portal login and signing authority, in the links' signer_priority order (GET .../signers);
test_portal_signing.py has the signing itself.

Everything goes through the HTTP API on both backends.
"""

from __future__ import annotations

from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm
from tests.support.factories import contact_spec, created, unique_email
from tests.support.portal import activate, invite
from tests.support.problems import assert_problem
from tests.support.signing import account_of_people, person_spec, set_email, set_priority, signer_entry, signers_of

# --- signers ---------------------------------------------------------------------------------------


def test_signers_are_active_addresses_with_authority_by_priority_then_name(api: Api, table: Table) -> None:
    account_id, p = account_of_people(
        api,
        "Signers Ltd",
        person_spec("Zoe", "Adams", addresses=2, priority=2),
        person_spec("Bob", "Brown", priority=1),
        person_spec("Carl", "Chen"),
        person_spec("Anna", "Avery"),
        person_spec("Dan", "Dull", priority=1),  # invited only
        person_spec("Eve", "Early", priority=1),  # active, but no signing authority
        person_spec("Fay", "Far", priority=1),  # login none
    )
    zoe, bob, carl, anna = p["Zoe"], p["Bob"], p["Carl"], p["Anna"]
    for person in (zoe, bob, carl, anna, p["Eve"]):
        for address in person.addresses:
            activate(api, person.contact_id, address)
    invite(api, p["Dan"].contact_id, p["Dan"].address)
    set_email(api, p["Eve"], p["Eve"].address, signing_authority=False)

    zoe_addresses = sorted(zoe.addresses, key=str.casefold)
    assert signers_of(api, account_id) == [
        signer_entry(bob, bob.address, 1),
        *(signer_entry(zoe, a, 2) for a in zoe_addresses),
        signer_entry(anna, anna.address, None),
        signer_entry(carl, carl.address, None),
    ]

    # Carl moves up to priority 1 (after Bob there by name); Bob loses his priority.
    set_priority(api, account_id, carl, 1)
    set_priority(api, account_id, bob, None)
    assert signers_of(api, account_id) == [
        signer_entry(carl, carl.address, 1),
        *(signer_entry(zoe, a, 2) for a in zoe_addresses),
        signer_entry(anna, anna.address, None),
        signer_entry(bob, bob.address, None),
    ]

    # An address whose access is revoked leaves the signers; one given authority joins them.
    set_email(api, p["Eve"], p["Eve"].address, signing_authority=True)
    set_email(api, zoe, zoe_addresses[0], login="none")
    assert [s["address"] for s in signers_of(api, account_id)] == [
        carl.address,
        p["Eve"].address,
        zoe_addresses[1],
        anna.address,
        bob.address,
    ]


def test_signers_with_the_same_name_and_priority_are_ordered_by_contact_id(api: Api, table: Table) -> None:
    account_id, _ = account_of_people(
        api, "Twins Ltd", person_spec("Sam", "Same", priority=3), person_spec("Sam", "Same", priority=3)
    )
    info = api.get(f"/accounts/{account_id}").body
    contacts = sorted(info["contacts"], key=lambda c: c["id"])
    for c in contacts:
        activate(api, c["id"], c["emails"][0]["address"])
    assert [s["contact_id"] for s in signers_of(api, account_id)] == [c["id"] for c in contacts]


def test_a_contact_linked_later_with_a_priority_takes_its_place(api: Api, table: Table) -> None:
    account_id, p = account_of_people(api, "Later Ltd", person_spec("Xena", "Last", priority=5))
    activate(api, p["Xena"].contact_id, p["Xena"].address)
    address = unique_email("yves")
    linked = created(
        api,
        f"/accounts/{account_id}/contacts",
        {**contact_spec("Yves", "First", emails=[address]), "signer_priority": 1},
    )
    activate(api, linked["id"], address)
    assert [s["address"] for s in signers_of(api, account_id)] == [address, p["Xena"].address]


def test_signers_of_an_account_one_may_not_open_are_404(api: Api, firm: TestFirm, table: Table) -> None:
    account_id, p = account_of_people(api, "Hidden Ltd", person_spec("Hana", "Hidden"))
    activate(api, p["Hana"].contact_id, p["Hana"].address)
    _, token = firm.add_member()  # not on the team, no view-all right
    assert_problem(api.as_(token).get(f"/accounts/{account_id}/signers"), 404)
    assert_problem(api.get("/accounts/01ARZ3NDEKTSV4RRFFQ69G5FAV/signers"), 404)
    _, viewer = firm.add_member(view_all=True)
    assert [s["address"] for s in signers_of(api.as_(viewer), account_id)] == [p["Hana"].address]
