"""Portal access: invitations, their acceptance, signers and signing."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.domain.models.people import (
    EmailOut,
    FirmRef,
    InviteAccept,
    InviteAcceptedOut,
    SignerOut,
    SignersOut,
    SignIn,
)
from chalicelib.domain.sections.models import ProposalOut
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import contacts, portal, signing
from chalicelib.services.views import email_out


@endpoint(
    "/contacts/{contact_id}/emails/{email}/invite",
    "POST",
    summary="Send (or resend) the portal invitation to this address: its login becomes 'invited' and a new "
    "single-use link, valid 7 days, replaces any earlier one. The link is only in the mail. A mail the mail "
    "service refused is shown as invitation.delivery 'failed' (the request still succeeds); resend it. "
    "An address with active portal access → 409.",
    response=EmailOut,
    errors=(403, 404, 409, "delivery_problem", "portal_access_active"),
)
def invite(call: Call) -> Response:
    email = contacts.invite_email(call.ctx, call.id("contact_id"), call.email("email"))
    return reply(email_out(email), version=email.version)


@endpoint(
    "/portal/invites/accept",
    "POST",
    summary="Accept a portal invitation with the token from its link (no bearer token): the address's login "
    "becomes 'active'. Unknown token → 404; already accepted, replaced by a newer invitation or withdrawn "
    "→ 409; expired → 410. Nothing changes then.",
    auth=False,
    request=InviteAccept,
    response=InviteAcceptedOut,
    errors=(400, 404, 409, 410, "invitation_accepted", "invitation_superseded"),
)
def accept_invite(call: Call) -> Response:
    body = call.body(InviteAccept)
    done = portal.accept(body.token)
    return reply(
        InviteAcceptedOut(
            address=done.address,
            login="active",
            login_since=done.login_since,
            firm=FirmRef(id=done.firm_id, name=done.firm_name),
        )
    )


@endpoint(
    "/accounts/{account_id}/signers",
    "GET",
    summary="The account's signers in signing order: addresses of its contacts with active portal login and "
    "signing authority, by the link's signer_priority (1 first; none last), then contact name.",
    response=SignersOut,
    errors=(404,),
)
def list_signers(call: Call) -> Response:
    found = signing.signers(call.ctx, call.id("account_id"))
    items = [
        SignerOut(
            contact_id=s.contact_id, contact_name=s.contact_name, address=s.address, signer_priority=s.signer_priority
        )
        for s in found
    ]
    return reply(SignersOut(items=items))


@endpoint(
    "/accounts/{account_id}/proposals/{item_id}/sign",
    "POST",
    summary="A signer signs a sent proposal or engagement letter, recorded from the portal side: the portal's "
    "service calls this with its bearer token (a member with the right to edit the account, else 403) and the "
    "signer's address. It becomes 'signed' when every signer (GET .../signers) has signed. An address of the "
    "account without active login or signing authority → 403; not an address of the account's contacts → 422; "
    "a draft or declined proposal → 409. An address that already signed gets the proposal back (completed if "
    "every remaining signer has signed).",
    request=SignIn,
    response=ProposalOut,
    errors=(
        403,
        404,
        409,
        422,
        "account_archived",
        "not_an_account_address",
        "not_signable",
        "signer_not_allowed",
        "not_your_turn",
    ),
)
def sign(call: Call) -> Response:
    account_id, item_id = call.id("account_id"), call.id("item_id")
    body = call.body(SignIn)
    out = signing.sign_proposal(call.ctx, account_id, item_id, body.email)
    return reply(out, version=out["version"])
