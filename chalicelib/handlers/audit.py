"""/audit and /accounts/{account_id}/audit: the audit trail (written by the stream recorder)."""

from __future__ import annotations

import re

from chalice.app import Response

from chalicelib.domain.errors import BadRequestError, FieldError
from chalicelib.domain.models.audit import AuditEntryOut
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import audit

_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
_FILTERS = ("since", "until", "limit", "cursor")


def _filter_id(params: dict[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is not None and not _ID.match(value):
        raise BadRequestError(
            f"{name} is not a valid id.", [FieldError(("query", name), "invalid id")], code="invalid_query"
        )
    return value


@endpoint(
    "/audit",
    "GET",
    summary="The firm's audit trail, newest first, paged (owner and admins): who changed what, when, from which "
    "IP, field by field (secrets redacted). Filters: account_id, actor_id, since, until (ISO 8601, inclusive). "
    "Entries are recorded from the table's change stream, so a change shows within seconds.",
    response=list[AuditEntryOut],
    query=("account_id", "actor_id", *_FILTERS),
    errors=(403,),
)
def firm_trail(call: Call) -> Response:
    params = call.query()
    items, next_cursor = audit.firm_trail(
        call.ctx,
        account_id=_filter_id(params, "account_id"),
        actor_id=_filter_id(params, "actor_id"),
        since=params.get("since"),
        until=params.get("until"),
        limit=call.limit(params),
        cursor=params.get("cursor"),
    )
    return reply({"items": items, "next_cursor": next_cursor})


@endpoint(
    "/accounts/{account_id}/audit",
    "GET",
    summary="The account's audit trail, newest first, paged (whoever may open the account): changes of the "
    "account, its links, activity items and credit, and of its contacts. Filters: actor_id, since, until.",
    response=list[AuditEntryOut],
    query=("actor_id", *_FILTERS),
    errors=(404,),
)
def account_trail(call: Call) -> Response:
    params = call.query()
    items, next_cursor = audit.account_trail(
        call.ctx,
        call.id("account_id"),
        actor_id=_filter_id(params, "actor_id"),
        since=params.get("since"),
        until=params.get("until"),
        limit=call.limit(params),
        cursor=params.get("cursor"),
    )
    return reply({"items": items, "next_cursor": next_cursor})
