"""/contacts: people and their e-mail addresses."""

from __future__ import annotations

from urllib.parse import quote

from chalice.app import Response

from chalicelib.domain.models.accounts import AccountRef
from chalicelib.domain.models.people import (
    ContactCreate,
    ContactMerge,
    ContactOut,
    ContactPatch,
    EmailAdd,
    EmailOut,
    EmailSettingsPatch,
)
from chalicelib.domain.problem_codes import CUSTOM_FIELD_CODES
from chalicelib.handlers.http.answers import minimal, reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import contacts, merges


def _contact(
    call: Call, contact_id: str, status: int = 200, location: str | None = None, *, emails_written: bool = False
) -> Response:
    """The contact; ``emails_written``: the request just wrote its addresses (a create, a merge)."""
    out = contacts.get_contact(call.ctx, contact_id, emails_written=emails_written)
    return reply(out, status=status, version=out.version, location=location)


@endpoint(
    "/contacts",
    "GET",
    summary="Contacts the caller may see (linked to an account they may open), alphabetically; "
    "`q` keeps those whose name words start with its words, whose address contains them, "
    "or whose phone number holds its 4+ digits (as `GET /search`).",
    response=list[ContactOut],
    query=("limit", "cursor", "q"),
    errors=("query_empty", "query_too_long", "query_without_letters"),
)
def list_contacts(call: Call) -> Response:
    params = call.query()
    page = contacts.list_contacts(call.ctx, limit=call.limit(params), cursor=params.get("cursor"), q=params.get("q"))
    return reply({"items": page.items, "next_cursor": page.next_cursor})


@endpoint(
    "/contacts",
    "POST",
    summary="Create a contact (not yet linked to an account).",
    status=201,
    request=ContactCreate,
    response=ContactOut,
    errors=(
        *CUSTOM_FIELD_CODES,
        403,
        409,
        422,
        "duplicate_email",
        "email_taken",
        "name_or_email_required",
    ),
)
def create_contact(call: Call) -> Response:
    body = call.body(ContactCreate)
    contact_id = contacts.create_contact(call.ctx, body, call.idempotency())
    return _contact(call, contact_id, 201, f"/contacts/{contact_id}", emails_written=True)


@endpoint("/contacts/{contact_id}", "GET", summary="One contact.", response=ContactOut, errors=(404,))
def get_contact(call: Call) -> Response:
    return _contact(call, call.id("contact_id"))


@endpoint(
    "/contacts/{contact_id}",
    "PATCH",
    summary="Edit a contact's details; the change shows on every linked account. With Prefer: return=minimal "
    "the answer is 204 with the new ETag, and the contact is not read back.",
    request=ContactPatch,
    response=ContactOut,
    minimal=True,
    errors=(
        *CUSTOM_FIELD_CODES,
        403,
        404,
        412,
        422,
        "name_or_email_required",
    ),
)
def patch_contact(call: Call) -> Response:
    contact_id = call.id("contact_id")
    body = call.body(ContactPatch)
    version = contacts.patch_contact(call.ctx, contact_id, body, call.if_match())
    if call.prefers_minimal():
        return minimal(version)
    return _contact(call, contact_id)


@endpoint(
    "/contacts/{contact_id}/merge",
    "POST",
    summary="Merge another contact (source_contact_id) into this one: the source's account links (an account "
    "linked to both keeps this contact's link, description and signer priority), e-mail addresses with their "
    "settings, portal access and pending invitation, and its signatures move here; this contact's details win, "
    "the source's fill what is empty (phones, address, custom fields). The source is removed and answers 404 "
    "afterwards. Needs the manage right on every account linked to either contact (else 403). Idempotent: the "
    "same request again (after success or an interrupted merge) answers 200 with this contact. If-Match is this "
    "contact's version.",
    request=ContactMerge,
    response=ContactOut,
    errors=(403, 404, 409, 412, 422, "merge_into_itself", "merge_in_progress", "too_many_emails"),
)
def merge_contact(call: Call) -> Response:
    contact_id = call.id("contact_id")
    body = call.body(ContactMerge)
    merges.merge_contacts(call.ctx, contact_id, body, call.if_match())
    return _contact(call, contact_id, emails_written=True)


@endpoint(
    "/contacts/{contact_id}/accounts",
    "GET",
    summary="Accounts the contact is linked to that the caller may open, alphabetically.",
    response=list[AccountRef],
    query=("limit", "cursor"),
    errors=(404,),
)
def contact_accounts(call: Call) -> Response:
    contact_id = call.id("contact_id")
    params = call.query()
    items, next_cursor = contacts.contact_accounts(
        call.ctx, contact_id, limit=call.limit(params), cursor=params.get("cursor")
    )
    return reply({"items": items, "next_cursor": next_cursor})


def _email(call: Call, contact_id: str, address: str, status: int = 200, location: str | None = None) -> Response:
    out = contacts.get_email(call.ctx, contact_id, address)
    return reply(out, status=status, version=out.version, location=location)


@endpoint(
    "/contacts/{contact_id}/emails",
    "POST",
    summary="Add an e-mail address; addresses are unique per firm, case-insensitively (409).",
    status=201,
    request=EmailAdd,
    response=EmailOut,
    errors=(403, 404, 409, "email_taken", "too_many_emails"),
)
def add_email(call: Call) -> Response:
    contact_id = call.id("contact_id")
    body = call.body(EmailAdd)
    address = contacts.add_email(call.ctx, contact_id, body, call.idempotency())
    return _email(call, contact_id, address, 201, f"/contacts/{contact_id}/emails/{quote(address, safe='@')}")


@endpoint(
    "/contacts/{contact_id}/emails/{email}",
    "GET",
    summary="One e-mail address and its settings.",
    response=EmailOut,
    errors=(404,),
)
def get_email(call: Call) -> Response:
    return _email(call, call.id("contact_id"), call.email("email"))


@endpoint(
    "/contacts/{contact_id}/emails/{email}",
    "PATCH",
    summary="An address's settings: login ('invited' from 'none' sends the portal invitation, like POST .../invite; "
    "'none' revokes portal access and any outstanding invitation; 'active' comes only from accepting the "
    "invitation → 422), notify, notification_preferences (merged by event type: new_message, document_requested, "
    "document_shared, organizer_sent, invoice_sent, signature_requested, proposal_sent; a type not listed is on), "
    "email_sync (received mail from the address is recorded on its accounts), signing_authority; address corrects "
    "the address (settings kept, an active login keeps working, an outstanding invitation is sent again to the new "
    "address; taken in the firm → 409 email_taken). The answer is the address as corrected.",
    request=EmailSettingsPatch,
    response=EmailOut,
    errors=(403, 404, 409, 412, 422, "delivery_problem", "login_not_settable", "portal_access_active", "email_taken"),
)
def patch_email(call: Call) -> Response:
    contact_id, address = call.id("contact_id"), call.email("email")
    body = call.body(EmailSettingsPatch)
    address = contacts.patch_email(call.ctx, contact_id, address, body, call.if_match())
    return _email(call, contact_id, address)


@endpoint(
    "/contacts/{contact_id}/emails/{email}",
    "DELETE",
    summary="Remove an address; a contact's last address cannot be removed (409).",
    status=204,
    errors=(403, 404, 409, 412, "last_email"),
)
def remove_email(call: Call) -> Response:
    contacts.remove_email(call.ctx, call.id("contact_id"), call.email("email"), call.if_match())
    return reply(status=204)
