"""The stream projection, deterministic (docs/api.md, "Activity sections"): which items an
Overview section shows as they change: an item that stops counting is replaced by the next older, a
sent proposal and a checked client file start counting, deleted items leave, a pipeline rename
refreshes the accounts with an active job in it, and an added credit shows without a projection.

Records are read from moto's stream and handed to ``app.project_overview`` (tests/support/projection.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import boto3
import pytest

from chalicelib.domain import files
from chalicelib.repo import keys
from chalicelib.repo.table import to_wire
from tests.support.factories import created, new_account
from tests.support.jobs import drain_jobs
from tests.support.projection import (
    Item,
    Tenant,
    assert_overview_matches_lists,
    counting,
    deliver,
    entity,
    new_pipeline,
    overview_ids,
    settle,
)


@dataclass(frozen=True)
class Qualifying:
    """How an item of ``section`` is made, and the changes that make it stop
    (and, when the rules allow it, start again) counting for the overview."""

    section: str
    body: Callable[[int, Item], Item]
    stop: Item
    start: Item | None


QUALIFYING: Final = [
    Qualifying("tasks", lambda n, _: {"title": f"Task {n}"}, {"status": "done"}, {"status": "in_progress"}),
    Qualifying(
        "invoices",
        lambda n, _: {"number": f"INV-{n}", "amount": "10", "issued_at": f"2026-01-{n + 1:02d}T10:00:00Z"},
        {"status": "paid"},
        None,
    ),
    Qualifying("jobs", lambda n, place: {"name": f"Job {n}", **place}, {"status": "completed"}, {"status": "active"}),
    Qualifying("approvals", lambda n, _: {"document_name": f"Doc {n}"}, {"status": "approved"}, {"status": "pending"}),
]


@pytest.mark.parametrize("case", QUALIFYING, ids=[q.section for q in QUALIFYING])
def test_an_item_that_stops_counting_is_replaced_by_the_next_older(tenant: Tenant, case: Qualifying) -> None:
    api, section = tenant.api, case.section
    account = new_account(api)["id"]
    pipeline = new_pipeline(api, "Onboarding", "Intake")
    place = {"pipeline_id": pipeline["id"], "stage_id": pipeline["stages"][0]["id"]}
    ids = [created(api, f"/accounts/{account}/{section}", case.body(n, place))["id"] for n in range(5)]
    settle(tenant.stream)
    assert overview_ids(api, account, section) == (ids[::-1], False)  # five: all shown, no more

    ids.append(created(api, f"/accounts/{account}/{section}", case.body(5, place))["id"])
    settle(tenant.stream)
    assert overview_ids(api, account, section) == (ids[:0:-1], True)  # six: the oldest drops out, has_more

    r = api.patch(f"/accounts/{account}/{section}/{ids[5]}", case.stop)
    assert r.status == 200, r.body
    settle(tenant.stream)
    assert overview_ids(api, account, section) == (ids[4::-1], False)  # the oldest comes back in its place
    assert_overview_matches_lists(api, account, [section])

    if case.start is not None:
        r = api.patch(f"/accounts/{account}/{section}/{ids[5]}", case.start)
        assert r.status == 200, r.body
        r = api.patch(f"/accounts/{account}/{section}/{ids[2]}", case.stop)
        assert r.status == 200, r.body
        settle(tenant.stream)
        assert overview_ids(api, account, section) == ([ids[5], ids[4], ids[3], ids[1], ids[0]], False)
        assert_overview_matches_lists(api, account, [section])


def test_a_proposal_that_is_sent_starts_counting(tenant: Tenant) -> None:
    api = tenant.api
    account = new_account(api)["id"]
    ids = [
        created(api, f"/accounts/{account}/proposals", {"name": f"EL {n}", "kind": "engagement_letter", "status": s})[
            "id"
        ]
        for n, s in enumerate(["sent", "sent", "draft", "viewed", "sent", "declined", "draft"])
    ]
    settle(tenant.stream)
    assert overview_ids(api, account, "proposals") == ([ids[5], ids[4], ids[3], ids[1], ids[0]], False)
    r = api.patch(f"/accounts/{account}/proposals/{ids[6]}", {"status": "sent"})
    assert r.status == 200 and r.body["sent_at"] is not None, r.body
    settle(tenant.stream)
    assert overview_ids(api, account, "proposals") == ([ids[6], ids[5], ids[4], ids[3], ids[1]], True)
    assert_overview_matches_lists(api, account, ["proposals"])


def test_a_client_file_counts_once_its_upload_is_checked(tenant: Tenant) -> None:
    api = tenant.api
    account = new_account(api)["id"]
    base = f"/accounts/{account}/documents"
    paper = created(api, base, {"name": "Paper copy", "uploaded_by": "client"})["id"]
    data = b"%PDF-1.7\n%%EOF\n"
    body = {"name": "Scan.pdf", "uploaded_by": "client", "content_type": "application/pdf", "size": len(data)}
    scan = created(api, base, body)
    settle(tenant.stream)
    assert overview_ids(api, account, "documents") == ([paper], False)  # pending: not yet
    key = files.upload_key(tenant.firm.firm_id, account, scan["id"])
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=os.environ["PHOTOS_BUCKET"], Key=key, Body=data)
    assert api.post(f"{base}/{scan['id']}/complete").status == 200
    settle(tenant.stream)
    assert overview_ids(api, account, "documents") == ([scan["id"], paper], False)
    assert_overview_matches_lists(api, account, ["documents"])


def test_deleting_items(tenant: Tenant) -> None:
    api = tenant.api
    account = new_account(api)["id"]
    notes = [
        created(api, f"/accounts/{account}/notes", {"title": f"Note {n}", "at": f"2026-02-0{n + 1}T08:00:00Z"})["id"]
        for n in range(7)
    ]
    settle(tenant.stream)
    assert overview_ids(api, account, "notes") == (notes[:1:-1], True)

    assert api.delete(f"/accounts/{account}/notes/{notes[6]}").status == 204
    settle(tenant.stream)
    assert overview_ids(api, account, "notes") == (notes[5:0:-1], True)

    assert api.delete(f"/accounts/{account}/notes/{notes[3]}").status == 204
    settle(tenant.stream)
    assert overview_ids(api, account, "notes") == ([notes[5], notes[4], notes[2], notes[1], notes[0]], False)
    assert_overview_matches_lists(api, account, ["notes"])

    for note in (notes[0], notes[1], notes[2], notes[4], notes[5]):
        assert api.delete(f"/accounts/{account}/notes/{note}").status == 204
    settle(tenant.stream)
    assert overview_ids(api, account, "notes") == ([], False)


def test_a_pipeline_rename_alone_refreshes_every_account_with_an_active_job_in_it(tenant: Tenant) -> None:
    api = tenant.api
    onboarding = new_pipeline(api, "Onboarding", "Intake", "Review")
    tax = new_pipeline(api, "Tax return", "Prepare")
    intake = onboarding["stages"][0]["id"]
    a, b, c = (new_account(api, name)["id"] for name in ("Alpha", "Bravo", "Charlie"))
    job = {"pipeline_id": onboarding["id"], "stage_id": intake}
    created(api, f"/accounts/{a}/jobs", {"name": "Bookkeeping", **job})
    created(api, f"/accounts/{b}/jobs", {"name": "Payroll", **job})
    created(api, f"/accounts/{b}/jobs", {"name": "Old payroll", **job, "status": "completed"})
    created(api, f"/accounts/{c}/jobs", {"name": "Closed", **job, "status": "archived"})
    created(api, f"/accounts/{c}/jobs", {"name": "1040", "pipeline_id": tax["id"], "stage_id": tax["stages"][0]["id"]})
    settle(tenant.stream)
    before_c = api.get(f"/accounts/{c}/overview").body["jobs"]

    stages = [{"id": intake, "name": "New clients"}, onboarding["stages"][1]]
    r = api.patch(f"/pipelines/{onboarding['id']}", {"name": "Client onboarding", "stages": stages})
    assert r.status == 200, r.body
    rename, queued = tenant.stream.read()  # the pipeline and, in its transaction, the job that refreshes
    assert entity(rename) == "pipeline" and rename["eventName"] == "MODIFY"
    assert entity(queued) == "job" and queued["eventName"] == "INSERT"
    with counting(tenant.table) as calls:
        assert deliver([rename, queued]) == []
    assert calls.writes == []  # the fan-out is the job's (services/pipeline_refresh.py), not the stream's
    with counting(tenant.table) as calls:
        drain_jobs()
    # Alpha's and Bravo's jobs overviews (Charlie has no active job in it), and the job's one advance.
    assert calls.writes == ["PutItem", "PutItem", "UpdateItem"]

    for account in (a, b):
        (shown,) = assert_overview_matches_lists(api, account, ["jobs"])["jobs"]["items"]
        assert shown["pipeline"] == {"id": onboarding["id"], "name": "Client onboarding"}
        assert shown["stage"] == {"id": intake, "name": "New clients"}
    assert api.get(f"/accounts/{c}/overview").body["jobs"] == before_c
    assert_overview_matches_lists(api, c, ["jobs"])


def test_added_credit_shows_in_payable_with_credit_without_any_projection(tenant: Tenant) -> None:
    api = tenant.api
    account = new_account(api)["id"]
    small = created(api, f"/accounts/{account}/invoices", {"number": "1", "amount": "50"})["id"]
    large = created(api, f"/accounts/{account}/invoices", {"number": "2", "amount": "120.50"})["id"]
    euro = created(api, f"/accounts/{account}/invoices", {"number": "3", "amount": "1"})["id"]
    # stored in EUR before an invoice had to be in its account's currency (issue 18 refuses a new one)
    tenant.table.client.update_item(
        TableName=tenant.table.name,
        Key=to_wire(keys.item(tenant.firm.firm_id, account, "invoices", euro).as_dict()),
        UpdateExpression="SET currency = :eur",
        ExpressionAttributeValues={":eur": {"S": "EUR"}},
    )
    settle(tenant.stream)

    def payable() -> dict[str, bool]:
        body = assert_overview_matches_lists(api, account, ["invoices"])
        return {s["id"]: s["payable_with_credit"] for s in body["invoices"]["items"]}

    assert payable() == {small: False, large: False, euro: False}
    created(api, f"/accounts/{account}/credits", {"amount": "60"})
    assert payable() == {small: True, large: False, euro: False}  # nothing delivered in between
    created(api, f"/accounts/{account}/credits", {"amount": "70.50"})
    assert payable() == {small: True, large: True, euro: False}
    assert all(entity(r) in ("account", "credit") for r in tenant.stream.read())
