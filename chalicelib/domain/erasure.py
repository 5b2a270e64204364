"""GDPR/AVG: what of an account's activity is about one person, and what
erasing them makes of it. Pure rules over the activity's records as
``domain/traces.py`` declares them; the reads and writes are ``services/gdpr.py``'s
(through ``repo/gdpr.py``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass, replace

from chalicelib.domain.text import email_key, fold
from chalicelib.domain.traces import Document, Login, Mail, Message, Proposal, Signature, Trace

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


# What an activity record is to the person (``trace_kind``):
MAIL_FROM = "mail_from"  # an e-mail item they sent (email sync)
MAIL_TO = "mail_to"  # an e-mail item sent to them
LOGIN = "login"  # a recorded portal login of one of their addresses
SIGNATURE = "signature"  # a proposal they signed
MESSAGE = "message"  # a chat message they wrote
DOCUMENT = "document"  # a document they uploaded


def trace_kind(record: Trace, who: Person) -> str | None:
    """Whether (and how) an account's activity record is about ``who``."""
    if isinstance(record, Mail):
        if who.owns(record.from_address):
            return MAIL_FROM
        return MAIL_TO if any(who.owns(a) for a in record.to_addresses) else None
    if isinstance(record, Login):
        return LOGIN if who.owns(record.email) else None
    if isinstance(record, Proposal):
        return SIGNATURE if any(made_by(s, who) for s in record.signed_by) else None
    if record.contact_id != who.contact_id:
        return None
    return MESSAGE if isinstance(record, Message) else DOCUMENT


def made_by(signature: Signature, who: Person) -> bool:
    """Whether ``who`` made the signature: as the contact, or with one of their addresses."""
    return signature.contact_id == who.contact_id or who.owns(signature.address)


@dataclass(frozen=True, slots=True)
class Erased:
    """What erasing does to one record: delete it (``kept`` is None), or keep it as ``kept``: the same
    record with the person's addresses and authorship gone (``repo/traces.rewrite`` writes that part)."""

    kept: Trace | None


def erased(record: Trace, who: Person) -> Erased | None:
    """What an erasure makes of a record ``trace_kind`` names (None: leave it).

    Mail they sent, and mail to them alone, is deleted (the inbound and
    outbound records); mail to others too loses their addresses; a login is
    deleted; a signature on a proposal (a financial record) keeps the
    pseudonym instead of the address, and no contact; a chat message or a
    document keeps its text or file and loses its author."""
    kind = trace_kind(record, who)
    if kind is None:
        return None
    if isinstance(record, Mail) and kind == MAIL_TO:
        others = tuple(a for a in record.to_addresses if not who.owns(a))
        return Erased(replace(record, to_addresses=others) if others else None)
    if isinstance(record, Proposal):
        name = pseudonym(who.contact_id)
        signed = (replace(s, address=name, contact_id=None) if made_by(s, who) else s for s in record.signed_by)
        return Erased(replace(record, signed_by=tuple(signed)))
    if isinstance(record, Message | Document):
        return Erased(replace(record, contact_id=None))
    return Erased(None)  # mail they sent, a login


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
