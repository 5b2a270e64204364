"""The rules of a contact's portal access, as plain functions: invitation
tokens, who signs and in which order, which addresses a system event
notifies, and which table changes are such events.

Per e-mail address (docs/api.md, "Account contacts and contacts"):
- *login*: ``none`` → ``invited`` (an invitation was sent) → ``active`` (it
  was accepted); setting ``none`` revokes access and any outstanding token;
- *notify* and *notification_preferences*: mails about system events;
- *email_sync*: received mail from the address is recorded on its accounts;
- *signing_authority*: with an active login, the address signs proposals.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

INVITE_LIFETIME: Final = timedelta(days=7)
# An invitation item outlives its expiry for a while, so a late click is told
# "expired" rather than "unknown"; then DynamoDB's TTL removes it.
INVITE_KEPT: Final = timedelta(days=30)
_TOKEN = re.compile(r"^([0-9A-Za-z_-]{1,64})\.([0-9A-Za-z_-]{43})$")

# The notification event types an address can be notified of, each on by
# default; ``notification_preferences`` switches single types off (or on).
EVENT_TYPES: Final[dict[str, str]] = {
    "new_message": "the firm wrote in a chat with the client",
    "document_requested": "the firm asks the client for a document (an approval request)",
    "document_shared": "the firm shared a document with the client",
    "organizer_sent": "an organizer (questionnaire) was sent to the client",
    "invoice_sent": "an invoice was issued to the client",
    "signature_requested": "a document was sent to the client to sign",
    "proposal_sent": "a proposal or engagement letter was sent to the client",
}


# --- invitation tokens ----------------------------------------------------------


def new_token(firm_id: str) -> tuple[str, str]:
    """(token, hash): 256 random bits after the firm id. Only the hash is stored."""
    secret = secrets.token_urlsafe(32)
    return f"{firm_id}.{secret}", token_hash(secret)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_token(token: str) -> tuple[str, str] | None:
    """(firm id, hash) of a well-formed token, else None."""
    found = _TOKEN.match(token)
    if not found:
        return None
    return found.group(1), token_hash(found.group(2))


def invite_times(now: datetime) -> tuple[str, str, int]:
    """(sent at, expires at, TTL epoch seconds) of an invitation sent ``now``."""
    expires = now + INVITE_LIFETIME
    return iso(now), iso(expires), int((expires + INVITE_KEPT).timestamp())


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def expired(expires_at: str, now: datetime) -> bool:
    return datetime.fromisoformat(expires_at) <= now


def invitation_text(firm_name: str, link: str, expires_at: str) -> tuple[str, str]:
    """(subject, body) of an invitation mail."""
    subject = f"{firm_name} invites you to their client portal"
    body = (
        f"Hello,\n\n{firm_name} has invited you to their client portal, where you can exchange "
        f"messages and documents with them and sign proposals.\n\n"
        f"Accept the invitation:\n{link}\n\n"
        f"The link can be used once and expires on {expires_at[:10]}. If it has expired, "
        f"ask {firm_name} to send a new one.\n"
    )
    return subject, body


# --- signers ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Signer:
    contact_id: str
    contact_name: str
    address: str
    signer_priority: int | None


def may_sign(login: str, signing_authority: bool) -> bool:
    """A proposal's signers: addresses with portal access and signing authority."""
    return login == "active" and signing_authority


def signer_order(signer: Signer) -> tuple[int, int, str, str, str]:
    """Priority 1 signs first; contacts without a priority come last, then by
    name and address, so the order is stable."""
    p = signer.signer_priority
    return (p is None, p or 0, signer.contact_name.casefold(), signer.contact_id, signer.address.casefold())


def _rank(signer: Signer) -> tuple[bool, int]:
    return (signer.signer_priority is None, signer.signer_priority or 0)


def next_signers(signers: Sequence[Signer], signed: Collection[str], key: Callable[[str], str]) -> list[Signer]:
    """With the firm's ``signing_order`` ``sequential``: the signers whose turn it
    is, those of the lowest priority not yet fully signed (the same priority
    signs in any order; no priority comes last). ``signed`` holds ``key``-normal
    addresses."""
    waiting = [s for s in signers if key(s.address) not in signed]
    if not waiting:
        return []
    first = min(_rank(s) for s in waiting)
    return [s for s in waiting if _rank(s) == first]


def signing_outcome(signers: Sequence[str], signed: Collection[str]) -> bool:
    """Whether a proposal is fully signed: every current signer has signed
    (both normalised addresses). No signers: never."""
    return bool(signers) and all(s in signed for s in signers)


# --- notifications -----------------------------------------------------------------


def wants(notify: bool, preferences: Mapping[str, bool], event_type: str) -> bool:
    """Whether an address gets a mail about ``event_type``: notify on, and that type not switched off."""
    return notify and preferences.get(event_type, True)


@dataclass(frozen=True, slots=True)
class Event:
    """A system event for an account's contacts. ``id`` is the same each time
    the change is delivered, so a retried delivery notifies once."""

    type: str
    firm_id: str
    account_id: str
    id: str
    title: str  # what the mail names: a chat subject, an organizer's name, ...


def _reached(new: Mapping[str, Any], old: Mapping[str, Any] | None, statuses: Collection[str]) -> bool:
    """The item is in one of ``statuses`` now and was not before (or is new)."""
    return new.get("status") in statuses and (old is None or old.get("status") not in statuses)


# Per section: (event type, the statuses that mean "sent to the client", the field naming it).
_SECTION_EVENTS: Final[dict[str, tuple[str, tuple[str, ...], str]]] = {
    "organizers": ("organizer_sent", ("sent",), "name"),
    "invoices": ("invoice_sent", ("unpaid",), "number"),
    "signatures": ("signature_requested", ("pending",), "document_name"),
    "approvals": ("document_requested", ("pending",), "document_name"),
    "proposals": ("proposal_sent", ("sent", "viewed"), "name"),  # leaving draft, even straight to viewed
    "chats": ("new_message", (), "subject"),
    "documents": ("document_shared", (), "name"),
}


def event_of(new: Mapping[str, Any] | None, old: Mapping[str, Any] | None) -> Event | None:
    """The event an activity item's change is, if any: a chat whose newest message is
    the firm's (a message and its chat change in one transaction, and the
    overview's stream function, which mails, reads items only); an
    organizer, invoice, signature or approval request, or proposal that was
    sent to the client; a document the firm shared."""
    if new is None:
        return None
    section = str(new.get("section", ""))
    found = _SECTION_EVENTS.get(section)
    if found is None:
        return None
    event_type, statuses, title_field = found
    if section == "chats":
        count, before = int(new.get("message_count", 0)), int((old or {}).get("message_count", 0))
        if count <= before or new.get("last_author") != "firm":
            return None
    elif section == "documents":
        # Shared once it can be opened: on creation, or for a file once its upload was checked.
        available = new.get("file_status") != "pending" and (old is None or old.get("file_status") == "pending")
        if not available or new.get("uploaded_by") != "firm":
            return None
    elif not _reached(new, old, statuses):
        return None
    # The version names this change: a redelivered record is the same event,
    # an item that reaches the status again (a reopened request) a new one.
    event_id = f"{section}-{new['id']}-v{new.get('version', 1)}"
    return Event(event_type, new["firm_id"], new["account_id"], event_id, str(new.get(title_field, "")))


def notification_text(
    event: Event, firm_name: str, account_name: str, portal_url: str, *, portal_user: bool = True
) -> tuple[str, str]:
    """(subject, body) of a notification mail. It names what happened, not its
    content: the details are behind the portal login (an address without
    one is told to ask the firm)."""
    what = {
        "new_message": "You have a new message",
        "document_requested": "A document awaits your approval",
        "document_shared": "A document was shared with you",
        "organizer_sent": "You have a new organizer to fill in",
        "invoice_sent": "You have a new invoice",
        "signature_requested": "A document awaits your signature",
        "proposal_sent": "You have a new proposal to review",
    }[event.type]
    subject = f"{what} from {firm_name}"
    named = f" ({event.title})" if event.title else ""
    where = (
        f"Sign in to your client portal to see it:\n{portal_url}"
        if portal_user
        else f"Ask {firm_name} for the details, or for access to their client portal."
    )
    body = (
        f"Hello,\n\n{what}{named} from {firm_name}, for {account_name}.\n\n{where}\n\n"
        f"You get these mails because notifications are on for this address; "
        f"{firm_name} can switch them off for you.\n"
    )
    return subject, body
