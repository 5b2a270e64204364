"""/tags: the firm's tag catalogue."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.domain.models.people import TagCreate, TagOut, TagPatch
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import tags


@endpoint("/tags", "GET", summary="The firm's tags, alphabetically (any member).", response=list[TagOut])
def list_tags(call: Call) -> Response:
    return reply({"items": tags.list_tags(call.ctx), "next_cursor": None})


@endpoint(
    "/tags",
    "POST",
    summary="Create a tag; names are unique per firm, case-insensitively (409).",
    status=201,
    request=TagCreate,
    response=TagOut,
    errors=(403, 409, 422, "name_taken"),
)
def create_tag(call: Call) -> Response:
    body = call.body(TagCreate)
    tag_id = tags.create_tag(call.ctx, body, call.idempotency())
    out = tags.get_tag(call.ctx, tag_id)
    return reply(out, status=201, version=out.version, location=f"/tags/{tag_id}")


@endpoint("/tags/{tag_id}", "GET", summary="One tag.", response=TagOut, errors=(404,))
def get_tag(call: Call) -> Response:
    out = tags.get_tag(call.ctx, call.id("tag_id"))
    return reply(out, version=out.version)


@endpoint(
    "/tags/{tag_id}",
    "PATCH",
    summary="Rename or recolour a tag.",
    request=TagPatch,
    response=TagOut,
    errors=(403, 404, 409, 412, "name_taken"),
)
def patch_tag(call: Call) -> Response:
    tag_id = call.id("tag_id")
    body = call.body(TagPatch)
    tags.patch_tag(call.ctx, tag_id, body, call.if_match())
    out = tags.get_tag(call.ctx, tag_id)
    return reply(out, version=out.version)


@endpoint("/tags/{tag_id}", "DELETE", summary="Delete a tag.", status=204, errors=(403, 404, 412))
def delete_tag(call: Call) -> Response:
    tags.delete_tag(call.ctx, call.id("tag_id"), call.if_match())
    return reply(status=204)
