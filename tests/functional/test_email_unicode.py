"""E-mail addresses and Unicode (issue 21, defect 5; docs/api.md "Contacts and
portal access"): stored in NFC, compared ignoring case and compatibility
forms, and refused with invisible or bidi characters or mixed scripts."""

from __future__ import annotations

import unicodedata
from functools import partial
from urllib.parse import quote

import pytest

from chalicelib.domain.ids import new_id
from chalicelib.repo.table import Table
from chalicelib.services.inbound import Received, receive
from tests.support.api import Api, TestFirm
from tests.support.factories import contact_spec, create_contact, new_account
from tests.support.problems import assert_problem, assert_refused

NFC_JOERG = unicodedata.normalize("NFC", "jörg.weiß@x.example")
NFD_JOERG = unicodedata.normalize("NFD", NFC_JOERG)


def _addresses(api: Api, contact_id: str) -> list[str]:
    r = api.get(f"/contacts/{contact_id}")
    assert r.status == 200, r.body
    return [e["address"] for e in r.body["emails"]]


@pytest.fixture
def anna(api: Api) -> str:
    """A contact with anna…@x.example and jörg…@x.example (NFC); its id."""
    contact_id: str = create_contact(api, emails=["anna.berg@x.example", NFC_JOERG])["id"]
    return contact_id


def _add(api: Api, contact_id: str, address: str) -> tuple[int, object]:
    r = api.post(f"/contacts/{contact_id}/emails", {"address": address})
    return r.status, r.body


# --- the five addresses the probe got accepted next to anna…@x.example ----------------------------------------


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("\u0430nna.berg@x.example", "a Cyrillic a among Latin letters"),
        ("\u202eanna.berg@x.example", "a right-to-left override in front"),
        ("anna.\u200bberg@x.example", "a zero-width space inside"),
    ],
    ids=["cyrillic-a", "rlo-prefix", "zero-width-space"],
)
def test_a_look_alike_address_is_refused_400_naming_the_field_and_writes_nothing(
    api: Api, table: Table, anna: str, address: str, why: str
) -> None:
    body = assert_refused(table, 400, lambda: api.post(f"/contacts/{anna}/emails", {"address": address}))
    assert any(e["loc"] == ["body", "address"] for e in body["errors"]), (why, body)
    assert _addresses(api, anna) == ["anna.berg@x.example", NFC_JOERG]


def test_a_fullwidth_letter_is_the_same_address_409(api: Api, table: Table, anna: str) -> None:
    assert_refused(table, 409, lambda: api.post(f"/contacts/{anna}/emails", {"address": "\uff41nna.berg@x.example"}))
    other = create_contact(api, "Other", emails=[f"o.{new_id().lower()}@x.example"])["id"]
    assert_refused(
        table,
        409,
        lambda: api.post(f"/contacts/{other}/emails", {"address": "\uff21\uff2e\uff2e\uff21.berg@x.example"}),
    )


def test_the_nfd_form_of_an_nfc_address_is_the_same_address_409(api: Api, table: Table, anna: str) -> None:
    assert NFD_JOERG != NFC_JOERG
    other = create_contact(api, "Other", emails=[f"o.{new_id().lower()}@x.example"])["id"]
    assert_refused(table, 409, lambda: api.post(f"/contacts/{other}/emails", {"address": NFD_JOERG}))
    assert_refused(table, 409, lambda: api.post(f"/contacts/{other}/emails", {"address": NFD_JOERG.upper()}))


# --- kept as typed, in NFC ---------------------------------------------------------------------------------------


def test_an_address_typed_in_nfd_is_stored_and_shown_in_nfc_and_found_in_either_form(api: Api) -> None:
    nfd = unicodedata.normalize("NFD", "zoë.ångström@x.example")
    contact = create_contact(api, emails=[nfd])
    nfc = unicodedata.normalize("NFC", nfd)
    assert [e["address"] for e in contact["emails"]] == [nfc]
    for form in (nfd, nfc, nfc.upper()):
        r = api.get(f"/contacts/{contact['id']}/emails/{quote(form, safe='@')}")
        assert r.status == 200, (form, r.body)
        assert r.body["address"] == nfc


def test_a_fullwidth_address_alone_is_kept_as_typed(api: Api) -> None:
    typed = f"\uff4d\uff41x.{new_id().lower()}@x.example"  # fullwidth "ma", then "x."
    contact = create_contact(api, emails=[typed])
    assert [e["address"] for e in contact["emails"]] == [typed]
    assert api.get(f"/contacts/{contact['id']}/emails/{quote('ma' + typed[2:], safe='@')}").status == 200


def test_single_script_and_cjk_mixes_are_accepted(api: Api) -> None:
    one_script = (
        "\u0430\u043d\u043d\u0430.\u0431\u0435\u0440\u0433@x.example",
        "\u03bc\u03b1\u03c1\u03af\u03b1@x.example",
    )
    for address in (*one_script, "tanaka.田中さん@x.example", "kim.김민준@x.example"):
        status, body = _add(api, create_contact(api, emails=[f"c.{new_id().lower()}@x.example"])["id"], address)
        assert status == 201, (address, body)


# --- everywhere an address enters ----------------------------------------------------------------------------------


def test_inline_contact_addresses_are_checked_too(api: Api, table: Table) -> None:
    bad = [f"ok.{new_id().lower()}@x.example", "anna\u2066.berg@x.example"]
    body = assert_refused(table, 400, lambda: api.post("/contacts", {"first_name": "A", "emails": bad}))
    assert any(e["loc"][:3] == ["body", "emails", 1] for e in body["errors"]), body
    twice = [NFC_JOERG.replace("x.", "y."), NFD_JOERG.replace("x.", "y.")]
    r = api.post("/contacts", {"first_name": "A", "emails": twice})
    assert_problem(r, 422, loc=("body", "emails", 1))  # the same address given twice


def test_member_addresses_follow_the_same_rules(api: Api, table: Table) -> None:
    member = {"name": "Jörg", "email": NFC_JOERG.replace("x.", "staff.")}
    assert api.post("/members", member).status == 201
    for email, status in [
        (NFD_JOERG.replace("x.", "staff."), 409),
        ("j\u00f6rg.wei\u00df@st\u0430ff.example", 400),  # a Cyrillic "a" in the domain
        ("\ufeffj@staff.example", 400),
    ]:
        body = assert_refused(table, status, partial(api.post, "/members", {**member, "email": email}))
        if status == 400:
            assert any(e["loc"] == ["body", "email"] for e in body["errors"]), body


def test_received_mail_matches_its_sender_in_any_normal_form_and_drops_refused_recipients(
    api: Api, firm: TestFirm, table: Table
) -> None:
    address = unicodedata.normalize("NFC", f"zoë.{new_id().lower()}@client.example")
    account = new_account(api, "Sync Zoë", contacts=[contact_spec("Zoë", "Sync", emails=[address])])
    contact_id = account["contacts"][0]["id"]
    assert api.patch(f"/contacts/{contact_id}/emails/{quote(address, safe='@')}", {"email_sync": True}).status == 200
    raw = (
        f"From: Zoë <{unicodedata.normalize('NFD', address)}>\r\n"
        f"To: {firm.firm_id}@in.dossier.example, \u202eevil@client.example, bo@client.example\r\n"
        "Subject: Receipts\r\nDate: Tue, 24 Nov 2026 17:42:00 +0100\r\nMessage-ID: <nfd-1@client.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n"
    ).encode()  # RFC 6532: UTF-8 in the headers
    assert receive(table, firm.firm_id, raw) == Received("recorded", [account["id"]])
    (item,) = api.get(f"/accounts/{account['id']}/emails").body["items"]
    assert item["from_address"] == address
    assert item["to_addresses"] == [f"{firm.firm_id}@in.dossier.example", "bo@client.example"]
