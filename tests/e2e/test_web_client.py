"""The web client (web/) in headless Chromium against the whole local
product: the issue's acceptance flows (search, the profile and its Overview, edits,
"show all", the clients list, the e-mail settings, linking and unlinking people).

Tests address the page the way its users do: by role and accessible name.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect

from devtools.stack import StackInfo
from tests.e2e.helpers import api_get, errors_of, open_by_search

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
