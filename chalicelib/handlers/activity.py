"""The thirteen activity sections behind the Overview tab (handlers/overview.py).

The five routes of each section are registered from its definition in
``chalicelib.domain.sections``, so every section gets the same behaviour and its own
documented request and response shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from chalice.app import Response

from chalicelib.domain import files
from chalicelib.domain.errors import BadRequestError, FieldError
from chalicelib.domain.models.base import OutputModel
from chalicelib.domain.models.operations import CreditCreate, CreditOut
from chalicelib.domain.sections import (
    SECTIONS,
    Section,
    money_out,
)
from chalicelib.domain.sections.document_models import DocumentCreate, DocumentCreatedOut, DocumentOut, DownloadOut
from chalicelib.domain.sections.models import EmailCreate, InvoiceOut, MessageCreate, MessageOut
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import activity, credit, documents, email_replies

ITEM_ERRORS = (404, 409, 412, 422, "account_archived", "unknown_reference", "rule_broken")
# A portal login is recorded only for an address with active portal access.
# Invoices are in their account's currency, with its minor units.
WRITE_ERRORS = {"invoices": ("currency_mismatch", "currency_changed", "too_many_decimals")}
CREATE_ERRORS = {
    "logins": ("not_an_account_address", "login_not_active"),
    "emails": ("thread_not_found", "email_sync_off", "address_undeliverable", "no_recipients", "not_sendable"),
}
CREATE_NOTES = {
    "emails": " With send: true it is mailed from the firm's sending address (Reply-To the firm's inbound "
    "address, so the answer is recorded by email sync) to addresses of this account's contacts with email_sync on "
    "(else 409 email_sync_off); in_reply_to threads it (no such item on this account: 404 thread_not_found). It "
    "is recorded as draft, then becomes sent; a retried Idempotency-Key never sends again."
}


# --- the sections ------------------------------------------------------------------------


def _status(call: Call, section: Section, params: dict[str, str]) -> str | None:
    status = params.get("status")
    if status is not None and status not in section.statuses:
        raise BadRequestError(
            f"Unknown {section.key} status.",
            [FieldError(("query", "status"), f"one of {list(section.statuses)}")],
            code="invalid_query",
        )
    return status


def _register(section: Section, *, with_create: bool = True) -> None:
    key = section.key
    noun = key.replace("_", " ")
    base = f"/accounts/{{account_id}}/{key}"
    one = f"{base}/{{item_id}}"
    query = ("limit", "cursor", "status") if section.statuses else ("limit", "cursor")

    def named(name: str, handler: Callable[[Call], Response]) -> Callable[[Call], Response]:
        handler.__name__ = f"{name}_{key}"
        return handler

    def show_all(call: Call) -> Response:
        params = call.query()
        page = activity.list_items(
            call.ctx,
            call.id("account_id"),
            section,
            status=_status(call, section, params),
            limit=call.limit(params),
            cursor=params.get("cursor"),
        )
        return reply({"items": page.items, "next_cursor": page.next_cursor})

    def create(call: Call) -> Response:
        account_id = call.id("account_id")
        body = call.body(section.create)
        if isinstance(body, EmailCreate):  # staff's e-mails may be sent, and thread
            out = email_replies.create_email(call.ctx, account_id, body, call.idempotency())
        else:
            out = activity.create_item(call.ctx, account_id, section, body, call.idempotency())
        location = f"/accounts/{account_id}/{key}/{out['id']}"
        return reply(out, status=201, version=out["version"], location=location)

    def get(call: Call) -> Response:
        out = activity.get_item(call.ctx, call.id("account_id"), section, call.id("item_id"))
        return reply(out, version=out["version"])

    def patch(call: Call) -> Response:
        account_id, item_id = call.id("account_id"), call.id("item_id")
        body = call.body(section.patch)
        out = activity.patch_item(call.ctx, account_id, section, item_id, body, call.if_match())
        return reply(out, version=out["version"])

    def delete(call: Call) -> Response:
        activity.delete_item(call.ctx, call.id("account_id"), section, call.id("item_id"), call.if_match())
        return reply(status=204)

    status_note = f"; ?status= one of {', '.join(section.statuses)}" if section.statuses else ""
    endpoint(
        base,
        "GET",
        summary=f"Show all {noun}: newest first (by {section.time_field}), paged{status_note}.",
        response=list[section.out],  # type: ignore[name-defined]
        query=query,
        errors=(404,),
    )(named("list", show_all))
    if with_create:
        endpoint(
            base,
            "POST",
            summary=f"Record a new item in {noun} (any member who may open the account)." + CREATE_NOTES.get(key, ""),
            status=201,
            request=section.create,
            response=section.out,
            errors=ITEM_ERRORS + WRITE_ERRORS.get(key, ()) + CREATE_ERRORS.get(key, ()),
        )(named("create", create))
    endpoint(one, "GET", summary=f"One item of {noun}.", response=section.out, errors=(404,))(named("get", get))
    endpoint(
        one,
        "PATCH",
        summary=f"Change an item of {noun}; absent fields are kept.",
        request=section.patch,
        response=section.out,
        errors=ITEM_ERRORS + WRITE_ERRORS.get(key, ()),
    )(named("patch", patch))
    endpoint(one, "DELETE", summary=f"Delete an item of {noun}.", status=204, errors=ITEM_ERRORS)(
        named("delete", delete)
    )


for _section in SECTIONS.values():
    # A document's create also answers its upload URL: registered below.
    _register(_section, with_create=_section.key != "documents")


# --- documents, chats, invoices, credit -------------------------------------------------------


@endpoint(
    "/accounts/{account_id}/documents",
    "POST",
    summary="Record a new document (any member who may open the account). With content_type and size it gets a "
    "file: the answer's upload_url takes the bytes (a presigned PUT, 15 minutes, that Content-Type and "
    "Content-Length), then POST .../complete checks them; until then it is pending (shown by GET by id only). "
    "Types: " + ", ".join(files.TYPES) + f"; at most {files.MAX_BYTES // (1024 * 1024)} MB.",
    status=201,
    request=DocumentCreate,
    response=DocumentCreatedOut,
    errors=ITEM_ERRORS,
)
def create_documents(call: Call) -> Response:
    account_id = call.id("account_id")
    out = documents.create(call.ctx, account_id, call.body(DocumentCreate), call.idempotency())
    return reply(out, status=201, version=out["version"], location=f"/accounts/{account_id}/documents/{out['id']}")


@endpoint(
    "/accounts/{account_id}/documents/{item_id}/complete",
    "POST",
    summary="Check the uploaded file and make the document count (listed, in the overview, downloadable). The "
    "type is recognised from the content and must be the declared one; the size must be the declared one. "
    "Nothing uploaded → 409 not_uploaded; a record without file → 409 no_file; a failed check → 422 "
    "(file_too_large, size_mismatch, unsupported_file_type, file_type_mismatch) and the upload is deleted. "
    "Again on a stored document: the same answer.",
    response=DocumentOut,
    errors=(
        404,
        409,
        422,
        "account_archived",
        "not_uploaded",
        "no_file",
        "file_too_large",
        "size_mismatch",
        "unsupported_file_type",
        "file_type_mismatch",
    ),
)
def complete_document(call: Call) -> Response:
    out = documents.complete(call.ctx, call.id("account_id"), call.id("item_id"))
    return reply(out, version=out["version"])


@endpoint(
    "/accounts/{account_id}/documents/{item_id}/download",
    "GET",
    summary="A presigned link to the file (5 minutes; served as an attachment with the document's name). It "
    "counts as opening the document, as POST .../view does (also on an archived account). A record without "
    "file → 409 no_file; an upload not completed → 409 upload_pending.",
    response=DownloadOut,
    errors=(404, 409, "no_file", "upload_pending"),
)
def download_document(call: Call) -> Response:
    return reply({"download_url": documents.download(call.ctx, call.id("account_id"), call.id("item_id"))})


@endpoint(
    "/accounts/{account_id}/documents/{item_id}/view",
    "POST",
    summary="A firm member opened the document: it loses its New label, for the whole firm "
    "(also on an archived account: opening a document is reading it).",
    response=DocumentOut,
    errors=(404, 409, "upload_pending"),
)
def view_document(call: Call) -> Response:
    out = activity.view_document(call.ctx, call.id("account_id"), call.id("item_id"))
    return reply(out, version=out["version"])


@endpoint(
    "/accounts/{account_id}/chats/{item_id}/messages",
    "GET",
    summary="A chat's messages, newest first, paged.",
    response=list[MessageOut],
    query=("limit", "cursor"),
    errors=(404,),
)
def list_messages(call: Call) -> Response:
    params = call.query()
    page = activity.list_messages(
        call.ctx, call.id("account_id"), call.id("item_id"), limit=call.limit(params), cursor=params.get("cursor")
    )
    return reply({"items": page.items, "next_cursor": page.next_cursor})


@endpoint(
    "/accounts/{account_id}/chats/{item_id}/messages",
    "POST",
    summary="Add a message (author 'firm': the caller; 'client': from the portal); the chat's last message, "
    "author and time follow.",
    status=201,
    request=MessageCreate,
    response=MessageOut,
    errors=(404, 409, 422, "account_archived", "unknown_reference"),
)
def add_message(call: Call) -> Response:
    account_id, chat_id = call.id("account_id"), call.id("item_id")
    out = activity.add_message(call.ctx, account_id, chat_id, call.body(MessageCreate), call.idempotency())
    return reply(out, status=201, location=f"/accounts/{account_id}/chats/{chat_id}/messages")


@endpoint(
    "/accounts/{account_id}/invoices/{item_id}/apply-credit",
    "POST",
    summary="Pay an unpaid invoice in full from the account's credit, atomically. Not enough credit, "
    "another currency, or an invoice no longer unpaid → 409; nothing is written.",
    response=InvoiceOut,
    errors=(403, 404, 409, "account_archived", "currency_mismatch", "invoice_not_unpaid", "not_enough_credit"),
)
def apply_credit(call: Call) -> Response:
    out = credit.apply_credit(call.ctx, call.id("account_id"), call.id("item_id"))
    return reply(out, version=out["version"])


class CreditListOut(OutputModel):
    items: list[CreditOut]
    next_cursor: str | None
    credit_balance: str
    currency: str


@endpoint(
    "/accounts/{account_id}/credits",
    "GET",
    summary="The account's credit ledger, newest first, with the current balance.",
    response=CreditListOut,
    query=("limit", "cursor"),
    errors=(404,),
)
def list_credits(call: Call) -> Response:
    params = call.query()
    page, account = credit.list_credits(
        call.ctx, call.id("account_id"), limit=call.limit(params), cursor=params.get("cursor")
    )
    return reply(
        {
            "items": page.items,
            "next_cursor": page.next_cursor,
            "credit_balance": money_out(account.credit_balance, account.currency),
            "currency": account.currency,
        }
    )


@endpoint(
    "/accounts/{account_id}/credits",
    "POST",
    summary="Add credit to the account (manage right): amount in the account's currency, note.",
    status=201,
    request=CreditCreate,
    response=CreditOut,
    errors=(403, 404, 409, 422, "account_archived", "amount_not_positive", "currency_changed", "too_many_decimals"),
)
def add_credit(call: Call) -> Response:
    account_id = call.id("account_id")
    body = call.body(CreditCreate)
    entry_id = credit.add_credit(call.ctx, account_id, Decimal(body.amount), body.note, call.idempotency())
    out = credit.get_credit(call.ctx, account_id, entry_id)
    return reply(out, status=201, location=f"/accounts/{account_id}/credits/{entry_id}")


@endpoint(
    "/accounts/{account_id}/credits/{entry_id}",
    "GET",
    summary="One line of the credit ledger.",
    response=CreditOut,
    errors=(404,),
)
def get_credit(call: Call) -> Response:
    return reply(credit.get_credit(call.ctx, call.id("account_id"), call.id("entry_id")))
