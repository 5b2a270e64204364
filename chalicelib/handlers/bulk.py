"""POST /accounts/bulk: tags, team members and type of up to 100 accounts, answered per account."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.domain.models.bulk import BulkEdit, BulkOut
from chalicelib.handlers.http.answers import problem_body, reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import bulk


@endpoint(
    "/accounts/bulk",
    "POST",
    summary="Add or remove tags and team members, or set the type, of 1-100 accounts. Always 200 once the request "
    "itself is valid: each account answers ok, or the problem PATCH /accounts/{account_id} would have answered "
    "(404 not_found for one the caller may not open, 403 forbidden without the manage right, 409 account_archived, "
    "412 version_mismatch with versions, 422 too_many_tags or too_many_team_members). Each account is changed "
    "whole or not at all; one account's refusal leaves the others changed. Idempotency-Key: a retry with the same "
    "key and body answers the first answer.",
    request=BulkEdit,
    response=BulkOut,
    errors=(422, "duplicate_account_ids", "nothing_to_change", "added_and_removed", "unknown_reference"),
)
def bulk_edit(call: Call) -> Response:
    body = call.body(BulkEdit)
    idem = call.idempotency()
    answer = bulk.replayed_answer(call.ctx, idem)
    if answer is None:
        outcomes = bulk.bulk_edit(call.ctx, body)
        results: list[dict[str, Any]] = [
            {"account_id": o.account_id, "status": "ok", "problem": None, "version": o.version}
            if o.error is None
            else {"account_id": o.account_id, "status": "error", "problem": problem_body(o.error), "version": None}
            for o in outcomes
        ]
        answer = {"results": results}
        bulk.keep(call.ctx, idem, outcomes, answer)
    return reply(answer)
