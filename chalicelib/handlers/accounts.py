"""/accounts: the clients list, the Info tab, edits and contact links."""

from __future__ import annotations

from typing import Literal, get_args

from chalice.app import Response
from pydantic import TypeAdapter

from chalicelib.domain.errors import BadRequestError, FieldError
from chalicelib.domain.models.accounts import AccountCreate, AccountOut, AccountPatch, AccountSummaryOut
from chalicelib.domain.models.base import AccountType
from chalicelib.domain.models.people import ContactLinkIn, LinkedContactOut, LinkPatch, NewContactLink
from chalicelib.domain.problem_codes import CUSTOM_FIELD_CODES
from chalicelib.handlers.http.answers import minimal, reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import accounts, links

# The photo's Content-Type is not trusted (the content is checked), but it must be one of these.
PHOTO_TYPES = ("image/png", "image/jpeg", "image/webp", "application/octet-stream")

ACCOUNT_TYPES: tuple[str, ...] = get_args(AccountType)  # the ?type= filter takes the same values
_link_input: TypeAdapter[object] = TypeAdapter(ContactLinkIn)


def _info(
    call: Call,
    account_id: str,
    status: int = 200,
    location: str | None = None,
    *,
    written: Literal["", "account", "contacts"] = "",
) -> Response:
    """The Info tab; ``written``: what the request just wrote ("account", or "contacts" for a create)."""
    out = accounts.info(
        call.ctx, account_id, account_written=written == "account", contacts_written=written == "contacts"
    )
    return reply(out, status=status, version=out.version, location=location)


def _filter_id(params: dict[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is not None and not value.replace("-", "").replace("_", "").isalnum():
        raise BadRequestError(
            f"{name} is not a valid id.", [FieldError(("query", name), "invalid id")], code="invalid_query"
        )
    return value


@endpoint(
    "/accounts",
    "GET",
    summary="The clients list: accounts the caller may open, alphabetical by name. "
    "Filters: tag (tag id), type, team_member (member id), archived=true for archived accounts.",
    response=list[AccountSummaryOut],
    query=("limit", "cursor", "tag", "type", "team_member", "archived"),
)
def list_accounts(call: Call) -> Response:
    params = call.query()
    type_ = params.get("type")
    if type_ is not None and type_ not in ACCOUNT_TYPES:
        raise BadRequestError(
            "Unknown account type.", [FieldError(("query", "type"), f"one of {ACCOUNT_TYPES}")], code="invalid_query"
        )
    archived = params.get("archived", "false")
    if archived not in ("true", "false"):
        raise BadRequestError(
            "archived must be true or false.",
            [FieldError(("query", "archived"), "not a boolean")],
            code="invalid_query",
        )
    page = accounts.list_accounts(
        call.ctx,
        limit=call.limit(params),
        cursor=params.get("cursor"),
        tag=_filter_id(params, "tag"),
        type_=type_,
        team_member=_filter_id(params, "team_member"),
        archived=archived == "true",
    )
    return reply({"items": page.items, "next_cursor": page.next_cursor})


@endpoint(
    "/accounts",
    "POST",
    summary="Create an account with at least one contact, in one transaction.",
    status=201,
    request=AccountCreate,
    response=AccountOut,
    errors=(
        *CUSTOM_FIELD_CODES,
        403,
        409,
        422,
        "contact_listed_twice",
        "duplicate_email",
        "email_taken",
        "unknown_reference",
        "too_many_changes",
    ),
)
def create_account(call: Call) -> Response:
    body = call.body(AccountCreate)
    account_id = accounts.create_account(call.ctx, body, call.idempotency())
    return _info(call, account_id, 201, f"/accounts/{account_id}", written="contacts")


@endpoint("/accounts/{account_id}", "GET", summary="The Info tab of one account.", response=AccountOut, errors=(404,))
def get_account(call: Call) -> Response:
    return _info(call, call.id("account_id"))


@endpoint(
    "/accounts/{account_id}",
    "PATCH",
    summary="Edit account details; absent fields are kept, custom_fields merge by id and null clears one; "
    "currency only while the account has no invoices and no credit (else 409 currency_locked). "
    "With Prefer: return=minimal the answer is 204 with the new ETag, and the Info tab is not read back.",
    request=AccountPatch,
    response=AccountOut,
    minimal=True,
    errors=(
        *CUSTOM_FIELD_CODES,
        403,
        404,
        409,
        412,
        422,
        "account_archived",
        "unknown_reference",
        "too_many_changes",
        "currency_locked",
    ),
)
def patch_account(call: Call) -> Response:
    account_id = call.id("account_id")
    body = call.body(AccountPatch)
    edited = accounts.edit_account(call.ctx, account_id, body, call.if_match(), with_info=not call.prefers_minimal())
    if edited.info is None:
        return minimal(edited.version)
    return reply(edited.info, version=edited.info.version)


@endpoint(
    "/accounts/{account_id}",
    "DELETE",
    summary="Archive the account: it leaves lists and search, and can be restored.",
    status=204,
    errors=(403, 404, 412, "account_archived"),
)
def archive_account(call: Call) -> Response:
    accounts.set_archived(call.ctx, call.id("account_id"), True, call.if_match())
    return reply(status=204)


@endpoint(
    "/accounts/{account_id}/restore",
    "POST",
    summary="Bring an archived account back.",
    response=AccountOut,
    errors=(403, 404, 412, "account_archived"),
)
def restore_account(call: Call) -> Response:
    account_id = call.id("account_id")
    accounts.set_archived(call.ctx, account_id, False, call.if_match())
    return _info(call, account_id, written="account")


# --- contact links ------------------------------------------------------------


def _link(
    call: Call,
    account_id: str,
    contact_id: str,
    status: int = 200,
    location: str | None = None,
    *,
    emails_written: bool = False,
) -> Response:
    """The link; ``emails_written``: the request just wrote the contact's addresses (a contact created inline)."""
    out = links.get_link(call.ctx, account_id, contact_id, emails_written=emails_written)
    return reply(out, status=status, version=out.link_version, location=location)


@endpoint(
    "/accounts/{account_id}/contacts",
    "POST",
    summary="Link an existing contact (contact_id) or create one inline; description, signer_priority.",
    status=201,
    request=ContactLinkIn,
    response=LinkedContactOut,
    errors=(
        *CUSTOM_FIELD_CODES,
        403,
        404,
        409,
        422,
        "account_archived",
        "already_linked",
        "unknown_reference",
        "duplicate_email",
        "email_taken",
        "name_or_email_required",
    ),
)
def link_contact(call: Call) -> Response:
    account_id = call.id("account_id")
    body = call.body_as(_link_input)
    contact_id = links.link_contact(call.ctx, account_id, body, call.idempotency())
    location = f"/accounts/{account_id}/contacts/{contact_id}"
    return _link(call, account_id, contact_id, 201, location, emails_written=isinstance(body, NewContactLink))


@endpoint(
    "/accounts/{account_id}/contacts/{contact_id}",
    "GET",
    summary="One linked contact, with the link's description and signer priority (ETag: the link's version).",
    response=LinkedContactOut,
    errors=(404,),
)
def get_link(call: Call) -> Response:
    return _link(call, call.id("account_id"), call.id("contact_id"))


@endpoint(
    "/accounts/{account_id}/contacts/{contact_id}",
    "PATCH",
    summary="Change the link's description or signer_priority.",
    request=LinkPatch,
    response=LinkedContactOut,
    errors=(403, 404, 412, "account_archived"),
)
def patch_link(call: Call) -> Response:
    account_id, contact_id = call.id("account_id"), call.id("contact_id")
    body = call.body(LinkPatch)
    links.patch_link(call.ctx, account_id, contact_id, body, call.if_match())
    return _link(call, account_id, contact_id)


@endpoint(
    "/accounts/{account_id}/contacts/{contact_id}",
    "DELETE",
    summary="Unlink a contact; the account's last contact cannot be unlinked (409).",
    status=204,
    errors=(403, 404, 409, 412, "account_archived", "last_contact"),
)
def unlink_contact(call: Call) -> Response:
    links.unlink(call.ctx, call.id("account_id"), call.id("contact_id"), call.if_match())
    return reply(status=204)


@endpoint(
    "/accounts/{account_id}/photo",
    "PUT",
    summary="Upload the account's photo as the raw request body (manage right): a PNG, JPEG or WebP image of at "
    "most 2 MB and 8000 pixels a side, recognised by its content (the Content-Type header is not trusted) and "
    "decoded in full; anything else (a renamed file, a truncated image, too large) → 400. Answers the Info tab; "
    "photo_url is a link valid for an hour (each read gives a fresh one).",
    response=AccountOut,
    errors=(400, 403, 404, 409, 412, "account_archived"),
    content_types=PHOTO_TYPES,
)
def put_photo(call: Call) -> Response:
    account_id = call.id("account_id")
    accounts.set_photo(call.ctx, account_id, call.raw_body(), call.if_match())
    return _info(call, account_id, written="account")


@endpoint(
    "/accounts/{account_id}/photo",
    "DELETE",
    summary="Remove the account's photo (manage right).",
    status=204,
    errors=(403, 404, 409, 412, "account_archived"),
)
def delete_photo(call: Call) -> Response:
    accounts.remove_photo(call.ctx, call.id("account_id"), call.if_match())
    return reply(status=204)
