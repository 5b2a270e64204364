"""The firm and its members."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from chalicelib.adapters.config import settings
from chalicelib.adapters.directory import directory
from chalicelib.domain import access
from chalicelib.domain.entities import Firm, Member
from chalicelib.domain.errors import ConflictError, DossierError, ForbiddenError, NotFoundError
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.domain.models.people import FirmRef, MemberCreate, MemberOut, MemberPatch, MeOut, RightsOut
from chalicelib.repo.firms import FirmRepo, version_guard
from chalicelib.repo.identities import IdentityRepo
from chalicelib.repo.table import Op
from chalicelib.services import jobs
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
        status=member.status,  # type: ignore[arg-type]
        created_at=member.created_at,
        version=member.version,
    )


def create_firm(
    firms: FirmRepo, *, name: str, owner_name: str, owner_email: str, send_invitation: bool = True
) -> tuple[Firm, Member]:
    """A new tenant with its owner, invited through the identity provider (the CLI and the demo seed)."""
    now = now_iso()
    firm = Firm(id=new_id(), name=name, currency="USD", created_at=now)
    owner = Member(firm.id, new_id(), owner_name, owner_email, "owner", True, True, now)
    with invited(owner, send_invitation) as sign_in:
        firms.create_firm(firm, owner, sign_in(IdentityRepo(firms.table)))
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
    with invited(member, send_mail=True) as sign_in:
        op = sign_in(IdentityRepo(ctx.table))
        return idempotent_create(ctx, idem, member.id, lambda idem_op: ctx.firms.add_member(member, op, idem_op))


@contextmanager
def invited(member: Member, send_mail: bool) -> Iterator[Callable[[IdentityRepo], Op]]:
    """The member's sign-in, for the transaction that writes them: with Cognito, the pool's user is
    created first (it names the subject) and removed again if the member is not written; with an OIDC
    issuer, their address awaits its first sign-in."""
    pool = directory()
    if pool is None:
        yield lambda repo: repo.await_first_sign_in(member)
        return
    user = pool.invite(member.email, member.name, send_mail=send_mail)
    member.identity_issuer = settings().jwt_issuer or ""
    member.identity_subject = user.subject
    try:
        yield lambda repo: repo.bind_with_member(member)
    except DossierError:
        # Refused for certain (the address is a member already, ...): the user made for it goes. Not on other
        # errors (a timeout): the member may have been written, and it needs its user.
        if user.created:
            pool.remove(member.email)
        raise


def deactivate_member(ctx: Ctx, member_id: str, if_match: int | None) -> None:
    """Their tokens are refused from the next request on, and the provider's user is disabled. Again on a
    deactivated member: nothing more (204), so a retry is safe."""
    _require_admin(ctx)
    target = ctx.firms.get_member(ctx.firm_id, member_id, consistent=True)
    if target is None:
        raise NotFoundError("Member not found.")
    if target.role == "owner":
        raise ConflictError("The owner cannot be deactivated.", code="owner_protected")
    if target.status == "deactivated":
        return
    guard = version_guard(if_match, target.version)
    withdraw = None if target.identity_subject else IdentityRepo(ctx.table).withdraw_first_sign_in(target)
    ctx.firms.deactivate_member(target, guard, withdraw)
    pool = directory()
    if pool is not None and not _signs_in_elsewhere(ctx, target):
        pool.disable(target.email)


def _signs_in_elsewhere(ctx: Ctx, member: Member) -> bool:
    """Whether the member's sign-in also opens another firm: then the provider's user, which that firm
    shares, stays enabled (one firm must not lock a person out of another); this firm's member status
    refuses their tokens here all the same."""
    bindings = IdentityRepo(ctx.table).bindings(member.identity_issuer, member.identity_subject)
    return any(b.firm_id != member.firm_id for b in bindings)


@retried_on_clash
def patch_member(ctx: Ctx, member_id: str, body: MemberPatch, if_match: int | None) -> None:
    """A new name is written at once, with a background job (kind ``member_rename``,
    services/member_refresh.py) that refreshes every overview section naming the member, in the same
    transaction; the request then queues the job's first chunk. The same name again queues nothing."""
    _require_admin(ctx)
    target = ctx.firms.get_member(ctx.firm_id, member_id, consistent=True)
    if target is None:
        raise NotFoundError("Member not found.")
    guard = version_guard(if_match, target.version)
    fields: dict[str, object] = {}
    if body.name is not None:
        fields["name"] = body.name
    if target.role == "owner" and (body.role is not None or body.rights is not None):
        raise ConflictError("The owner cannot be demoted, and always holds every right.", code="owner_protected")
    if body.role is not None:
        fields["role"] = body.role
    if body.rights is not None:
        for right in ("view_all_accounts", "manage_accounts"):
            value = getattr(body.rights, right)
            if value is not None:
                fields[right] = value
    if not fields:
        return
    if body.name is None or body.name == target.name:
        ctx.firms.update_member(ctx.firm_id, member_id, fields, guard)
        return
    job, store_job = jobs.prepare(ctx, "member_rename", {"member_id": member_id})
    # The member names its latest refresh, so an earlier rename's job stops once this one exists.
    fields["refresh_job_id"] = job.id
    ctx.firms.update_member(ctx.firm_id, member_id, fields, guard, also=[store_job])
    jobs.send_prepared(ctx, job)
