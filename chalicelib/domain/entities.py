"""Dossier's stored entities as plain dataclasses. How each is stored (keys,
attribute names) is declared in ``chalicelib/repo/records.py``; nothing here
knows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from chalicelib.domain.search_people import Person
from chalicelib.domain.text import sort_name


@dataclass(slots=True)
class Firm:
    id: str
    name: str
    currency: str  # ISO 4217: new accounts' default
    created_at: str
    version: int = 1
    language: str = "en"  # "en" or "nl": new contacts' default, and mails' and the web client's
    signing_order: str = "any"  # or "sequential": signers sign by signer_priority
    audit_retention_days: int = 365  # how long audit entries are kept (domain/audit.RETENTION_DEFAULT_DAYS)


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
    status: str = "active"  # or "deactivated": every token of theirs is refused
    # The identity provider's user bound to this member (empty until bound: an OIDC member at first sign-in)
    identity_issuer: str = ""
    identity_subject: str = ""
    # The member's latest rename job (services/member_refresh.py): an earlier one stops once this names another.
    refresh_job_id: str = ""


@dataclass(slots=True)
class Tag:
    firm_id: str
    id: str
    name: str
    color: str
    version: int = 1


@dataclass(slots=True)
class AccountSummary:
    """A clients-list row: what the account's list entries copy of it."""

    firm_id: str
    id: str
    name: str
    type: str
    tags: list[str]
    team_member_ids: list[str]
    photo_key: str | None
    archived: bool
    contact_emails: list[str] = field(default_factory=list)
    contact_people: list[list[str]] = field(default_factory=list)  # as on the account

    @property
    def sort_name(self) -> str:
        return sort_name(self.name)


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
    # The linked contacts' names and phone numbers, kept likewise: one row
    # [id, first, middle, last, *phones] per contact (search_people.person_row).
    contact_people: list[list[str]] = field(default_factory=list)

    @property
    def sort_name(self) -> str:
        return sort_name(self.name)

    def summary(self) -> AccountSummary:
        """Its clients-list row."""
        return AccountSummary(
            self.firm_id,
            self.id,
            self.name,
            self.type,
            list(self.tags),
            list(self.team_member_ids),
            self.photo_key,
            self.archived,
            list(self.contact_emails),
            [list(row) for row in self.contact_people],
        )


@dataclass(slots=True)
class Link:
    """An account's link to a contact."""

    firm_id: str
    account_id: str
    contact_id: str
    description: str
    signer_priority: int | None
    created_at: str
    version: int = 1


# A contact's addresses at most: the models check it on input, the repository's conditional writes keep it.
MAX_EMAILS_PER_CONTACT = 10


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
    language: str = "en"  # "en" or "nl": the firm's at creation; stored before languages existed: "en"

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p) or (
            self.emails[0] if self.emails else "(no name)"
        )

    @property
    def sort_name(self) -> str:
        return sort_name(self.display_name)


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
    # What the mail service reported (chalicelib/services/mail_events.py): "bounced" (a permanent bounce)
    # or "complained"; such an address is not mailed again until it is corrected.
    delivery_problem: str | None = None
    delivery_problem_at: str | None = None


@dataclass(slots=True)
class Invitation:
    """A portal invitation sent to one address. It stays after it was used
    (state "accepted") so a second click is told so, until its TTL."""

    firm_id: str
    token_hash: str
    address: str
    contact_id: str
    expires_at: str
    expires_ttl: int  # epoch seconds: when the table may delete it
    created_at: str
    created_by: str
    state: str = "pending"  # or "accepted"
    accepted_at: str | None = None
    token: str = field(default="", repr=False)  # in memory between issuing and mailing: never stored nor shown


@dataclass(frozen=True, slots=True)
class SearchEntry:
    """What a search reads of a token: enough to match and to answer."""

    account_id: str
    name: str
    type: str
    addresses: list[str]
    photo_key: str | None
    people: tuple[Person, ...] = ()  # the contacts whose name or phone gave its token


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
