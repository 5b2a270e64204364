"""Linking contacts to accounts: link, describe, unlink."""

from __future__ import annotations

from chalicelib.domain.entities import Link
from chalicelib.domain.errors import NotFoundError, UnprocessableError
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.ids import now_iso
from chalicelib.domain.models.people import ExistingContactLink, LinkedContactOut, LinkPatch, NewContactLink
from chalicelib.repo.accounts import ACCOUNT_ARCHIVED
from chalicelib.repo.firms import version_guard
from chalicelib.services.clashes import retried_on_clash
from chalicelib.services.contacts import load_visible, new_contact
from chalicelib.services.context import Ctx, idempotent_create
from chalicelib.services.openable import load_openable
from chalicelib.services.views import linked_contacts_out

LINK_NOT_FOUND = "The contact is not linked to this account."


def get_link(ctx: Ctx, account_id: str, contact_id: str, *, emails_written: bool = False) -> LinkedContactOut:
    """The link and its contact (both read strongly consistent); the addresses' settings eventually
    consistent unless the request has just written them (``emails_written``: a contact created inline)."""
    load_openable(ctx, account_id, for_edit=False)
    link = ctx.accounts.get_link(ctx.firm_id, account_id, contact_id)
    contact = ctx.contacts.get(ctx.firm_id, contact_id, consistent=True)
    if link is None or contact is None:
        raise NotFoundError(LINK_NOT_FOUND)
    emails = ctx.contacts.emails_of([contact], consistent=emails_written)
    return linked_contacts_out([link], {contact.id: contact}, emails)[0]


def link_contact(
    ctx: Ctx, account_id: str, body: ExistingContactLink | NewContactLink, idem: Idempotency | None
) -> str:
    account = load_openable(ctx, account_id, for_edit=True)
    if account.archived:
        raise ACCOUNT_ARCHIVED
    now = now_iso()
    if isinstance(body, ExistingContactLink):
        try:
            load_visible(ctx, body.contact_id, for_edit=True)
        except NotFoundError:
            raise UnprocessableError(f"Contact {body.contact_id} does not exist.", code="unknown_reference") from None
        link = Link(ctx.firm_id, account.id, body.contact_id, body.description, body.signer_priority, now)
        return idempotent_create(ctx, idem, link.contact_id, lambda op: ctx.accounts.link_existing(link, op))
    contact, emails = new_contact(ctx, body, ("body",), {}, now)
    contact.account_ids = {account.id}
    link = Link(ctx.firm_id, account.id, contact.id, body.description, body.signer_priority, now)
    return idempotent_create(ctx, idem, contact.id, lambda op: ctx.accounts.link_new(link, contact, emails, op))


def _load_link(ctx: Ctx, account_id: str, contact_id: str) -> Link:
    link = ctx.accounts.get_link(ctx.firm_id, account_id, contact_id)
    if link is None:
        raise NotFoundError(LINK_NOT_FOUND)
    return link


@retried_on_clash
def patch_link(ctx: Ctx, account_id: str, contact_id: str, body: LinkPatch, if_match: int | None) -> None:
    load_openable(ctx, account_id, for_edit=True)
    link = _load_link(ctx, account_id, contact_id)
    guard = version_guard(if_match, link.version)
    changed: dict[str, object] = {}
    if body.description is not None:
        changed["description"] = body.description
    if "signer_priority" in body.model_fields_set:
        changed["signer_priority"] = body.signer_priority
    if changed:
        ctx.accounts.update_link(link, changed, guard)


@retried_on_clash
def unlink(ctx: Ctx, account_id: str, contact_id: str, if_match: int | None) -> None:
    """The last contact can never be unlinked: the table refuses it (409), so
    concurrent unlinks cannot leave an account without contacts."""
    account = load_openable(ctx, account_id, for_edit=True)
    if account.archived:
        raise ACCOUNT_ARCHIVED
    link = _load_link(ctx, account_id, contact_id)
    guard = version_guard(if_match, link.version)
    ctx.accounts.unlink(link, guard)
