"""The stream projection: after the change stream is processed, each account's
Overview equals what its "show all" lists give (docs/api.md, "Activity sections").

Records are read from the table's stream (moto's) exactly as Lambda would get
them and handed to the deployed handler, ``app.project_overview``; failures are
injected into the table client with botocore event hooks, never by replacing
any of Dossier's own functions. The overview rules (tests/support/projection.py)
are written from docs/api.md, independently of ``chalicelib.domain.sections``.

``PROJECTION_EXAMPLES=50 pytest tests/functional/projection/test_projection_property.py`` runs
the property with more examples per section group than the default three.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, TypeVar

import pytest
from chalice.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chalicelib.repo.table import Table
from tests.support.factories import created, new_account
from tests.support.jobs import drain_jobs
from tests.support.portal import activate
from tests.support.projection import (
    SECTION_KEYS,
    Crash,
    Item,
    Record,
    Tenant,
    assert_overview_matches_lists,
    deliver,
    hooked,
    new_pipeline,
    open_tenant,
    seq,
)

LOGIN_ADDRESSES: Final = ("anna@client.example", "bo@client.example")
T = TypeVar("T")


# --- the property: any history, delivered adversarially, ends equal to the lists ---------

WORDS = st.sampled_from(["Alpha", "Beta", "Gamma", "Delta"])
TIMES = st.sampled_from([None, "2025-12-31T23:59:59Z", "2026-03-01T09:00:00Z", "2027-06-01T12:00:00+02:00"])
DAYS = st.sampled_from([None, "2026-01-05", "2026-02-01", "2027-01-01"])
TEXTS = st.sampled_from(["", "Short.", "A long body that needs an excerpt " * 4])
AMOUNTS = st.sampled_from(["10", "25.50", "100"])
BATCH_SIZES = st.sampled_from([1, 3, 5, 9, 17, 33])
CRASHABLE = st.sampled_from(["GetItem", "Query", "BatchGetItem", "PutItem", "BatchWriteItem"])
ACTIONS: Final = (
    *("create",) * 5,
    *("update",) * 5,
    *("delete",) * 2,
    *("deliver_batch",) * 4,
    "rewind",
    "rename_pipeline",
    "add_credit",
    "settle_and_check",
)


def _without_none(body: Mapping[str, Any]) -> Item:
    return {k: v for k, v in body.items() if v is not None}


class Scenario:
    """One firm's history, made through the HTTP API, with Lambda's event
    source mapping played adversarially over the stream it produces."""

    def __init__(self, tenant: Tenant, data: st.DataObject, sections: Sequence[str]) -> None:
        self.tenant, self.api, self.data = tenant, tenant.api, data
        self.sections: list[str] = data.draw(st.permutations(sections), label="sections")
        accounts = data.draw(st.sampled_from([2, 2, 3]), label="accounts")
        # Logins are recorded for addresses with active portal access on the account's contacts.
        links: dict[str, Any] = {}
        if "logins" in self.sections:
            person = created(self.api, "/contacts", {"first_name": "Anna", "emails": list(LOGIN_ADDRESSES)})
            for address in LOGIN_ADDRESSES:
                activate(self.api, person["id"], address)
            links["contacts"] = [{"contact_id": person["id"]}]
        self.accounts = [new_account(self.api, f"Client {n}", **links)["id"] for n in range(accounts)]
        self.members = [tenant.firm.owner_id, tenant.firm.add_member(name="Eve Employee")[0]]
        self.pipelines: dict[str, list[Item]] = {}  # id → stages
        for name in ("Onboarding", "Tax return") if "jobs" in self.sections else ():
            pipeline = new_pipeline(self.api, name, "Intake", "Review")
            self.pipelines[pipeline["id"]] = pipeline["stages"]
        self.live: dict[str, dict[str, Item]] = {s: {} for s in self.sections}  # section → item path → latest body
        self.checkpoint = 0  # index in stream.records of the next record Lambda delivers
        self.crashes_left = 3
        self.settles_left = 1

    def draw(self, strategy: st.SearchStrategy[T]) -> T:
        return self.data.draw(strategy)

    # --- the history -----------------------------------------------------------------------

    def run(self, steps: int) -> None:
        for _ in range(steps):
            action = self.draw(st.sampled_from(ACTIONS))
            if action == "update" and not any(self.live[s] for s in self.sections if s != "logins"):
                action = "create"
            if action == "delete" and not any(self.live.values()):
                action = "create"
            if action == "rename_pipeline" and not self.pipelines:
                action = "add_credit"
            getattr(self, action)()

    def create(self) -> None:
        # Skewed towards the first account and section, so that sections often outgrow five.
        section = self.draw(st.sampled_from([self.sections[0], *self.sections]))
        account = self.draw(st.sampled_from([self.accounts[0], *self.accounts]))
        for _ in range(self.draw(st.integers(1, 4))):
            body = _without_none(BODIES[section](self))
            item = created(self.api, f"/accounts/{account}/{section}", body)
            self.seen(f"/accounts/{account}/{section}/{item['id']}", item)

    def seen(self, path: str, item: Item) -> None:
        """The item's latest body, as the API answered it."""
        self.live[path.split("/")[3]][path] = item

    def update(self) -> None:
        section = self.draw(st.sampled_from([s for s in self.sections if s != "logins" and self.live[s]]))
        path = self.draw(st.sampled_from(list(self.live[section])))
        CHANGES[section](self, path, self.live[section][path])

    def patch(self, path: str, body: Item) -> None:
        r = self.api.patch(path, body)
        assert r.status == 200, (path, body, r.body)
        self.seen(path, r.body)

    def delete(self) -> None:
        section = self.draw(st.sampled_from([s for s in self.sections if self.live[s]]))
        path = self.draw(st.sampled_from(list(self.live[section])))
        r = self.api.delete(path)
        assert r.status == 204, r.body
        del self.live[section][path]

    def rename_pipeline(self) -> None:
        pipeline_id = self.draw(st.sampled_from(sorted(self.pipelines)))
        stages = self.pipelines[pipeline_id]
        if self.draw(st.booleans()):
            body: Item = {"name": f"Pipeline {self.draw(WORDS)}"}
        else:
            renamed = self.draw(st.sampled_from([s["id"] for s in stages]))
            body = {"stages": [{**s, "name": f"Stage {self.draw(WORDS)}"} if s["id"] == renamed else s for s in stages]}
        r = self.api.patch(f"/pipelines/{pipeline_id}", body)
        assert r.status == 200, r.body
        self.pipelines[pipeline_id] = r.body["stages"]

    def add_credit(self) -> None:
        account = self.draw(st.sampled_from(self.accounts))
        created(self.api, f"/accounts/{account}/credits", {"amount": self.draw(st.sampled_from(["5", "30", "100"]))})

    # --- Lambda's event source mapping, adversarial -------------------------------------------

    def deliver_batch(self) -> None:
        """One batch from the checkpoint: an odd size, maybe with duplicates,
        maybe out of order, maybe crashing a DynamoDB call, maybe retried whole."""
        self.tenant.stream.read()
        pending = self.tenant.stream.records[self.checkpoint :]
        if not pending:
            return
        batch = pending[: self.draw(BATCH_SIZES)]
        records = list(batch)
        for _ in range(self.draw(st.integers(0, 2))):
            records.insert(self.draw(st.integers(0, len(records))), self.draw(st.sampled_from(batch)))
        if self.draw(st.booleans()):
            records = self.draw(st.permutations(records))
        crash = None
        if self.crashes_left and self.draw(st.booleans()):
            crash = Crash(self.draw(CRASHABLE), self.draw(st.integers(1, 3)))
        failed = self._invoke(records, crash)
        if self.draw(st.integers(0, 3)) == 0:
            event("whole batch retried")
            failed = self._invoke(records, None)
            assert failed == []
        if failed:
            # Lambda checkpoints before the first failed record and retries from it.
            self.checkpoint += min(i for i, r in enumerate(batch) if seq(r) in failed)
        else:
            self.checkpoint += len(batch)

    def _invoke(self, records: list[Record], crash: Crash | None) -> list[str]:
        if crash is None:
            return deliver(records)
        with hooked(self.tenant.table, "before-call.dynamodb", crash):
            failed = deliver(records)
        if crash.fired:
            event(f"crash in {crash.operation}")
            self.crashes_left -= 1
            assert failed, f"{crash.operation} #{crash.nth} failed, yet the handler reported no failed record"
        return failed

    def rewind(self) -> None:
        """Replay from an earlier checkpoint: the older suffix comes again after later records."""
        if self.checkpoint:
            event("rewound")
            self.checkpoint = self.draw(st.integers(0, self.checkpoint - 1))

    def finish(self) -> None:
        """Run the renames' jobs, and deliver until every record (also those written by the projection)
        is processed."""
        drain_jobs()
        for _ in range(10_000):
            self.tenant.stream.read()
            if self.checkpoint == len(self.tenant.stream.records):
                return
            self.deliver_batch()
        raise AssertionError("delivery did not finish")

    def settle_and_check(self) -> None:
        """Mid-history: once everything is processed, the overview is already right."""
        if self.settles_left:
            self.settles_left -= 1
            self.finish()
            self.check()

    def check(self) -> None:
        for account in self.accounts:
            body = assert_overview_matches_lists(self.api, account, self.sections)
            for section in self.sections:
                event(f"{section}: has_more" if body[section]["has_more"] else f"{section}: fits")


# --- request bodies and changes, per section ------------------------------------------------


def _job_place(s: Scenario) -> Item:
    pipeline_id = s.draw(st.sampled_from(sorted(s.pipelines)))
    return {
        "pipeline_id": pipeline_id,
        "stage_id": s.draw(st.sampled_from([x["id"] for x in s.pipelines[pipeline_id]])),
    }


def _email_body(s: Scenario) -> Item:
    direction = s.draw(st.sampled_from(["inbound", "outbound"]))
    statuses = [None, "received"] if direction == "inbound" else [None, "draft", "sent", "delivered", "opened"]
    return {
        "subject": s.draw(WORDS),
        "direction": direction,
        "status": s.draw(st.sampled_from(statuses)),
        "at": s.draw(TIMES),
    }


BODIES: Final[dict[str, Callable[[Scenario], Item]]] = {
    "documents": lambda s: {
        "name": s.draw(WORDS),
        "uploaded_by": s.draw(st.sampled_from(["client", "firm"])),
        "uploaded_at": s.draw(TIMES),
    },
    "tasks": lambda s: {
        "title": s.draw(WORDS),
        "status": s.draw(st.sampled_from(["planned", "in_progress", "done"])),
        "assignee_id": s.draw(st.sampled_from([None, *s.members])),
        "due_date": s.draw(DAYS),
    },
    "emails": _email_body,
    "jobs": lambda s: {
        "name": s.draw(WORDS),
        "status": s.draw(st.sampled_from(["active", "active", "completed", "archived"])),
        **_job_place(s),
    },
    "chats": lambda s: {"subject": s.draw(WORDS), "status": s.draw(st.sampled_from(["open", "closed"]))},
    "invoices": lambda s: {
        "number": f"INV-{s.draw(st.integers(1, 99))}",
        "amount": s.draw(AMOUNTS),
        "currency": s.draw(st.sampled_from([None, None, "EUR"])),
        "issued_at": s.draw(TIMES),
        "due_date": s.draw(DAYS),
        "status": s.draw(st.sampled_from(["unpaid", "unpaid", "paid", "void"])),
    },
    "approvals": lambda s: {
        "document_name": s.draw(WORDS),
        "status": s.draw(st.sampled_from(["pending", "pending", "approved", "rejected"])),
        "requested_at": s.draw(TIMES),
    },
    "signatures": lambda s: {
        "document_name": s.draw(WORDS),
        "status": s.draw(st.sampled_from(["pending", "signed", "declined"])),
        "sent_at": s.draw(TIMES),
    },
    "organizers": lambda s: {
        "name": s.draw(WORDS),
        "status": s.draw(st.sampled_from(["sent", "in_progress", "completed"])),
        "sent_at": s.draw(TIMES),
    },
    "logins": lambda s: {
        "email": s.draw(st.sampled_from(LOGIN_ADDRESSES)),
        "at": s.draw(TIMES),
    },
    "notes": lambda s: {"title": s.draw(WORDS), "body": s.draw(TEXTS), "at": s.draw(TIMES)},
    "time_entries": lambda s: {
        "minutes": s.draw(st.sampled_from([15, 60, 90])),
        "date": s.draw(DAYS),
        "member_id": s.draw(st.sampled_from([None, *s.members])),
        "description": s.draw(TEXTS),
        "billable": s.draw(st.booleans()),
    },
    "proposals": lambda s: {
        "name": s.draw(WORDS),
        "kind": s.draw(st.sampled_from(["proposal", "engagement_letter"])),
        "status": s.draw(st.sampled_from(["draft", "draft", "sent", "viewed", "declined"])),
    },
}


def _change_document(s: Scenario, path: str, item: Item) -> None:
    if s.draw(st.booleans()):
        r = s.api.post(f"{path}/view")
        assert r.status == 200 and r.body["new"] is False, r.body
        s.seen(path, r.body)
    else:
        s.patch(path, {"name": s.draw(WORDS)})


def _change_job(s: Scenario, path: str, item: Item) -> None:
    how = s.draw(st.sampled_from(["status", "status", "stage", "move", "name"]))
    if how == "status":
        s.patch(path, {"status": s.draw(st.sampled_from(["active", "completed", "archived"]))})
    elif how == "stage":
        stages = s.pipelines[item["pipeline"]["id"]]
        s.patch(path, {"stage_id": s.draw(st.sampled_from([x["id"] for x in stages]))})
    elif how == "move":
        s.patch(path, _job_place(s))
    else:
        s.patch(path, {"name": s.draw(WORDS)})


def _change_chat(s: Scenario, path: str, item: Item) -> None:
    """Mostly a new message: the chat's last_at moves, so it becomes the most recently active."""
    how = s.draw(st.sampled_from(["message", "message", "status", "subject"]))
    if how == "message":
        body = s.draw(st.sampled_from(["Hello", "Please find the files attached. " * 5]))
        created(s.api, f"{path}/messages", {"body": body, "author": s.draw(st.sampled_from(["firm", "client"]))})
    elif how == "status":
        s.patch(path, {"status": s.draw(st.sampled_from(["open", "closed"]))})
    else:
        s.patch(path, {"subject": s.draw(WORDS)})


def _change_invoice(s: Scenario, path: str, item: Item) -> None:
    if item["status"] != "unpaid":
        s.patch(path, {"number": f"INV-{s.draw(st.integers(1, 99))}"})
        return
    how = s.draw(st.sampled_from(["paid", "void", "amount", "apply-credit"]))
    if how == "amount":
        s.patch(path, {"amount": s.draw(AMOUNTS)})
    elif how == "apply-credit":
        account = s.api.get(f"/accounts/{item['account_id']}").body
        covered = item["currency"] == account["currency"] and Decimal(item["amount_due"]) <= Decimal(
            account["credit_balance"]
        )
        r = s.api.post(f"{path}/apply-credit")
        assert r.status == (200 if covered else 409), (item, account["credit_balance"], r.body)
        if covered:
            s.seen(path, r.body)
    else:
        s.patch(path, {"status": how})


def _change_status(*statuses: str) -> Callable[[Scenario, str, Item], None]:
    def change(s: Scenario, path: str, item: Item) -> None:
        s.patch(path, {"status": s.draw(st.sampled_from(statuses))})

    return change


def _change_email(s: Scenario, path: str, item: Item) -> None:
    if item["direction"] == "outbound":
        s.patch(path, {"status": s.draw(st.sampled_from(["draft", "sent", "delivered", "opened", "bounced"]))})
    else:
        s.patch(path, {"subject": s.draw(WORDS)})


def _change_task(s: Scenario, path: str, item: Item) -> None:
    if s.draw(st.booleans()):
        s.patch(path, {"status": s.draw(st.sampled_from(["planned", "in_progress", "done"]))})
    else:
        s.patch(path, {"assignee_id": s.draw(st.sampled_from([None, *s.members])), "title": s.draw(WORDS)})


def _change_time_entry(s: Scenario, path: str, item: Item) -> None:
    s.patch(path, {"date": s.draw(DAYS.filter(bool)), "minutes": s.draw(st.sampled_from([15, 60, 90]))})


def _change_proposal(s: Scenario, path: str, item: Item) -> None:
    later = ["sent", "viewed", "declined"]  # "signed" comes from signing (test_portal)
    s.patch(path, {"status": s.draw(st.sampled_from(later if item["status"] != "draft" else ["draft", *later]))})


CHANGES: Final[dict[str, Callable[[Scenario, str, Item], None]]] = {
    "documents": _change_document,
    "tasks": _change_task,
    "emails": _change_email,
    "jobs": _change_job,
    "chats": _change_chat,
    "invoices": _change_invoice,
    "approvals": _change_status("pending", "approved", "rejected"),
    "signatures": _change_status("pending", "signed", "declined"),
    "organizers": _change_status("sent", "in_progress", "completed"),
    "notes": lambda s, path, item: s.patch(path, {"body": s.draw(TEXTS), "title": s.draw(WORDS)}),
    "time_entries": _change_time_entry,
    "proposals": _change_proposal,
}

# Every section in every run: each example mixes the sections of one group.
SECTION_GROUPS: Final = {
    "status-driven": ("tasks", "jobs", "approvals"),
    "sent-and-paid": ("invoices", "proposals", "documents"),
    "activity": ("chats", "notes", "time_entries"),
    "dated": ("emails", "signatures", "organizers", "logins"),
}


assert sorted(s for group in SECTION_GROUPS.values() for s in group) == sorted(SECTION_KEYS)


@pytest.mark.parametrize("sections", SECTION_GROUPS.values(), ids=SECTION_GROUPS.keys())
@settings(
    max_examples=int(os.environ.get("PROJECTION_EXAMPLES", "3")),
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_overview_equals_lists_whatever_the_delivery(
    moto_table: Table, http: Client, sections: tuple[str, ...], data: st.DataObject
) -> None:
    # GIVEN a fresh firm whose stream is read from here on
    scenario = Scenario(open_tenant(moto_table, http), data, sections)
    # WHEN a history is made while its records are delivered adversarially, then all are delivered
    scenario.run(data.draw(st.integers(6, 18), label="steps"))
    scenario.finish()
    # THEN every section of every account's overview is what its lists give
    scenario.check()
