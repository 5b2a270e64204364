"""The web client (web/) in headless Chromium against the whole local
product: what staff rely on around the flows: rights (an employee off the team, a member
without the manage right, the API refusing what the client hides) and stale edits.

Tests address the page the way its users do: by role and accessible name.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import Browser, Page, expect

from devtools.stack import StackInfo
from tests.e2e.helpers import api_get, api_send, errors_of, member, signed_in_as


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
