"""The check every account-scoped use case starts with: the account exists
and the caller may open it (or edit it). Its own module so that accounts,
contacts, custom fields, activity, links, signing and QuickBooks all use it
without importing one another."""

from __future__ import annotations

from typing import Any

from chalicelib.domain import access
from chalicelib.domain.entities import Account, Member
from chalicelib.domain.errors import ForbiddenError, NotFoundError
from chalicelib.repo.accounts import read_opening
from chalicelib.services.context import Ctx

ACCOUNT_NOT_FOUND = "Account not found."


def load_openable(ctx: Ctx, account_id: str, *, for_edit: bool) -> Account:
    """The account, or 404 when it does not exist or the caller may not open
    it; 403 when they may open but not edit it. The account and the caller
    are read together (one request)."""
    return load_openable_with(ctx, account_id, None, for_edit=for_edit)[0]


def load_openable_with(
    ctx: Ctx, account_id: str, item: tuple[str, str] | None, *, for_edit: bool
) -> tuple[Account, dict[str, Any] | None]:
    """``load_openable``, reading one activity item (section, id) in the same
    request: the account, the caller and the item in one BatchGetItem. The
    item is returned only once the caller may open the account (None when it
    does not exist)."""
    known = ctx.known_member
    found = read_opening(
        ctx.table, ctx.firm_id, account_id, member_id=None if known else ctx.claims.member_id, item=item
    )
    me = known or ctx.adopt_member(found.member)
    return check_openable(me, found.account, for_edit=for_edit), found.item


def check_openable(me: Member, account: Account | None, *, for_edit: bool) -> Account:
    """``load_openable``'s rules on an account already read (a bulk edit reads a hundred in one batch)."""
    if account is None or not access.may_open(me, account.team_member_ids):
        raise NotFoundError(ACCOUNT_NOT_FOUND)
    if for_edit and not access.may_edit(me, account.team_member_ids):
        raise ForbiddenError("Editing this account needs the owner, an admin or the right 'manage accounts'.")
    return account
