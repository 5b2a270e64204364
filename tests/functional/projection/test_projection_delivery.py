"""The stream projection, deterministic (docs/api.md, "Activity sections"): how it copes with
its delivery: a duplicate record writes nothing, one batch of many accounts updates each, a crash mid
batch fails only the unfinished target's records, an older read never overwrites a newer, a rename
cannot bring back a deleted job, a member rename arrives through its job, and the local poller honours
partial-batch failures.

Records are read from moto's stream and handed to ``app.project_overview``; failures are injected into
the table client with botocore event hooks (tests/support/projection.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from app import project_overview
from chalicelib.repo.activity import ActivityRepo
from chalicelib.services import overview
from tests.support.factories import created, new_account
from tests.support.jobs import drain_jobs
from tests.support.projection import (
    Crash,
    Tenant,
    assert_overview_matches_lists,
    counting,
    deliver,
    entity,
    hooked,
    new_pipeline,
    overview_ids,
    seq,
    settle,
)
from tests.support.stream import poller

# --- deterministic properties of the projection ------------------------------------------


def test_a_duplicate_record_writes_nothing(tenant: Tenant) -> None:
    api, table = tenant.api, tenant.table
    account = new_account(api)["id"]
    settle(tenant.stream)
    created(api, f"/accounts/{account}/tasks", {"title": "File the return"})
    (record,) = tenant.stream.read()
    with counting(table) as first:
        assert deliver([record]) == []
    assert first.writes == ["PutItem"]  # the tasks overview item
    with counting(table) as again:
        assert deliver([record]) == []
        assert deliver([record, record, record]) == []
        assert deliver(tenant.stream.read()) == []  # the overview item's own record
    assert again.writes == []
    assert [name for name, _ in again.made].count("Query") >= 2  # it did recompute, and found nothing to change
    assert_overview_matches_lists(api, account, ["tasks"])


def test_one_batch_of_many_accounts_updates_each_account(tenant: Tenant) -> None:
    api = tenant.api
    accounts = [new_account(api, f"Client {n}")["id"] for n in range(4)]
    settle(tenant.stream)
    for round_ in range(3):  # interleaved: each account's records are spread over the batch
        for n, account in enumerate(accounts):
            created(api, f"/accounts/{account}/notes", {"title": f"Client {n} note {round_}"})
            if n % 2:
                created(api, f"/accounts/{account}/tasks", {"title": f"Client {n} task {round_}"})
    batch = tenant.stream.read()
    assert len(batch) == 12 + 6
    with counting(tenant.table) as calls:
        assert deliver(batch) == []
    assert calls.writes == ["PutItem"] * (4 + 2)  # one write per (account, section), however many records
    for n, account in enumerate(accounts):
        body = assert_overview_matches_lists(api, account, ["notes", "tasks"])
        assert [s["title"] for s in body["notes"]["items"]] == [f"Client {n} note {r}" for r in (2, 1, 0)]
        assert len(body["tasks"]["items"]) == (3 if n % 2 else 0)


def test_a_crash_mid_batch_fails_only_the_records_of_the_unfinished_target(tenant: Tenant) -> None:
    api = tenant.api
    a, b, c = (new_account(api, name)["id"] for name in ("Alpha", "Bravo", "Charlie"))
    settle(tenant.stream)
    for account in (a, b, c, b, a):
        created(api, f"/accounts/{account}/notes", {"title": "Call back"})
    batch = tenant.stream.read()
    crash = Crash("PutItem", 2)  # the second overview write: Bravo's notes
    with hooked(tenant.table, "before-call.dynamodb", crash):
        failed = deliver(batch)
    assert crash.fired
    assert failed == [seq(batch[1]), seq(batch[3])]
    assert overview_ids(api, b, "notes") == ([], False)
    # Lambda retries from the first failed record: Alpha's second note comes again too.
    assert deliver(batch[1:]) == []
    for account in (a, b, c):
        assert_overview_matches_lists(api, account, ["notes"])


def test_of_two_interleaved_recomputes_the_older_read_does_not_overwrite(tenant: Tenant) -> None:
    api, table = tenant.api, tenant.table
    account = new_account(api)["id"]
    first = created(api, f"/accounts/{account}/tasks", {"title": "First"})["id"]
    settle(tenant.stream)
    second = created(api, f"/accounts/{account}/tasks", {"title": "Second"})["id"]
    repo, firm_id = ActivityRepo(table), tenant.firm.firm_id
    newer: list[bool] = []
    third: list[str] = []

    def in_the_window(**kwargs: Any) -> None:
        """Before the older recompute writes: a change, and a recompute that reads it."""
        if newer:
            return
        newer.append(False)
        third.append(created(api, f"/accounts/{account}/tasks", {"title": "Third"})["id"])
        newer[0] = overview.recompute(repo, firm_id, account, "tasks")

    with counting(table) as calls, hooked(table, "before-call.dynamodb.PutItem", in_the_window):
        older = overview.recompute(repo, firm_id, account, "tasks")

    assert newer == [True] and older is False
    puts = [code for name, code in calls.made if name == "PutItem"]
    # the task, the newer result, then the older one's write, refused
    assert puts == [None, None, "ConditionalCheckFailedException"]
    assert overview_ids(api, account, "tasks") == ([third[0], second, first], False)
    assert_overview_matches_lists(api, account, ["tasks"])


def test_a_concurrent_rename_projection_cannot_bring_back_a_deleted_job(tenant: Tenant) -> None:
    """A rename's background job and an account's shard may run at once, so their
    recomputes can overlap. Here the rename's recompute (in its job) reads the
    candidates (the job still there); the job is deleted and the account's shard
    finds the overview already right, so writes nothing (no new revision); then
    the rename's recompute writes what it read. The end state must still be right."""
    api, table = tenant.api, tenant.table
    onboarding = new_pipeline(api, "Onboarding", "Intake")
    tax = new_pipeline(api, "Tax return", "Prepare")
    account = new_account(api)["id"]
    created(
        api, f"/accounts/{account}/jobs", {"name": "1040", "pipeline_id": tax["id"], "stage_id": tax["stages"][0]["id"]}
    )
    settle(tenant.stream)
    job = created(
        api,
        f"/accounts/{account}/jobs",
        {"name": "Bookkeeping", "pipeline_id": onboarding["id"], "stage_id": onboarding["stages"][0]["id"]},
    )["id"]
    assert api.patch(f"/pipelines/{onboarding['id']}", {"name": "Client onboarding"}).status == 200
    records = tenant.stream.read()
    firm_shard = [r for r in records if entity(r) in ("pipeline", "job")]
    account_shard = [r for r in records if entity(r) == "item"]
    assert len(firm_shard) == 2 and len(account_shard) == 1
    account_failures: list[str] = []

    def account_shard_runs_meanwhile(**kwargs: Any) -> None:
        """The rename's recompute has read its candidates; meanwhile the job
        is deleted and the account's shard processes its records."""
        if any(r["eventName"] == "REMOVE" for r in account_shard):
            return  # (the delete's transaction also writes its audit deletion note)
        assert api.delete(f"/accounts/{account}/jobs/{job}").status == 204
        account_shard.extend(tenant.stream.read())
        account_failures.extend(deliver(account_shard))

    with hooked(table, "before-call.dynamodb.PutItem", account_shard_runs_meanwhile):
        assert deliver(firm_shard) == []
        drain_jobs()  # the rename's refresh, whose recompute is the one interrupted
    assert account_failures == []
    assert any(r["eventName"] == "REMOVE" for r in account_shard)
    settle(tenant.stream)  # every record has been delivered once after its write
    assert_overview_matches_lists(api, account, ["jobs"])


def test_a_member_rename_shows_in_the_overview_through_its_job_not_the_stream(tenant: Tenant) -> None:
    api = tenant.api
    account, other = new_account(api)["id"], new_account(api, "Other")["id"]
    member_id, _ = tenant.firm.add_member(name="Bob Before")
    created(api, f"/accounts/{account}/tasks", {"title": "Reconcile", "assignee_id": member_id})
    created(api, f"/accounts/{account}/time_entries", {"minutes": 30, "member_id": member_id})
    created(api, f"/accounts/{account}/notes", {"title": "Met the client"})
    created(api, f"/accounts/{other}/notes", {"title": "Called"})
    settle(tenant.stream)

    assert api.patch(f"/members/{member_id}", {"name": "Bob After"}).status == 200
    assert api.patch(f"/members/{tenant.firm.owner_id}", {"name": "Olivia Renamed"}).status == 200
    records = tenant.stream.read()  # each member and, in its transaction, the job that refreshes
    assert [(entity(r), r["eventName"]) for r in records] == [("member", "MODIFY"), ("job", "INSERT")] * 2
    with counting(tenant.table) as calls:
        assert deliver(records) == []
    # The fan-out is the job's (services/member_refresh.py): the stream neither looks up nor writes.
    assert calls.writes == [] and "Query" not in [name for name, _ in calls.made]
    with counting(tenant.table) as calls:
        drain_jobs()
    # Bob's tasks and time entries overviews and his job's advance; the owner's two notes overviews and hers.
    assert sorted(calls.writes) == ["PutItem"] * 4 + ["UpdateItem"] * 2

    body = assert_overview_matches_lists(api, account, ["tasks", "time_entries", "notes"])
    assert body["tasks"]["items"][0]["assignee"]["name"] == "Bob After"
    assert body["notes"]["items"][0]["author"]["name"] == "Olivia Renamed"
    assert_overview_matches_lists(api, other, ["notes"])


# --- the local poller honours partial-batch failures --------------------------------------


@dataclass
class FlakyHandler:
    """The deployed handler, plus failures the test chooses: ``fail_times[seq]``
    more deliveries of that record are reported as failed."""

    fail_times: dict[str, int]
    batches: list[list[str]] = field(default_factory=list)

    def __call__(self, lambda_event: dict[str, Any], context: Any) -> dict[str, Any]:
        numbers = [seq(r) for r in lambda_event["Records"]]
        self.batches.append(numbers)
        result: dict[str, Any] = project_overview(lambda_event, context)
        for number in numbers:
            if self.fail_times.get(number, 0) > 0:
                self.fail_times[number] -= 1
                result["batchItemFailures"].append({"itemIdentifier": number})
        return result


def test_the_poller_retries_from_the_failed_record_and_gives_up_on_a_poison_one(tenant: Tenant) -> None:
    api = tenant.api
    account = new_account(api)["id"]
    settle(tenant.stream)
    max_retries = 2
    handler = FlakyHandler({})
    local = poller(tenant.table, handler, batch_size=3, max_retries=max_retries)
    notes = [created(api, f"/accounts/{account}/notes", {"title": f"Note {n}"})["id"] for n in range(9)]
    written = [seq(r) for r in tenant.stream.read()]
    assert len(written) == len(notes)
    flaky, poison = written[4], written[6]  # the middle of the second batch of three; a later one
    handler.fail_times.update({flaky: 1, poison: 1_000})

    local.drain()

    delivered = Counter(n for batch in handler.batches for n in batch)
    assert delivered[flaky] == 2
    retry = next(b for b in handler.batches[1:] if b[0] == flaky)
    assert handler.batches.index(retry) == handler.batches.index(next(b for b in handler.batches if flaky in b)) + 1
    assert delivered[written[3]] == 1  # before the failed record: checkpointed, not delivered again
    assert delivered[poison] == max_retries + 1
    assert [seq(r) for r in local.given_up] == [poison]
    assert all(delivered[n] >= 1 for n in written)
    assert all(delivered[n] >= 1 for n in written[written.index(poison) + 1 :]), "later records were blocked"
    assert_overview_matches_lists(api, account, ["notes"])
