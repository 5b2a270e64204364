"""How each entity of ``domain/entities.py`` is stored, declared once per
entity (``Stored``, see ``mapping.py``), and the one pair of mappers over the
declarations: ``to_item`` and ``from_item``.

A declaration binds the entity's fields to the key functions of ``keys.py``
(the one definition of the key schema, which Gets and Queries use too)
instead of writing their templates again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

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
from chalicelib.domain.search_people import Person, person_of, person_row
from chalicelib.domain.search_terms import IndexToken
from chalicelib.domain.text import email_key
from chalicelib.repo import keys
from chalicelib.repo.mapping import Stored
from chalicelib.repo.table import Item

E = TypeVar("E")


# An erased contact's item stays as a tombstone carrying this attribute; it reads as absent everywhere.
ERASED_AT = "erased_at"


def is_erased(item: Mapping[str, Any]) -> bool:
    return ERASED_AT in item


def _by_name(entity: Account | AccountSummary | Contact) -> str:
    """GSI1 sort key of the lists sorted by name."""
    return keys.name_sort_key(entity.sort_name, entity.id)


@dataclass(slots=True)
class _ListEntry(AccountSummary):
    """An account's summary placed in one filtered list, so that list is one Query."""

    # Defaults only because the summary's last field has one.
    list_kind: str = "TEAM"  # or "TAG"
    list_id: str = ""  # the member's or the tag's id

    def list_pk(self) -> str:
        of = keys.team_list if self.list_kind == "TEAM" else keys.tag_list
        return of(self.firm_id, self.list_id, archived=self.archived)


@dataclass(frozen=True, slots=True)
class _SearchToken(SearchEntry):
    """One search token of an account, as written (a search reads it as a SearchEntry)."""

    # Defaults only because the entry's last field has one.
    firm_id: str = ""
    token: str = ""
    tier: int = 0
    sort_name: str = ""


@dataclass(slots=True)
class _FieldChange:
    """One line of an account's custom field history (``old``/``new`` absent for "no value")."""

    firm_id: str
    account_id: str
    id: str
    field_id: str
    member_id: str
    at: str
    old: Any
    new: Any


# A firm stored before its settings existed reads as USD, "en", "any" (the dataclass's own defaults).
FIRM = Stored(Firm, keys.FIRM, lambda f: keys.firm(f.id), defaults={"currency": "USD"})
MEMBER = Stored(
    Member,
    keys.MEMBER,
    lambda m: keys.member(m.firm_id, m.id),
    defaults={"view_all_accounts": False, "manage_accounts": False},
    omit_empty=frozenset({"refresh_job_id"}),  # set by the first rename only
)
TAG = Stored(Tag, keys.TAG, lambda t: keys.tag(t.firm_id, t.id))
ACCOUNT = Stored(
    Account,
    keys.ACCOUNT,
    lambda a: keys.account(a.firm_id, a.id),
    index={"GSI1PK": lambda a: keys.accounts_list(a.firm_id, archived=a.archived), "GSI1SK": _by_name},
    defaults={"created_by": ""},
    omit_empty=frozenset({"contact_people"}),  # until the indexer sets it
)
LIST_ENTRY = Stored(
    _ListEntry,
    keys.ACCOUNT_LIST_ENTRY,
    lambda e: keys.account_list_entry(e.firm_id, e.id, f"{e.list_kind}#{e.list_id}"),
    index={"GSI1PK": _ListEntry.list_pk, "GSI1SK": _by_name},
    not_stored=frozenset({"list_kind", "list_id"}),
    omit_empty=frozenset({"contact_people"}),
)
ACCOUNT_SUMMARY = Stored(AccountSummary, defaults={"archived": False})  # read from an account or its list entries
LINK = Stored(
    Link,
    keys.ACCOUNT_CONTACT,
    lambda k: keys.account_contact(k.firm_id, k.account_id, k.contact_id),
    defaults={"description": ""},
)
CONTACT = Stored(
    Contact,
    keys.CONTACT,
    lambda c: keys.contact(c.firm_id, c.id),
    index={"GSI1PK": lambda c: keys.contacts_list(c.firm_id), "GSI1SK": _by_name},
    defaults={"first_name": "", "middle_name": "", "last_name": "", "created_by": ""},
)
EMAIL = Stored(Email, keys.EMAIL, lambda e: keys.email(e.firm_id, email_key(e.address)))
INVITATION = Stored(
    Invitation,
    keys.INVITATION,
    lambda i: keys.invitation(i.firm_id, i.token_hash),
    # A contact's invitations by time: one Query finds every one (GDPR export and erase).
    index={"GSI1PK": lambda i: keys.contact_invitations(i.firm_id, i.contact_id), "GSI1SK": lambda i: i.created_at},
    names={"expires_at": "valid_until", "expires_ttl": keys.TTL_ATTRIBUTE},
    not_stored=frozenset({"token_hash", "token"}),  # the hash is in the key; the token is never stored
    defaults={"expires_ttl": 0, "created_by": ""},
)
CUSTOM_FIELD = Stored(
    CustomField,
    keys.CUSTOM_FIELD,
    lambda c: keys.custom_field(c.firm_id, c.id),
    fallback={"updated_at": "created_at"},
)
FIELD_CHANGE = Stored(
    _FieldChange,
    keys.CUSTOM_FIELD_CHANGE,
    lambda c: keys.custom_field_change(c.firm_id, c.account_id, c.id),
    not_stored=frozenset({"firm_id", "account_id"}),
    omit_none=frozenset({"old", "new"}),
)
# Short attribute names: every search reads these bytes (GSI3 projects n, ty, e and p).
_SEARCH_NAMES = {"name": "n", "type": "ty", "addresses": "e", "photo_key": "p"}
SEARCH_TOKEN = Stored(
    _SearchToken,
    keys.SEARCH,
    lambda t: keys.search_token(t.firm_id, t.account_id, t.token),
    index={
        "GSI3PK": lambda t: keys.search_partition(t.firm_id, t.token),
        "GSI3SK": lambda t: keys.search_sort_key(t.token, t.tier, t.sort_name),
    },
    names=_SEARCH_NAMES,
    not_stored=frozenset({"account_id", "firm_id", "token", "tier", "sort_name", "people"}),
    omit_empty=frozenset({"addresses", "photo_key"}),
)
# The contacts an entry carries are kept in ``e`` after its addresses, each
# as one string that no address can be (addresses hold no control
# characters), so GSI3's projection stays as it is.
_PERSON_MARK = "\x1e"
_PERSON_SEPARATOR = "\x1f"


def _person_text(person: Person) -> str:
    fields = (f.replace(_PERSON_MARK, " ").replace(_PERSON_SEPARATOR, " ") for f in person_row(person))
    return _PERSON_MARK + _PERSON_SEPARATOR.join(fields)


def _entry_people(item: Mapping[str, Any]) -> tuple[Person, ...]:
    rows = (v[1:].split(_PERSON_SEPARATOR) for v in item.get("e") or () if v.startswith(_PERSON_MARK))
    return tuple(p for p in map(person_of, rows) if p is not None)


SEARCH_ENTRY = Stored(
    SearchEntry,
    names=_SEARCH_NAMES,
    not_stored=frozenset({"people"}),
    from_keys={
        "account_id": lambda i: keys.account_of(i["PK"]),
        "addresses": lambda i: [v for v in i.get("e") or () if not v.startswith(_PERSON_MARK)],
        "people": _entry_people,
    },
)

_DECLARED: dict[type[Any], Stored[Any]] = {
    d.cls: d
    for d in (
        FIRM,
        MEMBER,
        TAG,
        ACCOUNT,
        LIST_ENTRY,
        ACCOUNT_SUMMARY,
        LINK,
        CONTACT,
        EMAIL,
        INVITATION,
        CUSTOM_FIELD,
        FIELD_CHANGE,
        SEARCH_TOKEN,
        SEARCH_ENTRY,
    )
}


def to_item(entity: object) -> Item:
    return _DECLARED[type(entity)].to_item(entity)


def from_item(cls: type[E], item: Mapping[str, Any], **known: Any) -> E:
    """``known``: fields that are only in the keys, from the key the caller read
    (an invitation's ``token_hash``)."""
    declared: Stored[E] = _DECLARED[cls]
    return declared.from_item(item, **known)


def index_keys(entity: object) -> dict[str, str]:
    """The entity's index key attributes, for updates that may move it in an index."""
    return _DECLARED[type(entity)].index_keys(entity)


def list_entries(account: Account) -> list[Item]:
    """One entry per team member and per tag, so filtered lists are one Query."""
    row = account.summary()
    summary = {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
    lists = [("TEAM", m) for m in account.team_member_ids] + [("TAG", t) for t in account.tags]
    return [to_item(_ListEntry(**summary, list_kind=kind, list_id=i)) for kind, i in lists]


def search_entry(account: Account, token: IndexToken) -> Item:
    """One search token of an account, as stored."""
    entry = _SearchToken(
        account_id=account.id,
        name=account.name,
        type=account.type,
        addresses=[*token.addresses, *map(_person_text, token.people)],
        photo_key=account.photo_key,
        firm_id=account.firm_id,
        token=token.token,
        tier=token.tier,
        sort_name=account.sort_name,
    )
    return to_item(entry)


def custom_field_change(
    firm_id: str, account_id: str, change_id: str, field_id: str, old: Any, new: Any, member_id: str, at: str
) -> Item:
    """One history line, as stored."""
    return to_item(_FieldChange(firm_id, account_id, change_id, field_id, member_id, at, old, new))
