"""/me and /members."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.domain.models.people import MemberCreate, MemberOut, MemberPatch, MeOut
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import members


@endpoint("/me", "GET", summary="The caller: id, name, email, role, rights and firm.", response=MeOut)
def get_me(call: Call) -> Response:
    out = members.me(call.ctx)
    return reply(out, version=out.version)


@endpoint("/members", "GET", summary="The firm's members (owner, admin).", response=list[MemberOut], errors=(403,))
def list_members(call: Call) -> Response:
    items = members.list_members(call.ctx)
    return reply({"items": items, "next_cursor": None})


@endpoint(
    "/members",
    "POST",
    summary="Add a member (owner, admin). E-mail addresses are unique per firm.",
    status=201,
    request=MemberCreate,
    response=MemberOut,
    errors=(403, 409, 422, "email_refused", "identity_taken", "member_exists"),
)
def add_member(call: Call) -> Response:
    body = call.body(MemberCreate)
    member_id = members.add_member(call.ctx, body, call.idempotency())
    out = members.get_member(call.ctx, member_id)
    return reply(out, status=201, version=out.version, location=f"/members/{member_id}")


@endpoint("/members/{member_id}", "GET", summary="One member (owner, admin).", response=MemberOut, errors=(403, 404))
def get_member(call: Call) -> Response:
    out = members.get_member(call.ctx, call.id("member_id"))
    return reply(out, version=out.version)


@endpoint(
    "/members/{member_id}",
    "PATCH",
    summary="Change a member's name, role or rights (owner, admin); the owner cannot be demoted (409).",
    request=MemberPatch,
    response=MemberOut,
    errors=(403, 404, 409, 412, "owner_protected"),
)
def patch_member(call: Call) -> Response:
    member_id = call.id("member_id")
    body = call.body(MemberPatch)
    members.patch_member(call.ctx, member_id, body, call.if_match())
    out = members.get_member(call.ctx, member_id)
    return reply(out, version=out.version)


@endpoint(
    "/members/{member_id}",
    "DELETE",
    summary=(
        "Deactivate a member (owner, admin; never the owner: 409). Their tokens are refused from the next "
        "request on (401) and the identity provider's user is disabled; the member stays listed, with "
        "`status` `deactivated`, as the author of what they did. Again on a deactivated member: 204."
    ),
    status=204,
    errors=(403, 404, 409, 412, "owner_protected"),
)
def deactivate_member(call: Call) -> Response:
    members.deactivate_member(call.ctx, call.id("member_id"), call.if_match())
    return reply(status=204)
