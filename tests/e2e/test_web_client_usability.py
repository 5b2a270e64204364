"""The web client (web/) in headless Chromium against the whole local
product: languages, phone size, accessibility (axe's WCAG A and AA checks, the keyboard),
and one API request per screen.

Tests address the page the way its users do: by role and accessible name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from devtools.dynamodb_local import ROOT
from devtools.stack import StackInfo
from tests.e2e.helpers import api_get, demo_sign_in


def test_dutch_is_picked_from_the_browser_and_english_can_be_chosen(browser: Browser, stack: StackInfo) -> None:
    context = browser.new_context(base_url=stack.web_base, locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"/#/accounts/{stack.first_account_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen bij Dossier")
    expect(page.get_by_role("textbox", name="Wachtwoord")).to_be_visible()
    demo_sign_in(page, "Olivia Owner", f"/#/accounts/{stack.first_account_id}")  # "Olivia Owner (eigenaar)"
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("tab", name="Overzicht")).to_be_visible()
    expect(page.get_by_role("heading", name="Openstaande facturen")).to_be_visible()
    page.get_by_role("combobox", name="Taal").select_option(label="English")
    expect(page.get_by_role("heading", name="Unpaid invoices")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()  # the choice is remembered (and the session, for this tab)
    expect(page.get_by_role("tab", name="Overview")).to_be_visible()
    context.close()


@pytest.mark.parametrize("tab", ["", "/info"])
def test_a_phone_sized_screen_needs_no_sideways_scrolling(
    browser: Browser, stack: StackInfo, tab: str, screenshots: Path
) -> None:
    context = browser.new_context(
        base_url=stack.web_base, locale="en-US", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"/#/accounts/{stack.first_account_id}{tab}")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390  # the sign-in page too
    demo_sign_in(page, "Olivia Owner", f"/#/accounts/{stack.first_account_id}{tab}")
    expect(page.get_by_role("tab", name="Overview")).to_be_visible()
    expect(page.get_by_role("tabpanel").get_by_role("heading", level=2).first).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.screenshot(path=screenshots / f"phone{tab.replace('/', '-') or '-overview'}.png", full_page=True)
    context.close()


AXE = ROOT / "devtools" / "node_modules" / "axe-core" / "axe.min.js"  # pinned in devtools/package.json


@pytest.mark.parametrize(
    "where",
    [
        "sign in",
        "wrong password",
        "clients",
        "overview",
        "info",
        "edit form",
        "show all",
        "not found",
        "search results",
    ],
)
def test_each_screen_passes_axe_wcag_a_and_aa_checks(browser: Browser, stack: StackInfo, where: str) -> None:
    # axe is injected as an inline script, which the page's Content-Security-Policy refuses (as it should)
    context = browser.new_context(base_url=stack.web_base, locale="en-US", bypass_csp=True)
    page = context.new_page()
    if where in ("sign in", "wrong password"):
        page.goto("/")
    else:
        demo_sign_in(page, "Olivia Owner")
    if where == "wrong password":
        page.get_by_role("textbox", name="Email address").fill(stack.members[0]["email"])
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text("Wrong email address or password")
    account = stack.first_account_id
    path = {
        "sign in": "/",
        "wrong password": "/",
        "clients": "/#/",
        "overview": f"/#/accounts/{account}",
        "info": f"/#/accounts/{account}/info",
        "edit form": f"/#/accounts/{account}/info",
        "show all": f"/#/accounts/{account}/all/invoices",
        "not found": "/#/accounts/01AAAAAAAAAAAAAAAAAAAAAAAA",
        "search results": "/#/",
    }[where]
    if where not in ("sign in", "wrong password"):
        page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if where in ("info", "edit form"):
        expect(page.get_by_role("region", name="Contacts")).to_be_visible()
    if where == "edit form":
        page.get_by_role("button", name="Edit details").click()
        page.get_by_role("textbox", name="Name", exact=True).fill("")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_attribute("aria-invalid", "true")
    if where == "show all":
        expect(page.get_by_role("tabpanel").locator(".items, [role=status]").first).to_be_visible()
    if where == "search results":
        page.get_by_role("combobox", name="Search clients").fill("mul")
        expect(page.get_by_role("listbox").get_by_role("option").first).to_be_visible()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    context.close()
    assert violations == []


def test_each_screen_costs_one_api_request_and_typing_searches_once(page: Page, stack: StackInfo) -> None:
    """Firms pay per request: the page asks for what a screen shows in one call
    (the API is built so), loads the catalogues once, and the search box's
    debounce sends one search for a word typed at speed, not one per key."""
    calls: list[str] = []
    page.on(
        "request",
        lambda r: (
            calls.append(f"{r.method} {r.url.removeprefix(stack.api_base)}")
            if r.url.startswith(stack.api_base) and r.method != "OPTIONS"
            else None
        ),
    )
    account = stack.first_account_id

    def after(action: Any, ready: Any) -> list[str]:
        calls.clear()
        action()
        expect(ready).to_be_visible()
        page.wait_for_load_state("networkidle")
        return sorted(calls)

    boot = after(lambda: page.goto("/"), page.get_by_role("list", name="Clients"))
    assert boot == ["GET /accounts?limit=25", "GET /custom-fields", "GET /me", "GET /members", "GET /tags"]
    assert after(
        lambda: page.get_by_role("link", name=api_get(stack, f"/accounts/{account}")["name"], exact=True).click(),
        page.get_by_role("region", name="Documents"),
    ) == [f"GET /accounts/{account}/overview"]
    assert after(lambda: page.get_by_role("tab", name="Info").click(), page.get_by_role("region", name="Contacts")) == [
        f"GET /accounts/{account}"
    ]
    # "show all" from the profile reads only its list (the header is the profile's)
    page.get_by_role("tab", name="Overview").click()
    expect(page.get_by_role("region", name="Tasks")).to_be_visible()
    assert after(
        lambda: page.get_by_role("link", name="Show all Tasks").click(),
        page.get_by_role("combobox", name="Status"),
    ) == [f"GET /accounts/{account}/tasks?limit=25"]
    box = page.get_by_role("combobox", name="Search clients")
    assert after(
        lambda: box.press_sequentially("bakery", delay=30),
        page.get_by_role("listbox").get_by_role("option").first,
    ) == ["GET /search?q=bakery"]


def test_tabs_and_search_work_from_the_keyboard(page: Page, stack: StackInfo) -> None:
    page.goto(f"/#/accounts/{stack.first_account_id}")
    overview = page.get_by_role("tab", name="Overview")
    expect(overview).to_have_attribute("aria-selected", "true")
    overview.focus()
    page.keyboard.press("ArrowRight")
    info = page.get_by_role("tab", name="Info")
    expect(info).to_have_attribute("aria-selected", "true")
    expect(info).to_be_focused()  # focus follows the tab, not the page heading
    expect(page.get_by_role("region", name="Contacts")).to_be_visible()

    box = page.get_by_role("combobox", name="Search clients")
    box.focus()
    page.keyboard.type("mul")
    listbox = page.get_by_role("listbox", name="Matching clients")
    expect(listbox.get_by_role("option").first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = listbox.get_by_role("option").nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    name = second.locator(".hit-name").inner_text()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(box).to_have_value("")
    # Escape closes the list
    box.fill("mul")
    expect(listbox).to_be_visible()
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
