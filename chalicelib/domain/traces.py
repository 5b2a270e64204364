"""An account's activity records that can name a person (a GDPR export's and erasure's matter, and what a
contact merge re-attributes), as the rules read them. ``repo/traces.py`` reads them from the stored items and
writes their rewrites back; nothing here knows how they are stored.

Each record names its place (firm, account, id; a chat message also its chat) and, except a chat message
(written once), the version it was read at, which a rewrite is conditioned on. Other records of an account
(notes, invoices, credit lines, ...) name nobody by address or authorship and are not read as traces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature on a proposal: the address it was made with, when, the contact that address was (absent
    on signatures older than that) and the member who recorded it."""

    address: str
    at: str
    contact_id: str | None = None
    recorded_by: str | None = None


@dataclass(frozen=True, slots=True)
class Mail:
    """An e-mail item (section ``emails``): received from ``from_address`` or sent to ``to_addresses``."""

    firm_id: str
    account_id: str
    id: str
    version: int
    direction: Literal["inbound", "outbound"]
    status: str
    subject: str
    from_address: str | None
    to_addresses: tuple[str, ...]
    at: str
    snippet: str
    text: str


@dataclass(frozen=True, slots=True)
class Login:
    """A recorded portal login of an address (section ``logins``)."""

    firm_id: str
    account_id: str
    id: str
    version: int
    email: str
    at: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposal or engagement letter (section ``proposals``) and who signed it, in order."""

    firm_id: str
    account_id: str
    id: str
    version: int
    name: str
    signed_by: tuple[Signature, ...]


@dataclass(frozen=True, slots=True)
class Message:
    """A chat message; ``contact_id``: the contact who wrote it, if known."""

    firm_id: str
    account_id: str
    chat_id: str
    id: str
    contact_id: str | None
    body: str
    at: str


@dataclass(frozen=True, slots=True)
class Document:
    """A document (section ``documents``); ``contact_id``: the contact who uploaded it, if known;
    ``content_type`` and ``size`` only for a record with a file."""

    firm_id: str
    account_id: str
    id: str
    version: int
    contact_id: str | None
    name: str
    uploaded_at: str
    content_type: str | None
    size: int | None


Trace = Mail | Login | Proposal | Message | Document
