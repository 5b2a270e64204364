"""The audit trail: reading it (the firm's, an account's), and what the GDPR
use cases need of it (a contact's entries; scrubbing a contact's personal data).

Entries are written by the stream recorder (``streams/audit.py``), never here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain import access, audit, erasure
from chalicelib.domain.errors import BadRequestError, FieldError, ForbiddenError
from chalicelib.domain.models.audit import AuditActorOut, AuditChangeOut, AuditEntryOut, AuditResourceOut
from chalicelib.repo.audit import AuditRepo, changes_of, scrubbed_entry
from chalicelib.repo.table import Item, Table
from chalicelib.services.context import Ctx
from chalicelib.services.openable import load_openable


def entry_out(entry: Mapping[str, Any]) -> AuditEntryOut:
    return AuditEntryOut(
        id=str(entry["id"]),
        at=audit.shown_time(str(entry["at"])),
        actor=AuditActorOut(kind=entry["actor_kind"], id=str(entry["actor_id"]), name=str(entry.get("actor_name", ""))),
        ip=entry.get("ip"),
        action=entry["action"],
        resource=AuditResourceOut(
            type=str(entry["resource_type"]), id=str(entry["resource_id"]), account_id=entry.get("account_id")
        ),
        changes=[AuditChangeOut(field=c["field"], old=c.get("old"), new=c.get("new")) for c in changes_of(entry)],
    )


def _time(value: str | None, name: str) -> str | None:
    """A ``since``/``until`` bound as the entries' sort keys hold times (UTC, to the microsecond)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequestError(
            f"{name} is not an ISO 8601 time.",
            [FieldError(("query", name), "not an ISO 8601 time")],
            code="invalid_query",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00, 9999-12-31T23:59-01:00: outside the years a clock reads
        raise BadRequestError(
            f"{name} is out of range.", [FieldError(("query", name), "out of range")], code="invalid_query"
        ) from None
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _range(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    lo, hi = _time(since, "since"), _time(until, "until")
    if lo is not None and hi is not None and lo > hi:
        raise BadRequestError(
            "since is after until.", [FieldError(("query", "since"), "after until")], code="invalid_query"
        )
    return lo, hi


def firm_trail(
    ctx: Ctx,
    *,
    account_id: str | None,
    actor_id: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEntryOut], str | None]:
    """GET /audit: owner and admins only."""
    if not access.manages_members(ctx.member):
        raise ForbiddenError("The audit trail is for the owner and admins.")
    lo, hi = _range(since, until)
    rows, next_cursor = AuditRepo(ctx.table).page(
        ctx.firm_id, account_id=account_id, actor_id=actor_id, since=lo, until=hi, cursor=cursor, limit=limit
    )
    return [entry_out(r) for r in rows], next_cursor


def account_trail(
    ctx: Ctx,
    account_id: str,
    *,
    actor_id: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEntryOut], str | None]:
    """GET /accounts/{account_id}/audit: whoever may open the account (else 404)."""
    lo, hi = _range(since, until)  # a bad filter is a 400 before the account is looked up
    load_openable(ctx, account_id, for_edit=False)
    rows, next_cursor = AuditRepo(ctx.table).page(
        ctx.firm_id, account_id=account_id, actor_id=actor_id, since=lo, until=hi, cursor=cursor, limit=limit
    )
    return [entry_out(r) for r in rows], next_cursor


# --- for the GDPR use cases (export, erase) ----------------------------------------------


def entries_about_or_by_contact(table: Table, firm_id: str, contact_id: str) -> list[AuditEntryOut]:
    """Every audit entry about the contact (its person, its links, its addresses) or made by it
    (portal actions), newest first: for a contact's GDPR export."""
    return [entry_out(e) for e in AuditRepo(table).about_or_by_contact(firm_id, contact_id)]


def scrub_contact_from_entries(
    table: Table, firm_id: str, contact_id: str, personal_values: Collection[str], seen: set[str] | None = None
) -> int:
    """Pseudonymise a contact in the audit trail (for erasure), in every copy of every entry about or by
    it: as actor its name and IP; as resource every old/new value (and an address's id); any of
    ``personal_values`` (names, addresses, phone numbers) elsewhere in them. Answers the number of entries
    rewritten. Idempotent. ``seen``: ids already rewritten by this pass, skipped (a read that lags the
    rewrite would count them twice) and added to."""
    entries = AuditRepo(table).about_or_by_contact(firm_id, contact_id)
    return _scrub(table, entries, contact_id, personal_values, seen)


def scrub_account_trail_page(
    table: Table,
    firm_id: str,
    contact_id: str,
    personal_values: Collection[str],
    account_id: str,
    *,
    after: str | None,
    limit: int,
    seen: set[str] | None = None,
) -> tuple[int, str | None]:
    """``scrub_contact_from_entries`` for one page of one account's trail, where the person's values stand in
    entries about others (mail received from them, their logins): its ``limit`` entries after ``after`` (where
    the page before ended; None: from the newest). A page at a time, so an erasure can stop between two and
    resume (services/gdpr_erase.py). Answers the entries rewritten and where the next page starts (None: this
    was the last)."""
    entries, following = AuditRepo(table).account_trail_page(firm_id, account_id, after, limit)
    return _scrub(table, entries, contact_id, personal_values, seen), following


def _scrub(
    table: Table, entries: Iterable[Item], contact_id: str, personal_values: Collection[str], seen: set[str] | None
) -> int:
    alias = audit.pseudonym(contact_id)
    needles = [v for v in personal_values if v]
    done = seen if seen is not None else set()

    def scrub(value: Any, whole: bool) -> Any:
        return _scrubbed(value, needles, alias, whole=whole)

    fresh = [e for e in entries if str(e["id"]) not in done]
    rewritten = [new for e in fresh if (new := scrubbed_entry(e, contact_id, alias, scrub)) is not None]
    with audit.acting_as(audit.DERIVED_ACTOR):
        AuditRepo(table).rewrite(rewritten)
    done.update(str(e["id"]) for e in rewritten)
    return len(rewritten)


def _scrubbed(value: Any, needles: Collection[str], alias: str, *, whole: bool) -> Any:
    if value is None or value == audit.REDACTED:
        return value
    if whole:
        return alias
    if isinstance(value, str):
        return erasure.scrubbed_text(value, needles, alias)
    if isinstance(value, list):
        return [_scrubbed(v, needles, alias, whole=False) for v in value]
    if isinstance(value, dict):
        return {k: _scrubbed(v, needles, alias, whole=False) for k, v in value.items()}
    return value
