"""The firm and its members."""

from __future__ import annotations

from chalicelib.domain import access
from chalicelib.domain.entities import Firm, Member
from chalicelib.domain.errors import ConflictError, ForbiddenError, NotFoundError
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.domain.models import FirmRef, MemberCreate, MemberOut, MemberPatch, MeOut, RightsOut
from chalicelib.repo.firms import FirmRepo, version_guard
from chalicelib.services.clashes import retried_on_clash
from chalicelib.services.context import Ctx, idempotent_create


def member_out(member: Member) -> MemberOut:
    rights = RightsOut(
        view_all_accounts=access.opens_every_account(member), manage_accounts=access.manages_accounts(member)
    )
    return MemberOut(
        id=member.id,
        name=member.name,
        email=member.email,
        role=member.role,  # type: ignore[arg-type]
        rights=rights,
        created_at=member.created_at,
        version=member.version,
    )


def create_firm(firms: FirmRepo, *, name: str, owner_name: str, owner_email: str) -> tuple[Firm, Member]:
    """A new tenant with its owner (used by the CLI and the demo seed)."""
    now = now_iso()
    firm = Firm(id=new_id(), name=name, currency="USD", created_at=now)
    owner = Member(firm.id, new_id(), owner_name, owner_email, "owner", True, True, now)
    firms.create_firm(firm, owner)
    return firm, owner


def me(ctx: Ctx) -> MeOut:
    member = ctx.member
    firm = ctx.firms.get_firm(ctx.firm_id)
    firm_ref = FirmRef(id=ctx.firm_id, name=firm.name if firm else "")
    return MeOut(**member_out(member).model_dump(), firm=firm_ref)


def _require_admin(ctx: Ctx) -> None:
    if not access.manages_members(ctx.member):
        raise ForbiddenError("Only the owner and admins manage members.")


def list_members(ctx: Ctx) -> list[MemberOut]:
    _require_admin(ctx)
    return [member_out(m) for m in ctx.firms.list_members(ctx.firm_id)]


def get_member(ctx: Ctx, member_id: str) -> MemberOut:
    _require_admin(ctx)
    member = ctx.firms.get_member(ctx.firm_id, member_id, consistent=True)
    if member is None:
        raise NotFoundError("Member not found.")
    return member_out(member)


def add_member(ctx: Ctx, body: MemberCreate, idem: Idempotency | None) -> str:
    _require_admin(ctx)
    member = Member(
        firm_id=ctx.firm_id,
        id=new_id(),
        name=body.name,
        email=body.email,
        role=body.role,
        view_all_accounts=body.rights.view_all_accounts,
        manage_accounts=body.rights.manage_accounts,
        created_at=now_iso(),
    )
    return idempotent_create(ctx, idem, member.id, lambda op: ctx.firms.add_member(member, op))


@retried_on_clash
def patch_member(ctx: Ctx, member_id: str, body: MemberPatch, if_match: int | None) -> None:
    _require_admin(ctx)
    target = ctx.firms.get_member(ctx.firm_id, member_id, consistent=True)
    if target is None:
        raise NotFoundError("Member not found.")
    guard = version_guard(if_match, target.version)
    fields: dict[str, object] = {}
    if body.name is not None:
        fields["name"] = body.name
    if target.role == "owner" and (body.role is not None or body.rights is not None):
        raise ConflictError("The owner cannot be demoted, and always holds every right.")
    if body.role is not None:
        fields["role"] = body.role
    if body.rights is not None:
        for right in ("view_all_accounts", "manage_accounts"):
            value = getattr(body.rights, right)
            if value is not None:
                fields[right] = value
    if fields:
        ctx.firms.update_member(ctx.firm_id, member_id, fields, guard)
