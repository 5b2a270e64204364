"""Who wrote an item, stamped onto the item itself: every Put and Update that
``Table`` sends carries the request-scoped actor (``domain/audit.current_actor``)
as a few ``aud_*`` attributes, so the change stream's NEW image says who made the
change, from which IP and when. A Delete cannot carry attributes, so before
deleting an audited item ``Table`` stamps it once more with a delete marker
(``aud_del`` equal to that stamp's ``aud_req``): the REMOVE record's OLD image
then names the deleter. The stream recorder (``streams/audit.py``) reads them.

Stream consumers act as ``derived``: their Puts of guards, copies and derived
items carry no stamp, and their Updates of resources (the search indexer's
address copies on an account) replace the kind with ``derived``, which the
stream filter leaves out, so derived data is never recorded.
"""

from __future__ import annotations

import secrets
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
REQUEST: Final = "aud_req"  # unique per stamp: a delete marker names the stamp it was written with
DELETE_MARKER: Final = "aud_del"
ATTRIBUTES: Final = (KIND, ACTOR_ID, ACTOR_NAME, IP, AT, REQUEST, DELETE_MARKER)

# Keys of things that are not resources (guards, copies, bookkeeping, derived data): never stamped.
_UNAUDITED_SK: Final = ("TAGNAME#", "MEMBEREMAIL#", "CFLABEL#", "CFCOUNT#", "CFHIST#", "LIST#", "OVERVIEW#", "SEARCH#")
_UNAUDITED_PK: Final = ("#IDEMPOTENCY#", "#NOTIFIED#", "#MSGID#", "#AUDIT")
_UNAUDITED_PK_START: Final = ("IDENTITY#", "SIGNIN#")


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
        REQUEST: secrets.token_hex(8),
    }
    if actor.ip:
        values[IP] = actor.ip
    return values


def stamped_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A Put's item with the stamp (unchanged for what is never audited)."""
    if item.get("entity") in audit.UNAUDITED_ENTITIES or "PK" not in item:
        return dict(item)
    if not audited_key(Key(str(item["PK"]), str(item.get("SK", "")))):
        return dict(item)
    clean = {k: v for k, v in item.items() if k not in ATTRIBUTES}
    return {**clean, **stamp()}


def update_parts(key: Key, *, deleting: bool = False) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """SET assignments (with their placeholders) that stamp an Update; none for unaudited keys."""
    if not audited_key(key):
        return [], {}, {}
    values = stamp()
    if deleting and REQUEST in values:
        values[DELETE_MARKER] = values[REQUEST]
    assignments, names, placeholders = [], {}, {}
    for i, (name, value) in enumerate(values.items()):
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


def deleter_known(image: Mapping[str, Any]) -> bool:
    """Whether a removed item's last stamp was its deleter's (the delete marker)."""
    marker = image.get(DELETE_MARKER)
    return marker is not None and marker == image.get(REQUEST)
