"""Signing (issue 5, part 2): a sent proposal becomes ``signed`` once every
current signer has signed it (POST .../sign). An account's signers are the
addresses of its linked contacts with an active portal login and signing
authority, in the links' signer_priority order (test_portal_signers.py).

Everything goes through the HTTP API on both backends, except the race of
parallel signatures, which runs threads against the service layer on
DynamoDB Local (the Chalice test client is not thread-safe, and moto does not
run requests concurrently).
"""

from __future__ import annotations

from typing import Any, Final

import pytest
from chalice.test import Client

from chalicelib.adapters.auth import Claims
from chalicelib.repo.table import Table
from chalicelib.services import signing
from chalicelib.services.context import Ctx
from tests.support.api import Api, TestFirm, make_firm, nothing_written
from tests.support.factories import contact_spec, created, unique_email
from tests.support.portal import activate, email_path, invite
from tests.support.problems import assert_problem
from tests.support.race import race
from tests.support.signing import (
    STAMP,
    account_of_people,
    new_proposal,
    people_of,
    person_spec,
    set_email,
    sign_as,
    sign_path,
    signed_addresses,
    signers_of,
)

# --- signing -----------------------------------------------------------------------------------------


def test_the_only_signer_signing_makes_the_proposal_signed(api: Api, table: Table) -> None:
    account_id, p = account_of_people(api, "Solo Ltd", person_spec("Olga", "Only"))
    activate(api, p["Olga"].contact_id, p["Olga"].address)
    proposal = new_proposal(api, account_id)
    assert (proposal["status"], proposal["signed_by"], proposal["signed_at"]) == ("sent", [], None)

    # The address is matched case-insensitively; the stored spelling is recorded.
    signed = sign_as(api, account_id, proposal["id"], "  " + p["Olga"].address.upper() + " ")
    assert signed["status"] == "signed"
    assert signed["version"] == proposal["version"] + 1
    assert signed_addresses(signed) == [p["Olga"].address]
    assert STAMP.match(signed["signed_at"]) and signed["signed_by"][0]["at"] == signed["signed_at"]
    assert signed["sent_at"] == proposal["sent_at"] and signed["name"] == proposal["name"]
    got = api.get(f"/accounts/{account_id}/proposals/{proposal['id']}")
    assert (got.status, got.body, got.etag) == (200, signed, f'"{signed["version"]}"')

    # Signing again changes nothing and answers the proposal as it is.
    with nothing_written(table):
        again = api.post(sign_path(account_id, proposal["id"]), {"email": p["Olga"].address})
    assert (again.status, again.body) == (200, signed)


def test_two_signers_sign_in_turn(api: Api, table: Table) -> None:
    account_id, p = account_of_people(
        api, "Duo Ltd", person_spec("Ada", "One", priority=1), person_spec("Ben", "Two", priority=2)
    )
    ada, ben = p["Ada"], p["Ben"]
    activate(api, ada.contact_id, ada.address)
    activate(api, ben.contact_id, ben.address)
    proposal = new_proposal(api, account_id)
    viewed = api.patch(f"/accounts/{account_id}/proposals/{proposal['id']}", {"status": "viewed"})
    assert viewed.status == 200, viewed.body

    # The second signer by priority may sign first: the order is not enforced.
    first = sign_as(api, account_id, proposal["id"], ben.address)
    assert (first["status"], first["signed_at"]) == ("viewed", None)
    assert signed_addresses(first) == [ben.address]
    with nothing_written(table):
        repeated = api.post(sign_path(account_id, proposal["id"]), {"email": ben.address})
    assert (repeated.status, repeated.body) == (200, first)

    second = sign_as(api, account_id, proposal["id"], ada.address)
    assert second["status"] == "signed"
    assert signed_addresses(second) == [ben.address, ada.address]
    assert second["signed_by"][0] == first["signed_by"][0]
    assert second["signed_at"] == second["signed_by"][1]["at"]
    assert first["signed_by"][0]["at"] <= second["signed_at"]
    assert second["version"] == viewed.body["version"] + 2

    # Both signatures answered from then on, unchanged.
    for address in (ada.address, ben.address):
        assert api.post(sign_path(account_id, proposal["id"]), {"email": address}).body == second


def test_an_address_with_two_signing_addresses_signs_with_each(api: Api, table: Table) -> None:
    account_id, p = account_of_people(api, "Pair Ltd", person_spec("Mia", "Many", addresses=2))
    mia = p["Mia"]
    for address in mia.addresses:
        activate(api, mia.contact_id, address)
    proposal = new_proposal(api, account_id)
    assert sign_as(api, account_id, proposal["id"], mia.addresses[0])["status"] == "sent"
    assert sign_as(api, account_id, proposal["id"], mia.addresses[1])["status"] == "signed"


def test_a_signer_added_after_the_first_signature_must_also_sign(api: Api, table: Table) -> None:
    account_id, p = account_of_people(api, "Growing Ltd", person_spec("Ann", "First"), person_spec("Bea", "Second"))
    ann, bea = p["Ann"], p["Bea"]
    activate(api, ann.contact_id, ann.address)
    activate(api, bea.contact_id, bea.address)
    proposal = new_proposal(api, account_id)
    assert sign_as(api, account_id, proposal["id"], ann.address)["status"] == "sent"

    # A new contact with portal access joins the account's signers.
    cleo_address = unique_email("cleo")
    cleo = created(api, f"/accounts/{account_id}/contacts", contact_spec("Cleo", "Third", emails=[cleo_address]))
    activate(api, cleo["id"], cleo_address)
    assert cleo_address in [s["address"] for s in signers_of(api, account_id)]

    after_bea = sign_as(api, account_id, proposal["id"], bea.address)
    assert (after_bea["status"], after_bea["signed_at"]) == ("sent", None)
    done = sign_as(api, account_id, proposal["id"], cleo_address)
    assert done["status"] == "signed"
    assert signed_addresses(done) == [ann.address, bea.address, cleo_address]

    # Once signed it stays signed: a signer added later changes nothing, and may not sign it any more.
    dora_address = unique_email("dora")
    dora = created(api, f"/accounts/{account_id}/contacts", contact_spec("Dora", "Fourth", emails=[dora_address]))
    activate(api, dora["id"], dora_address)
    with nothing_written(table):
        late = api.post(sign_path(account_id, proposal["id"]), {"email": dora_address})
        assert_problem(late, 409)
    assert api.get(f"/accounts/{account_id}/proposals/{proposal['id']}").body == done


def test_a_signer_who_lost_access_no_longer_holds_up_the_proposal(api: Api, table: Table) -> None:
    account_id, p = account_of_people(
        api, "Shrinking Ltd", person_spec("Ivy", "In"), person_spec("Otto", "Out"), person_spec("Pia", "P")
    )
    for person in p.values():
        activate(api, person.contact_id, person.address)
    proposal = new_proposal(api, account_id)
    assert sign_as(api, account_id, proposal["id"], p["Ivy"].address)["status"] == "sent"
    set_email(api, p["Otto"], p["Otto"].address, signing_authority=False)
    done = sign_as(api, account_id, proposal["id"], p["Pia"].address)
    assert done["status"] == "signed"
    assert signed_addresses(done) == [p["Ivy"].address, p["Pia"].address]


# --- refusals ----------------------------------------------------------------------------------------


def test_refused_signatures_write_nothing(api: Api, firm: TestFirm, table: Table) -> None:
    account_id, p = account_of_people(
        api,
        "Refusals Ltd",
        person_spec("Sig", "Ner"),
        person_spec("Nora", "NoAuthority"),
        person_spec("Ivan", "Invited"),
        person_spec("Lena", "NoLogin"),
    )
    other_id, other = account_of_people(api, "Other Ltd", person_spec("Otis", "Other"))
    activate(api, p["Sig"].contact_id, p["Sig"].address)
    activate(api, p["Nora"].contact_id, p["Nora"].address)
    set_email(api, p["Nora"], p["Nora"].address, signing_authority=False)
    invite(api, p["Ivan"].contact_id, p["Ivan"].address)
    activate(api, other["Otis"].contact_id, other["Otis"].address)

    sent = new_proposal(api, account_id)
    draft = new_proposal(api, account_id, "draft", "Proposal draft")
    declined = new_proposal(api, account_id, "declined", "Proposal declined")
    _, outsider = firm.add_member()  # not on the team

    def sign(proposal_id: str, address: Any, as_: Api = api) -> Any:
        return as_.post(sign_path(account_id, proposal_id), {"email": address})

    with nothing_written(table):
        assert_problem(sign(sent["id"], p["Nora"].address), 403)  # active, no signing authority
        assert_problem(sign(sent["id"], p["Ivan"].address), 403)  # invited only
        assert_problem(sign(sent["id"], p["Lena"].address), 403)  # no login at all
        assert_problem(sign(sent["id"], other["Otis"].address), 422, loc=("body", "email"))  # another account's
        assert_problem(sign(sent["id"], unique_email("stranger")), 422, loc=("body", "email"))
        assert_problem(sign(sent["id"], "not-an-address"), 400, loc=("body", "email"))
        assert_problem(sign(sent["id"], None), 400, loc=("body", "email"))
        r = api.post(sign_path(account_id, sent["id"]), {"email": p["Sig"].address, "extra": 1})
        assert_problem(r, 400)
        assert_problem(sign(draft["id"], p["Sig"].address), 409)
        assert_problem(sign(declined["id"], p["Sig"].address), 409)
        assert_problem(sign("01ARZ3NDEKTSV4RRFFQ69G5FAV", p["Sig"].address), 404)
        # the proposal of one account signed through another
        assert_problem(api.post(sign_path(other_id, sent["id"]), {"email": other["Otis"].address}), 404)
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
            "contacts": [person_spec("Tia", "Team")],
        },
    )
    assert r.status == 201, r.body
    account_id, p = r.body["id"], people_of(r.body)
    activate(api, p["Tia"].contact_id, p["Tia"].address)
    proposal = new_proposal(api, account_id)
    with nothing_written(table):
        assert_problem(api.as_(reader).post(sign_path(account_id, proposal["id"]), {"email": p["Tia"].address}), 403)
    assert sign_as(api.as_(manager), account_id, proposal["id"], p["Tia"].address)["status"] == "signed"


def test_signing_on_an_archived_account_is_409(api: Api, table: Table) -> None:
    account_id, p = account_of_people(api, "Archived Ltd", person_spec("Arlo", "Archived"))
    activate(api, p["Arlo"].contact_id, p["Arlo"].address)
    proposal = new_proposal(api, account_id)
    assert api.delete(f"/accounts/{account_id}").status in (200, 204)
    with nothing_written(table):
        assert_problem(api.post(sign_path(account_id, proposal["id"]), {"email": p["Arlo"].address}), 409)
    assert api.post(f"/accounts/{account_id}/restore").status == 200
    assert sign_as(api, account_id, proposal["id"], p["Arlo"].address)["status"] == "signed"


def test_only_signing_makes_a_proposal_signed_and_a_signed_one_is_final(api: Api, table: Table) -> None:
    account_id, p = account_of_people(api, "Final Ltd", person_spec("Fern", "Final"))
    activate(api, p["Fern"].contact_id, p["Fern"].address)
    path = f"/accounts/{account_id}/proposals"
    sent = new_proposal(api, account_id)
    draft = new_proposal(api, account_id, "draft", "Proposal draft")
    viewed = new_proposal(api, account_id, "viewed", "Proposal viewed")
    signed = sign_as(api, account_id, new_proposal(api, account_id, name="Proposal to sign")["id"], p["Fern"].address)
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
        people = [person_spec(f"P{i}", "Parallel") for i in range(PARALLEL_SIGNERS)]
        account_id, p = account_of_people(api, "Parallel Ltd", *people)
        for person in p.values():
            activate(api, person.contact_id, person.address)
        proposal = new_proposal(api, account_id)
    addresses = [person.address for person in p.values()]

    def sign(i: int) -> None:
        ctx = Ctx(claims=Claims(firm.firm_id, firm.owner_id), table=local_table)
        signing.sign_proposal(ctx, account_id, proposal["id"], addresses[i])

    statuses, errors = race(sign, PARALLEL_SIGNERS)
    assert statuses == {200: PARALLEL_SIGNERS}, errors
    with Client(app) as http:
        final = Api(http, firm.owner_token).get(f"/accounts/{account_id}/proposals/{proposal['id']}").body
    assert final["status"] == "signed"
    assert sorted(signed_addresses(final)) == sorted(addresses)
    assert final["version"] == proposal["version"] + PARALLEL_SIGNERS
    assert final["signed_at"] == max(s["at"] for s in final["signed_by"])


# --- from the review ---------------------------------------------------------------------------------


def test_a_proposal_whose_last_signer_left_is_completed_by_signing_again(api: Api) -> None:
    """Ann signs; Ben, the only other signer, loses signing authority: everyone
    left has signed, and Ann signing again completes the proposal."""
    account_id, p = account_of_people(api, "Leaving Ltd", person_spec("Ann", "Left"), person_spec("Ben", "Left"))
    for name in ("Ann", "Ben"):
        activate(api, p[name].contact_id, p[name].address)
    proposal = new_proposal(api, account_id)
    assert sign_as(api, account_id, proposal["id"], p["Ann"].address)["status"] == "sent"
    set_email(api, p["Ben"], p["Ben"].address, signing_authority=False)
    done = sign_as(api, account_id, proposal["id"], p["Ann"].address)
    assert done["status"] == "signed" and done["signed_at"] is not None
    assert signed_addresses(done) == [p["Ann"].address]
    # and signing once more changes nothing
    assert sign_as(api, account_id, proposal["id"], p["Ann"].address) == done


def test_a_signature_is_refused_if_the_login_was_revoked_as_it_is_written(
    api: Api, firm: TestFirm, table: Table
) -> None:
    """The signature's write checks the address in the same transaction, so a
    revocation between the signer's read and the write refuses it."""
    from chalicelib.domain.errors import ForbiddenError
    from chalicelib.repo.contacts import ContactRepo, may_still_sign

    _, p = account_of_people(api, "Race Ltd", person_spec("Rae", "Race"))
    activate(api, p["Rae"].contact_id, p["Rae"].address)
    as_read = ContactRepo(table).get_email(firm.firm_id, p["Rae"].address, consistent=True)
    assert as_read is not None and as_read.login == "active"
    table.write([may_still_sign(as_read)])  # passes while it may sign
    set_email(api, p["Rae"], p["Rae"].address, login="none")
    with pytest.raises(ForbiddenError):
        table.write([may_still_sign(as_read)])


def test_a_proposal_sent_again_after_it_was_declined_needs_new_signatures(api: Api) -> None:
    account_id, p = account_of_people(api, "Again Ltd", person_spec("Ann", "Again"), person_spec("Ben", "Again"))
    for name in ("Ann", "Ben"):
        activate(api, p[name].contact_id, p[name].address)
    proposal = new_proposal(api, account_id)
    sign_as(api, account_id, proposal["id"], p["Ann"].address)
    path = f"/accounts/{account_id}/proposals/{proposal['id']}"
    assert api.patch(path, {"status": "declined"}).status == 200
    again = api.patch(path, {"status": "sent", "name": "Engagement 2027 v2"})
    assert again.status == 200 and again.body["signed_by"] == [], again.body
    assert sign_as(api, account_id, proposal["id"], p["Ben"].address)["status"] == "sent"
    assert sign_as(api, account_id, proposal["id"], p["Ann"].address)["status"] == "signed"


def test_a_signature_survives_the_correction_of_its_address(api: Api, table: Table) -> None:
    account_id, p = account_of_people(
        api, "Typo BV", person_spec("Ada", "One", priority=1), person_spec("Ben", "Two", priority=2)
    )
    ada, ben = p["Ada"], p["Ben"]
    activate(api, ada.contact_id, ada.address)
    activate(api, ben.contact_id, ben.address)
    proposal = new_proposal(api, account_id)
    sign_as(api, account_id, proposal["id"], ada.address)

    corrected = unique_email("ada-corrected")
    r = api.patch(email_path(ada.contact_id, ada.address), {"address": corrected})
    assert r.status == 200, r.body
    assert corrected in [s["address"] for s in signers_of(api, account_id)], "the active login is kept"

    again = sign_as(api, account_id, proposal["id"], corrected)
    assert signed_addresses(again) == [ada.address], "Ada has signed: signing again changes nothing"
    done = sign_as(api, account_id, proposal["id"], ben.address)
    assert done["status"] == "signed", "everyone has signed, Ada under her former address"
