"""A member rename's fan-out (issue 19): the PATCH writes the member and
queues a background job (kind ``member_rename``), whose chunks refresh every
overview section whose summaries name the member, a page of those overview
candidates at a time (services/member_refresh.py); the stream projection no
longer looks them up (tests/functional/projection/).

The overviews are made as the stream would make them (``overview.rebuild``),
then the jobs run through the real queue (tests/support/jobs.py). The page is
made small (``PAGE``) so that a few accounts take several chunks.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from app import sweep_jobs
from chalicelib.adapters.auth import Claims
from chalicelib.domain.jobs import Job, Step
from chalicelib.repo.activity import ActivityRepo
from chalicelib.repo.jobs import JobRepo
from chalicelib.repo.table import Table
from chalicelib.services import member_refresh, overview
from chalicelib.services.context import Ctx
from devtools.job_poller import scheduled_event
from tests.support.api import Api, TestFirm
from tests.support.factories import created, new_account
from tests.support.jobs import (
    crashing_once,
    drain_jobs,
    job_ids,
    pending_messages,
    queue_unavailable,
    queued_job,
    stored_job,
)
from tests.support.problems import assert_refused

# both engines: in process (moto) and DynamoDB Local with moto's SQS server

ACCOUNTS = 5
CANDIDATES = ACCOUNTS + 1  # a task on each account, and a time entry on the first: three pages of two


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(member_refresh, "PAGE", 2)


class Firm:
    """A firm with Bob, an employee: five accounts with an open task assigned to him (the first also his
    time entry), one with only a finished task of his, one with a task of another member; their
    overviews made."""

    def __init__(self, api: Api, table: Table, firm: TestFirm) -> None:
        self.api, self.table, self.firm = api, table, firm
        self.bob, _ = firm.add_member(name="Bob Before")
        self.other, _ = firm.add_member(name="Carol Constant")
        self.accounts = [new_account(api, f"Client {n}")["id"] for n in range(ACCOUNTS)]
        for account in self.accounts:
            created(api, f"/accounts/{account}/tasks", {"title": "Reconcile", "assignee_id": self.bob})
        created(api, f"/accounts/{self.accounts[0]}/time_entries", {"minutes": 30, "member_id": self.bob})
        self.finished = new_account(api, "Finished")["id"]
        created(api, f"/accounts/{self.finished}/tasks", {"title": "Closed", "assignee_id": self.bob, "status": "done"})
        self.elsewhere = new_account(api, "Elsewhere")["id"]
        created(api, f"/accounts/{self.elsewhere}/tasks", {"title": "Payroll", "assignee_id": self.other})
        overview.rebuild(ActivityRepo(table), firm.firm_id, [*self.accounts, self.finished, self.elsewhere])

    @property
    def path(self) -> str:
        return f"/members/{self.bob}"

    def rename(self, name: str) -> dict[str, Any]:
        r = self.api.patch(self.path, {"name": name})
        assert r.status == 200, r.body
        return dict(r.body)

    def overview(self, account: str) -> dict[str, Any]:
        r = self.api.get(f"/accounts/{account}/overview")
        assert r.status == 200, r.body
        return dict(r.body)

    def shown(self, account: str) -> set[str]:
        """The member names the account's tasks and time entries overviews show."""
        body = self.overview(account)
        tasks = {s["assignee"]["name"] for s in body["tasks"]["items"] if s.get("assignee")}
        return tasks | {s["member"]["name"] for s in body["time_entries"]["items"] if s.get("member")}

    def everywhere(self) -> set[str]:
        return set().union(*(self.shown(a) for a in self.accounts))

    def job(self, job_id: str) -> Job:
        return stored_job(self.table, self.firm.firm_id, job_id)


@pytest.fixture
def setup(api: Api, table: Table, firm: TestFirm) -> Firm:
    return Firm(api, table, firm)


def _rename_jobs(setup: Firm) -> set[str]:
    return job_ids(setup.table, setup.firm.firm_id, "member_rename")


def test_the_rename_answers_at_once_and_the_job_brings_every_overview_along(setup: Firm) -> None:
    elsewhere_before = setup.overview(setup.elsewhere)
    finished_before = setup.overview(setup.finished)["tasks"]

    out = setup.rename("Bob After")

    assert (out["name"], out["role"], out["version"]) == ("Bob After", "employee", 2)
    assert "job" not in out and "refresh_job_id" not in out  # the member as GET gives it, nothing more
    job_id = queued_job()
    assert setup.everywhere() == {"Bob Before"}  # nothing refreshed inside the request

    drain_jobs()

    for account in setup.accounts:
        assert setup.shown(account) == {"Bob After"}
    assert setup.overview(setup.accounts[0])["time_entries"]["items"][0]["member"]["name"] == "Bob After"
    assert setup.overview(setup.elsewhere) == elsewhere_before
    assert setup.overview(setup.finished)["tasks"] == finished_before
    job = setup.job(job_id)
    assert (job.kind, job.status, job.chunk) == ("member_rename", "completed", 3)
    assert job.counts == {"sections": CANDIDATES, "overviews_written": CANDIDATES}
    assert job.created_by == setup.firm.owner_id and job.params == {"member_id": setup.bob}


def test_a_chunk_that_crashes_after_its_writes_runs_again_without_harm(setup: Firm, table: Table) -> None:
    runs: list[str | None] = []

    def counted(ctx: Ctx, job: Job) -> Step:
        runs.append(job.cursor)
        return member_refresh.run_chunk(ctx, job)

    # The real chunk, crashing once after its second page's overviews are written (before the job advances).
    crash_once, crashed = crashing_once(counted, lambda job, _: job.chunk == 1)

    setup.rename("Bob After")
    job_id = queued_job()
    drain_jobs(table, chunks={"member_rename": crash_once})

    assert crashed and runs.count(crashed[0].cursor) == 2 and len(runs) == 4
    assert setup.everywhere() == {"Bob After"}
    job = setup.job(job_id)
    assert job.status == "completed"
    # Every section counted once; the rerun found its page (two sections) already right and wrote nothing.
    assert job.counts == {"sections": CANDIDATES, "overviews_written": CANDIDATES - 2}


def test_two_renames_in_a_row_end_with_the_second_name(setup: Firm) -> None:
    setup.rename("Second thoughts")
    first = queued_job()
    setup.rename("Final name")

    drain_jobs()

    assert setup.everywhere() == {"Final name"}
    jobs = _rename_jobs(setup)
    assert len(jobs) == 2 and first in jobs
    assert setup.job(first).status == "completed"
    assert setup.job(first).counts == {"superseded": 1}  # the later job did the refresh
    (second,) = jobs - {first}
    assert setup.job(second).counts["sections"] == CANDIDATES


def test_a_rename_during_the_first_job_wins_and_a_late_rerun_cannot_bring_the_old_name_back(
    setup: Firm, table: Table
) -> None:
    renamed_meanwhile: list[str] = []

    def rename_after_first_chunk(ctx: Ctx, job: Job) -> Step:
        """The real chunk; after the first job's first page, the member is renamed again."""
        step = member_refresh.run_chunk(ctx, job)
        if not renamed_meanwhile:
            renamed_meanwhile.append(job.id)
            setup.rename("Final name")
        return step

    setup.rename("Second thoughts")
    drain_jobs(table, chunks={"member_rename": rename_after_first_chunk})

    assert setup.everywhere() == {"Final name"}
    first = setup.job(renamed_meanwhile[0])
    # One page refreshed (two sections), then it stopped.
    assert (first.status, first.chunk) == ("completed", 2)
    assert first.counts == {"sections": 2, "overviews_written": 2, "superseded": 1}

    # Both jobs' first chunks delivered once more, long after (their cursors reset): the first one
    # stops (a later rename exists), the second reads the name from the table and writes nothing.
    ctx = Ctx(claims=Claims(firm_id=setup.firm.firm_id, member_id=first.created_by), table=table)
    first.cursor = None
    assert member_refresh.run_chunk(ctx, first) == Step(cursor=None, counts={"superseded": 1})
    (second,) = _rename_jobs(setup) - {first.id}
    latest = setup.job(second)
    assert latest.status == "completed" and latest.counts["sections"] == CANDIDATES
    latest.cursor = None
    replay = member_refresh.run_chunk(ctx, latest)
    assert replay.cursor is not None and replay.counts == {"sections": 2, "overviews_written": 0}
    assert setup.everywhere() == {"Final name"}


def test_the_job_acts_for_the_firm_whatever_the_renaming_admin_may_do_now(setup: Firm, firm: TestFirm) -> None:
    admin, token = firm.add_member("admin")
    r = setup.api.as_(token).patch(setup.path, {"name": "Bob After"})
    assert r.status == 200, r.body
    job_id = queued_job()
    # The admin who renamed is demoted before the job runs: the overviews follow the rename all the same.
    assert setup.api.patch(f"/members/{admin}", {"role": "employee"}).status == 200

    drain_jobs()

    assert setup.everywhere() == {"Bob After"}
    assert setup.job(job_id).status == "completed" and setup.job(job_id).created_by == admin


@pytest.mark.parametrize(
    "body", [{"name": "Bob Before"}, {"role": "admin"}, {"rights": {"view_all_accounts": True}}, {}]
)
def test_a_patch_that_keeps_the_name_queues_no_job(setup: Firm, body: dict[str, Any]) -> None:
    r = setup.api.patch(setup.path, body)
    assert r.status == 200 and r.body["name"] == "Bob Before", r.body
    assert pending_messages() == [] and _rename_jobs(setup) == set()
    assert setup.everywhere() == {"Bob Before"}


def test_bad_input_is_refused_and_changes_nothing(setup: Firm, table: Table, firm: TestFirm) -> None:
    assert_refused(table, 400, lambda: setup.api.patch(setup.path, {"name": ""}), field="name")
    assert_refused(table, 412, lambda: setup.api.patch(setup.path, {"name": "Stale"}, headers={"If-Match": '"7"'}))
    _, employee = firm.add_member("employee")
    assert_refused(table, 403, lambda: setup.api.as_(employee).patch(setup.path, {"name": "Mine"}))
    assert_refused(table, 404, lambda: setup.api.patch("/members/01JNOSUCHMEMBER00000000000", {"name": "X"}))
    assert pending_messages() == []
    assert setup.everywhere() == {"Bob Before"}


def test_an_unreachable_queue_keeps_the_rename_and_the_sweeper_sends_its_job_later(
    setup: Firm, app_logs: pytest.LogCaptureFixture
) -> None:
    """The rename is the client's change and is made; its follow-up cannot be queued (SQS fails, injected
    tests/support/jobs.queue_unavailable), so the job stays queued, marked for the scheduled sweeper
    (``sweep_jobs``), which sends it once the queue is back: then every overview follows."""
    with queue_unavailable():
        out = setup.rename("Bob After")
        with pytest.raises(ClientError):  # still out of reach: the sweep stops, the job stays in its index
            sweep_jobs(scheduled_event("sweep", "us-east-1"), None)
    assert out["name"] == "Bob After" and out["version"] == 2
    (job_id,) = _rename_jobs(setup)
    assert setup.job(job_id).status == "queued"
    assert any(r.levelname == "WARNING" and "sweeper" in r.getMessage() for r in app_logs.records)
    assert pending_messages() == [] and setup.everywhere() == {"Bob Before"}
    tick = scheduled_event("sweep", "us-east-1")
    assert sweep_jobs(tick, None) == {"sent": 1, "dropped": 0, "erasures": 0}
    assert sweep_jobs(tick, None) == {"sent": 0, "dropped": 0, "erasures": 0}  # out of the sweeper's index once sent
    drain_jobs()
    assert setup.job(job_id).status == "completed"
    assert setup.everywhere() == {"Bob After"}


def test_a_job_that_no_longer_waits_leaves_the_sweepers_index_unsent(setup: Firm) -> None:
    with queue_unavailable():
        setup.rename("Bob After")
    (job_id,) = _rename_jobs(setup)
    assert JobRepo(setup.table).set_status(setup.job(job_id), "cancelled")
    tick = scheduled_event("sweep", "us-east-1")
    assert sweep_jobs(tick, None) == {"sent": 0, "dropped": 1, "erasures": 0}
    assert sweep_jobs(tick, None) == {"sent": 0, "dropped": 0, "erasures": 0}
    assert pending_messages() == [] and setup.job(job_id).status == "cancelled"
