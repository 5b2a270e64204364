"""The Overview tab's read: the header and all thirteen sections with one Query, from the overview items
the stream projection keeps (services/overview.py). A module of its own, importing no model and no other
screen's code, so an Overview read after a cold start loads little (docs/performance.md, "Cold start")."""

from __future__ import annotations

import json
from decimal import Decimal

from chalicelib.domain import access
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.sections import SECTIONS, Item, Section, add_read_time_fields
from chalicelib.repo.overview import StoredOverview
from chalicelib.services.context import Ctx
from chalicelib.services.photo_links import photo_url


def _summaries(section: Section, stored: StoredOverview | None, credit: Decimal, currency: str) -> Item:
    if stored is None:
        return {"items": [], "has_more": False}
    fields = stored.fields.split(",")
    items = [dict(zip(fields, row, strict=True)) for row in json.loads(stored.rows)]
    for summary in items:
        add_read_time_fields(summary, section.read_time_fields, credit, currency)
    return {"items": items, "has_more": stored.has_more}


def read(ctx: Ctx, account_id: str) -> Item:
    """The header and all thirteen sections with one Query.

    The caller's member item is read at the same time, not after it (on the
    reader pool: the two round trips overlap): it says whether they are still
    active and, unless they are on the account's team (the account item, in
    the Query, names it), whether their role and rights open the account. It
    is read strongly consistent, so a revoked right or a deactivation applies
    to the very next request.
    """
    caller = ctx.read_member_beside()
    found = ctx.activity.read_overview(ctx.firm_id, account_id)
    member = ctx.adopt_member(caller.result())
    account = found.account
    if account is None:
        raise NotFoundError("Account not found.")
    team = list(account.get("team_member_ids") or [])
    if member.id not in team and not access.may_open(member, team):
        raise NotFoundError("Account not found.")
    credit, currency = Decimal(account.get("credit_balance", 0)), str(account.get("currency", "USD"))
    header = {"id": account["id"], "name": account["name"], "photo_url": photo_url(account.get("photo_key"))}
    out: Item = {"account": header}
    for key, section in SECTIONS.items():
        out[key] = _summaries(section, found.sections.get(key), credit, currency)
    return out
