"""Helpers for the end-to-end tests."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

from playwright.sync_api import Page, expect

from devtools.stack import StackInfo

SIGN_IN_MS = 20_000  # a sign-in at the provider, then the API's /me and catalogues, on a busy machine


def api_get(stack: StackInfo, path: str, token: str | None = None) -> Any:
    """GET on the API as ``token`` (default: the demo owner's); the JSON body."""
    bearer = token or stack.members[0]["token"]
    request = urllib.request.Request(stack.api_base + path, headers={"Authorization": f"Bearer {bearer}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def api_request(stack: StackInfo, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    """``method`` on the API as ``token`` (default: the demo owner's), ``body`` sent as JSON; the answer's JSON
    (None for an empty one)."""
    headers = {"Authorization": f"Bearer {token or stack.members[0]['token']}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(stack.api_base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else None


def demo_sign_in(page: Page, name: str = "Olivia Owner", path: str = "/") -> None:
    """Opens ``path`` and signs in as the demo member ``name`` with the sign-in page's demo buttons (the
    local identity provider's InitiateAuth with the demo password); returns once the shell shows. The
    session lasts for the page's tab (sessionStorage): later ``page.goto`` calls stay signed in."""
    page.goto(path)
    page.get_by_role("button", name=re.compile(rf"^{re.escape(name)} \(")).click()
    expect(page.locator("#member-picker")).to_be_visible(timeout=SIGN_IN_MS)
