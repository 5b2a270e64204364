"""A pipeline rename's fan-out (issue 19): the PATCH writes the pipeline and
queues a background job (kind ``pipeline_rename``), whose chunks refresh the
jobs overview of every account with a current job in the pipeline, a page of
jobs at a time (services/pipeline_refresh.py).

The overviews are made as the stream would make them (``overview.rebuild``),
then the jobs run through the real queue (tests/support/jobs.py). The page is
made small (``PAGE``) so that a few accounts take several chunks.
"""

from __future__ import annotations

from typing import Any

import pytest

from app import sweep_jobs
from chalicelib.adapters.auth import Claims
from chalicelib.domain.jobs import Job, Step
from chalicelib.repo.activity import ActivityRepo
from chalicelib.repo.table import Table
from chalicelib.services import overview, pipeline_refresh
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


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline_refresh, "PAGE", 2)  # five accounts: three chunks


class Firm:
    """A firm with two pipelines; five accounts with a current job in the first (one of them two), one
    with only a finished job in it, one with a job in the other pipeline; their overviews made."""

    def __init__(self, api: Api, table: Table, firm: TestFirm) -> None:
        self.api, self.table, self.firm = api, table, firm
        self.pipeline = created(api, "/pipelines", {"name": "Onboarding", "stages": [{"name": "Intake"}]})
        other = created(api, "/pipelines", {"name": "Tax return", "stages": [{"name": "Prepare"}]})
        self.stage = self.pipeline["stages"][0]["id"]
        place = {"pipeline_id": self.pipeline["id"], "stage_id": self.stage}
        self.accounts = [new_account(api, f"Client {n}")["id"] for n in range(ACCOUNTS)]
        for account in self.accounts:
            created(api, f"/accounts/{account}/jobs", {"name": "Bookkeeping", **place})
        created(api, f"/accounts/{self.accounts[0]}/jobs", {"name": "Payroll", **place})
        self.finished = new_account(api, "Finished")["id"]
        created(api, f"/accounts/{self.finished}/jobs", {"name": "Closed", **place, "status": "completed"})
        self.elsewhere = new_account(api, "Elsewhere")["id"]
        other_place = {"pipeline_id": other["id"], "stage_id": other["stages"][0]["id"]}
        created(api, f"/accounts/{self.elsewhere}/jobs", {"name": "1040", **other_place})
        overview.rebuild(ActivityRepo(table), firm.firm_id, [*self.accounts, self.finished, self.elsewhere])

    @property
    def path(self) -> str:
        return f"/pipelines/{self.pipeline['id']}"

    def rename(self, name: str, stage: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name}
        if stage is not None:
            body["stages"] = [{"id": self.stage, "name": stage}]
        r = self.api.patch(self.path, body)
        assert r.status == 200, r.body
        return dict(r.body)

    def shown(self, account: str) -> set[tuple[str, str]]:
        """The (pipeline, stage) names the account's jobs overview shows."""
        r = self.api.get(f"/accounts/{account}/overview")
        assert r.status == 200, r.body
        return {(s["pipeline"]["name"], s["stage"]["name"]) for s in r.body["jobs"]["items"]}

    def everywhere(self) -> set[tuple[str, str]]:
        return set().union(*(self.shown(a) for a in self.accounts))

    def job(self, job_id: str) -> Job:
        return stored_job(self.table, self.firm.firm_id, job_id)


@pytest.fixture
def setup(api: Api, table: Table, firm: TestFirm) -> Firm:
    return Firm(api, table, firm)


def test_the_rename_answers_at_once_and_the_job_brings_every_account_along(setup: Firm) -> None:
    other_before = setup.shown(setup.elsewhere)
    finished_before = setup.api.get(f"/accounts/{setup.finished}/overview").body["jobs"]

    out = setup.rename("Client onboarding", "New clients")

    assert (out["name"], out["stages"], out["version"]) == (
        "Client onboarding",
        [{"id": setup.stage, "name": "New clients"}],
        2,
    )
    assert "job" not in out  # the contract's pipeline, nothing more (docs/api.md, readings)
    job_id = queued_job()
    assert setup.everywhere() == {("Onboarding", "Intake")}  # nothing refreshed inside the request

    drain_jobs()

    for account in setup.accounts:
        assert setup.shown(account) == {("Client onboarding", "New clients")}
    assert setup.shown(setup.elsewhere) == other_before
    assert setup.api.get(f"/accounts/{setup.finished}/overview").body["jobs"] == finished_before
    job = setup.job(job_id)
    assert (job.kind, job.status, job.chunk) == ("pipeline_rename", "completed", 3)
    assert job.counts == {"accounts": ACCOUNTS, "overviews_written": ACCOUNTS}
    assert job.created_by == setup.firm.owner_id and job.params == {"pipeline_id": setup.pipeline["id"]}


def test_a_chunk_that_crashes_after_its_writes_runs_again_without_harm(setup: Firm, table: Table) -> None:
    runs: list[str | None] = []

    def counted(ctx: Ctx, job: Job) -> Step:
        runs.append(job.cursor)
        return pipeline_refresh.run_chunk(ctx, job)

    # The real chunk, crashing once after its second page's overviews are written (before the job advances).
    crash_once, crashed = crashing_once(counted, lambda job, _: job.chunk == 1)

    setup.rename("Client onboarding")
    job_id = queued_job()
    drain_jobs(table, chunks={"pipeline_rename": crash_once})

    assert crashed and runs.count(crashed[0].cursor) == 2 and len(runs) == 4
    for account in setup.accounts:
        assert setup.shown(account) == {("Client onboarding", "Intake")}
    job = setup.job(job_id)
    assert job.status == "completed"
    # Every account counted once; the rerun found its page (two accounts) already right and wrote nothing.
    assert job.counts == {"accounts": ACCOUNTS, "overviews_written": ACCOUNTS - 2}


def test_two_renames_in_a_row_end_with_the_second_name(setup: Firm) -> None:
    setup.rename("Second thoughts")
    first = queued_job()
    setup.rename("Final name")

    drain_jobs()

    assert setup.everywhere() == {("Final name", "Intake")}
    jobs = _rename_jobs(setup)
    assert len(jobs) == 2 and first in jobs
    assert setup.job(first).status == "completed"
    assert setup.job(first).counts.get("superseded") == 1  # the later job did the refresh
    (second,) = jobs - {first}
    assert setup.job(second).counts["accounts"] == ACCOUNTS


def test_a_rename_during_the_first_job_wins_and_a_late_rerun_cannot_bring_the_old_name_back(
    setup: Firm, table: Table
) -> None:
    renamed_meanwhile: list[str] = []

    def rename_after_first_chunk(ctx: Ctx, job: Job) -> Step:
        """The real chunk; after the first job's first page, the pipeline is renamed again."""
        step = pipeline_refresh.run_chunk(ctx, job)
        if not renamed_meanwhile:
            renamed_meanwhile.append(job.id)
            setup.rename("Final name", "Last stage")
        return step

    setup.rename("Second thoughts", "Other stage")
    drain_jobs(table, chunks={"pipeline_rename": rename_after_first_chunk})

    assert setup.everywhere() == {("Final name", "Last stage")}
    first = setup.job(renamed_meanwhile[0])
    # One page refreshed (one or two accounts: a page is two jobs, and one account has two), then it stopped.
    assert (first.status, first.chunk, first.counts["superseded"]) == ("completed", 2, 1)
    assert first.counts["accounts"] == first.counts["overviews_written"] in (1, 2)

    # Both jobs' first chunks delivered once more, long after (their cursors reset): the first one
    # stops (a later rename exists), the second reads the names from the table and writes nothing.
    ctx = Ctx(claims=Claims(firm_id=setup.firm.firm_id, member_id=first.created_by), table=table)
    first.cursor = None
    assert pipeline_refresh.run_chunk(ctx, first) == Step(cursor=None, counts={"superseded": 1})
    (second,) = _rename_jobs(setup) - {first.id}
    latest = setup.job(second)
    assert latest.status == "completed" and latest.counts["accounts"] == ACCOUNTS
    latest.cursor = None
    replay = pipeline_refresh.run_chunk(ctx, latest)
    assert replay.cursor is not None and replay.counts["overviews_written"] == 0
    assert setup.everywhere() == {("Final name", "Last stage")}


def test_a_reorder_or_a_new_stage_queues_no_job(setup: Firm) -> None:
    stages = [{"name": "First"}, {"id": setup.stage, "name": "Intake"}]
    r = setup.api.patch(setup.path, {"stages": stages})
    assert r.status == 200 and r.body["version"] == 2, r.body
    assert pending_messages() == []


def test_bad_input_is_refused_and_changes_nothing(setup: Firm, table: Table, firm: TestFirm) -> None:
    unknown = {"stages": [{"id": setup.stage, "name": "Intake"}, {"id": "01JUNKNOWNSTAGE00000000000", "name": "X"}]}
    assert_refused(table, 422, lambda: setup.api.patch(setup.path, unknown))
    dropped = {"stages": [{"name": "Only new"}]}
    assert_refused(table, 422, lambda: setup.api.patch(setup.path, dropped))
    assert_refused(table, 400, lambda: setup.api.patch(setup.path, {"name": ""}), field="name")
    assert_refused(table, 412, lambda: setup.api.patch(setup.path, {"name": "Stale"}, headers={"If-Match": '"7"'}))
    _, employee = firm.add_member("employee")
    assert_refused(table, 403, lambda: setup.api.as_(employee).patch(setup.path, {"name": "Mine"}))
    assert_refused(table, 404, lambda: setup.api.patch("/pipelines/01JNOSUCHPIPELINE000000000", {"name": "X"}))
    assert pending_messages() == []
    assert setup.everywhere() == {("Onboarding", "Intake")}


def _rename_jobs(setup: Firm) -> set[str]:
    return job_ids(setup.table, setup.firm.firm_id, "pipeline_rename")


def test_an_unreachable_queue_keeps_the_rename_and_the_sweeper_sends_its_job_later(
    setup: Firm, app_logs: pytest.LogCaptureFixture
) -> None:
    """The rename is the client's change and is made; its follow-up cannot be queued (SQS fails, injected
    tests/support/jobs.queue_unavailable), so the job stays queued for the scheduled sweeper, which sends
    it once the queue is back."""

    with queue_unavailable():
        out = setup.rename("Client onboarding")
    assert out["name"] == "Client onboarding" and out["version"] == 2
    (job_id,) = _rename_jobs(setup)
    assert setup.job(job_id).status == "queued"
    assert pending_messages() == []
    assert sweep_jobs(scheduled_event("sweep", "us-east-1"), None) == {"sent": 1, "dropped": 0, "erasures": 0}
    drain_jobs()
    assert setup.job(job_id).status == "completed"
