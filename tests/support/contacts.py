"""Helpers of the /contacts tests: a contact's e-mail addresses, their paths and their settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.support.api import Api

# The settings of an address added without any (docs/api.md "Account contacts and contacts").
DEFAULT_SETTINGS = {
    "login": "none",
    "notify": True,
    "notification_preferences": {},
    "email_sync": False,
    "signing_authority": True,
}


def email_settings(email: dict[str, Any]) -> dict[str, Any]:
    return {k: email[k] for k in DEFAULT_SETTINGS}


def contact_email_path(contact_id: str, address: str, *, encoded: bool = False) -> str:
    """The address's path: raw, or with ``encoded`` percent-encoded whole (both are accepted)."""
    return f"/contacts/{contact_id}/emails/{quote(address, safe='') if encoded else address}"


def addresses_of(api: Api, contact_id: str) -> list[str]:
    r = api.get(f"/contacts/{contact_id}")
    assert r.status == 200, r.body
    return [e["address"] for e in r.body["emails"]]
