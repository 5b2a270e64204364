"""Outgoing mail behind one small interface.

``dev``/``prod`` send through Amazon SES (boto3 ``sesv2``); the ``local``
stage writes each message as an RFC 5322 file into an outbox folder that
``python -m chalicelib.cli outbox --to EMAIL`` reads. Callers never log a
message's body: an invitation carries its token there.
"""

from __future__ import annotations

import logging
import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import decode_header
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.config import Settings, settings
from chalicelib.domain.ids import new_id
from chalicelib.domain.text import email_key, normal_address

log = logging.getLogger("dossier.mail")


@dataclass(frozen=True, slots=True)
class Message:
    to: str
    subject: str
    text: str
    kind: str  # what the mail is ("invitation", "notification:new_message"), for logs and tags
    firm_id: str = ""  # tagged on the mail, so SES's bounce and complaint events name the firm


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message staff write to clients (an e-mail reply): several recipients,
    a sender and Reply-To of the firm's, and threading headers."""

    to: tuple[str, ...]
    subject: str
    text: str
    sender: str  # the From header: the firm's name and sending address
    reply_to: str  # where answers go: the firm's inbound address (email sync records them)
    message_id: str  # ours; SES replaces it with its own (Sent.message_id says which went out)
    in_reply_to: str | None
    references: tuple[str, ...]
    kind: str
    firm_id: str


@dataclass(frozen=True, slots=True)
class Sent:
    provider_id: str  # the mail service's id of the message (SES's MessageId, which its events name); "" locally
    message_id: str  # the Message-ID header the message went out with


class MailError(Exception):
    """The message could not be handed to the mail service. ``permanent``:
    sending it again would be refused again (a rejected address)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


# SES error codes that refuse this message for good (retrying cannot help).
PERMANENT_SES_ERRORS = frozenset({"MessageRejected", "BadRequestException", "InvalidParameterValue"})


class Mailer(Protocol):
    def send(self, message: Message) -> str:
        """Hand ``message`` over for delivery; its id. Raises MailError."""
        ...


class ReplyMailer(Protocol):
    def send_reply(self, message: Outgoing) -> Sent:
        """Hand ``message`` over for delivery. Raises MailError."""
        ...


def one_line(text: str) -> str:
    """A header's text on one line: a firm name or subject typed with line breaks
    (or tabs) would otherwise make the header unwritable, or a second header."""
    return " ".join(text.split())


def _mime(message: Outgoing, date: datetime) -> EmailMessage:
    mail = EmailMessage(policy=_UTF8_POLICY)
    mail["From"] = message.sender
    mail["To"] = ", ".join(message.to)
    mail["Reply-To"] = message.reply_to
    mail["Subject"] = one_line(message.subject)
    mail["Date"] = format_datetime(date)
    mail["Message-ID"] = message.message_id
    if message.in_reply_to:
        mail["In-Reply-To"] = message.in_reply_to
    if message.references:
        mail["References"] = " ".join(message.references)
    mail["X-Dossier-Kind"] = message.kind
    mail.set_content(message.text)
    return mail


def ses_message_id(ses_id: str, region: str) -> str:
    """The Message-ID SES gives a message it accepted as ``ses_id`` (it replaces any of ours)."""
    return f"<{ses_id}@{'email' if region == 'us-east-1' else region}.amazonses.com>"


class SesMailer:
    def __init__(self, client: Any, sender: str, configuration_set: str | None = None) -> None:
        self.client = client
        self.sender = sender
        self.configuration_set = configuration_set

    def send(self, message: Message) -> str:
        content = {
            "Simple": {
                "Subject": {"Data": one_line(message.subject), "Charset": "UTF-8"},
                "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"}},
            }
        }
        return self._send(message.kind, message.firm_id, self.sender, [message.to], content)

    def send_reply(self, message: Outgoing) -> Sent:
        content = {"Raw": {"Data": bytes(_mime(message, datetime.now(UTC)))}}
        ses_id = self._send(message.kind, message.firm_id, parseaddr(message.sender)[1], list(message.to), content)
        return Sent(ses_id, ses_message_id(ses_id, self.client.meta.region_name))

    def _send(self, kind: str, firm_id: str, sender: str, to: list[str], content: dict[str, Any]) -> str:
        """SES's message id; tagged by kind and firm (the bounce and cost reports), in the
        configuration set that routes bounces and complaints back to us."""
        request: dict[str, Any] = {
            "FromEmailAddress": sender,
            "Destination": {"ToAddresses": to},
            "Content": content,
            "EmailTags": [{"Name": "kind", "Value": kind.replace(":", "-")}],
        }
        if firm_id:
            request["EmailTags"].append({"Name": "firm", "Value": firm_id})
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        try:
            response = self.client.send_email(**request)
        except (ClientError, BotoCoreError) as exc:
            code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else type(exc).__name__
            log.warning("SES refused a %s message: %s", kind, code)
            raise MailError(code or "send failed", permanent=code in PERMANENT_SES_ERRORS) from exc
        return str(response.get("MessageId", ""))


# Headers in UTF-8 as they are (RFC 6532, what SMTPUTF8 carries): the default
# policy would put a non-ASCII address into encoded words, which RFC 2047 does
# not allow in an address ("liam.=?utf-8?q?garc=C3=ADa?=@…"), so no reader
# finds the recipient again.
_UTF8_POLICY = default_policy.clone(utf8=True)
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_LINK = re.compile(r"https?://[^\s<>\"']+")


class OutboxMailer:
    """The local stage's mail: one ``.eml`` file per message, newest last."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    def send(self, message: Message) -> str:
        mail = EmailMessage(policy=_UTF8_POLICY)
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = one_line(message.subject)
        mail["Date"] = format_datetime(datetime.now(UTC))
        mail["Message-ID"] = message_id = make_msgid(domain="outbox.dossier.local")
        mail["X-Dossier-Kind"] = message.kind
        mail.set_content(message.text)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{new_id()}.eml").write_bytes(bytes(mail))
        except OSError as exc:
            raise MailError(f"outbox not writable: {exc.strerror}") from exc
        return message_id

    def send_reply(self, message: Outgoing) -> Sent:
        mail = _mime(message, datetime.now(UTC))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{new_id()}.eml").write_bytes(bytes(mail))
        except OSError as exc:
            raise MailError(f"outbox not writable: {exc.strerror}") from exc
        return Sent("", message.message_id)  # no mail service: no provider id, no bounces


def read_outbox(folder: Path) -> list[EmailMessage]:
    """The outbox's messages, oldest first (file names sort by time)."""
    if not folder.is_dir():
        return []
    parser = BytesParser(policy=default_policy)
    messages = []
    for path in sorted(folder.glob("*.eml")):
        parsed = parser.parsebytes(path.read_bytes())
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


def recipient(message: EmailMessage) -> str:
    """A message's ``To`` address, decoded and in NFC; encoded words that an
    older outbox wrote into the address are decoded too."""
    return normal_address(_ENCODED_WORD.sub(_decoded_word, str(message["To"] or "")))


def _decoded_word(word: re.Match[str]) -> str:
    with suppress(LookupError, ValueError, UnicodeError):  # else keep it as written
        ((text, charset),) = decode_header(word.group())
        return text.decode(charset or "ascii") if isinstance(text, bytes) else text
    return word.group()


def recipients(message: EmailMessage) -> list[str]:
    """Every ``To`` address of a message (a reply may go to several), as ``recipient`` reads one."""
    decoded = _ENCODED_WORD.sub(_decoded_word, str(message["To"] or ""))
    return [normal_address(a) for _, a in getaddresses([decoded]) if a] or [recipient(message)]


def mails_to(folder: Path, address: str) -> list[EmailMessage]:
    """The outbox's messages to ``address``, oldest first: matched as the
    firm matches addresses (NFC or NFD, any case, compatibility forms)."""
    wanted = email_key(address)
    return [m for m in read_outbox(folder) if wanted in {email_key(a) for a in recipients(m)}]


def links(text: str) -> list[str]:
    """The web links of a message's text, in order (an invitation's accept link)."""
    return _LINK.findall(text)


@lru_cache(maxsize=4)
def _ses_client(region: str) -> Any:
    return boto3.client(
        "sesv2", region_name=region, config=Config(retries={"mode": "standard", "max_attempts": 3}, read_timeout=5)
    )


def mailer(config: Settings | None = None) -> Mailer:
    """The stage's mailer (``MAIL_MODE``)."""
    cfg = config or settings()
    if cfg.mail_mode == "ses":
        return SesMailer(_ses_client(cfg.region), cfg.mail_from, cfg.ses_configuration_set)
    return OutboxMailer(Path(cfg.mail_outbox_dir), cfg.mail_from)


def reply_mailer(config: Settings | None = None) -> ReplyMailer:
    """The stage's mailer for replies (the same SES or outbox)."""
    cfg = config or settings()
    if cfg.mail_mode == "ses":
        return SesMailer(_ses_client(cfg.region), cfg.mail_from, cfg.ses_configuration_set)
    return OutboxMailer(Path(cfg.mail_outbox_dir), cfg.mail_from)


def sending_domain(config: Settings | None = None) -> str:
    """The domain of the stage's sending address (MAIL_FROM): the SES identity it may send as."""
    return parseaddr((config or settings()).mail_from)[1].rpartition("@")[2].lower()


def reset_mailers() -> None:
    _ses_client.cache_clear()


# --- what the stage keeps of sent mail (GDPR export and erase) ------------------------------


@dataclass(frozen=True, slots=True)
class KeptMail:
    """A sent message the stage still holds: the local outbox's files (SES keeps none)."""

    to: list[str]
    subject: str
    kind: str
    date: str


def _kept_to(addresses: list[str], config: Settings | None) -> list[tuple[Path, EmailMessage]]:
    cfg = config or settings()
    folder = Path(cfg.mail_outbox_dir)
    if cfg.mail_mode == "ses" or not folder.is_dir():
        return []
    wanted = {email_key(a) for a in addresses}
    parser = BytesParser(policy=default_policy)
    found = []
    for path in sorted(folder.glob("*.eml")):
        with suppress(OSError):  # removed meanwhile
            message = parser.parsebytes(path.read_bytes())
            assert isinstance(message, EmailMessage)
            if wanted & {email_key(a) for a in recipients(message)}:
                found.append((path, message))
    return found


def kept_mail_to(addresses: list[str], config: Settings | None = None) -> list[KeptMail]:
    """The stage's kept messages to any of ``addresses``, oldest first."""
    return [
        KeptMail(recipients(m), str(m["Subject"] or ""), str(m["X-Dossier-Kind"] or ""), str(m["Date"] or ""))
        for _, m in _kept_to(addresses, config)
    ]


def forget_mail_to(addresses: list[str], config: Settings | None = None) -> int:
    """Delete the stage's kept messages to any of ``addresses``; how many went (again: none)."""
    gone = 0
    for path, _ in _kept_to(addresses, config):
        with suppress(FileNotFoundError):
            path.unlink()
            gone += 1
    return gone
