"""An account's activity records that can name a person (``domain/traces.py``): read from their stored items
(``repo/activity.py`` writes them), and the conditional writes of what a GDPR erasure or a contact merge makes
of them. The rules above see only the typed records; this module alone knows the items' attributes.

A record's key is derived from its place as ``repo/activity.py`` derives it (``keys.item``,
``keys.chat_message``). Every write is conditioned on the record as read: a section item on its version,
a chat message (unversioned: written once, rewritten only by an erasure or a merge) on its author.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Final

from chalicelib.domain.traces import Document, Login, Mail, Message, Proposal, Signature, Trace
from chalicelib.repo import keys
from chalicelib.repo.firms import STALE
from chalicelib.repo.table import ITEM_EXISTS, Condition, Delete, Update, set_fields, version_is


def _place(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"firm_id": str(item["firm_id"]), "account_id": str(item["account_id"]), "id": str(item["id"])}


def _mail(item: Mapping[str, Any]) -> Mail:
    return Mail(
        **_place(item),
        version=int(item["version"]),
        direction=item["direction"],
        status=str(item["status"]),
        subject=str(item["subject"]),
        from_address=item.get("from_address"),
        to_addresses=tuple(item.get("to_addresses") or ()),
        at=str(item["at"]),
        snippet=str(item.get("snippet", "")),
        text=str(item.get("text", "")),
    )


def _login(item: Mapping[str, Any]) -> Login:
    return Login(**_place(item), version=int(item["version"]), email=str(item["email"]), at=str(item["at"]))


def _signature(stored: Mapping[str, Any]) -> Signature:
    return Signature(
        address=str(stored["address"]),
        at=str(stored["at"]),
        contact_id=stored.get("contact_id"),
        recorded_by=stored.get("recorded_by"),
    )


def signature_item(signature: Signature) -> dict[str, Any]:
    """A signature as ``signed_by`` stores it (an attribute without value is left out)."""
    s = signature
    stored = {"address": s.address, "contact_id": s.contact_id, "at": s.at, "recorded_by": s.recorded_by}
    return {k: v for k, v in stored.items() if v is not None}


def _proposal(item: Mapping[str, Any]) -> Proposal:
    signed = tuple(_signature(s) for s in item.get("signed_by") or ())
    return Proposal(**_place(item), version=int(item["version"]), name=str(item["name"]), signed_by=signed)


def _document(item: Mapping[str, Any]) -> Document:
    size = item.get("size")
    return Document(
        **_place(item),
        version=int(item["version"]),
        contact_id=item.get("contact_id"),
        name=str(item["name"]),
        uploaded_at=str(item["uploaded_at"]),
        content_type=item.get("content_type"),
        size=None if size is None else int(size),
    )


def _message(item: Mapping[str, Any]) -> Message:
    place = _place(item)
    return Message(
        firm_id=place["firm_id"],
        account_id=place["account_id"],
        chat_id=str(item["chat_id"]),
        id=place["id"],
        contact_id=item.get("contact_id"),
        body=str(item["body"]),
        at=str(item["at"]),
    )


# The sections whose items can name a person, and how each is read.
_SECTIONS: Final[dict[str, Callable[[Mapping[str, Any]], Trace]]] = {
    "emails": _mail,
    "logins": _login,
    "proposals": _proposal,
    "documents": _document,
}
_SECTION_OF: Final[dict[type, str]] = {Mail: "emails", Login: "logins", Proposal: "proposals", Document: "documents"}


def trace_of(item: Mapping[str, Any]) -> Trace | None:
    """The record a stored activity item is (a section item names its ``section``; a chat message its
    ``chat_id``), or None for one that can name nobody (another section's item, a credit line)."""
    section = item.get("section")
    if section is None:
        return _message(item) if "chat_id" in item else None
    read = _SECTIONS.get(str(section))
    return None if read is None else read(item)


def key_of(trace: Trace) -> keys.Key:
    if isinstance(trace, Message):
        return keys.chat_message(trace.firm_id, trace.account_id, trace.chat_id, trace.id)
    return keys.item(trace.firm_id, trace.account_id, _SECTION_OF[type(trace)], trace.id)


def as_read(trace: Trace) -> Condition:
    """The record is still as read: its version, or a chat message's author."""
    if isinstance(trace, Message):
        author = {":contact": trace.contact_id}
        return ITEM_EXISTS & Condition("#contact = :contact", {"#contact": "contact_id"}, author)
    return ITEM_EXISTS & version_is(trace.version)


def removal(trace: Trace) -> Delete:
    """Delete the record if unchanged since read (else 412: read again)."""
    return Delete(key_of(trace), as_read(trace), on_fail=STALE)


def _naming(trace: Trace) -> dict[str, Any]:
    """The stored attributes that name people, as ``trace`` holds them: what a rewrite writes."""
    if isinstance(trace, Mail):
        return {"to_addresses": list(trace.to_addresses)}
    if isinstance(trace, Proposal):
        return {"signed_by": [signature_item(s) for s in trace.signed_by]}
    if isinstance(trace, Message | Document):
        return {"contact_id": trace.contact_id}  # None: removed
    return {}  # a login names its address only: it is deleted, never rewritten


def rewrite(before: Trace, after: Trace) -> Update:
    """The record read as ``before`` rewritten as ``after``, which differs from it only in whom it names (a
    mail's ``to_addresses``, a proposal's ``signed_by``, a chat message's or document's author): set (``None``:
    remove) that attribute if the record is unchanged since read (else 412); a section item's version moves on."""
    fields = _naming(after)
    if not fields or replace(after, **{name: getattr(before, name) for name in fields}) != before:
        raise ValueError(f"a rewrite changes whom a record names, nothing else: {before!r} → {after!r}")
    versioned = not isinstance(before, Message)
    return set_fields(key_of(before), fields, condition=as_read(before), bump_version=versioned, on_fail=STALE)
