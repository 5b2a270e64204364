"""The firm's tag catalogue."""

from __future__ import annotations

from chalicelib.domain import access
from chalicelib.domain.entities import Tag
from chalicelib.domain.errors import ForbiddenError, NotFoundError
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.ids import new_id
from chalicelib.domain.models.people import TagCreate, TagOut, TagPatch
from chalicelib.repo.firms import version_guard
from chalicelib.services.clashes import retried_on_clash
from chalicelib.services.context import Ctx, idempotent_create


def tag_out(tag: Tag) -> TagOut:
    return TagOut(id=tag.id, name=tag.name, color=tag.color, version=tag.version)


def _require_writer(ctx: Ctx) -> None:
    if not access.manages_accounts(ctx.member):
        raise ForbiddenError("Changing tags needs the owner, an admin or the right 'manage accounts'.")


def list_tags(ctx: Ctx) -> list[TagOut]:
    _ = ctx.member  # any member of the firm may read the catalogue
    return [tag_out(t) for t in ctx.firms.list_tags(ctx.firm_id)]


def get_tag(ctx: Ctx, tag_id: str) -> TagOut:
    _ = ctx.member
    return tag_out(_load(ctx, tag_id))


def _load(ctx: Ctx, tag_id: str) -> Tag:
    tag = ctx.firms.get_tag(ctx.firm_id, tag_id, consistent=True)
    if tag is None:
        raise NotFoundError("Tag not found.")
    return tag


def create_tag(ctx: Ctx, body: TagCreate, idem: Idempotency | None) -> str:
    _require_writer(ctx)
    tag = Tag(firm_id=ctx.firm_id, id=new_id(), name=body.name, color=body.color.upper())
    return idempotent_create(ctx, idem, tag.id, lambda op: ctx.firms.create_tag(tag, op))


@retried_on_clash
def patch_tag(ctx: Ctx, tag_id: str, body: TagPatch, if_match: int | None) -> None:
    _require_writer(ctx)
    old = _load(ctx, tag_id)
    guard = version_guard(if_match, old.version)
    new = Tag(
        firm_id=old.firm_id,
        id=old.id,
        name=body.name if body.name is not None else old.name,
        color=body.color.upper() if body.color is not None else old.color,
        version=old.version,
    )
    if (new.name, new.color) != (old.name, old.color):
        ctx.firms.update_tag(old, new, guard)


@retried_on_clash
def delete_tag(ctx: Ctx, tag_id: str, if_match: int | None) -> None:
    """Deleting a tag removes it from the catalogue; accounts that carried it
    stop showing it (their stale id is ignored on read and dropped on their
    next edit)."""
    _require_writer(ctx)
    tag = _load(ctx, tag_id)
    ctx.firms.delete_tag(tag, version_guard(if_match, tag.version))
