"""QuickBooks: the firm's connection and accounts' sync results, for the firm's connector."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.domain.models.accounts import (
    QuickBooksConnectionIn,
    QuickBooksConnectionOut,
    QuickBooksOut,
    SyncResultIn,
)
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import quickbooks


@endpoint(
    "/quickbooks/connection",
    "GET",
    summary="Whether the firm connected QuickBooks (any member).",
    response=QuickBooksConnectionOut,
)
def get_connection(call: Call) -> Response:
    return reply(quickbooks.connection(call.ctx))


@endpoint(
    "/quickbooks/connection",
    "PUT",
    summary="The firm's connector records that QuickBooks was connected or disconnected (owner, admin).",
    request=QuickBooksConnectionIn,
    response=QuickBooksConnectionOut,
    errors=(403,),
)
def put_connection(call: Call) -> Response:
    return reply(quickbooks.set_connection(call.ctx, call.body(QuickBooksConnectionIn)))


@endpoint(
    "/accounts/{account_id}/quickbooks/sync-results",
    "POST",
    summary="The firm's connector records the result of syncing the account (owner, admin): 'synced' (synced_at, "
    "default now) or 'error' with a reason. Answers the account's QuickBooks block as the Info tab shows it. "
    "Dossier never syncs by itself.",
    request=SyncResultIn,
    response=QuickBooksOut,
    errors=(403, 404, 422, "invalid_sync_result"),
)
def record_result(call: Call) -> Response:
    account_id = call.id("account_id")
    return reply(quickbooks.record_result(call.ctx, account_id, call.body(SyncResultIn)))
