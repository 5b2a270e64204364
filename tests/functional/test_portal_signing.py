"""Signers and signing (issue 5, part 2): an account's signers are the
addresses of its linked contacts with an active portal login and signing
authority, in the links' signer_priority order; a sent proposal becomes
``signed`` once every current signer has signed it (POST .../sign).

Everything goes through the HTTP API on both backends, except the race of
parallel signatures, which runs threads against the service layer on
DynamoDB Local (the Chalice test client is not thread-safe, and moto does not
run requests concurrently).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

import pytest
from chalice.test import Client

from chalicelib.adapters.auth import Claims
from chalicelib.repo.table import Table
from chalicelib.services import signing
from chalicelib.services.context import Ctx
from tests.support.api import Api, TestFirm, make_firm, nothing_written
from tests.support.factories import contact_spec, created, new_account, unique_email
from tests.support.portal import activate, email_path, invite
from tests.support.problems import assert_problem
from tests.support.race import race

Body = dict[str, Any]
STAMP: Final = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


# --- helpers -------------------------------------------------------------------------------------


@dataclass
class Person:
    contact_id: str
    name: str
    addresses: list[str]

    @property
    def address(self) -> str:
        return self.addresses[0]


def _people(account: Body) -> dict[str, Person]:
    """The account's contacts by first name."""
    return {
        c["first_name"]: Person(c["id"], c["display_name"], [e["address"] for e in c["emails"]])
        for c in account["contacts"]
    }


def _account(api: Api, name: str, *people: Body) -> tuple[str, dict[str, Person]]:
    account = new_account(api, name, contacts=list(people))
    return account["id"], _people(account)


def _person(first: str, last: str, *, addresses: int = 1, priority: int | None = None) -> Body:
    extra: Body = {} if priority is None else {"signer_priority": priority}
    emails = [unique_email(f"{first.lower()}{i}") for i in range(addresses)]
    return contact_spec(first, last, emails=emails, **extra)


def _proposal(api: Api, account_id: str, status: str = "sent", name: str = "Engagement 2027") -> Body:
    kind = "engagement_letter" if name.startswith("Engagement") else "proposal"
    return created(api, f"/accounts/{account_id}/proposals", {"name": name, "kind": kind, "status": status})


def _sign_path(account_id: str, proposal_id: str) -> str:
    return f"/accounts/{account_id}/proposals/{proposal_id}/sign"


def _sign(api: Api, account_id: str, proposal_id: str, address: str) -> Body:
    r = api.post(_sign_path(account_id, proposal_id), {"email": address})
    assert r.status == 200, r.body
    assert r.etag == f'"{r.body["version"]}"'
    body: Body = r.body
    return body


def _signers(api: Api, account_id: str) -> list[Body]:
    r = api.get(f"/accounts/{account_id}/signers")
    assert r.status == 200, r.body
    assert set(r.body) == {"items"}, r.body
    items: list[Body] = r.body["items"]
    return items


def _signer(person: Person, address: str, priority: int | None) -> Body:
    return {
        "contact_id": person.contact_id,
        "contact_name": person.name,
        "address": address,
        "signer_priority": priority,
    }


def _set_email(api: Api, person: Person, address: str, **settings: Any) -> None:
    r = api.patch(email_path(person.contact_id, address), settings)
    assert r.status == 200, r.body


def _set_priority(api: Api, account_id: str, person: Person, priority: int | None) -> None:
    r = api.patch(f"/accounts/{account_id}/contacts/{person.contact_id}", {"signer_priority": priority})
    assert r.status == 200, r.body
    assert r.body["signer_priority"] == priority


def _signed_addresses(proposal: Body) -> list[str]:
    return [s["address"] for s in proposal["signed_by"]]


# --- signers ---------------------------------------------------------------------------------------


def test_signers_are_active_addresses_with_authority_by_priority_then_name(api: Api, table: Table) -> None:
    account_id, p = _account(
        api,
        "Signers Ltd",
        _person("Zoe", "Adams", addresses=2, priority=2),
        _person("Bob", "Brown", priority=1),
        _person("Carl", "Chen"),
        _person("Anna", "Avery"),
        _person("Dan", "Dull", priority=1),  # invited only
        _person("Eve", "Early", priority=1),  # active, but no signing authority
        _person("Fay", "Far", priority=1),  # login none
    )
    zoe, bob, carl, anna = p["Zoe"], p["Bob"], p["Carl"], p["Anna"]
    for person in (zoe, bob, carl, anna, p["Eve"]):
        for address in person.addresses:
            activate(api, person.contact_id, address)
    invite(api, p["Dan"].contact_id, p["Dan"].address)
    _set_email(api, p["Eve"], p["Eve"].address, signing_authority=False)

    zoe_addresses = sorted(zoe.addresses, key=str.casefold)
    assert _signers(api, account_id) == [
        _signer(bob, bob.address, 1),
        *(_signer(zoe, a, 2) for a in zoe_addresses),
        _signer(anna, anna.address, None),
        _signer(carl, carl.address, None),
    ]

    # Carl moves up to priority 1 (after Bob there by name); Bob loses his priority.
    _set_priority(api, account_id, carl, 1)
    _set_priority(api, account_id, bob, None)
    assert _signers(api, account_id) == [
        _signer(carl, carl.address, 1),
        *(_signer(zoe, a, 2) for a in zoe_addresses),
        _signer(anna, anna.address, None),
        _signer(bob, bob.address, None),
    ]

    # An address whose access is revoked leaves the signers; one given authority joins them.
    _set_email(api, p["Eve"], p["Eve"].address, signing_authority=True)
    _set_email(api, zoe, zoe_addresses[0], login="none")
    assert [s["address"] for s in _signers(api, account_id)] == [
        carl.address,
        p["Eve"].address,
        zoe_addresses[1],
        anna.address,
        bob.address,
    ]


def test_signers_with_the_same_name_and_priority_are_ordered_by_contact_id(api: Api, table: Table) -> None:
    account_id, _ = _account(api, "Twins Ltd", _person("Sam", "Same", priority=3), _person("Sam", "Same", priority=3))
    info = api.get(f"/accounts/{account_id}").body
    contacts = sorted(info["contacts"], key=lambda c: c["id"])
    for c in contacts:
        activate(api, c["id"], c["emails"][0]["address"])
    assert [s["contact_id"] for s in _signers(api, account_id)] == [c["id"] for c in contacts]


def test_a_contact_linked_later_with_a_priority_takes_its_place(api: Api, table: Table) -> None:
    account_id, p = _account(api, "Later Ltd", _person("Xena", "Last", priority=5))
    activate(api, p["Xena"].contact_id, p["Xena"].address)
    address = unique_email("yves")
    linked = created(
        api,
        f"/accounts/{account_id}/contacts",
        {**contact_spec("Yves", "First", emails=[address]), "signer_priority": 1},
    )
    activate(api, linked["id"], address)
    assert [s["address"] for s in _signers(api, account_id)] == [address, p["Xena"].address]


def test_signers_of_an_account_one_may_not_open_are_404(api: Api, firm: TestFirm, table: Table) -> None:
    account_id, p = _account(api, "Hidden Ltd", _person("Hana", "Hidden"))
    activate(api, p["Hana"].contact_id, p["Hana"].address)
    _, token = firm.add_member()  # not on the team, no view-all right
    assert_problem(api.as_(token).get(f"/accounts/{account_id}/signers"), 404)
    assert_problem(api.get("/accounts/01ARZ3NDEKTSV4RRFFQ69G5FAV/signers"), 404)
    _, viewer = firm.add_member(view_all=True)
    assert [s["address"] for s in _signers(api.as_(viewer), account_id)] == [p["Hana"].address]


# --- signing -----------------------------------------------------------------------------------------


def test_the_only_signer_signing_makes_the_proposal_signed(api: Api, table: Table) -> None:
    account_id, p = _account(api, "Solo Ltd", _person("Olga", "Only"))
    activate(api, p["Olga"].contact_id, p["Olga"].address)
    proposal = _proposal(api, account_id)
    assert (proposal["status"], proposal["signed_by"], proposal["signed_at"]) == ("sent", [], None)

    # The address is matched case-insensitively; the stored spelling is recorded.
    signed = _sign(api, account_id, proposal["id"], "  " + p["Olga"].address.upper() + " ")
    assert signed["status"] == "signed"
    assert signed["version"] == proposal["version"] + 1
    assert _signed_addresses(signed) == [p["Olga"].address]
    assert STAMP.match(signed["signed_at"]) and signed["signed_by"][0]["at"] == signed["signed_at"]
    assert signed["sent_at"] == proposal["sent_at"] and signed["name"] == proposal["name"]
    got = api.get(f"/accounts/{account_id}/proposals/{proposal['id']}")
    assert (got.status, got.body, got.etag) == (200, signed, f'"{signed["version"]}"')

    # Signing again changes nothing and answers the proposal as it is.
    with nothing_written(table):
        again = api.post(_sign_path(account_id, proposal["id"]), {"email": p["Olga"].address})
    assert (again.status, again.body) == (200, signed)


def test_two_signers_sign_in_turn(api: Api, table: Table) -> None:
    account_id, p = _account(api, "Duo Ltd", _person("Ada", "One", priority=1), _person("Ben", "Two", priority=2))
    ada, ben = p["Ada"], p["Ben"]
    activate(api, ada.contact_id, ada.address)
    activate(api, ben.contact_id, ben.address)
    proposal = _proposal(api, account_id)
    viewed = api.patch(f"/accounts/{account_id}/proposals/{proposal['id']}", {"status": "viewed"})
    assert viewed.status == 200, viewed.body

    # The second signer by priority may sign first: the order is not enforced.
    first = _sign(api, account_id, proposal["id"], ben.address)
    assert (first["status"], first["signed_at"]) == ("viewed", None)
    assert _signed_addresses(first) == [ben.address]
    with nothing_written(table):
        repeated = api.post(_sign_path(account_id, proposal["id"]), {"email": ben.address})
    assert (repeated.status, repeated.body) == (200, first)

    second = _sign(api, account_id, proposal["id"], ada.address)
    assert second["status"] == "signed"
    assert _signed_addresses(second) == [ben.address, ada.address]
    assert second["signed_by"][0] == first["signed_by"][0]
    assert second["signed_at"] == second["signed_by"][1]["at"]
    assert first["signed_by"][0]["at"] <= second["signed_at"]
    assert second["version"] == viewed.body["version"] + 2

    # Both signatures answered from then on, unchanged.
    for address in (ada.address, ben.address):
        assert api.post(_sign_path(account_id, proposal["id"]), {"email": address}).body == second


def test_an_address_with_two_signing_addresses_signs_with_each(api: Api, table: Table) -> None:
    account_id, p = _account(api, "Pair Ltd", _person("Mia", "Many", addresses=2))
    mia = p["Mia"]
    for address in mia.addresses:
        activate(api, mia.contact_id, address)
    proposal = _proposal(api, account_id)
    assert _sign(api, account_id, proposal["id"], mia.addresses[0])["status"] == "sent"
    assert _sign(api, account_id, proposal["id"], mia.addresses[1])["status"] == "signed"


def test_a_signer_added_after_the_first_signature_must_also_sign(api: Api, table: Table) -> None:
    account_id, p = _account(api, "Growing Ltd", _person("Ann", "First"), _person("Bea", "Second"))
    ann, bea = p["Ann"], p["Bea"]
    activate(api, ann.contact_id, ann.address)
    activate(api, bea.contact_id, bea.address)
    proposal = _proposal(api, account_id)
    assert _sign(api, account_id, proposal["id"], ann.address)["status"] == "sent"

    # A new contact with portal access joins the account's signers.
    cleo_address = unique_email("cleo")
    cleo = created(api, f"/accounts/{account_id}/contacts", contact_spec("Cleo", "Third", emails=[cleo_address]))
    activate(api, cleo["id"], cleo_address)
    assert cleo_address in [s["address"] for s in _signers(api, account_id)]

    after_bea = _sign(api, account_id, proposal["id"], bea.address)
    assert (after_bea["status"], after_bea["signed_at"]) == ("sent", None)
    done = _sign(api, account_id, proposal["id"], cleo_address)
    assert done["status"] == "signed"
    assert _signed_addresses(done) == [ann.address, bea.address, cleo_address]

    # Once signed it stays signed: a signer added later changes nothing, and may not sign it any more.
    dora_address = unique_email("dora")
    dora = created(api, f"/accounts/{account_id}/contacts", contact_spec("Dora", "Fourth", emails=[dora_address]))
    activate(api, dora["id"], dora_address)
    with nothing_written(table):
        late = api.post(_sign_path(account_id, proposal["id"]), {"email": dora_address})
        assert_problem(late, 409)
    assert api.get(f"/accounts/{account_id}/proposals/{proposal['id']}").body == done


def test_a_signer_who_lost_access_no_longer_holds_up_the_proposal(api: Api, table: Table) -> None:
    account_id, p = _account(api, "Shrinking Ltd", _person("Ivy", "In"), _person("Otto", "Out"), _person("Pia", "P"))
    for person in p.values():
        activate(api, person.contact_id, person.address)
    proposal = _proposal(api, account_id)
    assert _sign(api, account_id, proposal["id"], p["Ivy"].address)["status"] == "sent"
    _set_email(api, p["Otto"], p["Otto"].address, signing_authority=False)
    done = _sign(api, account_id, proposal["id"], p["Pia"].address)
    assert done["status"] == "signed"
    assert _signed_addresses(done) == [p["Ivy"].address, p["Pia"].address]


# --- refusals ----------------------------------------------------------------------------------------


def test_refused_signatures_write_nothing(api: Api, firm: TestFirm, table: Table) -> None:
    account_id, p = _account(
        api,
        "Refusals Ltd",
        _person("Sig", "Ner"),
        _person("Nora", "NoAuthority"),
        _person("Ivan", "Invited"),
        _person("Lena", "NoLogin"),
    )
    other_id, other = _account(api, "Other Ltd", _person("Otis", "Other"))
    activate(api, p["Sig"].contact_id, p["Sig"].address)
    activate(api, p["Nora"].contact_id, p["Nora"].address)
    _set_email(api, p["Nora"], p["Nora"].address, signing_authority=False)
    invite(api, p["Ivan"].contact_id, p["Ivan"].address)
    activate(api, other["Otis"].contact_id, other["Otis"].address)

    sent = _proposal(api, account_id)
    draft = _proposal(api, account_id, "draft", "Proposal draft")
    declined = _proposal(api, account_id, "declined", "Proposal declined")
    _, outsider = firm.add_member()  # not on the team

    def sign(proposal_id: str, address: Any, as_: Api = api) -> Any:
        return as_.post(_sign_path(account_id, proposal_id), {"email": address})

    with nothing_written(table):
        assert_problem(sign(sent["id"], p["Nora"].address), 403)  # active, no signing authority
        assert_problem(sign(sent["id"], p["Ivan"].address), 403)  # invited only
        assert_problem(sign(sent["id"], p["Lena"].address), 403)  # no login at all
        assert_problem(sign(sent["id"], other["Otis"].address), 422, loc=("body", "email"))  # another account's
        assert_problem(sign(sent["id"], unique_email("stranger")), 422, loc=("body", "email"))
        assert_problem(sign(sent["id"], "not-an-address"), 400, loc=("body", "email"))
        assert_problem(sign(sent["id"], None), 400, loc=("body", "email"))
        r = api.post(_sign_path(account_id, sent["id"]), {"email": p["Sig"].address, "extra": 1})
        assert_problem(r, 400)
        assert_problem(sign(draft["id"], p["Sig"].address), 409)
        assert_problem(sign(declined["id"], p["Sig"].address), 409)
        assert_problem(sign("01ARZ3NDEKTSV4RRFFQ69G5FAV", p["Sig"].address), 404)
        # the proposal of one account signed through another
        assert_problem(api.post(_sign_path(other_id, sent["id"]), {"email": other["Otis"].address}), 404)
        assert_problem(sign(sent["id"], p["Sig"].address, api.as_(outsider)), 404)
        assert_problem(sign(sent["id"], p["Sig"].address, api.as_(None)), 401)
    for proposal in (sent, draft, declined):
        assert api.get(f"/accounts/{account_id}/proposals/{proposal['id']}").body == proposal


def test_signatures_are_recorded_by_members_who_may_edit_the_account(api: Api, firm: TestFirm, table: Table) -> None:
    """A signature changes a proposal's legal state: a team member without
    'manage accounts' may not record one (403); one with it may."""
    reader_id, reader = firm.add_member()
    manager_id, manager = firm.add_member(manage=True)
    r = api.post(
        "/accounts",
        {
            "name": "Team Ltd",
            "type": "company",
            "team_member_ids": [reader_id, manager_id],
            "contacts": [_person("Tia", "Team")],
        },
    )
    assert r.status == 201, r.body
    account_id, p = r.body["id"], _people(r.body)
    activate(api, p["Tia"].contact_id, p["Tia"].address)
    proposal = _proposal(api, account_id)
    with nothing_written(table):
        assert_problem(api.as_(reader).post(_sign_path(account_id, proposal["id"]), {"email": p["Tia"].address}), 403)
    assert _sign(api.as_(manager), account_id, proposal["id"], p["Tia"].address)["status"] == "signed"


def test_signing_on_an_archived_account_is_409(api: Api, table: Table) -> None:
    account_id, p = _account(api, "Archived Ltd", _person("Arlo", "Archived"))
    activate(api, p["Arlo"].contact_id, p["Arlo"].address)
    proposal = _proposal(api, account_id)
    assert api.delete(f"/accounts/{account_id}").status in (200, 204)
    with nothing_written(table):
        assert_problem(api.post(_sign_path(account_id, proposal["id"]), {"email": p["Arlo"].address}), 409)
    assert api.post(f"/accounts/{account_id}/restore").status == 200
    assert _sign(api, account_id, proposal["id"], p["Arlo"].address)["status"] == "signed"


def test_only_signing_makes_a_proposal_signed_and_a_signed_one_is_final(api: Api, table: Table) -> None:
    account_id, p = _account(api, "Final Ltd", _person("Fern", "Final"))
    activate(api, p["Fern"].contact_id, p["Fern"].address)
    path = f"/accounts/{account_id}/proposals"
    sent = _proposal(api, account_id)
    draft = _proposal(api, account_id, "draft", "Proposal draft")
    viewed = _proposal(api, account_id, "viewed", "Proposal viewed")
    signed = _sign(api, account_id, _proposal(api, account_id, name="Proposal to sign")["id"], p["Fern"].address)
    assert signed["status"] == "signed"

    with nothing_written(table):
        for kind in ("proposal", "engagement_letter"):
            r = api.post(path, {"name": "Forged", "kind": kind, "status": "signed"})
            assert_problem(r, 422, loc=("body", "status"))
        for item in (sent, draft, viewed):
            assert_problem(api.patch(f"{path}/{item['id']}", {"status": "signed"}), 422, loc=("body", "status"))
        for status in ("sent", "viewed", "declined", "draft"):
            r = api.patch(f"{path}/{signed['id']}", {"status": status})
            assert_problem(r, 422, loc=("body", "status"))
        r = api.patch(f"{path}/{signed['id']}", {"status": "declined"}, headers={"If-Match": f'"{signed["version"]}"'})
        assert_problem(r, 422, loc=("body", "status"))
    assert api.get(f"{path}/{signed['id']}").body == signed


# --- concurrency ---------------------------------------------------------------------------------------

PARALLEL_SIGNERS: Final = 4  # the service retries a lost race up to 4 times


@pytest.mark.integration
def test_parallel_signatures_are_all_kept(local_table: Table) -> None:
    from app import app

    firm = make_firm(local_table)
    with Client(app) as http:
        api = Api(http, firm.owner_token)
        people = [_person(f"P{i}", "Parallel") for i in range(PARALLEL_SIGNERS)]
        account_id, p = _account(api, "Parallel Ltd", *people)
        for person in p.values():
            activate(api, person.contact_id, person.address)
        proposal = _proposal(api, account_id)
    addresses = [person.address for person in p.values()]

    def sign(i: int) -> None:
        ctx = Ctx(claims=Claims(firm.firm_id, firm.owner_id), table=local_table)
        signing.sign_proposal(ctx, account_id, proposal["id"], addresses[i])

    statuses, errors = race(sign, PARALLEL_SIGNERS)
    assert statuses == {200: PARALLEL_SIGNERS}, errors
    with Client(app) as http:
        final = Api(http, firm.owner_token).get(f"/accounts/{account_id}/proposals/{proposal['id']}").body
    assert final["status"] == "signed"
    assert sorted(_signed_addresses(final)) == sorted(addresses)
    assert final["version"] == proposal["version"] + PARALLEL_SIGNERS
    assert final["signed_at"] == max(s["at"] for s in final["signed_by"])


# --- from the review ---------------------------------------------------------------------------------


def test_a_proposal_whose_last_signer_left_is_completed_by_signing_again(api: Api) -> None:
    """Ann signs; Ben, the only other signer, loses signing authority: everyone
    left has signed, and Ann signing again completes the proposal."""
    account_id, p = _account(api, "Leaving Ltd", _person("Ann", "Left"), _person("Ben", "Left"))
    for name in ("Ann", "Ben"):
        activate(api, p[name].contact_id, p[name].address)
    proposal = _proposal(api, account_id)
    assert _sign(api, account_id, proposal["id"], p["Ann"].address)["status"] == "sent"
    _set_email(api, p["Ben"], p["Ben"].address, signing_authority=False)
    done = _sign(api, account_id, proposal["id"], p["Ann"].address)
    assert done["status"] == "signed" and done["signed_at"] is not None
    assert _signed_addresses(done) == [p["Ann"].address]
    # and signing once more changes nothing
    assert _sign(api, account_id, proposal["id"], p["Ann"].address) == done


def test_a_signature_is_refused_if_the_login_was_revoked_as_it_is_written(
    api: Api, firm: TestFirm, table: Table
) -> None:
    """The signature's write checks the address in the same transaction, so a
    revocation between the signer's read and the write refuses it."""
    from chalicelib.domain.errors import ForbiddenError
    from chalicelib.repo.contacts import ContactRepo, may_still_sign

    _, p = _account(api, "Race Ltd", _person("Rae", "Race"))
    activate(api, p["Rae"].contact_id, p["Rae"].address)
    as_read = ContactRepo(table).get_email(firm.firm_id, p["Rae"].address, consistent=True)
    assert as_read is not None and as_read.login == "active"
    table.write([may_still_sign(as_read)])  # passes while it may sign
    _set_email(api, p["Rae"], p["Rae"].address, login="none")
    with pytest.raises(ForbiddenError):
        table.write([may_still_sign(as_read)])


def test_a_proposal_sent_again_after_it_was_declined_needs_new_signatures(api: Api) -> None:
    account_id, p = _account(api, "Again Ltd", _person("Ann", "Again"), _person("Ben", "Again"))
    for name in ("Ann", "Ben"):
        activate(api, p[name].contact_id, p[name].address)
    proposal = _proposal(api, account_id)
    _sign(api, account_id, proposal["id"], p["Ann"].address)
    path = f"/accounts/{account_id}/proposals/{proposal['id']}"
    assert api.patch(path, {"status": "declined"}).status == 200
    again = api.patch(path, {"status": "sent", "name": "Engagement 2027 v2"})
    assert again.status == 200 and again.body["signed_by"] == [], again.body
    assert _sign(api, account_id, proposal["id"], p["Ben"].address)["status"] == "sent"
    assert _sign(api, account_id, proposal["id"], p["Ann"].address)["status"] == "signed"


def test_a_signature_survives_the_correction_of_its_address(api: Api, table: Table) -> None:
    account_id, p = _account(api, "Typo BV", _person("Ada", "One", priority=1), _person("Ben", "Two", priority=2))
    ada, ben = p["Ada"], p["Ben"]
    activate(api, ada.contact_id, ada.address)
    activate(api, ben.contact_id, ben.address)
    proposal = _proposal(api, account_id)
    _sign(api, account_id, proposal["id"], ada.address)

    corrected = unique_email("ada-corrected")
    r = api.patch(email_path(ada.contact_id, ada.address), {"address": corrected})
    assert r.status == 200, r.body
    assert corrected in [s["address"] for s in _signers(api, account_id)], "the active login is kept"

    again = _sign(api, account_id, proposal["id"], corrected)
    assert _signed_addresses(again) == [ada.address], "Ada has signed: signing again changes nothing"
    done = _sign(api, account_id, proposal["id"], ben.address)
    assert done["status"] == "signed", "everyone has signed, Ada under her former address"
