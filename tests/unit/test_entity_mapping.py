"""The declared mappings store every entity exactly as the hand-written
mappers did (the expected items are their output, captured before they were
replaced), read their items back unchanged, and default what old items lack."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.entities import (
    Account,
    AccountSummary,
    Contact,
    CustomField,
    Email,
    Firm,
    Invitation,
    Link,
    Member,
    SearchEntry,
    Tag,
)
from chalicelib.domain.search_terms import IndexToken
from chalicelib.repo.records import custom_field_change, from_item, list_entries, search_entry, to_item
from chalicelib.repo.table import to_wire

T = "2026-01-02T03:04:05Z"
T3 = "2026-01-03T00:00:00Z"
T9 = "2026-01-09T00:00:00Z"

FIRM = Firm("F1", "Acme & Co", "EUR", T, 3, "nl", "sequential")
FIRM_NEW = Firm("F1", "Acme & Co", "USD", T)
MEMBER = Member("F1", "M1", "Olivia Owner", "olivia@x.example", "owner", True, False, T, 2)
TAG = Tag("F1", "T1", "VIP", "#FF0000", 4)
ACCOUNT = Account(
    "F1", "A1", "Zoë Ångström Holdings", "company", ["T1", "T2"], ["M1"], {"city": "Oslo", "street": "1 Main"},
    {"CF1": "x", "CF2": Decimal("3")}, T, T3, "M1", "photos/F1/A1.jpg", Decimal("12.50"), "EUR", True, 3, 7,
    ["a@b.example", "c@d.example"], "manual", 2, "2026-01-04T00:00:00Z", {"status": "synced", "synced_at": T},
)  # fmt: skip
ACCOUNT_NEW = Account("F1", "A2", "Bob", "person", [], [], None, {}, T, T, "M1")
LINK = Link("F1", "A1", "C1", "CEO", 2, T, 5)
LINK_BARE = Link("F1", "A1", "C2", "", None, T)
CONTACT = Contact(
    "F1", "C1", "Anna", "B.", "Çelik", [{"number": "123", "label": "work"}], {"city": "Rome"}, {"CF3": True},
    ["Anna@Example.com", "anna2@x.example"], {"A1", "A2"}, T, T3, "M1", 4,
)  # fmt: skip
CONTACT_BARE = Contact("F1", "C2", "", "", "", [], None, {}, ["solo@x.example"], set(), T, T, "M1")
EMAIL = Email("F1", "Anna@Example.com", "C1")
EMAIL_INVITED = Email(
    "F1", "anna2@x.example", "C1", "invited", False, {"new_message": True, "new_document": False}, True, False, T, 2,
    "ab" * 32, T, T9, "sent", None,
)  # fmt: skip
INVITATION = Invitation("F1", "cd" * 32, "anna2@x.example", "C1", T9, 1767916800, T, "M1")
ACCEPTED = Invitation("F1", "ef" * 32, "anna2@x.example", "C1", T9, 1767916800, T, "M1", "accepted", T, token="secret")
FIELD = CustomField("F1", "CF1", "account", "Tax ID", "text", [], T, T)
FIELD_REMOVED = CustomField("F1", "CF2", "contact", "Tier", "select", ["Gold", "Silver"], T, T3, True, 3)

ACCOUNT_SUMMARY_ATTRS: dict[str, Any] = {
    "firm_id": "F1",
    "id": "A1",
    "name": "Zoë Ångström Holdings",
    "type": "company",
    "tags": ["T1", "T2"],
    "team_member_ids": ["M1"],
    "photo_key": "photos/F1/A1.jpg",
    "archived": True,
    "contact_emails": ["a@b.example", "c@d.example"],
}

EXPECTED: list[tuple[object, dict[str, Any]]] = [
    (FIRM, {
        "PK": "FIRM#F1", "SK": "FIRM", "entity": "firm", "id": "F1", "name": "Acme & Co", "currency": "EUR",
        "created_at": T, "version": 3, "language": "nl", "signing_order": "sequential",
        "audit_retention_days": 365,
    }),
    (FIRM_NEW, {
        "PK": "FIRM#F1", "SK": "FIRM", "entity": "firm", "id": "F1", "name": "Acme & Co", "currency": "USD",
        "created_at": T, "version": 1, "language": "en", "signing_order": "any",
        "audit_retention_days": 365,
    }),
    (MEMBER, {
        "PK": "FIRM#F1", "SK": "MEMBER#M1", "entity": "member", "firm_id": "F1", "id": "M1", "name": "Olivia Owner",
        "email": "olivia@x.example", "role": "owner", "view_all_accounts": True, "manage_accounts": False,
        "created_at": T, "version": 2, "status": "active", "identity_issuer": "", "identity_subject": "",
    }),
    (TAG, {
        "PK": "FIRM#F1", "SK": "TAG#T1", "entity": "tag", "firm_id": "F1", "id": "T1", "name": "VIP",
        "color": "#FF0000", "version": 4,
    }),
    (ACCOUNT, {
        "PK": "FIRM#F1#ACCOUNT#A1", "SK": "PROFILE", "entity": "account", "GSI1PK": "FIRM#F1#ACCOUNTS#ARCHIVED",
        "GSI1SK": "zoe angstrom holdings #A1", **ACCOUNT_SUMMARY_ATTRS,
        "address": {"city": "Oslo", "street": "1 Main"}, "custom_fields": {"CF1": "x", "CF2": Decimal("3")},
        "credit_balance": Decimal("12.50"), "currency": "EUR", "contact_count": 3, "created_at": T,
        "updated_at": T3, "created_by": "M1", "version": 7, "quickbooks_sync_mode": "manual", "billing_count": 2,
        "billing_updated_at": "2026-01-04T00:00:00Z", "qb_result": {"status": "synced", "synced_at": T},
    }),
    (ACCOUNT_NEW, {
        "PK": "FIRM#F1#ACCOUNT#A2", "SK": "PROFILE", "entity": "account", "GSI1PK": "FIRM#F1#ACCOUNTS#ACTIVE",
        "GSI1SK": "bob #A2", "firm_id": "F1", "id": "A2", "name": "Bob", "type": "person", "tags": [],
        "team_member_ids": [], "photo_key": None, "archived": False, "contact_emails": [], "address": None,
        "custom_fields": {}, "credit_balance": Decimal("0"), "currency": "USD", "contact_count": 0, "created_at": T,
        "updated_at": T, "created_by": "M1", "version": 1, "quickbooks_sync_mode": "auto", "billing_count": 0,
        "billing_updated_at": None, "qb_result": None,
    }),
    (LINK, {
        "PK": "FIRM#F1#ACCOUNT#A1", "SK": "PROFILE#CONTACT#C1", "entity": "account_contact", "firm_id": "F1",
        "account_id": "A1", "contact_id": "C1", "description": "CEO", "signer_priority": 2, "created_at": T,
        "version": 5,
    }),
    (LINK_BARE, {
        "PK": "FIRM#F1#ACCOUNT#A1", "SK": "PROFILE#CONTACT#C2", "entity": "account_contact", "firm_id": "F1",
        "account_id": "A1", "contact_id": "C2", "description": "", "signer_priority": None, "created_at": T,
        "version": 1,
    }),
    (CONTACT, {
        "PK": "FIRM#F1#CONTACT#C1", "SK": "CONTACT", "entity": "contact", "GSI1PK": "FIRM#F1#CONTACTS",
        "GSI1SK": "anna b. celik #C1", "firm_id": "F1", "id": "C1", "first_name": "Anna", "middle_name": "B.",
        "last_name": "Çelik", "phones": [{"number": "123", "label": "work"}], "address": {"city": "Rome"},
        "custom_fields": {"CF3": True}, "emails": ["Anna@Example.com", "anna2@x.example"],
        "account_ids": {"A2", "A1"}, "created_at": T, "updated_at": T3, "created_by": "M1", "version": 4,
        "language": "en",
    }),
    (CONTACT_BARE, {
        "PK": "FIRM#F1#CONTACT#C2", "SK": "CONTACT", "entity": "contact", "GSI1PK": "FIRM#F1#CONTACTS",
        "GSI1SK": "solo@x.example #C2", "firm_id": "F1", "id": "C2", "first_name": "", "middle_name": "",
        "last_name": "", "phones": [], "address": None, "custom_fields": {}, "emails": ["solo@x.example"],
        "account_ids": None, "created_at": T, "updated_at": T, "created_by": "M1", "version": 1,
        "language": "en",
    }),
    (EMAIL, {
        "PK": "FIRM#F1#EMAIL#anna@example.com", "SK": "EMAIL", "entity": "email", "firm_id": "F1",
        "address": "Anna@Example.com", "contact_id": "C1", "login": "none", "notify": True,
        "notification_preferences": {}, "email_sync": False, "signing_authority": True, "created_at": "",
        "version": 1, "invite_hash": None, "invited_at": None, "invite_expires_at": None, "invite_delivery": None,
        "login_since": None, "delivery_problem": None, "delivery_problem_at": None,
    }),
    (EMAIL_INVITED, {
        "PK": "FIRM#F1#EMAIL#anna2@x.example", "SK": "EMAIL", "entity": "email", "firm_id": "F1",
        "address": "anna2@x.example", "contact_id": "C1", "login": "invited", "notify": False,
        "notification_preferences": {"new_message": True, "new_document": False}, "email_sync": True,
        "signing_authority": False, "created_at": T, "version": 2, "invite_hash": "ab" * 32, "invited_at": T,
        "invite_expires_at": T9, "invite_delivery": "sent", "login_since": None, "delivery_problem": None,
        "delivery_problem_at": None,
    }),
    (INVITATION, {
        "PK": "FIRM#F1#INVITE#" + "cd" * 32, "SK": "INVITE", "entity": "invitation", "firm_id": "F1",
        "GSI1PK": "FIRM#F1#CONTACT#C1#INVITES", "GSI1SK": T,
        "address": "anna2@x.example", "contact_id": "C1", "valid_until": T9, "expires_at": 1767916800,
        "created_at": T, "created_by": "M1", "state": "pending", "accepted_at": None,
    }),
    (ACCEPTED, {
        "PK": "FIRM#F1#INVITE#" + "ef" * 32, "SK": "INVITE", "entity": "invitation", "firm_id": "F1",
        "GSI1PK": "FIRM#F1#CONTACT#C1#INVITES", "GSI1SK": T,
        "address": "anna2@x.example", "contact_id": "C1", "valid_until": T9, "expires_at": 1767916800,
        "created_at": T, "created_by": "M1", "state": "accepted", "accepted_at": T,
    }),
    (FIELD, {
        "PK": "FIRM#F1", "SK": "CUSTOMFIELD#CF1", "entity": "custom_field", "firm_id": "F1", "id": "CF1",
        "target": "account", "label": "Tax ID", "kind": "text", "options": [], "created_at": T, "updated_at": T,
        "removed": False, "version": 1,
    }),
    (FIELD_REMOVED, {
        "PK": "FIRM#F1", "SK": "CUSTOMFIELD#CF2", "entity": "custom_field", "firm_id": "F1", "id": "CF2",
        "target": "contact", "label": "Tier", "kind": "select", "options": ["Gold", "Silver"], "created_at": T,
        "updated_at": T3, "removed": True, "version": 3,
    }),
]  # fmt: skip


def _same(item: dict[str, Any], expected: dict[str, Any]) -> None:
    """Equal, and equal on the wire: True == 1 in Python, not in DynamoDB."""
    assert item == expected
    assert _sets_sorted(to_wire(item)) == _sets_sorted(to_wire(expected))


def _sets_sorted(wire: dict[str, Any]) -> dict[str, Any]:
    """A set's members come out in hash order, which differs between runs."""
    return {k: {t: sorted(v)} if t in ("SS", "NS") else {t: v} for k, d in wire.items() for t, v in d.items()}


@pytest.mark.parametrize(("entity", "expected"), EXPECTED, ids=lambda v: type(v).__name__)
def test_items_are_stored_as_before(entity: object, expected: dict[str, Any]) -> None:
    _same(to_item(entity), expected)


@pytest.mark.parametrize(
    "entity", [e for e, _ in EXPECTED if not isinstance(e, Invitation)], ids=lambda e: type(e).__name__
)
def test_items_read_back_as_written(entity: object) -> None:
    assert from_item(type(entity), to_item(entity)) == entity


def test_an_invitation_reads_back_without_its_token() -> None:
    assert from_item(Invitation, to_item(INVITATION), token_hash=INVITATION.token_hash) == INVITATION
    read = from_item(Invitation, to_item(ACCEPTED), token_hash=ACCEPTED.token_hash)
    assert read == replace(ACCEPTED, token="")


def test_numbers_read_from_dynamodb_become_the_field_types() -> None:
    wire_numbers = {"version": Decimal("7"), "contact_count": Decimal("3"), "billing_count": Decimal("2")}
    account = from_item(Account, {**to_item(ACCOUNT), **wire_numbers})
    assert account == ACCOUNT
    assert [type(v) for v in (account.version, account.contact_count, account.billing_count)] == [int, int, int]
    link = from_item(Link, {**to_item(LINK), "signer_priority": Decimal("2"), "version": Decimal("5")})
    assert link == LINK and type(link.signer_priority) is int
    item = {**to_item(INVITATION), "expires_at": Decimal("1767916800")}
    assert type(from_item(Invitation, item, token_hash=INVITATION.token_hash).expires_ttl) is int
    assert from_item(Contact, {**to_item(CONTACT_BARE), "account_ids": None}) == CONTACT_BARE
    preferences = {**to_item(EMAIL_INVITED), "notification_preferences": {"new_message": 1}}
    assert from_item(Email, preferences) == replace(EMAIL_INVITED, notification_preferences={"new_message": True})


def test_list_entries_are_stored_as_before() -> None:
    entry = {"PK": "FIRM#F1#ACCOUNT#A1", "entity": "account_list_entry", "GSI1SK": "zoe angstrom holdings #A1"}
    expected = [
        {**entry, "SK": "LIST#TEAM#M1", "GSI1PK": "FIRM#F1#TEAM#M1#ARCHIVED", **ACCOUNT_SUMMARY_ATTRS},
        {**entry, "SK": "LIST#TAG#T1", "GSI1PK": "FIRM#F1#TAG#T1#ARCHIVED", **ACCOUNT_SUMMARY_ATTRS},
        {**entry, "SK": "LIST#TAG#T2", "GSI1PK": "FIRM#F1#TAG#T2#ARCHIVED", **ACCOUNT_SUMMARY_ATTRS},
    ]
    entries = list_entries(ACCOUNT)
    assert len(entries) == len(expected)
    for item, want in zip(entries, expected, strict=True):
        _same(item, want)
    assert list_entries(ACCOUNT_NEW) == []
    summary = AccountSummary(**ACCOUNT_SUMMARY_ATTRS)
    assert [from_item(AccountSummary, e) for e in entries] == [summary] * 3
    assert from_item(AccountSummary, to_item(ACCOUNT)) == summary == ACCOUNT.summary()


def test_search_entries_are_stored_as_before() -> None:
    full = search_entry(ACCOUNT, IndexToken("zoe", 1, ("a@b.example", "c@d.example")))
    _same(full, {
        "PK": "FIRM#F1#ACCOUNT#A1", "SK": "SEARCH#zoe", "entity": "search", "GSI3PK": "FIRM#F1#SEARCH#zoe",
        "GSI3SK": "zoe 1zoe angstrom holdings", "n": "Zoë Ångström Holdings", "ty": "company",
        "e": ["a@b.example", "c@d.example"], "p": "photos/F1/A1.jpg",
    })  # fmt: skip
    bare = search_entry(ACCOUNT_NEW, IndexToken("bo", 2, ()))
    _same(bare, {
        "PK": "FIRM#F1#ACCOUNT#A2", "SK": "SEARCH#bo", "entity": "search", "GSI3PK": "FIRM#F1#SEARCH#bo",
        "GSI3SK": "bo 2bob", "n": "Bob", "ty": "person",
    })  # fmt: skip
    addresses = ["a@b.example", "c@d.example"]
    assert from_item(SearchEntry, full) == SearchEntry(
        "A1", "Zoë Ångström Holdings", "company", addresses, ACCOUNT.photo_key
    )
    assert from_item(SearchEntry, bare) == SearchEntry("A2", "Bob", "person", [], None)


def test_custom_field_changes_are_stored_as_before() -> None:
    line = {"PK": "FIRM#F1#ACCOUNT#A1", "entity": "custom_field_change", "field_id": "CF1", "member_id": "M1", "at": T}
    both = custom_field_change("F1", "A1", "H1", "CF1", "old", "new", "M1", T)
    _same(both, {**line, "SK": "CFHIST#H1", "id": "H1", "old": "old", "new": "new"})
    no_old = custom_field_change("F1", "A1", "H2", "CF1", None, False, "M1", T)
    _same(no_old, {**line, "SK": "CFHIST#H2", "id": "H2", "new": False})
    no_new = custom_field_change("F1", "A1", "H3", "CF1", Decimal("0"), None, "M1", T)
    _same(no_new, {**line, "SK": "CFHIST#H3", "id": "H3", "old": Decimal("0")})


# Items as older writes left them: only the attributes every version stored.
OLD_ITEMS: list[tuple[type[Any], dict[str, Any], object]] = [
    (Firm, {"id": "F1", "name": "N", "currency": "USD", "created_at": T, "version": Decimal("2")},
     Firm("F1", "N", "USD", T, 2)),
    (Firm, {"id": "F1", "name": "N", "created_at": T}, Firm("F1", "N", "USD", T, 1, "en", "any")),
    (Member, {"firm_id": "F1", "id": "M1", "name": "N", "email": "e@x", "role": "employee", "created_at": T},
     Member("F1", "M1", "N", "e@x", "employee", False, False, T, 1)),
    (Tag, {"firm_id": "F1", "id": "T1", "name": "N", "color": "#000000"}, Tag("F1", "T1", "N", "#000000", 1)),
    (Account, {"firm_id": "F1", "id": "A1", "name": "N", "type": "company", "created_at": T, "updated_at": T},
     Account("F1", "A1", "N", "company", [], [], None, {}, T, T, "", None, Decimal("0"), "USD", False, 0, 1, [],
             "auto", 0, None, None)),
    (AccountSummary, {"firm_id": "F1", "id": "A1", "name": "N", "type": "company"},
     AccountSummary("F1", "A1", "N", "company", [], [], None, False, [])),
    (Link, {"firm_id": "F1", "account_id": "A1", "contact_id": "C1", "created_at": T},
     Link("F1", "A1", "C1", "", None, T, 1)),
    (Contact, {"firm_id": "F1", "id": "C1", "created_at": T, "updated_at": T},
     Contact("F1", "C1", "", "", "", [], None, {}, [], set(), T, T, "", 1)),
    (Email, {"firm_id": "F1", "address": "a@x", "contact_id": "C1"},
     Email("F1", "a@x", "C1", "none", True, {}, False, True, "", 1, None, None, None, None, None)),
    (CustomField, {"firm_id": "F1", "id": "CF1", "target": "account", "label": "L", "kind": "text", "created_at": T},
     CustomField("F1", "CF1", "account", "L", "text", [], T, T, False, 1)),
    (SearchEntry, {"PK": "FIRM#F1#ACCOUNT#A1", "SK": "SEARCH#bo", "n": "Bob", "ty": "person"},
     SearchEntry("A1", "Bob", "person", [], None)),
]  # fmt: skip


@pytest.mark.parametrize(("cls", "item", "expected"), OLD_ITEMS, ids=lambda v: getattr(v, "__name__", ""))
def test_absent_attributes_read_as_before(cls: type[Any], item: dict[str, Any], expected: object) -> None:
    assert from_item(cls, item) == expected


def test_an_old_invitation_reads_as_before() -> None:
    item = {"firm_id": "F1", "address": "a@x", "contact_id": "C1", "valid_until": T, "created_at": T}
    assert from_item(Invitation, item, token_hash="HASH") == Invitation(
        "F1", "HASH", "a@x", "C1", T, 0, T, "", "pending", None
    )
