"""QuickBooks connection and sync results, recorded by the firm's connector
(an owner's or admin's credential). Dossier derives each account's status
from them (``chalicelib/domain/quickbooks_status.py``); it never pretends to sync."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from chalicelib.domain import access
from chalicelib.domain.errors import FieldError, ForbiddenError, UnprocessableError
from chalicelib.domain.ids import now_iso, now_precise
from chalicelib.domain.models.accounts import (
    QuickBooksConnectionIn,
    QuickBooksConnectionOut,
    QuickBooksOut,
    SyncResultIn,
)
from chalicelib.repo.quickbooks import QuickBooksRepo
from chalicelib.services.context import Ctx
from chalicelib.services.openable import load_openable
from chalicelib.services.views import quickbooks_out

CLOCK_SKEW = timedelta(minutes=5)  # a connector's clock may run a little ahead
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")


def _require_connector(ctx: Ctx) -> None:
    if not access.manages_members(ctx.member):
        raise ForbiddenError("QuickBooks connections and sync results are recorded by the owner or an admin.")


def connection(ctx: Ctx) -> QuickBooksConnectionOut:
    _ = ctx.member
    found = QuickBooksRepo(ctx.table).connection(ctx.firm_id) or {}
    return QuickBooksConnectionOut(
        connected=bool(found.get("connected", False)),
        company_name=str(found.get("company_name", "")),
        updated_at=found.get("updated_at"),
    )


def set_connection(ctx: Ctx, body: QuickBooksConnectionIn) -> QuickBooksConnectionOut:
    _require_connector(ctx)
    QuickBooksRepo(ctx.table).set_connection(ctx.firm_id, body.connected, body.company_name, now_iso())
    return connection(ctx)


def _utc(value: str) -> str:
    bad = UnprocessableError(
        "synced_at must be a past UTC timestamp such as 2026-11-26T17:42:00Z.",
        [FieldError(("body", "synced_at"), "not a timestamp in the past")],
        code="invalid_sync_result",
    )
    if not _STAMP.fullmatch(value):  # not the week dates and basic forms fromisoformat also reads
        raise bad
    try:
        moment = datetime.fromisoformat(value).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise bad from exc
    if (
        datetime.fromisoformat(value).tzinfo is None
        or not moment.year >= 2000
        or moment > datetime.now(UTC) + CLOCK_SKEW
    ):
        raise bad
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def record_result(ctx: Ctx, account_id: str, body: SyncResultIn) -> QuickBooksOut:
    """The connector synced the account (or failed to): what the Info tab shows next."""
    account = load_openable(ctx, account_id, for_edit=False)  # first: one the caller may not open is a 404
    _require_connector(ctx)
    if body.status == "error" and not body.reason:
        raise UnprocessableError(
            "A failed sync needs a reason.", [FieldError(("body", "reason"), "required")], code="invalid_sync_result"
        )
    if body.status == "synced" and body.reason:
        raise UnprocessableError(
            "A successful sync has no reason.",
            [FieldError(("body", "reason"), "not allowed")],
            code="invalid_sync_result",
        )
    if body.status == "error" and body.synced_at:
        raise UnprocessableError(
            "A failed sync has no synced_at.",
            [FieldError(("body", "synced_at"), "not allowed")],
            code="invalid_sync_result",
        )
    now, at = now_iso(), now_precise()
    previous = account.qb_result or {}
    reported = _utc(body.synced_at) if body.synced_at else None
    result = {
        "status": body.status,
        "at": at,
        # what the sync covered: the invoices and payments as of when it ran
        # (a time reported to the second covers that whole second)
        "covers": (reported.replace("Z", ".999999Z") if reported else at) if body.status == "synced" else None,
        # a failure keeps the time of the last successful sync
        "synced_at": (reported or now) if body.status == "synced" else previous.get("synced_at"),
        "reason": body.reason,
    }
    QuickBooksRepo(ctx.table).record_result(ctx.firm_id, account_id, {k: v for k, v in result.items() if v})
    account.qb_result = {k: v for k, v in result.items() if v}
    connected = bool((QuickBooksRepo(ctx.table).connection(ctx.firm_id) or {}).get("connected", False))
    return quickbooks_out(account, connected)
