"""Received mail, parsed with the standard library's e-mail parser into what
the Emails section records. Plain functions: no database access.

Each firm receives at ``<firm id>@<INBOUND_DOMAIN>`` (in production an SES
receipt rule stores the raw message in S3 and invokes ``receive_email``;
locally ``python -m chalicelib.cli mail receive`` takes a raw message).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Final

from ulid import ULID

from chalicelib.domain.email_threads import MAX_REFERENCES, message_ids
from chalicelib.domain.text import address_problem, normal_address

MAX_SUBJECT: Final = 300
MAX_SNIPPET: Final = 500
MAX_RECIPIENTS: Final = 50
MAX_RAW_BYTES: Final = 10 * 1024 * 1024  # SES accepts messages up to 40 MB; we read the text part only
_ADDRESS = re.compile(r"^[^@\s#]+@[^@\s#]+\.[^@\s#]+$")


class UnreadableMessage(ValueError):
    """Not a message we can record (no sender address, not RFC 5322)."""


@dataclass(frozen=True, slots=True)
class Inbound:
    sender: str
    to: list[str]
    subject: str
    at: str  # the Date header in UTC, else the first Received stamp, else the time it was received
    snippet: str
    message_id: str  # the Message-ID header, or a hash of the raw message
    dated: bool = True  # ``at`` comes from the message itself (the same on every delivery)
    in_reply_to: tuple[str, ...] = ()  # the In-Reply-To header's message ids
    references: tuple[str, ...] = ()  # the References header's message ids, oldest first

    def thread_refs(self) -> list[str]:
        """The messages it answers, most telling first: In-Reply-To, then
        References latest first (at most ``MAX_REFERENCES`` + the parents)."""
        chain = [*self.in_reply_to, *reversed(self.references[-MAX_REFERENCES:])]
        return list(dict.fromkeys(chain))

    def item_id(self) -> str:
        """The same id every time the same message is received (SES may
        deliver twice), sorting by the message's own time like any item id;
        a message without any date of its own sorts first."""
        moment = (
            datetime.fromisoformat(self.at.replace("Z", "+00:00")) if self.dated else datetime.fromtimestamp(0, UTC)
        )
        millis = int(moment.timestamp() * 1000).to_bytes(6, "big")
        digest = hashlib.sha256(self.message_id.encode()).digest()[:10]
        return str(ULID.from_bytes(millis + digest))


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _utf8(text: str) -> str:
    """Raw UTF-8 in headers (RFC 6532) reaches us as surrogate escapes; decode it."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


# The standard library parses a header when it is read, and on some malformed
# headers raises more than ValueError (AttributeError on ':;<>', for one): each
# read below treats any exception as "the header is unusable".


def _addresses(message: EmailMessage, header: str) -> list[str]:
    """The header's addresses in NFC, without those an address field of ours
    refuses (a sender with a bidi control can be no contact's address)."""
    found: list[str] = []
    try:
        values = message.get_all(header) or []
        for value in values:
            for address in getattr(value, "addresses", ()):
                spec = normal_address(_utf8(address.addr_spec)) if isinstance(address, Address) else ""
                if len(spec) <= 254 and _ADDRESS.match(spec) and address_problem(spec) is None:
                    found.append(spec)
    except Exception:  # see above
        return found
    return found


def _header(message: EmailMessage, name: str) -> object | None:
    try:
        value: object | None = message[name]
    except Exception:  # see above
        return None
    return value


class _Text(HTMLParser):
    """The visible text of an HTML part: no tags, no style sheets or scripts."""

    _HIDDEN = frozenset({"style", "script", "head", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in ("br", "p", "div", "li", "tr"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _html_text(markup: str) -> str:
    reader = _Text()
    try:
        reader.feed(markup)
        reader.close()
    except Exception:  # keep what was read before the markup broke
        pass
    return " ".join(reader.parts)


def _in_range(moment: object) -> datetime | None:
    """A time the Emails section accepts: aware, in years 2000 to 2199 in UTC."""
    if not isinstance(moment, datetime):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        utc = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return utc if 2000 <= utc.year <= 2199 else None


def _date(value: object) -> datetime | None:
    try:
        return _in_range(getattr(value, "datetime", None))
    except Exception:  # see above
        return None


def _received(message: EmailMessage) -> datetime | None:
    """The time stamp of the first (oldest) Received header: set by a mail
    server, so the same on every delivery of the message."""
    try:
        headers = [str(h) for h in message.get_all("Received") or []]
    except Exception:  # see above
        return None
    for header in reversed(headers):
        _, _, stamp = header.rpartition(";")
        try:
            moment = _in_range(parsedate_to_datetime(stamp.strip()))
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if moment is not None:
            return moment
    return None


def _text(message: EmailMessage) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
    except Exception:  # see above; also unknown charsets
        return ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = _html_text(content)
    return content


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def parse(raw: bytes, received_at: datetime) -> Inbound:
    """What to record of a raw RFC 5322 message."""
    if len(raw) > MAX_RAW_BYTES:
        raw = raw[:MAX_RAW_BYTES]
    parsed = BytesParser(policy=default_policy).parsebytes(raw)
    if not isinstance(parsed, EmailMessage):
        raise UnreadableMessage("not an e-mail message")
    senders = _addresses(parsed, "From")
    if not senders:
        raise UnreadableMessage("the message has no valid From address")
    moment = _date(_header(parsed, "Date")) or _received(parsed)
    dated = moment is not None
    subject = _utf8(str(_header(parsed, "Subject") or ""))
    message_id = _utf8(str(_header(parsed, "Message-ID") or "")).strip()
    recipients = [a for h in ("To", "Cc") for a in _addresses(parsed, h)][:MAX_RECIPIENTS]
    return Inbound(
        sender=senders[0],
        to=recipients,
        subject=_shorten(subject, MAX_SUBJECT) or "(no subject)",
        at=_iso(moment or received_at),
        snippet=_shorten(_text(parsed), MAX_SNIPPET),
        message_id=message_id or "sha256:" + hashlib.sha256(raw).hexdigest(),
        dated=dated,
        in_reply_to=tuple(message_ids(_utf8(str(_header(parsed, "In-Reply-To") or "")))[:2]),
        references=tuple(message_ids(_utf8(str(_header(parsed, "References") or "")))),
    )


def firm_of(recipient: str, domain: str) -> str | None:
    """The firm an inbound address belongs to: ``<firm id>@<domain>``
    (the local part in any case; firm ids are upper-case ULIDs)."""
    local, _, at_domain = recipient.strip().rpartition("@")
    if at_domain.lower() != domain.lower() or not re.fullmatch(r"[0-9A-Za-z]{26}", local):
        return None
    return local.upper()
