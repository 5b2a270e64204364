"""GDPR/AVG: what of an account's activity is about one person, and what
erasing them makes of it. Pure rules over stored items (dicts); the reads and
writes are ``services/gdpr.py``'s."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.text import email_key, fold

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U


def pseudonym(contact_id: str) -> str:
    """What financial records name an erased contact by: derived from the id,
    so a resumed erase writes the same one ("Erased contact 7F3K")."""
    digest = hashlib.sha256(contact_id.encode()).digest()
    return "Erased contact " + "".join(_ALPHABET[b % 32] for b in digest[:4])


@dataclass(frozen=True, slots=True)
class Person:
    """Whom to look for: a contact's id and its addresses' keys (``email_key``)."""

    contact_id: str
    address_keys: frozenset[str]

    def owns(self, address: object) -> bool:
        return isinstance(address, str) and email_key(address) in self.address_keys


def person(contact_id: str, addresses: Collection[str]) -> Person:
    return Person(contact_id, frozenset(email_key(a) for a in addresses))


# What a stored activity record is to the person (``trace_kind``):
MAIL_FROM = "mail_from"  # an e-mail item they sent (email sync)
MAIL_TO = "mail_to"  # an e-mail item sent to them
LOGIN = "login"  # a recorded portal login of one of their addresses
SIGNATURE = "signature"  # a proposal they signed
MESSAGE = "message"  # a chat message they wrote
DOCUMENT = "document"  # a document they uploaded


def trace_kind(record: Mapping[str, Any], who: Person) -> str | None:
    """Whether (and how) an account's activity record (a section item, which names its ``section``;
    a chat message, which names its ``chat_id``; a credit line) is about ``who``."""
    section = record.get("section")
    if section is None and "chat_id" in record:
        return MESSAGE if record.get("contact_id") == who.contact_id else None
    if section == "emails":
        if who.owns(record.get("from_address")):
            return MAIL_FROM
        return MAIL_TO if any(who.owns(a) for a in record.get("to_addresses") or ()) else None
    if section == "logins":
        return LOGIN if who.owns(record.get("email")) else None
    if section == "proposals":
        return SIGNATURE if any(_signed_by(s, who) for s in record.get("signed_by") or ()) else None
    if section == "documents":
        return DOCUMENT if record.get("contact_id") == who.contact_id else None
    return None


def _signed_by(signature: Mapping[str, Any], who: Person) -> bool:
    return signature.get("contact_id") == who.contact_id or who.owns(signature.get("address"))


@dataclass(frozen=True, slots=True)
class Erased:
    """What erasing does to one record: delete it, or write ``fields`` (a
    value ``None`` removes the attribute)."""

    delete: bool
    fields: Mapping[str, Any]


def erased(record: Mapping[str, Any], who: Person) -> Erased | None:
    """What an erasure makes of a record ``trace_kind`` names (None: leave it).

    Mail they sent, and mail to them alone, is deleted (the inbound and
    outbound records); mail to others too loses their addresses; a login is
    deleted; a signature on a proposal (a financial record) keeps the
    pseudonym instead of the address; a chat message or a document keeps
    its text or file and loses its author."""
    kind = trace_kind(record, who)
    if kind in (MAIL_FROM, LOGIN):
        return Erased(True, {})
    if kind == MAIL_TO:
        others = [a for a in record.get("to_addresses") or () if not who.owns(a)]
        return Erased(True, {}) if not others else Erased(False, {"to_addresses": others})
    if kind == SIGNATURE:
        name = pseudonym(who.contact_id)
        signed = [
            {**s, "address": name, "contact_id": None} if _signed_by(s, who) else s
            for s in record.get("signed_by") or ()
        ]
        return Erased(False, {"signed_by": [{k: v for k, v in s.items() if v is not None} for s in signed]})
    if kind in (MESSAGE, DOCUMENT):
        return Erased(False, {"contact_id": None})
    return None


def quotes(text: str, values: Collection[str]) -> bool:
    """Whether ``text`` (an import's cell error) quotes one of the person's ``values`` (names, addresses,
    numbers), case- and accent-insensitively. Erring towards yes costs only an error report."""
    folded = fold(text)
    return any(f in folded for f in (fold(v) for v in values) if f)


_PHONE = re.compile(r"[\d\s+()./-]+")


def scrubbed_text(text: str, values: Collection[str], alias: str) -> str:
    """``text`` (a value in someone else's audit entry) with each of the person's ``values`` in it replaced by
    ``alias``: an address wherever it stands; a name as whole words, so that "Jan" leaves "Bakkerij Jansen",
    "januari" and "Janneke" alone; a phone number by its digits, however spaced (the whole text then goes)."""
    out = text
    for value in sorted((v for v in values if v), key=len, reverse=True):  # "Jan de Vries" before "Jan"
        digits = re.sub(r"\D", "", value)
        if "@" in value:
            out = re.sub(re.escape(value), alias, out, flags=re.IGNORECASE)
        elif _PHONE.fullmatch(value) and len(digits) >= 6:
            if digits in re.sub(r"\D", "", out):
                return alias
        else:
            # whole words, and not part of an address (someone else's "li@…")
            out = re.sub(r"(?<![\w@.])" + re.escape(value) + r"(?![\w@])", alias, out, flags=re.IGNORECASE)
    return out
