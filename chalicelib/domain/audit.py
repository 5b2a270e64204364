"""The audit trail's rules (no I/O): who is acting, what is never recorded,
and how a change of one stored thing becomes an entry's field changes.

The actor is request-scoped: the endpoint decorator sets it from the verified
caller and the request's source IP, stream consumers and jobs set theirs, and
``repo/table.py`` stamps it onto every write (``repo/stamps.py``). The stream
recorder (``streams/audit.py``) turns the stamped images into entries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

# Actor kinds shown in entries. ``derived`` marks the stream consumers' own
# writes (overview items, search entries, address copies): never recorded.
MEMBER: Final = "member"
CONTACT: Final = "contact"
SYSTEM: Final = "system"
DERIVED: Final = "derived"
RECORDED_KINDS: Final = (MEMBER, CONTACT, SYSTEM)
# The resources whose removal is recorded whoever last wrote them (an item written before the trail
# existed carries no stamp; the deletion note names the deleter): the overview mapping's REMOVE filter
# (infra/template.json) lists exactly these, and tests/unit/test_infra.py checks it.
REMOVALS_RECORDED: Final = (
    "account",
    "account_contact",
    "chat_message",
    "contact",
    "credit",
    "custom_field",
    "email",
    "firm",
    "invitation",
    "item",
    "job",
    "member",
    "pipeline",
    "quickbooks_connection",
    "tag",
)

RETENTION_DEFAULT_DAYS: Final = 365
RETENTION_MIN_DAYS: Final = 30
RETENTION_MAX_DAYS: Final = 3650


@dataclass(slots=True)
class Actor:
    kind: str
    id: str
    name: str = ""
    ip: str | None = None
    # An erasure's writes: their entries name the fields changed, never the values (which are the
    # erased person's data: recording them would put back what the erasure removes).
    redact_values: bool = False


SYSTEM_ACTOR: Final = Actor(SYSTEM, "system", "Dossier")
DERIVED_ACTOR: Final = Actor(DERIVED, "derived")

_current: ContextVar[Actor | None] = ContextVar("dossier_actor", default=None)


def current_actor() -> Actor:
    """Who the writes of this request (or job, or stream batch) are for; ``system`` when nobody said."""
    return _current.get() or SYSTEM_ACTOR


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Writes inside the block are stamped with ``actor`` (restored after, even on error)."""
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


@contextmanager
def redacting() -> Iterator[Actor]:
    """The current actor, for writes whose old and new values must not be recorded (an erasure)."""
    actor = current_actor()
    with acting_as(Actor(actor.kind, actor.id, actor.name, actor.ip, redact_values=True)) as redacted:
        yield redacted


def identify(kind: str, actor_id: str, name: str) -> None:
    """The caller became known (its member item was read, or a portal token named the contact):
    later writes of the request carry its kind, id and name, keeping the request's IP."""
    current = _current.get()
    if current is not None and current.kind != DERIVED:
        current.kind, current.id, current.name = kind, actor_id, name


# --- what is never recorded -------------------------------------------------------------

# Stored things that are not resources: uniqueness guards, copies kept for reads,
# bookkeeping, derived data and the entries themselves.
UNAUDITED_ENTITIES: Final = frozenset(
    {
        "audit",
        "audit_deletion",
        "overview",
        "search",
        "idempotency",
        "notified",
        "message_ref",
        "account_list_entry",
        "tag_name",
        "member_email",
        "custom_field_label",
        "custom_field_count",
        "custom_field_change",
        "identity",
        "first_sign_in",
        # bookkeeping of changes recorded in their own right: a merge's record (its moves are entries),
        # an import's row outcomes and cell errors (the rows' writes are entries; a job's start is one)
        "contact_merge",
        "import_row",
        "import_error",
        # metering (issue 20): a firm's usage counters, the access-log batches counted
        "usage",
        "metered",
    }
)

# Attributes that say nothing about the resource (versions, copies and
# counters other writes keep): left out of the field changes.
IGNORED_FIELDS: Final = frozenset(
    {
        "entity",
        "firm_id",
        "version",
        "updated_at",
        "expires_at",
        "sort_name",
        "contact_count",
        "account_ids",
        "contact_emails",
        "contact_people",
        "billing_count",
        "billing_updated_at",
        "rev",
        "refresh_job_id",  # a pipeline's or member's latest rename job (services/*_refresh.py)
        "last_message_id",  # which message a chat's last-message fields show (repo/activity.py)
    }
)

# Secrets and tokens: their changes are recorded with both values redacted.
SECRET_FIELDS: Final = frozenset(
    {"invite_hash", "token_hash", "secret", "secrets", "password", "api_key", "access_token", "refresh_token"}
)
# Any attribute whose name holds one of these is treated as a secret too (a webhook's
# ``secret``, a connector's ``oauth_refresh_token``, ``password_hash``, ...).
SECRET_MARKERS: Final = ("secret", "token", "password", "hash", "credential", "private_key", "api_key")
REDACTED: Final = "[redacted]"

MAX_VALUE_CHARS: Final = 500  # longer text is cut: an entry stays one small item


def is_secret(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_FIELDS or any(marker in lowered for marker in SECRET_MARKERS)


def _ignored(name: str) -> bool:
    return name in IGNORED_FIELDS  # key attributes never reach here (repo/audit.py leaves them out)


def _plain(value: Any) -> Any:
    """A stored value as JSON shows it (sets sorted, decimals as numbers), long text cut."""
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        return value[:MAX_VALUE_CHARS] + "…"
    if hasattr(value, "as_integer_ratio") and not isinstance(value, bool | int | float):
        return int(value) if value == int(value) else float(value)  # a Decimal
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _cap(value: Any) -> Any:
    """A structured value too large for an entry is named, not kept."""
    if isinstance(value, list | dict) and len(json.dumps(value, default=str)) > 4 * MAX_VALUE_CHARS:
        return "[too large to record]"
    return value


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: Any
    new: Any


def field_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[FieldChange]:
    """What changed between two images (an insert's ``old`` and a removal's ``new`` are None),
    field by field in name order, secrets redacted."""
    before, after = old or {}, new or {}
    out: list[FieldChange] = []
    for name in sorted(set(before) | set(after)):
        if _ignored(name):
            continue
        was, now = _plain(before.get(name)), _plain(after.get(name))
        if was == now:
            continue
        if is_secret(name):
            out.append(FieldChange(name, REDACTED if was is not None else None, REDACTED if now is not None else None))
        else:
            out.append(FieldChange(name, _cap(was), _cap(now)))
    return out


def action_of(event: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, by_deleter: bool) -> str:
    """create, update, archive, restore, delete, or expire (a removal nobody stamped: TTL or cleanup)."""
    if event == "INSERT" or old is None:
        return "create"
    if event == "REMOVE" or new is None:
        return "delete" if by_deleter else "expire"
    if bool(old.get("archived")) != bool(new.get("archived")):
        return "archive" if new.get("archived") else "restore"
    return "update"


def entry_id(at: str, event_id: str) -> str:
    """Sorts by time and is the same for a redelivered stream record (a replay rewrites the same entry)."""
    stamp = at.replace("-", "").replace(":", "").replace(".", "").replace("T", "").rstrip("Z")
    return f"{stamp}{hashlib.sha256(event_id.encode()).hexdigest()[:10]}"


def expires_at(at: str, retention_days: int) -> int:
    """The entry's TTL (epoch seconds): its time plus the firm's retention."""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return int(moment.timestamp()) + retention_days * 86400


def shown_time(at: str) -> str:
    """An entry's time as the API shows times (to the second)."""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def pseudonym(contact_id: str) -> str:
    """What an erased contact's name and values become in entries."""
    return f"erased-{hashlib.sha256(contact_id.encode()).hexdigest()[:8]}"
