"""Signing in to the web client through the identity provider (cognito-local
in the local stack, Cognito's user-pool API as in AWS): email and password
typed into the sign-in page, a wrong password, an invited member's first
sign-in (a password of their own), what members with other rights see, a
member deactivated while signed in, signing out, and the access token's
refresh (before it expires, and once when the API refuses it)."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from devtools.stack import StackInfo
from tests.e2e.helpers import SIGN_IN_MS, api_get, api_request, demo_sign_in

TARGET = "X-Amz-Target"


@pytest.fixture
def fresh(browser: Browser, stack: StackInfo) -> Iterator[Page]:
    """A page in its own context, not signed in."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", base_url=stack.web_base)
    yield context.new_page()
    context.close()


def member(stack: StackInfo, name: str) -> dict[str, Any]:
    return next(m for m in stack.members if m["name"] == name)


def type_sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_role("textbox", name="Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def identity_calls(page: Page, stack: StackInfo) -> list[dict[str, Any]]:
    """The page's requests to the identity provider: {"target": "InitiateAuth", "body": {...}}."""
    seen: list[dict[str, Any]] = []

    def record(request: Request) -> None:
        if request.url.startswith(stack.identity["endpoint"]) and request.method == "POST":
            target = request.headers.get(TARGET.lower(), "").rsplit(".", 1)[-1]
            seen.append({"target": target, "body": json.loads(request.post_data or "{}")})

    page.on("request", record)
    return seen


def refreshes(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in calls if c["target"] == "InitiateAuth" and c["body"].get("AuthFlow") == "REFRESH_TOKEN_AUTH"]


def bearer_of(page: Page, stack: StackInfo) -> list[str]:
    """The bearer token of each API request the page sends (preflights left out)."""
    seen: list[str] = []
    page.on(
        "request",
        lambda r: (
            seen.append(r.headers.get("authorization", "").removeprefix("Bearer "))
            if r.url.startswith(stack.api_base) and r.method != "OPTIONS"
            else None
        ),
    )
    return seen


def saved_session(page: Page) -> dict[str, Any]:
    """The tab's session as the client keeps it (sessionStorage)."""
    saved: dict[str, Any] = json.loads(page.evaluate("sessionStorage.getItem('dossier.auth')") or "null")
    return saved


def until(condition: Callable[[], bool], failure: str, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.1)


def clients(page: Page) -> Any:
    return page.get_by_role("list", name="Clients").get_by_role("link")


def test_the_owner_signs_in_with_email_and_password_and_signs_out(
    fresh: Page, stack: StackInfo, screenshots: Path
) -> None:
    page = fresh
    owner = member(stack, "Olivia Owner")
    calls = identity_calls(page, stack)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Dossier")
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    expect(page.get_by_role("button", name="Olivia Owner (owner)")).to_be_visible()  # local mode: demo members
    assert page.title() == "Sign in to Dossier"
    page.screenshot(path=screenshots / "sign-in.png", full_page=True)

    type_sign_in(page, owner["email"], stack.password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Clients", timeout=SIGN_IN_MS)
    expect(clients(page)).to_have_count(25)
    assert clients(page).all_inner_texts() == [a["name"] for a in api_get(stack, "/accounts?limit=25")["items"]]
    expect(page.get_by_role("combobox", name="Signed in as")).to_have_value(owner["member_id"])
    sign_ins = [c for c in calls if c["body"].get("AuthFlow") == "USER_PASSWORD_AUTH"]
    assert sign_ins == [
        {
            "target": "InitiateAuth",
            "body": {
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": stack.identity["client_id"],
                "AuthParameters": {"USERNAME": owner["email"], "PASSWORD": stack.password},
            },
        }
    ]

    # the tokens are the tab's: not in the address, not in localStorage; a reload keeps the session
    saved = saved_session(page)
    assert saved["access"].count(".") == 2 and saved["refresh"] and saved["email"] == owner["email"]
    assert saved["access"] not in page.url
    assert saved["access"] not in page.evaluate("JSON.stringify(localStorage)")
    page.reload()
    expect(clients(page)).to_have_count(25)
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_have_count(0)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Dossier")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    assert page.evaluate("sessionStorage.getItem('dossier.auth')") is None
    assert [c["body"]["Token"] for c in calls if c["target"] == "RevokeToken"] == [saved["refresh"]]
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Dossier")
    expect(page.get_by_role("textbox", name="Email address")).to_be_visible()


def test_a_wrong_password_shows_the_error_and_stays_on_the_sign_in_page(
    browser: Browser, fresh: Page, stack: StackInfo, screenshots: Path
) -> None:
    page = fresh
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.startswith(stack.api_base) else None)
    page.goto("/")
    type_sign_in(page, member(stack, "Olivia Owner")["email"], "Not-the-password-1")

    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Wrong email address or password. Check them and try again.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Dossier")
    page.screenshot(path=screenshots / "sign-in-wrong-password.png", full_page=True)
    password = page.get_by_label("Password", exact=True)
    expect(password).to_be_focused()
    expect(password).to_have_value("")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_attribute("aria-describedby", "signin-error")
    # an address the provider does not know reads the same (no telling which addresses exist)
    type_sign_in(page, "nobody@ledgerly.example", stack.password)
    expect(alert).to_have_text("Wrong email address or password. Check them and try again.")
    assert asked == []  # the API was never asked

    # in Dutch
    context = browser.new_context(base_url=stack.web_base, locale="nl-NL")
    dutch = context.new_page()
    dutch.goto("/")
    dutch.get_by_role("textbox", name="E-mailadres").fill(member(stack, "Olivia Owner")["email"])
    dutch.get_by_label("Wachtwoord", exact=True).fill("Not-the-password-1")
    dutch.get_by_role("button", name="Inloggen", exact=True).click()
    expect(dutch.get_by_role("alert")).to_have_text(re.compile("^Onjuist e-mailadres of wachtwoord"))
    context.close()


def test_members_see_what_their_rights_say(browser: Browser, stack: StackInfo) -> None:
    """Erin (no view-all) sees her team's accounts only; Victor (view-all, no manage) sees every account."""
    everyone = [a["name"] for a in api_get(stack, "/accounts?limit=100")["items"]]
    seen = {}
    for name in ("Erin Employee", "Victor Viewer"):
        context = browser.new_context(base_url=stack.web_base, locale="en-US", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto("/")
        type_sign_in(page, member(stack, name)["email"], stack.password)
        expect(page.get_by_role("combobox", name="Signed in as")).to_have_value(
            member(stack, name)["member_id"], timeout=SIGN_IN_MS
        )
        own = [a["name"] for a in api_get(stack, "/accounts?limit=100", token=member(stack, name)["token"])["items"]]
        expect(clients(page)).to_have_text(own[:25])
        seen[name] = own
        context.close()

    erin = member(stack, "Erin Employee")
    assert erin["rights"] == {"view_all_accounts": False, "manage_accounts": True}
    assert 0 < len(seen["Erin Employee"]) < len(everyone)
    on_her_team = [a for a in api_get(stack, "/accounts?limit=100")["items"] if erin["member_id"] in team_of(a)]
    assert seen["Erin Employee"] == [a["name"] for a in on_her_team]
    assert seen["Victor Viewer"] == everyone


def team_of(account: dict[str, Any]) -> list[str]:
    return [m["id"] for m in account["team_members"]]


def pool_id(stack: StackInfo) -> str:
    """The local user pool (its id ends the issuer of the demo's tokens)."""
    payload = stack.members[0]["token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["iss"]).rsplit("/", 1)[-1]


def test_an_invited_member_chooses_a_password_and_is_refused_once_deactivated(
    fresh: Page, stack: StackInfo, screenshots: Path
) -> None:
    """Deactivation is for good (there is no reactivation), so the member deactivated here is one invited here,
    not a demo member the other tests sign in as."""
    page = fresh
    # The page first: the local /config.json signs every member of the demo firm in with the demo password to
    # give their tokens (for scripts), which it cannot do for her until she has chosen that password.
    page.goto("/")
    expect(page.get_by_role("textbox", name="Email address")).to_be_visible()
    email = f"nina.{uuid.uuid4().hex[:8]}@ledgerly.example"
    nina = api_request(
        stack,
        "POST",
        "/members",
        {"name": "Nina Newcomer", "email": email, "role": "employee", "rights": {"view_all_accounts": True}},
    )
    # the provider mailed her a temporary password; set one we know, as an admin's reset would
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=stack.identity["endpoint"],
        region_name=stack.identity["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    idp.admin_set_user_password(UserPoolId=pool_id(stack), Username=email, Password="Temporary-pass-1", Permanent=False)

    type_sign_in(page, email, "Temporary-pass-1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    assert page.title() == "Choose your password \u2013 Dossier"
    expect(page.get_by_text(f"You signed in as {email} with a temporary password")).to_be_visible()
    new, again = page.get_by_label("New password", exact=True), page.get_by_label("New password again")
    new.fill(stack.password)
    again.fill(stack.password + "2")
    page.get_by_role("button", name="Save and sign in").click()
    expect(page.get_by_role("alert")).to_have_text("The two passwords are not the same.")
    expect(again).to_be_focused()
    page.screenshot(path=screenshots / "sign-in-new-password.png", full_page=True)
    expect(again).to_have_attribute("aria-invalid", "true")
    again.fill(stack.password)  # (the demo password, so that /config.json can sign her in as every member)
    page.get_by_role("button", name="Save and sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clients", timeout=SIGN_IN_MS)
    expect(clients(page)).to_have_count(25)  # view-all
    expect(page.get_by_role("combobox", name="Signed in as")).to_have_value(nina["id"])

    # the owner deactivates her; her next request is refused, and the page returns to the sign-in page
    assert api_request(stack, "DELETE", f"/members/{nina['id']}") is None
    assert next(m for m in api_get(stack, "/members")["items"] if m["id"] == nina["id"])["status"] == "deactivated"
    clients(page).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Dossier", timeout=SIGN_IN_MS)
    expect(page.get_by_role("alert")).to_contain_text("Dossier did not accept your sign-in")
    assert saved_session(page) is None

    # and signing in again does not let her in (Cognito refuses a disabled user; cognito-local signs her in,
    # and the API refuses her tokens)
    type_sign_in(page, email, stack.password)
    expect(page.get_by_role("alert")).to_have_text(re.compile("switched off|did not accept your sign-in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Dossier")
    expect(page.locator("#member-picker")).to_have_count(0)


def refuse(route: Route, request: Request) -> None:
    """A 401 as the API answers it (problem+json, CORS)."""
    if request.method == "OPTIONS":
        route.fallback()
        return
    route.fulfill(
        status=401,
        content_type="application/problem+json",
        headers={"Access-Control-Allow-Origin": "*"},
        body=json.dumps({"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "expired"}),
    )


def test_a_refused_token_is_refreshed_once_and_the_request_tried_again(fresh: Page, stack: StackInfo) -> None:
    page = fresh
    calls = identity_calls(page, stack)
    bearers = bearer_of(page, stack)
    refused_once: list[str] = []

    def once(route: Route, request: Request) -> None:
        if request.method == "GET" and not refused_once:
            refused_once.append(request.url)
            refuse(route, request)
        else:
            route.fallback()

    page.route(lambda url: url == f"{stack.api_base}/accounts?limit=25", once)
    demo_sign_in(page, "Olivia Owner")
    expect(clients(page)).to_have_count(25)
    assert refused_once
    assert len(refreshes(calls)) == 1  # one refresh...
    assert bearers[-1] == saved_session(page)["access"]  # ...and the list asked again with the refreshed token
    first = next(c for c in calls if c["body"].get("AuthFlow") == "USER_PASSWORD_AUTH")
    assert first["body"]["AuthParameters"]["USERNAME"] == member(stack, "Olivia Owner")["email"]

    # refused again after the refresh: signed out, not a loop of refreshes
    page.route(lambda url: url.startswith(f"{stack.api_base}/accounts/"), refuse)
    clients(page).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Dossier")
    expect(page.get_by_role("alert")).to_contain_text("Dossier did not accept your sign-in")
    assert len(refreshes(calls)) == 2


def test_the_access_token_is_refreshed_about_a_minute_before_it_expires(fresh: Page, stack: StackInfo) -> None:
    page = fresh
    page.clock.install()
    calls = identity_calls(page, stack)
    bearers = bearer_of(page, stack)
    demo_sign_in(page, "Olivia Owner")
    expect(clients(page)).to_have_count(25)
    saved = saved_session(page)
    lifetime_ms = saved["lifetime"] * 1000
    assert lifetime_ms > 120_000

    page.clock.fast_forward(lifetime_ms - 62_000)
    time.sleep(1)
    assert refreshes(calls) == []  # not yet
    page.clock.fast_forward(3_000)  # a minute before it expires
    until(lambda: bool(refreshes(calls)), "the access token was not refreshed")
    assert refreshes(calls)[0]["body"]["AuthParameters"] == {"REFRESH_TOKEN": saved["refresh"]}
    until(lambda: saved_session(page)["access"] != saved["access"], "the refreshed token was not kept")
    after = saved_session(page)
    assert after["refresh"] == saved["refresh"]  # a refresh answers no new refresh token: the old one stays
    assert after["expiresAt"] > saved["expiresAt"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Clients")  # still signed in
    # the next request carries the new token, and the API takes it
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Page 2")).to_be_visible()
    assert bearers[-1] == after["access"]


def test_the_demo_member_picker_signs_in_through_the_provider(fresh: Page, stack: StackInfo) -> None:
    """Switching demo members is a sign-in at the provider with the demo password (config.json's tokens are
    for scripts); the session switched from is revoked."""
    page = fresh
    calls = identity_calls(page, stack)
    bearers = bearer_of(page, stack)
    demo_sign_in(page, "Olivia Owner")
    olivia = saved_session(page)
    victor = member(stack, "Victor Viewer")
    picker = page.get_by_role("combobox", name="Signed in as")
    picker.select_option(label="Victor Viewer (employee)")
    expect(picker).to_have_value(victor["member_id"], timeout=SIGN_IN_MS)
    expect(picker).to_be_focused()
    expect(clients(page)).to_have_count(25)  # view-all
    assert saved_session(page)["email"] == victor["email"]
    assert [c["body"]["AuthParameters"] for c in calls if c["body"].get("AuthFlow") == "USER_PASSWORD_AUTH"] == [
        {"USERNAME": member(stack, "Olivia Owner")["email"], "PASSWORD": stack.password},
        {"USERNAME": victor["email"], "PASSWORD": stack.password},
    ]
    until(lambda: any(c["target"] == "RevokeToken" for c in calls), "the previous session was not revoked")
    assert [c["body"]["Token"] for c in calls if c["target"] == "RevokeToken"] == [olivia["refresh"]]
    # the API saw only the tokens of these two sign-ins
    assert set(bearers) == {olivia["access"], saved_session(page)["access"]}


def test_a_deployed_config_has_no_demo_members_and_a_missing_one_is_explained(
    browser: Browser, stack: StackInfo
) -> None:
    """A deployed web client's config.json is a static file: the API and the provider, no demo members."""
    deployed = {"api_base": stack.api_base, "mode": "deployed", "identity": stack.identity}
    context = browser.new_context(base_url=stack.web_base, locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.route(f"{stack.web_base}/config.json", lambda route: route.fulfill(json=deployed))
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Dossier")
    expect(page.get_by_role("heading", name="Demo members")).to_have_count(0)
    owner = member(stack, "Olivia Owner")
    type_sign_in(page, owner["email"], stack.password)
    expect(clients(page)).to_have_count(25, timeout=SIGN_IN_MS)
    expect(page.get_by_text("Signed in as Olivia Owner")).to_be_visible()
    expect(page.get_by_role("combobox", name="Signed in as")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")

    # without a config.json (or an unusable one), the page says what is missing instead of a form
    page.unroute(f"{stack.web_base}/config.json")
    page.route(f"{stack.web_base}/config.json", lambda route: route.fulfill(status=404, body="Not found"))
    page.goto("/")
    expect(page.get_by_role("alert")).to_contain_text("config.json (next to index.html) is missing or incomplete")
    expect(page.get_by_role("textbox", name="Email address")).to_have_count(0)
    context.close()
