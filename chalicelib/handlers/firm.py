"""/firm: the firm's settings."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.domain.models.people import FirmOut, FirmPatch
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import firm


@endpoint(
    "/firm",
    "GET",
    summary="The firm's settings (any member): name, currency, language and signing order.",
    response=FirmOut,
)
def get_firm(call: Call) -> Response:
    out = firm.get_firm(call.ctx)
    return reply(out, version=out.version)


@endpoint(
    "/firm",
    "PATCH",
    summary=(
        "Change the firm's settings (owner only, else 403). `currency` is the default of accounts created "
        "afterwards (existing accounts keep theirs; one without invoices or credit can be changed with "
        "PATCH /accounts/{account_id}); `language` the default of new contacts; `signing_order` `sequential` "
        "makes signers sign by signer_priority. An unknown currency → 400 (`unknown_currency`)."
    ),
    request=FirmPatch,
    response=FirmOut,
    errors=(403, 409, 412),
)
def patch_firm(call: Call) -> Response:
    body = call.body(FirmPatch)
    out = firm.patch_firm(call.ctx, body, call.if_match())
    return reply(out, version=out.version)
