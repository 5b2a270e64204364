"""The web client (web/) in headless Chromium against the whole local
product: the issue's acceptance flows, and what staff and app developers rely
on around them (rights, stale edits, languages, phone size, paging).

Tests address the page the way its users do: by role and accessible name."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from devtools.dynamodb_local import ROOT
from devtools.stack import StackInfo
from tests.e2e.helpers import api_get, demo_sign_in

SECTION_HEADINGS = [
    "Documents",
    "Tasks",
    "Emails",
    "Jobs",
    "Chats",
    "Unpaid invoices",
    "Approvals",
    "Signatures",
    "Organizers",
    "Login activity",
    "Notes",
    "Time entries",
    "Proposals & ELs",
]


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


def test_the_browser_reads_the_local_config_with_the_four_demo_members(page: Page, stack: StackInfo) -> None:
    response = page.goto("/config.json")
    assert response is not None and response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    config = json.loads(response.text())

    assert config["api_base"] == stack.api_base and config["mode"] == "local"
    assert config["firm"] == {"id": stack.firm_id, "name": stack.firm_name}
    assert config["identity"] == stack.identity and config["identity"]["client_id"]
    assert config["demo_password"] == stack.password
    demo = {m["member_id"] for m in stack.members}
    members = [m for m in config["members"] if m["member_id"] in demo]  # (and any a test has invited)
    assert [m["role"] for m in members] == ["owner", "admin", "employee", "employee"]
    assert [m["member_id"] for m in members] == [m["member_id"] for m in stack.members]
    assert all({"member_id", "name", "email", "role", "rights", "token"} <= m.keys() for m in members)
    # each token is fresh and good for the API
    me = api_get(stack, "/me", token=members[2]["token"])
    assert me["id"] == members[2]["member_id"] and me["role"] == "employee"


def test_search_open_the_profile_see_the_overview_edit_the_name(
    page: Page, stack: StackInfo, screenshots: Path
) -> None:
    errors = errors_of(page)
    account_id = stack.first_account_id
    overview = api_get(stack, f"/accounts/{account_id}/overview")
    page.goto("/")

    # search (keyboard only) → open the profile
    open_by_search(page, "acme", overview["account"]["name"])
    assert page.url.endswith(f"#/accounts/{account_id}")

    # the Overview: thirteen sections in the contract's order, each with the seeded items and "show all"
    panel = page.get_by_role("tabpanel")
    expect(page.get_by_role("tab", name="Overview")).to_have_attribute("aria-selected", "true")
    expect(panel.get_by_role("heading", level=2)).to_have_text(SECTION_HEADINGS)
    documents = panel.get_by_role("region", name="Documents")
    seeded = [d["name"] for d in overview["documents"]["items"]]
    assert seeded, "the demo's first account has client documents"
    expect(documents.locator(".item-title")).to_have_text(seeded)
    expect(documents.get_by_text("New", exact=True)).to_have_count(
        sum(d["new"] for d in overview["documents"]["items"])
    )
    for heading in SECTION_HEADINGS:
        expect(panel.get_by_role("link", name=f"Show all {heading}")).to_be_visible()
    tasks = panel.get_by_role("region", name="Tasks")
    expect(tasks.locator(".item-title")).to_have_text([t["title"] for t in overview["tasks"]["items"]])
    page.screenshot(path=screenshots / "profile-overview.png", full_page=True)

    # the Info tab, then edit the name: a refused edit shows the API's message next to the field and writes nothing
    page.get_by_role("tab", name="Info").click()
    expect(page.get_by_role("region", name="Contacts")).to_be_visible()
    page.screenshot(path=screenshots / "profile-info.png", full_page=True)
    before = api_get(stack, f"/accounts/{account_id}")
    page.get_by_role("button", name="Edit details").click()
    name = page.get_by_role("textbox", name="Name", exact=True)
    expect(name).to_be_focused()
    name.fill("")
    page.get_by_role("button", name="Save").click()
    expect(name).to_have_attribute("aria-invalid", "true")
    described = name.get_attribute("aria-describedby")
    assert described
    expect(page.locator(f"#{described}")).to_contain_text("at least 1 character")
    assert api_get(stack, f"/accounts/{account_id}")["version"] == before["version"]

    new_name = f"{before['name']} & Sons"
    name.fill(new_name)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(new_name)
    expect(page.get_by_role("region", name="Details").get_by_text(new_name, exact=True)).to_be_visible()
    assert api_get(stack, f"/accounts/{account_id}")["name"] == new_name
    # and it stays after a reload of the page
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(new_name)
    assert errors == []


def test_unlinking_the_last_contact_shows_the_error_and_keeps_the_contact(page: Page, stack: StackInfo) -> None:
    account = next(
        a
        for a in api_get(stack, "/accounts?limit=100")["items"]
        if len(api_get(stack, f"/accounts/{a['id']}")["contacts"]) == 1
    )
    page.goto(f"/#/accounts/{account['id']}/info")
    contacts = page.get_by_role("region", name="Contacts")
    contacts.get_by_role("button", name="Unlink").click()
    confirm = contacts.get_by_role("form", name="Unlink")
    expect(confirm).to_contain_text("The contact itself is kept")
    confirm.get_by_role("button", name="Unlink").click()
    expect(contacts.get_by_role("alert")).to_have_text(re.compile("last contact.*at least one"))
    assert len(api_get(stack, f"/accounts/{account['id']}")["contacts"]) == 1


def test_an_employee_off_the_team_cannot_open_the_account(browser: Browser, stack: StackInfo) -> None:
    erin = member(stack, "Erin Employee")
    assert erin["rights"] == {"view_all_accounts": False, "manage_accounts": True}
    accounts = api_get(stack, "/accounts?limit=100")["items"]
    off_team = next(a for a in accounts if erin["member_id"] not in [m["id"] for m in a["team_members"]])
    on_team = next(a for a in accounts if erin["member_id"] in [m["id"] for m in a["team_members"]])
    context, page = signed_in_as(browser, stack, "Erin Employee")
    errors = errors_of(page)

    page.goto(f"/#/accounts/{off_team['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_text("does not exist, or you do not have access to it")).to_be_visible()
    expect(page.get_by_text(off_team["name"])).to_have_count(0)
    # the same page as for an id that does not exist
    page.goto("/#/accounts/01AAAAAAAAAAAAAAAAAAAAAAAA/info")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    # nor is it in her clients list; her own team's account opens, with her editing controls
    page.goto("/#/")
    expect(page.get_by_role("link", name=on_team["name"], exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=off_team["name"], exact=True)).to_have_count(0)
    page.get_by_role("link", name=on_team["name"], exact=True).click()
    page.get_by_role("tab", name="Info").click()
    expect(page.get_by_role("button", name="Edit details")).to_be_visible()
    assert errors == []
    context.close()


def test_a_member_without_the_manage_right_sees_no_editing_controls(browser: Browser, stack: StackInfo) -> None:
    context, page = signed_in_as(browser, stack, "Victor Viewer")
    page.goto(f"/#/accounts/{stack.first_account_id}/info")
    expect(page.get_by_role("region", name="Contacts")).to_be_visible()
    main = page.get_by_role("main")
    for button in (
        "Edit details",
        "Link a contact",
        "Edit contact",
        "Unlink",
        "Revoke access",
        "Add address",
        "Change photo",
    ):
        expect(main.get_by_role("button", name=button)).to_have_count(0)
    expect(main.get_by_role("checkbox")).to_have_count(0)
    expect(main.get_by_text(re.compile(r"^Notify: $"))).to_have_count(0)
    expect(main.locator(".setting").first).to_contain_text("Notify")
    context.close()


def test_a_stale_edit_is_explained_and_reloadable(page: Page, stack: StackInfo) -> None:
    account = api_get(stack, "/accounts?limit=3")["items"][2]
    page.goto(f"/#/accounts/{account['id']}/info")
    page.get_by_role("button", name="Edit details").click()
    # someone else renames it meanwhile
    latest = api_get(stack, f"/accounts/{account['id']}")
    other = f"{latest['name']} (renamed elsewhere)"
    api_send(stack, "PATCH", f"/accounts/{account['id']}", {"name": other}, version=latest["version"])

    page.get_by_role("textbox", name="Name", exact=True).fill("My edit")
    page.get_by_role("button", name="Save").click()
    notice = page.get_by_role("alert").filter(has_text="Someone else changed this")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Your changes were not saved")
    assert api_get(stack, f"/accounts/{account['id']}")["name"] == other
    notice.get_by_role("button", name="Reload").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(other)
    expect(page.get_by_role("button", name="Edit details")).to_be_visible()


def test_show_all_pages_through_every_item_and_filters_by_status(page: Page, stack: StackInfo) -> None:
    account_id = stack.first_account_id
    page.goto(f"/#/accounts/{account_id}")
    page.get_by_role("link", name="Show all Tasks").click()
    every = api_get(stack, f"/accounts/{account_id}/tasks?limit=100")["items"]
    items = page.get_by_role("tabpanel").locator(".item-title")
    expect(items).to_have_text([t["title"] for t in every][:25])
    page.get_by_role("combobox", name="Status").select_option(label="Done")
    done = [t["title"] for t in every if t["status"] == "done"]
    if done:
        expect(items).to_have_text(done[:25])
    else:
        expect(page.get_by_text("No open tasks.")).to_be_visible()
    page.get_by_role("link", name="Back to the overview").click()
    expect(page.get_by_role("region", name="Tasks")).to_be_visible()


def test_opening_a_new_document_clears_its_new_label(page: Page, stack: StackInfo) -> None:
    account_id = stack.first_account_id
    page.goto(f"/#/accounts/{account_id}")
    documents = page.get_by_role("region", name="Documents")
    labels = documents.get_by_text("New", exact=True)
    expect(labels.first).to_be_visible()
    count = labels.count()
    first = documents.get_by_role("button").first
    opened = first.inner_text()
    first.click()
    expect(labels).to_have_count(count - 1)
    every = api_get(stack, f"/accounts/{account_id}/documents?limit=100")["items"]
    assert any(d["name"] == opened and not d["new"] and d["viewed_by"] for d in every)


def test_clients_list_is_alphabetical_paged_and_filtered(page: Page, stack: StackInfo) -> None:
    page.goto("/")
    names = page.get_by_role("list", name="Clients").get_by_role("link")
    expect(names).to_have_count(25)
    first_page = names.all_inner_texts()
    assert first_page == [a["name"] for a in api_get(stack, "/accounts?limit=25")["items"]]  # the API's order
    assert first_page == sorted(first_page, key=api_sort_key)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Page 2")).to_be_visible()
    expect(names.first).not_to_have_text(first_page[0])
    assert not set(names.all_inner_texts()) & set(first_page)
    page.get_by_role("button", name="Previous").click()
    expect(names.first).to_have_text(first_page[0])

    tag = api_get(stack, "/tags")["items"][0]
    page.get_by_role("combobox", name="Tag").select_option(label=tag["name"])
    expected = [a["name"] for a in api_get(stack, f"/accounts?limit=100&tag={tag['id']}")["items"]]
    expect(names).to_have_text(expected[:25])
    assert "tag=" in page.url  # a filtered list can be bookmarked
    page.get_by_role("combobox", name="Type").select_option(label="Company")
    expected = [a["name"] for a in api_get(stack, f"/accounts?limit=100&tag={tag['id']}&type=company")["items"]]
    if expected:
        expect(names).to_have_text(expected[:25])
    else:
        expect(page.get_by_text("No clients match these filters.")).to_be_visible()


def api_sort_key(name: str) -> str:
    """The API's alphabetical order (accents and case folded)."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))


def test_email_settings_switch_on_the_server(page: Page, stack: StackInfo) -> None:
    account = api_get(stack, f"/accounts/{stack.first_account_id}")
    email = account["contacts"][0]["emails"][0]
    page.goto(f"/#/accounts/{stack.first_account_id}/info")
    group = page.get_by_role("group", name=email["address"])
    sync = group.get_by_role("checkbox", name="Email sync")
    notify = group.get_by_role("checkbox", name="Notify")
    expect(sync).to_be_checked(checked=email["email_sync"])
    # two switches in quick succession: the second waits for the first's version (no false 412)
    sync.click()
    notify.click()
    expect(page.locator("#announcer")).to_have_text("Saved.")
    path = f"/contacts/{account['contacts'][0]['id']}/emails/{urllib.parse.quote(email['address'])}"

    def saved() -> bool:
        return bool(api_get(stack, path)["version"] == email["version"] + 2)

    expect(group.locator("p.error")).to_have_text("")  # no refusal shown
    deadline = time.monotonic() + 10
    while not saved():
        assert time.monotonic() < deadline, "both changes were not saved"
        time.sleep(0.1)
    after = api_get(stack, path)
    assert after["email_sync"] is (not email["email_sync"])
    assert after["notify"] is (not email["notify"])


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


def test_the_api_refuses_what_the_client_hides(stack: StackInfo) -> None:
    """Hiding buttons is for the user; the API is the guard: Victor's PATCH is refused."""
    victor = member(stack, "Victor Viewer")
    request = urllib.request.Request(
        f"{stack.api_base}/accounts/{stack.first_account_id}",
        data=b'{"name": "x"}',
        method="PATCH",
        headers={"Authorization": f"Bearer {victor['token']}", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    refused.value.close()
    assert refused.value.code == 403


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


def test_link_a_new_person_with_a_field_error_then_unlink_them(page: Page, stack: StackInfo) -> None:
    account = api_get(stack, "/accounts?limit=5")["items"][4]
    before = api_get(stack, f"/accounts/{account['id']}")["contacts"]
    page.goto(f"/#/accounts/{account['id']}/info")
    contacts = page.get_by_role("region", name="Contacts")
    contacts.get_by_role("button", name="Link a contact").click()
    form = contacts.get_by_role("form", name="Link a contact")
    form.get_by_role("textbox", name="First name").fill("Noor")
    form.get_by_role("textbox", name="Last name").fill("de Vries")
    email = form.get_by_role("textbox", name="Email address")
    email.fill("not-an-address")
    form.get_by_role("textbox", name="Description on this account").fill("Bookkeeper")
    form.get_by_role("button", name="Save").click()
    # the API's error (at body.new.emails.0) is shown next to the address field
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{email.get_attribute('aria-describedby')}")).not_to_be_empty()
    assert len(api_get(stack, f"/accounts/{account['id']}")["contacts"]) == len(before)

    address = f"noor.de.vries.{account['id'][-6:].lower()}@client.example"
    email.fill(address)
    form.get_by_role("button", name="Save").click()
    noor = contacts.get_by_role("article", name="Noor de Vries")
    expect(noor).to_be_visible()
    expect(noor.get_by_role("group", name=address)).to_be_visible()
    expect(noor.get_by_text("Bookkeeper")).to_be_visible()
    assert len(api_get(stack, f"/accounts/{account['id']}")["contacts"]) == len(before) + 1

    noor.get_by_role("button", name="Unlink").click()
    noor.get_by_role("form", name="Unlink").get_by_role("button", name="Unlink").click()
    expect(contacts.get_by_role("article", name="Noor de Vries")).to_have_count(0)
    assert [c["id"] for c in api_get(stack, f"/accounts/{account['id']}")["contacts"]] == [c["id"] for c in before]


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
