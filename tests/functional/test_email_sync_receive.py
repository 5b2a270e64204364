"""Email sync (issue 5, part 2): a message received at the firm's inbound address is recorded in
the Emails section of every active account its sender's contact is linked to — only when the sender's
address has ``email_sync`` on; otherwise nothing at all is stored. ``chalicelib.services.inbound.receive``
on both backends, checked through ``GET /accounts/{id}/emails``.
"""

from __future__ import annotations

from datetime import timedelta

from chalicelib.repo.table import Table
from chalicelib.services.inbound import Received, receive
from tests.support.api import Api, TestFirm, make_firm, snapshot
from tests.support.factories import contact_spec, created, new_account, unique_email
from tests.support.inbound import DATE_UTC, RECEIVED_AT, message, new_sync
from tests.support.portal import email_path


def test_a_synced_address_is_recorded_on_every_linked_account(api: Api, firm: TestFirm, table: Table) -> None:
    s = new_sync(api, firm)
    raw = message(
        sender=f"Sara Sync <{s.synced.upper()}>",
        to=f"{firm.firm_id}@in.dossier.example, Bo <bo@client.example>",
        subject="=?utf-8?q?Unterlagen_f=C3=BCr_2026?=",
        message_id="<sync-1@client.example>",
    )
    got = receive(table, firm.firm_id, raw)
    assert got == Received("recorded", s.account_ids)
    items = [s.emails(api, a) for a in s.account_ids]
    assert [len(i) for i in items] == [1, 1]
    for account_id, (item,) in zip(s.account_ids, items, strict=True):
        assert item["account_id"] == account_id
        assert (item["direction"], item["status"]) == ("inbound", "received")
        assert item["subject"] == "Unterlagen für 2026"
        assert item["from_address"] == s.synced, "the contact's address, as the firm spelled it"
        assert item["to_addresses"] == [f"{firm.firm_id}@in.dossier.example", "bo@client.example"]
        assert item["at"] == DATE_UTC
        assert item["snippet"] == "Hello, here are the receipts. Anna"
        assert item["version"] == 1 and item["created_by"] is None
    assert items[0][0]["id"] == items[1][0]["id"], "the id comes from the message"


def test_the_same_message_twice_is_recorded_once(api: Api, firm: TestFirm, table: Table) -> None:
    s = new_sync(api, firm)
    raw = message(sender=s.synced, message_id="<twice@client.example>")
    assert receive(table, firm.firm_id, raw).outcome == "recorded"
    before = snapshot(table)
    assert receive(table, firm.firm_id, raw, RECEIVED_AT) == Received("duplicate", [])
    redelivered = message(sender=s.synced, message_id="<twice@client.example>", extra="X-SES-Spam-Verdict: PASS\r\n")
    assert receive(table, firm.firm_id, redelivered) == Received("duplicate", [])
    assert snapshot(table) == before
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]


def test_a_message_without_a_date_delivered_twice_is_recorded_once(api: Api, firm: TestFirm, table: Table) -> None:
    s = new_sync(api, firm)
    raw = message(sender=s.synced, date=None, message_id="<no-date@client.example>")
    assert receive(table, firm.firm_id, raw, RECEIVED_AT).outcome == "recorded"
    again = receive(table, firm.firm_id, raw, RECEIVED_AT + timedelta(minutes=2))
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]
    assert again == Received("duplicate", [])


def test_a_message_linked_to_a_new_account_later_is_recorded_there_only(api: Api, firm: TestFirm, table: Table) -> None:
    s = new_sync(api, firm)
    raw = message(sender=s.synced, message_id="<later@client.example>")
    assert receive(table, firm.firm_id, raw).outcome == "recorded"
    third = new_account(api, "Sync Three", contacts=[{"contact_id": s.contact_id, "description": ""}])
    assert receive(table, firm.firm_id, raw) == Received("recorded", [third["id"]])
    assert len(s.emails(api, third["id"])) == 1
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]


def test_nothing_is_stored_for_an_address_without_sync(api: Api, firm: TestFirm, table: Table) -> None:
    s = new_sync(api, firm)
    other = new_account(api, "Nosync Ltd", contacts=[contact_spec("Nina", "Nosync")])
    nina = other["contacts"][0]["emails"][0]["address"]
    stranger_firm = make_firm(table, "Other & Co")
    before = snapshot(table)
    assert receive(table, firm.firm_id, message(sender=s.unsynced)) == Received("sync_off", [])
    assert receive(table, firm.firm_id, message(sender=f"Nina <{nina}>")) == Received("sync_off", [])
    assert receive(table, firm.firm_id, message(sender=unique_email("stranger"))) == Received("unknown_sender", [])
    assert receive(table, firm.firm_id, message(sender=None)) == Received("unreadable", [])
    assert receive(table, firm.firm_id, b"\x00garbage") == Received("unreadable", [])
    # another firm's contact: unknown here
    assert receive(table, stranger_firm.firm_id, message(sender=s.synced)) == Received("unknown_sender", [])
    assert snapshot(table) == before

    # sync switched off again: nothing more is recorded
    assert api.patch(email_path(s.contact_id, s.synced), {"email_sync": False}).status == 200
    before = snapshot(table)
    assert receive(table, firm.firm_id, message(sender=s.synced)) == Received("sync_off", [])
    assert snapshot(table) == before


def test_archived_accounts_are_skipped(api: Api, firm: TestFirm, table: Table) -> None:
    s = new_sync(api, firm)
    archived, active = s.account_ids
    assert api.delete(f"/accounts/{archived}").status == 204
    raw = message(sender=s.synced, message_id="<archived@client.example>")
    assert receive(table, firm.firm_id, raw) == Received("recorded", [active])
    assert s.emails(api, archived) == []
    assert len(s.emails(api, active)) == 1

    # every account archived: no account to record it on, and nothing stored
    assert api.delete(f"/accounts/{active}").status == 204
    before = snapshot(table)
    later = message(sender=s.synced, message_id="<archived-2@client.example>")
    assert receive(table, firm.firm_id, later) == Received("no_account", [])
    assert snapshot(table) == before


def test_a_synced_contact_on_no_account(api: Api, firm: TestFirm, table: Table) -> None:
    address = unique_email("loner")
    contact = created(api, "/contacts", {"first_name": "Lone", "last_name": "Contact", "emails": [address]})
    assert api.patch(email_path(contact["id"], address), {"email_sync": True}).status == 200
    before = snapshot(table)
    assert receive(table, firm.firm_id, message(sender=address)) == Received("no_account", [])
    assert snapshot(table) == before


def test_badly_encoded_headers_are_stored_without_failing(api: Api, firm: TestFirm, table: Table) -> None:
    s = new_sync(api, firm)
    raw = (
        f"From: Sara <{s.synced}>\r\nTo: caf\xe9@client.example, ok@client.example\r\n"
        "Subject: Caf\xe9 cr\xe8me\r\nMessage-ID: <latin1@client.example>\r\n"
        "Content-Type: text/plain; charset=no-such-charset\r\n\r\nR\xe9sum\xe9\r\n"
    ).encode("latin-1")
    got = receive(table, firm.firm_id, raw)
    assert got == Received("recorded", s.account_ids)
    (item,) = s.emails(api, s.account_ids[0])
    assert item["from_address"] == s.synced
    assert "ok@client.example" in item["to_addresses"]
    assert item["subject"].startswith("Caf")
