"""Signers and signing: a proposal or engagement letter sent to the client is
signed per address, from the portal side, and becomes ``signed`` when every
address with portal access and signing authority has signed it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from chalicelib.domain import access, portal_rules
from chalicelib.domain.errors import (
    ConflictError,
    FieldError,
    ForbiddenError,
    PreconditionFailedError,
    UnprocessableError,
)
from chalicelib.domain.portal_rules import Signer
from chalicelib.domain.sections import SECTIONS, Item
from chalicelib.domain.text import email_key
from chalicelib.repo.accounts import ACCOUNT_ARCHIVED
from chalicelib.repo.activity import item_record, public
from chalicelib.repo.contacts import may_still_sign
from chalicelib.services.activity import item_out, load_item
from chalicelib.services.context import Ctx
from chalicelib.services.openable import load_openable, load_openable_with
from chalicelib.services.portal import account_addresses

SIGN_RETRIES = 4


def signers(ctx: Ctx, account_id: str) -> list[Signer]:
    load_openable(ctx, account_id, for_edit=False)
    found = account_addresses(ctx.table, ctx.firm_id, account_id)
    return found.signers if found else []


def _check_turn(address: str, signers: Sequence[Signer], done: set[str]) -> None:
    """With the firm's signing order ``sequential``: 409 ``not_your_turn`` unless every signer of a lower
    priority has signed; the problem names who is next (``next_signers``)."""
    turn = portal_rules.next_signers(signers, done, email_key)
    if email_key(address) in {email_key(s.address) for s in turn}:
        return
    names = ", ".join(f"{s.contact_name} <{s.address}>" for s in turn)
    raise ConflictError(
        f"Signers sign in order of priority; next: {names}.",
        code="not_your_turn",
        extensions={
            "next_signers": [
                {
                    "contact_id": s.contact_id,
                    "contact_name": s.contact_name,
                    "address": s.address,
                    "signer_priority": s.signer_priority,
                }
                for s in turn
            ]
        },
    )


def _signed(signed_by: Sequence[dict[str, str]], signers: Sequence[Signer]) -> set[str]:
    """The signers' addresses (as keys) that have signed. A signature made with an address
    since corrected (PATCH of the address) counts for its contact's current signer address."""
    done = {email_key(s["address"]) for s in signed_by}
    current = {email_key(s.address) for s in signers}
    moved = {s["contact_id"] for s in signed_by if s.get("contact_id") and email_key(s["address"]) not in current}
    return done | {email_key(s.address) for s in signers if s.contact_id in moved}


def sign_proposal(ctx: Ctx, account_id: str, item_id: str, address: str) -> Item:
    """One signer signs a sent proposal or engagement letter, recorded from
    the portal side by a member with the right to edit the account (the
    signature names who recorded it). The proposal is ``signed`` once every
    current signer has signed. The write is one transaction with a check that
    the address may still sign, so a login revoked meanwhile cannot sign.
    Signing again is harmless: it answers the proposal, completing it if the
    signers changed so that everyone left has signed."""
    section = SECTIONS["proposals"]
    # The account, the caller and the proposal in one request; the proposal's 404 after the account's checks.
    account, first = load_openable_with(ctx, account_id, (section.key, item_id), for_edit=False)
    if account.archived:
        raise ACCOUNT_ARCHIVED
    if not access.may_edit(ctx.member, account.team_member_ids):
        raise ForbiddenError("Recording a signature needs the owner, an admin or the right 'manage accounts'.")
    norm = email_key(address)
    for attempt in range(SIGN_RETRIES):
        proposal = first if attempt == 0 and first is not None else load_item(ctx, account_id, section, item_id)
        found = account_addresses(ctx.table, ctx.firm_id, account_id)
        emails = found.emails if found else {}
        signer_addresses = [email_key(s.address) for s in found.signers] if found else []
        email = emails.get(norm)
        if email is None:
            raise UnprocessableError(
                f"{address} is not an address of this account's contacts.",
                [FieldError(("body", "email"), "not an address of this account's contacts")],
                code="not_an_account_address",
            )
        signed_by: list[dict[str, str]] = list(proposal.get("signed_by") or [])
        done = _signed(signed_by, found.signers if found else [])
        again = norm in done
        if again and (proposal["status"] == "signed" or not portal_rules.signing_outcome(signer_addresses, done)):
            return item_out(ctx, section, proposal, account)
        if not again and not portal_rules.may_sign(email.login, email.signing_authority):
            why = "signing authority" if email.login == "active" else "an active portal login"
            raise ForbiddenError(f"{email.address} may not sign: it has no {why}.", code="signer_not_allowed")
        if proposal["status"] not in ("sent", "viewed"):
            kind = proposal["kind"].replace("_", " ")
            raise ConflictError(
                f"The {kind} is {proposal['status']}; only a sent one can be signed.", code="not_signable"
            )
        if not again and found is not None and ctx.firm.signing_order == "sequential":
            _check_turn(email.address, found.signers, done)
        now, version = datetime.now(UTC), int(proposal["version"])
        at = portal_rules.iso(now)
        if not again:
            signed_by.append(
                {"address": email.address, "contact_id": email.contact_id, "at": at, "recorded_by": ctx.member.id}
            )
            done.add(norm)
        updated = {**public(proposal), "signed_by": signed_by, "version": version + 1, "updated_at": at}
        if portal_rules.signing_outcome(signer_addresses, done):
            updated.update(status="signed", signed_at=at)
        record = item_record(ctx.firm_id, account_id, section.key, updated)
        try:
            ctx.activity.replace(record, version, [] if again else [may_still_sign(email)])
        except PreconditionFailedError:
            continue  # another signer signed meanwhile: read again
        return item_out(ctx, section, record, account)
    raise ConflictError("The proposal is being changed; retry.", code="busy")
