"""/custom-fields: the firm's custom field definitions; an account's custom field history."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.domain.errors import BadRequestError, FieldError
from chalicelib.domain.models.accounts import CustomFieldChangeOut, CustomFieldCreate, CustomFieldOut, CustomFieldPatch
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import custom_fields


def _choice(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    if value is not None and value not in allowed:
        raise BadRequestError(
            f"{name} must be one of {', '.join(allowed)}.",
            [FieldError(("query", name), "invalid")],
            code="invalid_query",
        )
    return value


@endpoint(
    "/custom-fields",
    "GET",
    summary="The firm's custom field definitions in creation order (any member); ?target=account|contact; "
    "removed ones only with ?include_removed=true. Not paged: a firm has at most 100 per target.",
    response=list[CustomFieldOut],
    query=("target", "include_removed"),
)
def list_fields(call: Call) -> Response:
    params = call.query()
    target = _choice(params.get("target"), ("account", "contact"), "target")
    removed = _choice(params.get("include_removed"), ("true", "false"), "include_removed") == "true"
    return reply({"items": custom_fields.list_fields(call.ctx, target, removed), "next_cursor": None})


@endpoint(
    "/custom-fields",
    "POST",
    summary="Define a custom field (owner, admin): target, label (unique per target, case-insensitively: 409), "
    "kind, and options for a dropdown (at least one; other kinds none: 422).",
    status=201,
    request=CustomFieldCreate,
    response=CustomFieldOut,
    errors=(
        403,
        409,
        422,
        "duplicate_options",
        "label_taken",
        "label_without_letters",
        "options_not_allowed",
        "options_required",
        "too_many_custom_fields",
    ),
)
def create_field(call: Call) -> Response:
    field_id = custom_fields.create_field(call.ctx, call.body(CustomFieldCreate), call.idempotency())
    out = custom_fields.get_field(call.ctx, field_id)
    return reply(out, status=201, version=out.version, location=f"/custom-fields/{field_id}")


@endpoint("/custom-fields/{field_id}", "GET", summary="One definition.", response=CustomFieldOut, errors=(404,))
def get_field(call: Call) -> Response:
    out = custom_fields.get_field(call.ctx, call.id("field_id"))
    return reply(out, version=out.version)


@endpoint(
    "/custom-fields/{field_id}",
    "PATCH",
    summary="Rename a field or add (and reorder) a dropdown's options (owner, admin). Values keep their field: "
    "an option cannot be removed (422), the kind and target cannot change.",
    request=CustomFieldPatch,
    response=CustomFieldOut,
    errors=(
        403,
        404,
        409,
        412,
        422,
        "duplicate_options",
        "label_taken",
        "label_without_letters",
        "options_not_allowed",
        "options_removed",
        "options_required",
    ),
)
def patch_field(call: Call) -> Response:
    field_id = call.id("field_id")
    custom_fields.patch_field(call.ctx, field_id, call.body(CustomFieldPatch), call.if_match())
    out = custom_fields.get_field(call.ctx, field_id)
    return reply(out, version=out.version)


@endpoint(
    "/custom-fields/{field_id}",
    "DELETE",
    summary="Remove a field (owner, admin): its values are hidden from accounts and contacts, and setting one "
    "is refused; the values and their history are kept (the history names the field as removed).",
    status=204,
    errors=(403, 404, 412),
)
def remove_field(call: Call) -> Response:
    custom_fields.remove_field(call.ctx, call.id("field_id"), call.if_match())
    return reply(status=204)


@endpoint(
    "/accounts/{account_id}/custom-fields/history",
    "GET",
    summary="Changes of the account's custom field values, newest first, paged: field, old value, new value, "
    "who and when. Each line is written in the same transaction as its change.",
    response=list[CustomFieldChangeOut],
    query=("limit", "cursor"),
    errors=(404,),
)
def history(call: Call) -> Response:
    params = call.query()
    items, next_cursor = custom_fields.history(
        call.ctx, call.id("account_id"), limit=call.limit(params), cursor=params.get("cursor")
    )
    return reply({"items": items, "next_cursor": next_cursor})
