"""Signers and signing: a proposal or engagement letter sent to the client is
signed per address, from the portal side, and becomes ``signed`` when every
address with portal access and signing authority has signed it."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib import portal
from chalicelib.errors import ConflictError, FieldError, ForbiddenError, PreconditionFailedError, UnprocessableError
from chalicelib.portal import Signer
from chalicelib.repo.activity import item_record, public
from chalicelib.sections import SECTIONS, Item
from chalicelib.services.accounts import load_openable
from chalicelib.services.activity import item_out, load_item, open_account
from chalicelib.services.context import Ctx
from chalicelib.services.portal import account_addresses
from chalicelib.text import email_key

SIGN_RETRIES = 4


def signers(ctx: Ctx, account_id: str) -> list[Signer]:
    load_openable(ctx, account_id, for_edit=False)
    found = account_addresses(ctx.table, ctx.firm_id, account_id)
    return found.signers if found else []


def sign_proposal(ctx: Ctx, account_id: str, item_id: str, address: str) -> Item:
    """One signer signs a sent proposal or engagement letter (from the portal
    side). It is ``signed`` once every current signer has signed. Signing
    twice is harmless (answers the proposal as it is)."""
    section = SECTIONS["proposals"]
    account = open_account(ctx, account_id, for_write=True)
    norm = email_key(address)
    for _ in range(SIGN_RETRIES):
        proposal = load_item(ctx, account_id, section, item_id)
        found = account_addresses(ctx.table, ctx.firm_id, account_id)
        emails = found.emails if found else {}
        signer_addresses = [email_key(s.address) for s in found.signers] if found else []
        email = emails.get(norm)
        if email is None:
            raise UnprocessableError(
                f"{address} is not an address of this account's contacts.",
                [FieldError(("body", "email"), "not an address of this account's contacts")],
            )
        if not portal.may_sign(email.login, email.signing_authority):
            why = "signing authority" if email.login == "active" else "an active portal login"
            raise ForbiddenError(f"{email.address} may not sign: it has no {why}.")
        signed_by: list[dict[str, str]] = list(proposal.get("signed_by") or [])
        if any(email_key(s["address"]) == norm for s in signed_by):
            return item_out(ctx, section, proposal, account)
        if proposal["status"] not in ("sent", "viewed"):
            raise ConflictError(
                f"The {proposal['kind'].replace('_', ' ')} is {proposal['status']}; only a sent one can be signed."
            )
        now, version = datetime.now(UTC), int(proposal["version"])
        at = portal.iso(now)
        signed_by.append({"address": email.address, "at": at})
        updated = {**public(proposal), "signed_by": signed_by, "version": version + 1, "updated_at": at}
        done = {email_key(s["address"]) for s in signed_by}
        if portal.signing_outcome(signer_addresses, done):
            updated.update(status="signed", signed_at=at)
        record = item_record(ctx.firm_id, account_id, section.key, updated)
        try:
            ctx.activity.replace(record, version)
        except PreconditionFailedError:
            continue  # another signer signed meanwhile: read again
        return item_out(ctx, section, record, account)
    raise ConflictError("The proposal is being changed; retry.")
