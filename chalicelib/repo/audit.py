"""Audit entries: how a stamped change of a stored item becomes an entry
(``entry_of``), and how entries are stored and read.

An entry is written once in the firm's trail (``FIRM#f#AUDIT``, newest first
by ``<at>#<id>``, with GSI1 keys for its actor's trail) and copied into the
trail of each account it is about and, when it is about a person, the
contact's trail (for GDPR). Every copy lists the partitions of all copies
(``places``), so scrubbing a contact rewrites them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.domain import audit
from chalicelib.domain.ids import now_precise
from chalicelib.repo import keys, stamps
from chalicelib.repo.changes import Change
from chalicelib.repo.paging import key_attributes, paged
from chalicelib.repo.table import Condition, Item, Table

MAX_ACCOUNT_COPIES = 25  # a contact linked to more accounts is in the trails of its first 25
# A key range covering every sort key of a trail (times start with a digit).
_FIRST, _LAST = "0", "9~"


@dataclass(frozen=True, slots=True)
class Resource:
    type: str
    id: str
    account_ids: tuple[str, ...]
    contact_id: str | None


def stamp_image(change: Change) -> Mapping[str, Any] | None:
    """The image whose stamp names the writer: the new one, or a removal's old one."""
    return change.old if change.removed else change.new


def resource_of(change: Change) -> Resource:
    image = change.latest
    entity, pk, sk = str(image.get("entity", "")), str(image.get("PK", "")), str(image.get("SK", ""))
    account_ids: tuple[str, ...] = ()
    if "#ACCOUNT#" in pk:
        account_ids = (keys.account_of(pk),)
    contact_id: str | None = None
    type_, id_ = entity, str(image.get("id") or sk)
    if entity == keys.ITEM:
        type_ = str(image.get("section", entity))
    elif entity == keys.ACCOUNT_CONTACT:
        id_ = contact_id = sk.removeprefix(keys.LINK_PREFIX)
    elif entity == keys.CONTACT:
        contact_id = id_
        linked = set((change.old or {}).get("account_ids") or ()) | set((change.new or {}).get("account_ids") or ())
        account_ids = tuple(sorted(linked))[:MAX_ACCOUNT_COPIES]
    elif entity == keys.EMAIL:
        id_ = str(image.get("address", id_))
    if contact_id is None and image.get("contact_id"):
        contact_id = str(image["contact_id"])  # an address, an invitation, ...: about that person
    return Resource(type_, id_, account_ids, contact_id)


def entry_of(
    change: Change, event_name: str, event_id: str, retention_days: int, note: Mapping[str, Any] | None = None
) -> Item | None:
    """The entry recording ``change`` (the firm-wide copy), or None when it is not recorded:
    a thing that is no resource, a writer that is derived or unknown, or no field changed.
    A removal is the deleter's when ``note`` (its deletion note) says so, else the system's."""
    image = stamp_image(change)
    if image is None or change.kind in audit.UNAUDITED_ENTITIES:
        return None
    kind = image.get(stamps.KIND)
    if kind not in audit.RECORDED_KINDS and not (change.removed and change.kind in audit.REMOVALS_RECORDED):
        return None
    old = None if change.old is None else _without_stamps(change.old)
    new = None if change.new is None else _without_stamps(change.new)
    changes = audit.field_changes(old, None if change.removed else new)
    if not changes and not change.removed:
        return None  # only ignored fields changed
    redact = bool(image.get(stamps.REDACT) or (note is not None and note.get("redact")))
    if redact:
        changes = [audit.FieldChange(c.field, _redacted(c.old), _redacted(c.new)) for c in changes]
    deleter = note is not None or not change.removed
    ip = image.get(stamps.IP)
    if note is not None:
        actor = audit.Actor(str(note["actor_kind"]), str(note["actor_id"]), str(note.get("actor_name", "")))
        at, ip = str(note["at"]), note.get("ip")
    elif change.removed:
        actor, at, ip = audit.SYSTEM_ACTOR, now_precise(), None  # TTL or a clean-up: when it was recorded
    else:
        actor = audit.Actor(str(kind), str(image.get(stamps.ACTOR_ID, "")), str(image.get(stamps.ACTOR_NAME, "")))
        at = str(image.get(stamps.AT) or now_precise())
    entry_id = audit.entry_id(at, event_id)
    firm_id = firm_of(change.latest)
    resource = resource_of(change)
    if redact and resource.type == keys.EMAIL:  # an address is its item's id: the erased person's data
        resource = replace(resource, id=audit.pseudonym(resource.contact_id or resource.id))
    places = [keys.audit_pk(firm_id)]
    places += [keys.audit_account_pk(firm_id, a) for a in resource.account_ids]
    if resource.contact_id:
        places.append(keys.audit_contact_pk(firm_id, resource.contact_id))
    sort_key = keys.audit_sort_key(at, entry_id)
    return {
        "PK": keys.audit_pk(firm_id),
        "SK": sort_key,
        "GSI1PK": keys.audit_actor(firm_id, actor.id),
        "GSI1SK": sort_key,
        "entity": keys.AUDIT,
        "firm_id": firm_id,
        "id": entry_id,
        "at": at,
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "actor_name": actor.name,
        "ip": ip,
        "action": audit.action_of(event_name, old, new, deleter),
        "resource_type": resource.type,
        "resource_id": resource.id,
        "account_id": resource.account_ids[0] if len(resource.account_ids) == 1 else None,
        "contact_id": resource.contact_id,
        "changes": json.dumps([{"field": c.field, "old": c.old, "new": c.new} for c in changes], default=str),
        "places": places,
        keys.TTL_ATTRIBUTE: audit.expires_at(at, retention_days),
    }


def forgetting(entry: Item, contact_id: str) -> Item:
    """``entry`` of a change about or by a contact whose erasure began before it was recorded: the
    values are redacted and the person named by their pseudonym, as the erasure's scrub does."""
    alias = audit.pseudonym(contact_id)
    out = dict(entry)
    out["changes"] = json.dumps(
        [{**c, "old": _redacted(c.get("old")), "new": _redacted(c.get("new"))} for c in json.loads(entry["changes"])]
    )
    if out.get("resource_type") == keys.EMAIL:
        out["resource_id"] = alias
    if out.get("actor_id") == contact_id:
        out["actor_name"], out["ip"] = alias, None
    return out


def _redacted(value: Any) -> Any:
    return None if value is None else audit.REDACTED


def _without_stamps(image: Mapping[str, Any]) -> dict[str, Any]:
    """The item's own fields: no stamps, no key or index key attributes."""
    return {
        k: v
        for k, v in image.items()
        if k not in stamps.ATTRIBUTES and k not in ("PK", "SK") and not k.startswith(("GSI", "LSI"))
    }


def firm_of(image: Mapping[str, Any]) -> str:
    """The firm of a stored item (every item's key starts with its firm)."""
    return str(image.get("firm_id") or str(image.get("PK", "")).split("#")[1])


def key_of(image: Mapping[str, Any]) -> keys.Key:
    return keys.Key(str(image["PK"]), str(image["SK"]))


def copies(entry: Mapping[str, Any]) -> list[Item]:
    """Every stored copy of an entry: the firm-wide one (with the actor's GSI1 keys) and the others."""
    out: list[Item] = []
    for place in entry["places"]:
        copy = dict(entry)
        copy["PK"] = place
        if place != entry["places"][0]:
            copy.pop("GSI1PK", None)
            copy.pop("GSI1SK", None)
        out.append(copy)
    return out


def changes_of(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    value = json.loads(entry.get("changes") or "[]")
    return value if isinstance(value, list) else []


def scrubbed_entry(
    entry: Mapping[str, Any], contact_id: str, alias: str, scrub: Callable[[Any, bool], Any]
) -> Item | None:
    """The entry with a contact pseudonymised (for an erasure), or None when nothing in it changes: as
    actor its name becomes ``alias`` and its IP goes; about the contact, an address's id becomes ``alias``;
    every other resource id and every old/new value goes through ``scrub(value, whole)``, ``whole`` when
    the entry is about the contact (its values are all theirs)."""
    new = dict(entry)
    if new.get("actor_id") == contact_id:
        new["actor_name"] = alias
        new.pop("ip", None)
    about_person = new.get("contact_id") == contact_id
    if about_person and new.get("resource_type") == "email":
        new["resource_id"] = alias
    else:
        new["resource_id"] = scrub(new.get("resource_id"), False)
    changes = [
        {"field": c["field"], "old": scrub(c.get("old"), about_person), "new": scrub(c.get("new"), about_person)}
        for c in changes_of(new)
    ]
    new["changes"] = json.dumps(changes, default=str)
    return new if new != entry else None


class AuditRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    def write(self, entries: Sequence[Item]) -> int:
        """Store entries with all their copies (unconditional Puts: a replay rewrites the same items)."""
        items = [copy for entry in entries for copy in copies(entry)]
        self.table.write_many(puts=items)
        return len(items)

    def page(
        self,
        firm_id: str,
        *,
        account_id: str | None,
        actor_id: str | None,
        since: str | None,
        until: str | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Item], str | None]:
        """Newest first: the account's trail (optionally by one actor), the actor's, or the firm's;
        ``since``/``until`` (as sort-key times) bound the key range."""
        between = (since or _FIRST, f"{until}#~" if until else _LAST)
        index: str | None = None
        filter_: Condition | None = None
        if account_id:
            pk = keys.audit_account_pk(firm_id, account_id)
            if actor_id:
                filter_ = Condition("#actor = :actor", {"#actor": "actor_id"}, {":actor": actor_id})
        elif actor_id:
            pk, index = keys.audit_actor(firm_id, actor_id), keys.INDEX_AUDIT_BY_ACTOR
        else:
            pk = keys.audit_pk(firm_id)
        return paged(
            lambda start, n: self.table.query(
                pk=pk, sk_between=between, index=index, forward=False, limit=n, start_key=start, filter_=filter_
            ),
            scope=f"audit|{firm_id}|{account_id}|{actor_id}|{since}|{until}",
            cursor=cursor,
            limit=limit,
            key_attrs=key_attributes(index=index),
        )

    def deletion_note(self, deleted: keys.Key) -> Item | None:
        """Who deleted ``deleted`` (written with the Delete, so there when its REMOVE is read)."""
        key = stamps.deletion_note_key(deleted)
        return None if key is None else self.table.get(key, consistent=True)

    def about_or_by_contact(self, firm_id: str, contact_id: str) -> list[Item]:
        """Every entry about the contact (its trail) or by it (its actor trail), newest first, once each."""
        about = self.table.query_all(pk=keys.audit_contact_pk(firm_id, contact_id), forward=False)
        by = self.table.query_all(
            pk=keys.audit_actor(firm_id, contact_id), index=keys.INDEX_AUDIT_BY_ACTOR, forward=False
        )
        unique = {e["id"]: e for e in [*about, *by]}
        return sorted(unique.values(), key=lambda e: str(e["SK"]), reverse=True)

    def account_trail_page(
        self, firm_id: str, account_id: str, after: str | None, limit: int
    ) -> tuple[list[Item], str | None]:
        """One page of an account's trail, newest first: its first ``limit`` entries after the sort key
        ``after`` (None: from the newest), and the sort key to read the next page after (None: the last
        page). One Query; an erasure's scrub holds one page at a time and can stop between two."""
        pk = keys.audit_account_pk(firm_id, account_id)
        start = None if after is None else {"PK": pk, "SK": after}
        page = self.table.query(pk=pk, forward=False, limit=limit, start_key=start)
        return page.items, None if page.last_key is None else str(page.last_key["SK"])

    def rewrite(self, entries: Collection[Item]) -> int:
        """Replace every copy of each entry (same keys) with the entry's new content."""
        return self.write(list(entries))
