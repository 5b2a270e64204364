"""Who wrote an item, stamped onto the item itself: every Put and Update that
``Table`` sends carries the request-scoped actor (``domain/audit.current_actor``)
as a few ``aud_*`` attributes, so the change stream's NEW image says who made the
change, from which IP and when. A Delete cannot carry attributes, so ``Table``
writes a deletion note (``deletion_note``) in the same transaction as the
Delete of an audited item: the recorder (``streams/audit.py``) reads it when
the REMOVE record comes by. A refused delete writes neither.

Stream consumers act as ``derived``: their Puts of guards, copies and derived
items carry no stamp, and their Updates of resources (the search indexer's
address copies on an account) replace the kind with ``derived``, which the
stream filter leaves out, so derived data is never recorded.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from typing import Any, Final

from chalicelib.domain import audit
from chalicelib.domain.ids import now_precise
from chalicelib.repo.keys import Key

KIND: Final = "aud_kind"
ACTOR_ID: Final = "aud_id"
ACTOR_NAME: Final = "aud_name"
IP: Final = "aud_ip"
AT: Final = "aud_at"
REDACT: Final = "aud_redact"  # the writer asked that the change's values be left out of its entry (an erasure)
ATTRIBUTES: Final = (KIND, ACTOR_ID, ACTOR_NAME, IP, AT, REDACT)
DELETION_NOTE: Final = "audit_deletion"  # the entity of a deletion note
DELETION_NOTE_DAYS: Final = 3  # the stream keeps records 24 h; the mapping gives up after 1 h

# Keys of things that are not resources (guards, copies, bookkeeping, derived data): never stamped.
_UNAUDITED_SK: Final = (
    "TAGNAME#",
    "MEMBEREMAIL#",
    "CFLABEL#",
    "CFCOUNT#",
    "CFHIST#",
    "LIST#",
    "OVERVIEW#",
    "SEARCH#",
    "USAGE#",
)
_UNAUDITED_PK: Final = ("#IDEMPOTENCY#", "#NOTIFIED#", "#MSGID#", "#AUDIT")
_UNAUDITED_PK_START: Final = ("IDENTITY#", "SIGNIN#", "METERED#")


def audited_key(key: Key) -> bool:
    return not (
        key.sk.startswith(_UNAUDITED_SK)
        or any(part in key.pk for part in _UNAUDITED_PK)
        or key.pk.startswith(_UNAUDITED_PK_START)
    )


def stamp() -> dict[str, Any]:
    """The current actor's stamp attributes (only the kind for ``derived``)."""
    actor = audit.current_actor()
    if actor.kind == audit.DERIVED:
        return {KIND: audit.DERIVED}
    values: dict[str, Any] = {
        KIND: actor.kind,
        ACTOR_ID: actor.id,
        ACTOR_NAME: actor.name or actor.id,
        AT: now_precise(),
        # Always set (null and false when absent): an Update keeps what it does not set, and an earlier
        # writer's IP or an erasure's redaction must not pass to the next change of the item.
        IP: actor.ip,
        REDACT: actor.redact_values,
    }
    return values


def stamped_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A Put's item with the stamp (unchanged for what is never audited)."""
    if item.get("entity") in audit.UNAUDITED_ENTITIES or "PK" not in item:
        return dict(item)
    if not audited_key(Key(str(item["PK"]), str(item.get("SK", "")))):
        return dict(item)
    clean = {k: v for k, v in item.items() if k not in ATTRIBUTES}
    return {**clean, **{k: v for k, v in stamp().items() if v is not None and v is not False}}


def update_parts(key: Key) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """SET assignments (with their placeholders) that stamp an Update; none for unaudited keys."""
    if not audited_key(key):
        return [], {}, {}
    assignments, names, placeholders = [], {}, {}
    for i, (name, value) in enumerate(stamp().items()):
        names[f"#aud{i}"] = name
        placeholders[f":aud{i}"] = value
        assignments.append(f"#aud{i} = :aud{i}")
    return assignments, names, placeholders


def with_set(expression: str, assignments: list[str]) -> str:
    """``expression`` with ``assignments`` added to its SET clause (or a SET clause added)."""
    if not assignments:
        return expression
    extra = ", ".join(assignments)
    words = expression.split(" ")
    for i, word in enumerate(words):
        if word.upper() == "SET":
            words[i] = f"SET {extra},"
            return " ".join(words)
    return f"SET {extra} {expression}".strip()


def deletion_note_key(deleted: Key) -> Key | None:
    """Where the deleter of ``deleted`` is noted: one item per deleted key, in the firm's audit space."""
    if not deleted.pk.startswith("FIRM#"):
        return None
    firm_id = deleted.pk.split("#")[1]
    # A digest of the deleted key, not the key: keys hold e-mail addresses, which an erasure removes.
    digest = hashlib.sha256(f"{deleted.pk}|{deleted.sk}".encode()).hexdigest()
    return Key(f"FIRM#{firm_id}#AUDIT#DELETED", digest)


def noted(deleted: Key) -> bool:
    """Whether deleting ``deleted`` writes a note of who deleted it (unless a derived writer deletes it)."""
    return deletion_note_key(deleted) is not None and audited_key(deleted)


def deletion_note(deleted: Key) -> dict[str, Any] | None:
    """The note of who deletes ``deleted`` (None for what is not audited, or a derived writer's delete)."""
    actor = audit.current_actor()
    key = deletion_note_key(deleted)
    if actor.kind == audit.DERIVED or key is None or not noted(deleted):
        return None
    note: dict[str, Any] = {
        **key.as_dict(),
        "entity": DELETION_NOTE,
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "actor_name": actor.name or actor.id,
        "at": now_precise(),
        "expires_at": int(time.time()) + DELETION_NOTE_DAYS * 86400,
    }
    if actor.ip:
        note["ip"] = actor.ip
    if actor.redact_values:
        note["redact"] = True
    return note
