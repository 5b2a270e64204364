"""Helpers for the end-to-end tests."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

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


def member(stack: StackInfo, name: str) -> dict[str, Any]:
    return next(m for m in stack.members if m["name"] == name)


def api_send(stack: StackInfo, method: str, path: str, body: dict[str, Any], version: int | None = None) -> Any:
    headers = {"Authorization": f"Bearer {stack.members[0]['token']}", "Content-Type": "application/json"}
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    request = urllib.request.Request(
        stack.api_base + path, data=json.dumps(body).encode(), method=method, headers=headers
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def signed_in_as(browser: Browser, stack: StackInfo, name: str, **options: Any) -> tuple[BrowserContext, Page]:
    """A page in a context of its own, signed in as the demo member ``name`` (the sign-in page's demo buttons)."""
    options.setdefault("viewport", {"width": 1280, "height": 900})
    options.setdefault("locale", "en-US")
    context = browser.new_context(base_url=stack.web_base, **options)
    page = context.new_page()
    demo_sign_in(page, name)
    return context, page


def errors_of(page: Page) -> list[str]:
    """Uncaught script errors, collected for the test to assert there were none."""
    seen: list[str] = []
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


def open_by_search(page: Page, typed: str, name: str) -> None:
    box = page.get_by_role("combobox", name="Search clients")
    box.press_sequentially(typed, delay=40)  # as typed: the debounce sends one search, not one per key
    options = page.get_by_role("listbox", name="Matching clients").get_by_role("option")
    expect(options.filter(has_text=name).first).to_be_visible()
    names = [o.split("\n")[0] for o in options.all_inner_texts()]
    for _ in range(names.index(next(n for n in names if n.startswith(name))) + 1):
        box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", re.compile(r"search-hit-\d+"))
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
