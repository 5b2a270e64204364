"""Stored entities and their symmetric ``to_item`` / ``from_item`` mappings.

Only this module and ``keys.py`` know what the stored items look like.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from chalicelib.domain.search_terms import IndexToken
from chalicelib.domain.text import email_key, sort_name
from chalicelib.repo import keys


def _int(value: Any, default: int = 0) -> int:
    return int(value) if value is not None else default


@dataclass(slots=True)
class Firm:
    id: str
    name: str
    currency: str
    created_at: str
    version: int = 1

    def to_item(self) -> dict[str, Any]:
        return {
            **keys.firm(self.id).as_dict(),
            "entity": keys.FIRM,
            "id": self.id,
            "name": self.name,
            "currency": self.currency,
            "created_at": self.created_at,
            "version": self.version,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Firm:
        return cls(item["id"], item["name"], item["currency"], item["created_at"], _int(item["version"], 1))


@dataclass(slots=True)
class Member:
    firm_id: str
    id: str
    name: str
    email: str
    role: str
    view_all_accounts: bool
    manage_accounts: bool
    created_at: str
    version: int = 1

    def to_item(self) -> dict[str, Any]:
        return {
            **keys.member(self.firm_id, self.id).as_dict(),
            "entity": keys.MEMBER,
            "firm_id": self.firm_id,
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "role": self.role,
            "view_all_accounts": self.view_all_accounts,
            "manage_accounts": self.manage_accounts,
            "created_at": self.created_at,
            "version": self.version,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Member:
        return cls(
            firm_id=item["firm_id"],
            id=item["id"],
            name=item["name"],
            email=item["email"],
            role=item["role"],
            view_all_accounts=bool(item.get("view_all_accounts", False)),
            manage_accounts=bool(item.get("manage_accounts", False)),
            created_at=item["created_at"],
            version=_int(item.get("version"), 1),
        )


@dataclass(slots=True)
class Tag:
    firm_id: str
    id: str
    name: str
    color: str
    version: int = 1

    def to_item(self) -> dict[str, Any]:
        return {
            **keys.tag(self.firm_id, self.id).as_dict(),
            "entity": keys.TAG,
            "firm_id": self.firm_id,
            "id": self.id,
            "name": self.name,
            "color": self.color,
            "version": self.version,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Tag:
        return cls(item["firm_id"], item["id"], item["name"], item["color"], _int(item.get("version"), 1))


@dataclass(slots=True)
class Account:
    firm_id: str
    id: str
    name: str
    type: str
    tags: list[str]
    team_member_ids: list[str]
    address: dict[str, str] | None
    custom_fields: dict[str, Any]
    created_at: str
    updated_at: str
    created_by: str
    photo_key: str | None = None  # the photo's S3 key; readers get a presigned URL
    credit_balance: Decimal = Decimal("0")
    currency: str = "USD"
    archived: bool = False
    contact_count: int = 0
    version: int = 1
    # The linked contacts' addresses, kept by the search indexer (never by
    # requests) so that list entries carry them for restricted searches.
    contact_emails: list[str] = field(default_factory=list)
    # QuickBooks: the sync mode; invoices and credit payments ever recorded
    # (kept by the writes that add or delete them) and when that last
    # changed; the connector's last result.
    quickbooks_sync_mode: str = "auto"
    billing_count: int = 0
    billing_updated_at: str | None = None
    qb_result: dict[str, Any] | None = None

    @property
    def sort_name(self) -> str:
        return sort_name(self.name)

    def summary(self) -> dict[str, Any]:
        """What a clients-list row needs; copied onto every list entry."""
        return {
            "firm_id": self.firm_id,
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "tags": list(self.tags),
            "team_member_ids": list(self.team_member_ids),
            "photo_key": self.photo_key,
            "archived": self.archived,
            "contact_emails": list(self.contact_emails),
        }

    def to_item(self) -> dict[str, Any]:
        return {
            **keys.account(self.firm_id, self.id).as_dict(),
            "entity": keys.ACCOUNT,
            "GSI1PK": keys.accounts_list(self.firm_id, archived=self.archived),
            "GSI1SK": keys.name_sort_key(self.sort_name, self.id),
            **self.summary(),
            "address": self.address,
            "custom_fields": self.custom_fields,
            "credit_balance": self.credit_balance,
            "currency": self.currency,
            "contact_count": self.contact_count,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "created_by": self.created_by,
            "version": self.version,
            "quickbooks_sync_mode": self.quickbooks_sync_mode,
            "billing_count": self.billing_count,
            "billing_updated_at": self.billing_updated_at,
            "qb_result": self.qb_result,
        }

    def list_entries(self) -> list[dict[str, Any]]:
        """One entry per team member and per tag, so filtered lists are one Query."""
        names = [f"TEAM#{m}" for m in self.team_member_ids] + [f"TAG#{t}" for t in self.tags]
        pks = [keys.team_list(self.firm_id, m, archived=self.archived) for m in self.team_member_ids] + [
            keys.tag_list(self.firm_id, t, archived=self.archived) for t in self.tags
        ]
        return [
            {
                **keys.account_list_entry(self.firm_id, self.id, list_name).as_dict(),
                "entity": keys.ACCOUNT_LIST_ENTRY,
                "GSI1PK": pk,
                "GSI1SK": keys.name_sort_key(self.sort_name, self.id),
                **self.summary(),
            }
            for list_name, pk in zip(names, pks, strict=True)
        ]

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Account:
        return cls(
            firm_id=item["firm_id"],
            id=item["id"],
            name=item["name"],
            type=item["type"],
            tags=list(item.get("tags") or []),
            team_member_ids=list(item.get("team_member_ids") or []),
            address=item.get("address"),
            custom_fields=dict(item.get("custom_fields") or {}),
            created_at=item["created_at"],
            updated_at=item["updated_at"],
            created_by=item.get("created_by", ""),
            photo_key=item.get("photo_key"),
            credit_balance=Decimal(item.get("credit_balance", 0)),
            currency=item.get("currency", "USD"),
            archived=bool(item.get("archived", False)),
            contact_count=_int(item.get("contact_count")),
            version=_int(item.get("version"), 1),
            contact_emails=list(item.get("contact_emails") or []),
            quickbooks_sync_mode=item.get("quickbooks_sync_mode", "auto"),
            billing_count=_int(item.get("billing_count")),
            billing_updated_at=item.get("billing_updated_at"),
            qb_result=item.get("qb_result"),
        )


@dataclass(slots=True)
class AccountSummary:
    """A clients-list row, read from an account item or any of its list entries."""

    firm_id: str
    id: str
    name: str
    type: str
    tags: list[str]
    team_member_ids: list[str]
    photo_key: str | None
    archived: bool
    contact_emails: list[str] = field(default_factory=list)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> AccountSummary:
        return cls(
            firm_id=item["firm_id"],
            id=item["id"],
            name=item["name"],
            type=item["type"],
            tags=list(item.get("tags") or []),
            team_member_ids=list(item.get("team_member_ids") or []),
            photo_key=item.get("photo_key"),
            archived=bool(item.get("archived", False)),
            contact_emails=list(item.get("contact_emails") or []),
        )


@dataclass(slots=True)
class Link:
    firm_id: str
    account_id: str
    contact_id: str
    description: str
    signer_priority: int | None
    created_at: str
    version: int = 1

    def to_item(self) -> dict[str, Any]:
        return {
            **keys.account_contact(self.firm_id, self.account_id, self.contact_id).as_dict(),
            "entity": keys.ACCOUNT_CONTACT,
            "firm_id": self.firm_id,
            "account_id": self.account_id,
            "contact_id": self.contact_id,
            "description": self.description,
            "signer_priority": self.signer_priority,
            "created_at": self.created_at,
            "version": self.version,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Link:
        priority = item.get("signer_priority")
        return cls(
            firm_id=item["firm_id"],
            account_id=item["account_id"],
            contact_id=item["contact_id"],
            description=item.get("description", ""),
            signer_priority=int(priority) if priority is not None else None,
            created_at=item["created_at"],
            version=_int(item.get("version"), 1),
        )


@dataclass(slots=True)
class Contact:
    firm_id: str
    id: str
    first_name: str
    middle_name: str
    last_name: str
    phones: list[dict[str, str]]
    address: dict[str, str] | None
    custom_fields: dict[str, Any]
    emails: list[str]  # addresses as entered, in the order they were added
    account_ids: set[str]
    created_at: str
    updated_at: str
    created_by: str
    version: int = 1

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p) or (
            self.emails[0] if self.emails else "(no name)"
        )

    def to_item(self) -> dict[str, Any]:
        return {
            **keys.contact(self.firm_id, self.id).as_dict(),
            "entity": keys.CONTACT,
            "GSI1PK": keys.contacts_list(self.firm_id),
            "GSI1SK": keys.name_sort_key(sort_name(self.display_name), self.id),
            "firm_id": self.firm_id,
            "id": self.id,
            "first_name": self.first_name,
            "middle_name": self.middle_name,
            "last_name": self.last_name,
            "phones": self.phones,
            "address": self.address,
            "custom_fields": self.custom_fields,
            "emails": self.emails,
            # A string set cannot be empty in DynamoDB; absent means "no accounts".
            "account_ids": set(self.account_ids) or None,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "created_by": self.created_by,
            "version": self.version,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Contact:
        return cls(
            firm_id=item["firm_id"],
            id=item["id"],
            first_name=item.get("first_name", ""),
            middle_name=item.get("middle_name", ""),
            last_name=item.get("last_name", ""),
            phones=list(item.get("phones") or []),
            address=item.get("address"),
            custom_fields=dict(item.get("custom_fields") or {}),
            emails=list(item.get("emails") or []),
            account_ids=set(item.get("account_ids") or set()),
            created_at=item["created_at"],
            updated_at=item["updated_at"],
            created_by=item.get("created_by", ""),
            version=_int(item.get("version"), 1),
        )


@dataclass(slots=True)
class Email:
    firm_id: str
    address: str
    contact_id: str
    login: str = "none"
    notify: bool = True
    notification_preferences: dict[str, bool] = field(default_factory=dict)
    email_sync: bool = False
    signing_authority: bool = True
    created_at: str = ""
    version: int = 1
    # The outstanding portal invitation (while ``login`` is "invited"): the
    # SHA-256 of its token (never shown), when it was sent, when it expires,
    # and whether the mail service took it ("sending", "sent", "failed").
    invite_hash: str | None = None
    invited_at: str | None = None
    invite_expires_at: str | None = None
    invite_delivery: str | None = None
    login_since: str | None = None  # when the invitation was accepted

    def to_item(self) -> dict[str, Any]:
        return {
            **keys.email(self.firm_id, email_key(self.address)).as_dict(),
            "entity": keys.EMAIL,
            "firm_id": self.firm_id,
            "address": self.address,
            "contact_id": self.contact_id,
            "login": self.login,
            "notify": self.notify,
            "notification_preferences": self.notification_preferences,
            "email_sync": self.email_sync,
            "signing_authority": self.signing_authority,
            "created_at": self.created_at,
            "version": self.version,
            "invite_hash": self.invite_hash,
            "invited_at": self.invited_at,
            "invite_expires_at": self.invite_expires_at,
            "invite_delivery": self.invite_delivery,
            "login_since": self.login_since,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Email:
        return cls(
            firm_id=item["firm_id"],
            address=item["address"],
            contact_id=item["contact_id"],
            login=item.get("login", "none"),
            notify=bool(item.get("notify", True)),
            notification_preferences={k: bool(v) for k, v in (item.get("notification_preferences") or {}).items()},
            email_sync=bool(item.get("email_sync", False)),
            signing_authority=bool(item.get("signing_authority", True)),
            created_at=item.get("created_at", ""),
            version=_int(item.get("version"), 1),
            invite_hash=item.get("invite_hash"),
            invited_at=item.get("invited_at"),
            invite_expires_at=item.get("invite_expires_at"),
            invite_delivery=item.get("invite_delivery"),
            login_since=item.get("login_since"),
        )


@dataclass(slots=True)
class Invitation:
    """A portal invitation sent to one address. It stays after it was used
    (state "accepted") so a second click is told so, until its TTL."""

    firm_id: str
    token_hash: str
    address: str
    contact_id: str
    expires_at: str
    expires_ttl: int
    created_at: str
    created_by: str
    state: str = "pending"  # or "accepted"
    accepted_at: str | None = None
    token: str = field(default="", repr=False)  # in memory between issuing and mailing: never stored nor shown

    def to_item(self) -> dict[str, Any]:
        return {
            **keys.invitation(self.firm_id, self.token_hash).as_dict(),
            "entity": keys.INVITATION,
            "firm_id": self.firm_id,
            "address": self.address,
            "contact_id": self.contact_id,
            "valid_until": self.expires_at,
            keys.TTL_ATTRIBUTE: self.expires_ttl,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "state": self.state,
            "accepted_at": self.accepted_at,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any], token_hash: str) -> Invitation:
        return cls(
            firm_id=item["firm_id"],
            token_hash=token_hash,
            address=item["address"],
            contact_id=item["contact_id"],
            expires_at=item["valid_until"],
            expires_ttl=_int(item.get(keys.TTL_ATTRIBUTE)),
            created_at=item["created_at"],
            created_by=item.get("created_by", ""),
            state=item.get("state", "pending"),
            accepted_at=item.get("accepted_at"),
        )


def search_entry(account: Account, token: IndexToken) -> dict[str, Any]:
    """One search token of an account, as stored. Short attribute names: every
    search reads these bytes (GSI3 projects ``n``, ``ty``, ``e`` and ``p``)."""
    item: dict[str, Any] = {
        **keys.search_token(account.firm_id, account.id, token.token).as_dict(),
        "entity": keys.SEARCH,
        "GSI3PK": keys.search_partition(account.firm_id, token.token),
        "GSI3SK": keys.search_sort_key(token.token, token.tier, account.sort_name),
        "n": account.name,
        "ty": account.type,
    }
    if token.addresses:
        item["e"] = list(token.addresses)
    if account.photo_key:
        item["p"] = account.photo_key
    return item


@dataclass(frozen=True, slots=True)
class SearchEntry:
    """What a search reads of a token: enough to match and to answer."""

    account_id: str
    name: str
    type: str
    addresses: list[str]
    photo_key: str | None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> SearchEntry:
        return cls(keys.account_of(item["PK"]), item["n"], item["ty"], list(item.get("e") or []), item.get("p"))


@dataclass(slots=True)
class CustomField:
    """A firm's custom field definition. ``removed`` hides its values (they
    and their history are kept)."""

    firm_id: str
    id: str
    target: str  # "account" or "contact"
    label: str
    kind: str
    options: list[str]
    created_at: str
    updated_at: str
    removed: bool = False
    version: int = 1

    def to_item(self) -> dict[str, Any]:
        return {
            **keys.custom_field(self.firm_id, self.id).as_dict(),
            "entity": keys.CUSTOM_FIELD,
            "firm_id": self.firm_id,
            "id": self.id,
            "target": self.target,
            "label": self.label,
            "kind": self.kind,
            "options": list(self.options),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "removed": self.removed,
            "version": self.version,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> CustomField:
        return cls(
            firm_id=item["firm_id"],
            id=item["id"],
            target=item["target"],
            label=item["label"],
            kind=item["kind"],
            options=list(item.get("options") or []),
            created_at=item["created_at"],
            updated_at=item.get("updated_at", item["created_at"]),
            removed=bool(item.get("removed", False)),
            version=_int(item.get("version"), 1),
        )


def custom_field_change(
    firm_id: str, account_id: str, change_id: str, field_id: str, old: Any, new: Any, member_id: str, at: str
) -> dict[str, Any]:
    """One history line, as stored (``old``/``new`` absent for "no value")."""
    item: dict[str, Any] = {
        **keys.custom_field_change(firm_id, account_id, change_id).as_dict(),
        "entity": keys.CUSTOM_FIELD_CHANGE,
        "id": change_id,
        "field_id": field_id,
        "member_id": member_id,
        "at": at,
    }
    if old is not None:
        item["old"] = old
    if new is not None:
        item["new"] = new
    return item
