"""Threads of e-mail items: the Message-IDs we give sent mail, the threading
headers of a reply, and how a received message's In-Reply-To/References are
matched to a message we sent. Plain functions: no I/O.

A thread is named by the id of its first item (``thread_id``); a reply and an
answer that names one of our sent messages take the thread of what they
answer. The Message-ID a message went out with is kept on its item and, for
messages we sent, in a lookup item keyed by ``ref_key`` (one GetItem).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from chalicelib.domain.errors import FieldError

MAX_REFERENCES: Final = 20  # RFC 5322 lets a client trim References: we keep the first and the latest
MAX_MESSAGE_ID: Final = 300  # longer ids are not ours and are not kept
# RFC 5322 ids are visible ASCII: anything else could not go out again in a header of ours.
_MESSAGE_ID: Final = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{3,300}>")


@dataclass(frozen=True, slots=True)
class ThreadRef:
    """What a Message-ID of ours names: the item and its thread (of one account)."""

    account_id: str
    item_id: str
    thread_id: str


def message_ids(header: str) -> list[str]:
    """The ``<id>`` tokens of an In-Reply-To or References header, in order, each once."""
    return list(dict.fromkeys(m for m in _MESSAGE_ID.findall(header or "") if "@" in m))


def ref_key(message_id: str) -> str:
    """The lookup form of a Message-ID: without brackets, the domain in lower
    case. SES gives every message it sends its own id (``<id@email.amazonses.com>``,
    or ``@<region>.amazonses.com``), so those compare by SES's id alone."""
    local, _, domain = message_id.strip().strip("<>").rpartition("@")
    domain = domain.lower()
    if domain == "amazonses.com" or domain.endswith(".amazonses.com"):
        return f"ses:{local}"
    return f"{local}@{domain}"


def ses_ref(ses_message_id: str) -> str:
    """The lookup form of the message SES accepted as ``ses_message_id`` (what its events name)."""
    return f"ses:{ses_message_id}"


def our_message_id(item_id: str, domain: str) -> str:
    """The Message-ID of a mail sent for the item (at the firm's sending domain)."""
    return f"<dossier.{item_id}@{domain}>"


def reply_references(parent_message_id: str | None, parent_references: Iterable[str]) -> list[str]:
    """References of a reply: the parent's References, then its Message-ID;
    trimmed to the first and the latest ``MAX_REFERENCES - 1`` as RFC 5322 allows."""
    chain = list(dict.fromkeys([*parent_references, *([parent_message_id] if parent_message_id else [])]))
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return chain


def reply_subject(subject: str, parent_subject: str | None) -> str:
    """The subject as written, on one line (a mail header has no line breaks); an
    empty one on a reply is the parent's with ``Re:``."""
    subject = " ".join(subject.split())
    if subject or not parent_subject:
        return subject or "(no subject)"
    return parent_subject if parent_subject.lower().startswith("re:") else f"Re: {parent_subject}"[:300]


def thread_of(parent: Mapping[str, Any] | None, item_id: str) -> str:
    """The thread a new item joins: its parent's, else its own."""
    if parent is None:
        return item_id
    return str(parent.get("thread_id") or parent["id"])


def default_recipients(parent: Mapping[str, Any]) -> list[str]:
    """Whom a reply goes to when it names nobody: the sender of a received
    message, the recipients of one we sent."""
    if parent.get("direction") == "inbound":
        return [str(parent["from_address"])] if parent.get("from_address") else []
    return [str(a) for a in parent.get("to_addresses", [])]


def send_errors(fields: Mapping[str, Any]) -> list[FieldError]:
    """What a create with ``send`` may not say: the direction is outbound, the
    status starts as draft, and the sender is the firm's sending address."""
    errors: list[FieldError] = []
    if fields.get("direction") != "outbound":
        errors.append(FieldError(("body", "direction"), "a sent e-mail is outbound", code="not_outbound"))
    if fields.get("status") not in (None, "draft"):
        errors.append(
            FieldError(("body", "status"), "a sent e-mail starts as draft; sending sets it", code="set_by_send")
        )
    if fields.get("from_address"):
        errors.append(
            FieldError(("body", "from_address"), "a sent e-mail is from the firm's address", code="set_by_send")
        )
    return errors


def preferred(refs: list[str], found: Mapping[str, ThreadRef], account_id: str) -> ThreadRef | None:
    """Of a received message's references (In-Reply-To first, then References
    latest first), the first that names a message we sent on ``account_id``."""
    for ref in refs:
        hit = found.get(ref_key(ref))
        if hit is not None and hit.account_id == account_id:
            return hit
    return None
