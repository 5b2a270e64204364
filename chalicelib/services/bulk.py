"""Bulk edit: tags, team members and type of up to 100 accounts in one request.

Each account is checked and written exactly as PATCH /accounts/{account_id}
would (services/openable.py's rules, ``AccountRepo.update``: the account and
its list entries in one conditional transaction), so each is changed whole or
not at all, and one account's refusal leaves the others' changes in place.
The whole request is refused (400/422, nothing written) only for what is wrong
with the request itself: its shape, or tags and members that do not exist.

Requests: the accounts, the caller and the referenced tags and members are
read with BatchGetItem (two for 100 accounts); then one write per account that
changes, a few in flight at once (docs/data-model.md, "Bulk edit").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.concurrency import map_overlapped
from chalicelib.adapters.config import settings
from chalicelib.adapters.outages import is_outage
from chalicelib.domain.bulk_edit import BulkChange
from chalicelib.domain.entities import Account
from chalicelib.domain.errors import (
    BadRequestError,
    DossierError,
    FieldError,
    ServiceUnavailableError,
    UnprocessableError,
)
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.ids import now_iso
from chalicelib.domain.models.bulk import BulkEdit
from chalicelib.repo.accounts import ACCOUNT_ARCHIVED
from chalicelib.repo.bulk import keep_answer, read_for_bulk, stored_answer
from chalicelib.repo.firms import version_guard
from chalicelib.repo.records import from_item, to_item
from chalicelib.services.clashes import retried_on_clash
from chalicelib.services.context import Ctx, dedupe
from chalicelib.services.openable import check_openable

log = logging.getLogger("dossier.bulk")


@dataclass(slots=True)
class Outcome:
    """One account's answer: its version after the change, or the refusal."""

    account_id: str
    version: int | None = None
    error: DossierError | None = None
    written: bool = False  # changed by this request (not already as asked)


def bulk_edit(ctx: Ctx, body: BulkEdit) -> list[Outcome]:
    change = _checked(body)
    me_id = ctx.claims.member_id
    read = read_for_bulk(
        ctx.table,
        ctx.firm_id,
        account_ids=body.account_ids,
        member_ids=dedupe([me_id, *change.add_team]),
        tag_ids=change.add_tags,
    )
    ctx.adopt_member(read.members.get(me_id))  # the caller's rights, read with the rest
    errors = [
        FieldError(("body", "add_tags", i), f"unknown tag {t}")
        for i, t in enumerate(change.add_tags)
        if t not in read.tag_ids
    ]
    errors += [
        FieldError(("body", "add_team_member_ids", i), f"unknown member {m}")
        for i, m in enumerate(change.add_team)
        if m not in read.members
    ]
    if errors:
        raise UnprocessableError("Some referenced tags or members do not exist.", errors, code="unknown_reference")
    versions = body.versions or {}

    def edit(account_id: str) -> Outcome:
        first: list[Account | None] = [read.accounts.get(account_id)]
        return _outcome(account_id, lambda: _edit_one(ctx, account_id, change, versions.get(account_id), first))

    # Writes in flight at once (settings: 4): 100 accounts take about 25 round trips, not 100, and DynamoDB
    # Local, which queues concurrent writes, keeps up. Each runs in a copy of the request's context, so that
    # its consumed capacity counts in the request's metrics and its writes carry the caller as audit actor.
    return map_overlapped(edit, body.account_ids, settings().bulk_writers)


def _checked(body: BulkEdit) -> BulkChange:
    """The request's own rules (400, before anything is read)."""
    seen: set[str] = set()
    twice = []
    for i, account_id in enumerate(body.account_ids):
        if account_id in seen:
            twice.append(FieldError(("body", "account_ids", i), f"account {account_id} is listed twice", "duplicate"))
        seen.add(account_id)
    if twice:
        raise BadRequestError("An account is listed twice.", twice, code="duplicate_account_ids")
    strays = [
        FieldError(("body", "versions", k), "not one of account_ids") for k in body.versions or {} if k not in seen
    ]
    if strays:
        raise BadRequestError("versions names an account that is not edited.", strays, code="invalid_body")
    change = BulkChange(
        add_tags=dedupe(body.add_tags),
        remove_tags=dedupe(body.remove_tags),
        add_team=dedupe(body.add_team_member_ids),
        remove_team=dedupe(body.remove_team_member_ids),
        type=body.type,
    )
    if not (change.add_tags or change.remove_tags or change.add_team or change.remove_team or change.type):
        raise BadRequestError(
            "Name a change: add_tags, remove_tags, add_team_member_ids, remove_team_member_ids or type.",
            [FieldError(("body",), "no change named", "required")],
            code="nothing_to_change",
        )
    both = [
        FieldError(("body", "remove_tags", i), f"tag {t} is also in add_tags", "added_and_removed")
        for i, t in enumerate(change.remove_tags)
        if t in change.add_tags
    ]
    both += [
        FieldError(("body", "remove_team_member_ids", i), f"member {m} is also added", "added_and_removed")
        for i, m in enumerate(change.remove_team)
        if m in change.add_team
    ]
    if both:
        raise BadRequestError("A tag or team member is both added and removed.", both, code="added_and_removed")
    return change


def _outcome(account_id: str, run: Callable[[], tuple[int, bool]]) -> Outcome:
    """Run one account's edit; its failure is its answer, never the request's."""
    try:
        version, written = run()
        return Outcome(account_id, version=version, written=written)
    except DossierError as exc:
        return Outcome(account_id, error=exc)
    except Exception as exc:
        if is_outage(exc):
            log.warning("dependency unavailable in a bulk edit: %r", exc)
            return Outcome(account_id, error=ServiceUnavailableError("A service Dossier uses is unavailable; retry."))
        log.exception("unhandled error in a bulk edit")
        return Outcome(account_id, error=DossierError("An unexpected error occurred; it has been logged."))


@retried_on_clash
def _edit_one(
    ctx: Ctx, account_id: str, change: BulkChange, if_match: int | None, first: list[Account | None]
) -> tuple[int, bool]:
    """PATCH /accounts/{account_id}'s path for one account: the batch's read on
    the first attempt, a fresh consistent read after a clash. Answers the
    account's version once changed (or as it was, when already as asked) and
    whether this request wrote it."""
    account = first.pop() if first else ctx.accounts.get(ctx.firm_id, account_id, consistent=True)
    old = check_openable(ctx.member, account, for_edit=True)
    if old.archived:
        raise ACCOUNT_ARCHIVED
    guard = version_guard(if_match, old.version)
    changed: dict[str, Any] = change.fields_for(old)
    if not changed:
        return old.version, False
    changed["updated_at"] = now_iso()
    new = from_item(Account, {**to_item(old), **changed})
    ctx.accounts.update(old, new, changed, guard)
    return old.version + 1, True


# --- Idempotency-Key: the first answer, kept -------------------------------------------


def replayed_answer(ctx: Ctx, idem: Idempotency | None) -> dict[str, Any] | None:
    """The answer an earlier request with this Idempotency-Key got (the same body), else None."""
    if idem is None:
        return None
    _ = ctx.member  # a revoked right or member applies to a replay too
    stored = stored_answer(ctx.table, idem)
    if stored is None:
        return None
    request_hash, answer = stored
    if request_hash != idem.request_hash:
        raise UnprocessableError(
            "This Idempotency-Key was already used with a different request; use a new key.",
            code="idempotency_key_reused",
        )
    return answer


def keep(ctx: Ctx, idem: Idempotency | None, outcomes: list[Outcome], answer: dict[str, Any]) -> None:
    """Keep the answer for the key when the request changed something: a request that changed nothing
    (every account refused, or already as asked) is safe to run again, and writes nothing, not even its key."""
    if idem is not None and any(o.written for o in outcomes):
        keep_answer(ctx.table, idem, answer)
