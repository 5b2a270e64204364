"""The web client's data-in-and-out screens in headless Chromium against the
whole local product (its jobs queue and poller, s3rver with the deployed
bucket's CORS rule): a CSV import from the browser (the presigned PUT, the dry
run's report with a bad row's column and reason, then the real run), and an
account's History tab after an edit made in the client.

Each screen is also checked with axe (WCAG 2.1 A and AA), which needs the
page's Content-Security-Policy bypassed (axe is injected inline)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from devtools.dynamodb_local import ROOT
from devtools.stack import StackInfo
from tests.e2e.helpers import api_get, api_request, demo_sign_in

AXE = ROOT / "devtools" / "node_modules" / "axe-core" / "axe.min.js"  # pinned in devtools/package.json
JOB_MS = 60_000  # an import's dry run or real run on the stack's queue, on a busy machine
TRAIL_SECONDS = 60.0  # the audit trail is written by the stream poller: seconds after the change


@pytest.fixture
def axe_page(browser: Browser, stack: StackInfo) -> Iterator[Page]:
    """Like ``page`` (the demo owner, signed in), in a context where axe may be injected."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", base_url=stack.web_base, bypass_csp=True
    )
    page = context.new_page()
    demo_sign_in(page, "Olivia Owner")
    yield page
    context.close()


def axe_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def errors_of(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


def account_names(stack: StackInfo) -> set[str]:
    """Every active account's name (the clients list, all pages)."""
    names: set[str] = set()
    cursor = ""
    while True:
        page = api_get(stack, f"/accounts?limit=100{'&cursor=' + cursor if cursor else ''}")
        names |= {a["name"] for a in page["items"]}
        if not page["next_cursor"]:
            return names
        cursor = page["next_cursor"]


def test_import_a_small_csv_with_its_dry_run_report_then_for_real(
    axe_page: Page, stack: StackInfo, screenshots: Path
) -> None:
    page = axe_page
    errors = errors_of(page)
    suffix = str(time.time_ns())[-9:]
    good = [f"Import Bakery {suffix}", f"Import Garage {suffix}"]
    bad = f"Import Wizardry {suffix}"
    csv = (
        "account_name;account_type;contact_first_name;contact_last_name;contact_email;contact_phone\r\n"
        f"{good[0]};company;Ines;Import;ines.{suffix}@example.com;+31 20 123 4567\r\n"
        f"{good[1]};Individual;Gert;Import;gert.{suffix}@example.com;\r\n"
        f"{bad};wizard;Bert;Bad;bert.{suffix}@example.com;\r\n"
    ).encode()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import clients").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import clients from a CSV file")
    # nothing chosen: the page says so and sends nothing
    page.get_by_role("button", name="Check the file (dry run)").click()
    expect(page.get_by_role("alert")).to_have_text("Choose a CSV file first.")
    page.get_by_label("CSV file", exact=True).set_input_files(
        files=FilePayload(name="clients.csv", mimeType="text/csv", buffer=csv)
    )
    page.get_by_role("button", name="Check the file (dry run)").click()

    # the dry run's report: two rows to create, the bad one with its column and reason; nothing written
    report = page.get_by_role("region", name=re.compile("^Dry run report for clients.csv"))
    expect(report).to_be_visible(timeout=JOB_MS)
    counts = report.locator(".import-counts")
    expect(counts.locator("[data-count=rows]")).to_have_text("3")
    expect(counts.locator("[data-count=created]")).to_have_text("2")
    expect(counts.locator("[data-count=failed]")).to_have_text("1")
    rows = report.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    expect(cells.nth(0)).to_have_text("3")
    expect(cells.nth(1)).to_have_text("account_type")
    expect(cells.nth(2)).not_to_be_empty()
    reason = cells.nth(2).inner_text()
    assert re.search(r"individual|company|other", reason), reason
    expect(report.get_by_role("heading", level=2)).to_be_focused()
    assert not account_names(stack) & {*good, bad}, "a dry run writes no account"
    page.screenshot(path=screenshots / "import-dry-run.png", full_page=True)
    assert axe_violations(page) == []

    # for real: the same import, started again; the two good rows become accounts, the bad one does not
    report.get_by_role("button", name="Import for real").click()
    done = page.get_by_role("region", name="Import of clients.csv done")
    expect(done).to_be_visible(timeout=JOB_MS)
    expect(done.locator("[data-count=created]")).to_have_text("2")
    expect(done.locator("[data-count=failed]")).to_have_text("1")
    expect(done.get_by_role("button", name="Import for real")).to_have_count(0)
    page.screenshot(path=screenshots / "import-done.png", full_page=True)
    names = account_names(stack)
    assert set(good) <= names and bad not in names
    bakery = next(a for a in api_get(stack, "/accounts?limit=100&type=company")["items"] if a["name"] == good[0])
    contacts = api_get(stack, f"/accounts/{bakery['id']}")["contacts"]
    assert [e["address"] for c in contacts for e in c["emails"]] == [f"ines.{suffix}@example.com"]
    assert errors == []


def test_a_member_other_than_owner_or_admin_is_not_offered_the_import(browser: Browser, stack: StackInfo) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", base_url=stack.web_base)
    page = context.new_page()
    employee = next(m for m in stack.members if m["role"] == "employee")
    demo_sign_in(page, employee["name"])
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients")).to_be_visible()
    expect(page.get_by_role("link", name="Import clients")).to_have_count(0)
    page.goto("/#/import")
    expect(page.get_by_text("Only the firm's owner and admins can import clients.")).to_be_visible()
    expect(page.get_by_label("CSV file", exact=True)).to_have_count(0)
    context.close()


def create_account(stack: StackInfo, name: str) -> dict[str, Any]:
    suffix = str(time.time_ns())[-9:]
    body = {
        "name": name,
        "type": "company",
        "contacts": [{"first_name": "Hanna", "last_name": "History", "emails": [f"hanna.{suffix}@example.com"]}],
    }
    account: dict[str, Any] = api_request(stack, "POST", "/accounts", body)
    return account


def test_an_accounts_history_shows_an_edit_made_in_the_client(
    axe_page: Page, stack: StackInfo, screenshots: Path
) -> None:
    page = axe_page
    errors = errors_of(page)
    old_name = f"History Test {str(time.time_ns())[-9:]}"
    new_name = f"{old_name} Renamed"
    account = create_account(stack, old_name)

    # an edit in the client (the Info tab)
    page.goto(f"/#/accounts/{account['id']}/info")
    expect(page.get_by_role("heading", level=1)).to_have_text(old_name)
    page.get_by_role("button", name="Edit details").click()
    page.get_by_role("textbox", name="Name", exact=True).fill(new_name)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(new_name)

    # the History tab: the change, who made it, old → new (the stream records it seconds later: Refresh)
    page.get_by_role("tab", name="History").click()
    expect(page.get_by_role("tab", name="History")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("heading", name="History of changes")).to_be_visible()
    renamed = f"name: {old_name} → {new_name}"
    change = page.locator(".history-entry .changes li").filter(has_text=renamed)
    deadline = time.monotonic() + TRAIL_SECONDS
    while not change.count():
        assert time.monotonic() < deadline, "the rename did not show in the History tab"
        page.get_by_role("button", name="Refresh").click()
        page.wait_for_timeout(1000)
    entry = page.locator(".history-entry").filter(has=page.locator(".changes li", has_text=renamed))
    expect(entry.locator(".item-title")).to_have_text("Changed: Client")
    expect(entry.locator(".item-meta")).to_contain_text("Olivia Owner")
    # the account's creation (through the API, as the owner) is further down, with the values it got
    created = page.locator(".history-entry").filter(has_text="Created: Client")
    expect(created.locator(".changes li").filter(has_text=re.compile(f"^name: {old_name}$"))).to_have_count(1)
    page.screenshot(path=screenshots / "account-history.png", full_page=True)
    assert axe_violations(page) == []

    # arrow keys go round the three tabs
    page.get_by_role("tab", name="History").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Overview")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("tab", name="History")).to_have_attribute("aria-selected", "true")
    assert errors == []
