"""End-to-end tests: the web client in headless Chromium against the whole
local product (devtools/stack.py: DynamoDB Local in memory, s3rver, the
stream pollers, the demo firm, the API and the web server), started once per
test process on free ports, and stopped after the last of them.

Fixtures: ``stack`` (``StackInfo``: ``api_base``, ``web_base``, ``firm_id``,
``firm_name``, ``first_account_id``, ``members``, ``workdir``, ``logs``,
``outbox``), ``browser`` (Playwright's Chromium: Debian's ``/usr/bin/chromium``,
never a downloaded one), ``page`` (a fresh context per test, with
``base_url`` the web client's, signed in as the demo owner) and ``screenshots`` (``build/screenshots/``).
Every test here is marked ``integration`` (``make unit`` skips them).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from devtools.dynamodb_local import ROOT
from devtools.stack import StackInfo, StackProcess
from tests.e2e.helpers import api_get, demo_sign_in
from tests.support import tokens

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (make test installs it); no Playwright download
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STACK_START_SECONDS = 240.0
PROJECTED_SECONDS = 120.0
SCREENSHOTS = ROOT / "build" / "screenshots"


@pytest.hookimpl(tryfirst=True)  # before -m selects: "not integration" must see the mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)
            # One worker for all of them under `--dist loadgroup` (one stack, not one per worker); loadfile ignores it.
            item.add_marker(pytest.mark.xdist_group("e2e"))


def _projected(stack: StackInfo) -> bool:
    overview = api_get(stack, f"/accounts/{stack.first_account_id}/overview")
    search = api_get(stack, "/search?q=acme")
    return bool(overview["documents"]["items"]) and any(h["name"] == "Acme Bakery" for h in search["items"])


def stack_environment() -> dict[str, str]:
    """This process's environment without the test issuer's settings (tests/conftest.py): the stack
    names its own identity provider, and one of these left over (JWKS_URL) would make its API check
    cognito-local's tokens against the test issuer's keys, refusing them all."""
    ours = tokens.environment().keys() - {"SIGNING_KEY"}
    return {k: v for k, v in os.environ.items() if k not in ours}


# Package scope: the stack and the browser stop after the last test of tests/e2e (they run one after another on
# one worker: the group "e2e"), not at the end of the whole run, where they would poll and wait meanwhile.
@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackInfo]:
    """The whole product, seeded, with the demo projected (Overview and search)."""
    workdir = tmp_path_factory.mktemp("stack")
    with (workdir / "stack.log").open("ab") as log:
        process = StackProcess(workdir, log=log, env=stack_environment())
        info = process.start(timeout=STACK_START_SECONDS)
        try:
            deadline = time.monotonic() + PROJECTED_SECONDS
            while not _projected(info):
                if time.monotonic() > deadline:
                    pytest.fail(f"the stream pollers did not project the demo in time (logs in {info.logs})")
                time.sleep(0.25)
            yield info
        finally:
            process.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, stack: StackInfo) -> Iterator[Page]:
    """A page in its own context (no shared storage between tests), signed in
    as the demo owner through the sign-in page; relative URLs are the web
    client's (``page.goto("/")``)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", base_url=stack.web_base)
    page = context.new_page()
    demo_sign_in(page, "Olivia Owner")
    yield page
    context.close()


@pytest.fixture
def screenshots() -> Path:
    """``build/screenshots/`` (git-ignored), for ``page.screenshot(path=screenshots / "name.png")``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
