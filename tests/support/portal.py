"""Portal helpers: read invitation mails from the local outbox, and give an
address active portal access the way a client would (invite, then accept)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote, unquote

from chalicelib.adapters.config import settings
from chalicelib.adapters.mail import read_outbox
from tests.support.api import Api

_LINK = re.compile(r"/accept#token=(\S+)")


def mails_to(address: str) -> list[EmailMessage]:
    """Every message the outbox holds for ``address``, oldest first."""
    return [m for m in read_outbox(Path(settings().mail_outbox_dir)) if m["To"].lower() == address.lower()]


def token_in(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = _LINK.search(body.get_content())
    assert found, "the invitation mail has no link"
    return unquote(found.group(1))


def latest_token(address: str) -> str:
    invitations = [m for m in mails_to(address) if m["X-Dossier-Kind"] == "invitation"]
    assert invitations, f"no invitation was mailed to {address}"
    return token_in(invitations[-1])


def email_path(contact_id: str, address: str) -> str:
    return f"/contacts/{contact_id}/emails/{quote(address, safe='@')}"


def invite(api: Api, contact_id: str, address: str) -> str:
    """Invite ``address`` (asserting 200) and return the token its mail carries."""
    r = api.post(email_path(contact_id, address) + "/invite")
    assert r.status == 200, r.body
    return latest_token(address)


def activate(api: Api, contact_id: str, address: str) -> None:
    """Give ``address`` active portal access: invite, then accept as the client."""
    token = invite(api, contact_id, address)
    r = api.as_(None).post("/portal/invites/accept", {"token": token})
    assert r.status == 200, r.body
