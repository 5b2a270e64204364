"""Portal access of contacts' addresses: invitations and their acceptance,
recorded logins, signers and signing, and notification mails.

The rules are in ``chalicelib/domain/portal_rules.py``; this module reads and writes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from chalicelib.adapters.config import settings
from chalicelib.adapters.mail import Mailer, MailError, Message, mailer
from chalicelib.domain import audit, portal_rules
from chalicelib.domain.entities import Email, Invitation
from chalicelib.domain.errors import ConflictError, DossierError, FieldError, NotFoundError, UnprocessableError
from chalicelib.domain.portal_rules import Event, Signer
from chalicelib.domain.text import email_key
from chalicelib.repo.accounts import AccountRepo, read_batch
from chalicelib.repo.contacts import ContactRepo
from chalicelib.repo.firms import FirmRepo, version_guard
from chalicelib.repo.portal import SUPERSEDED, PortalRepo
from chalicelib.repo.table import Table
from chalicelib.services.context import Ctx

log = logging.getLogger("dossier.portal")

INVITATION_UNKNOWN = NotFoundError(
    "No such invitation. Check that the whole link was used, or ask the firm to send a new one."
)


class GoneError(DossierError):
    status = 410
    title = "Gone"
    type_slug = "invitation-expired"
    default_code = "invitation_expired"


# --- invitations -----------------------------------------------------------------------


def issue_invitation(ctx: Ctx, email: Email, settings_changed: dict[str, Any], if_match: int | None) -> Invitation:
    """Record a new invitation for ``email`` (with other setting changes of
    the same request) as its only valid one; its token, which only the mail
    may carry. The caller has checked that it may edit the contact."""
    if email.login == "active":
        raise ConflictError(
            f"{email.address} already has portal access; to invite again, set its login to none first.",
            code="portal_access_active",
        )
    guard = version_guard(if_match, email.version)
    token, token_hash = portal_rules.new_token(ctx.firm_id)
    sent_at, expires_at, ttl = portal_rules.invite_times(datetime.now(UTC))
    invitation = Invitation(
        firm_id=ctx.firm_id,
        token_hash=token_hash,
        address=email.address,
        contact_id=email.contact_id,
        expires_at=expires_at,
        expires_ttl=ttl,
        created_at=sent_at,
        created_by=ctx.member.id,
    )
    PortalRepo(ctx.table).send_invitation(email, invitation, settings_changed, guard)
    invitation.token = token
    return invitation


def invite(ctx: Ctx, email: Email, settings_changed: dict[str, Any], if_match: int | None) -> Email:
    """Send (or resend) the portal invitation to ``email``: a new token
    replaces any earlier one. The mail is sent after the invitation is
    recorded; a mail error is recorded on the address (delivery "failed",
    resend to retry), never turned into a failed request."""
    if email.delivery_problem:
        raise ConflictError(
            f"Mail to {email.address} {email.delivery_problem} ({email.delivery_problem_at}): Dossier sends it no "
            "more. Correct the address, or add the right one.",
            code="delivery_problem",
        )
    invitation = issue_invitation(ctx, email, settings_changed, if_match)
    firm = ctx.firms.get_firm(ctx.firm_id)
    # In the fragment: a browser never sends it to a server, so it stays out of access logs and Referer headers.
    link = f"{settings().portal_url}/accept#token={quote(invitation.token)}"
    subject, text = portal_rules.invitation_text(firm.name if firm else "Your accountant", link, invitation.expires_at)
    delivery = _deliver(mailer(), Message(email.address, subject, text, "invitation", ctx.firm_id))
    PortalRepo(ctx.table).set_delivery(email, invitation.token_hash, delivery)
    refreshed = ctx.contacts.get_email(ctx.firm_id, email.address, consistent=True)
    if refreshed is None:  # removed meanwhile
        raise NotFoundError("The contact has no such e-mail address.")
    return refreshed


def _deliver(out: Mailer, message: Message) -> str:
    try:
        out.send(message)
    except MailError:
        return "failed"  # logged by the mailer, without the message
    except Exception:
        log.exception("the mailer failed on a %s message", message.kind)
        return "failed"
    return "sent"


@dataclass(frozen=True, slots=True)
class Accepted:
    address: str
    firm_id: str
    firm_name: str
    login_since: str


def accept(token: str, table: Table | None = None) -> Accepted:
    """Use an invitation token: the address's login becomes active. (No
    request context: the token is the caller's only credential, and names
    the firm.) ``table``: the stage's when not given.

    Unknown (or malformed) → 404; already used → 409; replaced by a newer
    invitation or withdrawn → 409; expired → 410. Nothing is written then.
    """
    parsed = portal_rules.parse_token(token)
    if parsed is None:
        raise INVITATION_UNKNOWN
    firm_id, token_hash = parsed
    table = table or Table.from_settings()
    repo = PortalRepo(table)
    invitation = repo.invitation(firm_id, token_hash)
    if invitation is None:
        raise INVITATION_UNKNOWN
    if invitation.state == "accepted":
        raise ConflictError(
            "This invitation was already accepted; sign in to the portal instead.", code="invitation_accepted"
        )
    now = datetime.now(UTC)
    if portal_rules.expired(invitation.expires_at, now):
        raise GoneError(
            f"This invitation expired on {invitation.expires_at}. Ask the firm to send a new one.",
            code="invitation_expired",
        )
    email = ContactRepo(table).get_email(firm_id, invitation.address, consistent=True)
    if email is None or email.invite_hash != token_hash or email.login != "invited":
        raise SUPERSEDED
    audit.identify(audit.CONTACT, email.contact_id, email.address)  # the portal caller is this contact
    at = portal_rules.iso(now)
    repo.accept(invitation, at)
    firm = FirmRepo(table).get_firm(firm_id)
    return Accepted(email.address, firm_id, firm.name if firm else "", at)


def revoke_fields() -> dict[str, Any]:
    """Settings that withdraw portal access and any outstanding invitation."""
    return {
        "login": "none",
        "invite_hash": None,
        "invited_at": None,
        "invite_expires_at": None,
        "invite_delivery": None,
        "login_since": None,
    }


# --- logins ------------------------------------------------------------------------------


def require_portal_login(ctx: Ctx, account_id: str, address: str) -> None:
    """A portal login is recorded only for an address with active portal
    access on a contact linked to the account (422 otherwise)."""
    email = ctx.contacts.get_email(ctx.firm_id, address, consistent=True)
    linked = email is not None and ctx.accounts.get_link(ctx.firm_id, account_id, email.contact_id) is not None
    if email is None or not linked:
        raise UnprocessableError(
            "A login is recorded for an address of a contact linked to this account.",
            [FieldError(("body", "email"), "not an address of this account's contacts")],
            code="not_an_account_address",
        )
    if email.login != "active":
        raise UnprocessableError(
            f"{address} has no active portal access (login is {email.login}).",
            [FieldError(("body", "email"), f"portal login is {email.login}, not active")],
            code="login_not_active",
        )


# --- signers and signing ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountAddresses:
    """Every address of an account's linked contacts, with its settings."""

    signers: list[Signer]
    emails: dict[str, Email]  # by normalised address


def account_addresses(
    table: Table, firm_id: str, account_id: str, *, consistent: bool = True
) -> AccountAddresses | None:
    """Three requests: the account's links (one Query), its contacts and their
    addresses (two BatchGets). Strongly consistent for signers (a change just
    made counts); a notification can do with eventually consistent reads."""
    view = AccountRepo(table).view(firm_id, account_id, consistent=consistent)
    if view is None:
        return None
    ids = [link.contact_id for link in view.links]
    contacts = read_batch(table, firm_id, contact_ids=ids, consistent=consistent)
    emails = ContactRepo(table).emails_of(list(contacts.contacts.values()), consistent=consistent)
    signers = [
        Signer(contact.id, contact.display_name, email.address, link.signer_priority)
        for link in view.links
        if (contact := contacts.contacts.get(link.contact_id)) is not None
        for address in contact.emails
        if (email := emails.get(email_key(address))) is not None
        and portal_rules.may_sign(email.login, email.signing_authority)
    ]
    signers.sort(key=portal_rules.signer_order)
    return AccountAddresses(signers, emails)


# --- notifications -------------------------------------------------------------------------


NOTIFIED_KEPT_SECONDS = 14 * 24 * 3600  # longer than a stream record lives (24 h)


def recipients(table: Table, firm_id: str, account_id: str, event_type: str) -> list[Email]:
    """The addresses to notify of an event on an account: its contacts'
    addresses with notify on and that event type on, each once."""
    found = account_addresses(table, firm_id, account_id, consistent=False)
    if found is None:
        return []
    return [
        e
        for _, e in sorted(found.emails.items())
        if portal_rules.wants(e.notify, e.notification_preferences, event_type) and not e.delivery_problem
    ]


def notify(table: Table, event: Event, out: Mailer | None = None) -> int:
    """Mail each recipient about ``event``, at most once per address however
    often the event is delivered. Every recipient is tried; a transient
    failure is released and raised at the end, so the stream record is
    retried and only the unsent addresses are mailed again. An address the
    mail service refuses for good is logged and not retried."""
    account = AccountRepo(table).get(event.firm_id, event.account_id, consistent=True)
    if account is None or account.archived:
        return 0
    firm = FirmRepo(table).get_firm(event.firm_id)
    firm_name = firm.name if firm else "Your accountant"
    repo = PortalRepo(table)
    sender = out or mailer()
    expires = int(datetime.now(UTC).timestamp()) + NOTIFIED_KEPT_SECONDS
    sent, retry = 0, 0
    for email in recipients(table, event.firm_id, event.account_id, event.type):
        if not repo.claim_notification(event.firm_id, event.id, email.address, expires):
            continue
        subject, text = portal_rules.notification_text(
            event, firm_name, account.name, settings().portal_url, portal_user=email.login == "active"
        )
        try:
            sender.send(Message(email.address, subject, text, f"notification:{event.type}", event.firm_id))
        except MailError as exc:
            if exc.permanent:
                log.warning("a %s notification was refused for good; not retried", event.type)
                continue
            repo.release_notification(event.firm_id, event.id, email.address)
            retry += 1
            continue
        except Exception:
            log.exception("the mailer failed on a %s notification", event.type)
            repo.release_notification(event.firm_id, event.id, email.address)
            retry += 1
            continue
        sent += 1
    if retry:
        raise MailError(f"{retry} of the {event.type} notifications could not be sent; the record is retried")
    return sent
