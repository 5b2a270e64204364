"""End to end on DynamoDB Local: writes through the API, the stream poller
running in the background as ``make run`` runs it, and the Overview tab
polled (with a deadline) until it shows each change."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.adapters.auth import Claims
from chalicelib.admin.demo import FULL_ACCOUNTS, seed
from chalicelib.domain.sections import SECTIONS
from chalicelib.repo.table import Table
from chalicelib.services import accounts, overview_read
from chalicelib.services.context import Ctx
from tests.support.api import Api, TestFirm, make_firm
from tests.support.factories import created, new_account
from tests.support.jobs import drain_jobs
from tests.support.stream import poller

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 20.0


@pytest.fixture
def running_poller(local_table: Table) -> Iterator[None]:
    stop = threading.Event()
    worker = threading.Thread(target=poller(local_table).run, args=(stop, 0.05), daemon=True)
    worker.start()
    yield
    stop.set()
    worker.join(timeout=60)  # it ends its batch first: the demo's batches take seconds on a loaded machine
    assert not worker.is_alive()


@pytest.fixture
def owner(local_table: Table, running_poller: None) -> Iterator[Api]:
    from app import app

    firm: TestFirm = make_firm(local_table)
    with Client(app) as client:
        yield Api(client, firm.owner_token)


def eventually(read: Callable[[], Any], holds: Callable[[Any], bool]) -> Any:
    """Poll ``read`` until ``holds`` (the stream is processed asynchronously)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    pause = threading.Event()
    while True:
        value = read()
        if holds(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {DEADLINE_SECONDS}s; last value: {value}")
        pause.wait(0.05)


def section(api: Api, account_id: str, key: str) -> dict[str, Any]:
    r = api.get(f"/accounts/{account_id}/overview")
    assert r.status == 200, r.body
    found: dict[str, Any] = r.body[key]
    return found


def ids(part: dict[str, Any]) -> list[str]:
    return [i["id"] for i in part["items"]]


def test_a_task_appears_then_leaves_when_done(owner: Api) -> None:
    account = new_account(owner, "Stream Bakery")
    base = f"/accounts/{account['id']}/tasks"
    task = created(owner, base, {"title": "Collect receipts", "status": "planned"})
    shown = eventually(lambda: section(owner, account["id"], "tasks"), lambda s: ids(s) == [task["id"]])
    assert shown["items"][0]["title"] == "Collect receipts"
    assert shown["has_more"] is False

    assert owner.patch(f"{base}/{task['id']}", {"status": "done"}).status == 200
    eventually(lambda: section(owner, account["id"], "tasks"), lambda s: s["items"] == [])


def test_the_sixth_item_sets_has_more_and_a_delete_brings_the_older_one_back(owner: Api) -> None:
    account = new_account(owner, "Stream Florists")
    base = f"/accounts/{account['id']}/notes"
    notes = [created(owner, base, {"title": f"Note {i}", "at": f"2026-11-0{i + 1}T10:00:00Z"}) for i in range(6)]
    newest_five = [n["id"] for n in reversed(notes[1:])]
    eventually(
        lambda: section(owner, account["id"], "notes"),
        lambda s: ids(s) == newest_five and s["has_more"] is True,
    )

    assert owner.delete(f"{base}/{notes[5]['id']}").status == 204
    expected = [n["id"] for n in reversed(notes[:5])]
    eventually(
        lambda: section(owner, account["id"], "notes"),
        lambda s: ids(s) == expected and s["has_more"] is False,
    )


def test_a_renamed_pipeline_shows_on_the_jobs_of_every_account(owner: Api) -> None:
    pipeline = created(owner, "/pipelines", {"name": "Tax 2026", "stages": [{"name": "Intake"}, {"name": "Review"}]})
    stage = pipeline["stages"][0]["id"]
    accounts = [new_account(owner, f"Pipeline client {i}") for i in range(2)]
    for a in accounts:
        created(owner, f"/accounts/{a['id']}/jobs", {"name": "1040", "pipeline_id": pipeline["id"], "stage_id": stage})

    def jobs_of(account_id: str) -> Callable[[], dict[str, Any]]:
        return lambda: section(owner, account_id, "jobs")

    for a in accounts:
        eventually(jobs_of(a["id"]), lambda s: len(s["items"]) == 1)

    renamed = {"name": "Tax return 2026", "stages": [{"id": stage, "name": "Documents in"}, pipeline["stages"][1]]}
    assert owner.patch(f"/pipelines/{pipeline['id']}", renamed).status == 200
    drain_jobs()  # the rename's fan-out is a background job on the local queue (services/pipeline_refresh.py)
    for a in accounts:
        job = eventually(
            jobs_of(a["id"]), lambda s: bool(s["items"]) and s["items"][0]["pipeline"]["name"] == "Tax return 2026"
        )["items"][0]
        assert job["stage"] == {"id": stage, "name": "Documents in"}


def test_a_renamed_member_shows_on_every_account_that_names_them(owner: Api) -> None:
    member_id = created(owner, "/members", {"name": "Bob Before", "email": "bob.stream@staff.example"})["id"]
    accounts = [new_account(owner, f"Member client {i}") for i in range(2)]
    for a in accounts:
        created(owner, f"/accounts/{a['id']}/tasks", {"title": "Reconcile", "assignee_id": member_id})

    def tasks_of(account_id: str) -> Callable[[], dict[str, Any]]:
        return lambda: section(owner, account_id, "tasks")

    for a in accounts:
        eventually(tasks_of(a["id"]), lambda s: len(s["items"]) == 1)

    assert owner.patch(f"/members/{member_id}", {"name": "Bob After"}).status == 200
    drain_jobs()  # the rename's fan-out is a background job on the local queue (services/member_refresh.py)
    for a in accounts:
        eventually(tasks_of(a["id"]), lambda s: bool(s["items"]) and s["items"][0]["assignee"]["name"] == "Bob After")


def test_credit_and_payment_show_on_the_unpaid_invoices(owner: Api) -> None:
    account = new_account(owner, "Stream Dental")
    base = f"/accounts/{account['id']}/invoices"
    invoice = created(owner, base, {"number": "INV-7", "amount": "300.00"})
    shown = eventually(lambda: section(owner, account["id"], "invoices"), lambda s: ids(s) == [invoice["id"]])
    assert shown["items"][0]["payable_with_credit"] is False

    created(owner, f"/accounts/{account['id']}/credits", {"amount": "300.00", "note": "Retainer"})
    # Computed from the current credit when read: no stream delay.
    assert section(owner, account["id"], "invoices")["items"][0]["payable_with_credit"] is True

    assert owner.post(f"{base}/{invoice['id']}/apply-credit").status == 200
    eventually(lambda: section(owner, account["id"], "invoices"), lambda s: s["items"] == [])


def test_demo_data_fills_every_section_of_several_accounts(local_table: Table, running_poller: None) -> None:
    demo = seed(local_table)
    owner = demo["members"][0]
    ctx = Ctx(claims=Claims(demo["firm_id"], owner["member_id"]), table=local_table)
    first = demo["first_account_id"]
    full = eventually(
        lambda: overview_read.read(ctx, first),
        lambda o: all(len(o[k]["items"]) == 5 for k in SECTIONS),
    )
    assert full["account"]["name"]
    assert sum(o["has_more"] for k, o in full.items() if k != "account") >= 5

    listed = accounts.list_accounts(
        ctx, limit=100, cursor=None, tag=None, type_=None, team_member=None, archived=False
    ).items

    def complete() -> int:
        views = [overview_read.read(ctx, a.id) for a in listed]
        return sum(all(v[k]["items"] for k in SECTIONS) for v in views)

    assert eventually(complete, lambda n: n >= FULL_ACCOUNTS) >= FULL_ACCOUNTS
