"""The activity sections' rules (docs/api.md "Activity sections"): broken rules are 422 and write
nothing, changes keep derived fields right, and an invoice's currency is an ISO 4217 code.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture); ``env`` is conftest.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.domain.ids import new_id
from chalicelib.repo.table import Table
from tests.support.api import make_firm, nothing_written
from tests.support.factories import create_account, created
from tests.support.problems import assert_problem
from tests.support.section_specs import SPECS, job_body
from tests.support.sections import STAMP, Body, Env, new_pipeline

# --- broken rules: 422, nothing written ---------------------------------------------------------


@dataclass(frozen=True)
class RuleCase:
    section: str
    body: Callable[[Env], Body]  # the create body (itself refused when ``change`` is None)
    change: Callable[[Env], Body] | None
    field: str


def _other_pipeline_stage(env: Env) -> str:
    other = new_pipeline(env.api, "Payroll", ["Collect", "Run"])
    stage_id: str = other["stages"][0]["id"]
    return stage_id


def _document_of_another_account(env: Env) -> str:
    other = create_account(env.api, "Other Ltd")
    doc = created(env.api, env.path("documents", account_id=other["id"]), {"name": "x.pdf", "uploaded_by": "client"})
    doc_id: str = doc["id"]
    return doc_id


def _a_task(env: Env) -> str:
    task_id: str = created(env.api, env.path("tasks"), {"title": "Not a document"})["id"]
    return task_id


def _member_of_another_firm(env: Env) -> str:
    return make_firm(env.firm.table).owner_id


def _invoice(status: str = "unpaid") -> Callable[[Env], Body]:
    return lambda e: {"number": "INV-1", "amount": "5.00", "status": status}


RULES: dict[str, RuleCase] = {
    "inbound email with status sent": RuleCase(
        "emails", lambda e: {"subject": "Hi", "direction": "inbound", "status": "sent"}, None, "status"
    ),
    "outbound email with status received": RuleCase(
        "emails", lambda e: {"subject": "Hi", "direction": "outbound", "status": "received"}, None, "status"
    ),
    "inbound email changed to delivered": RuleCase(
        "emails", lambda e: {"subject": "Hi", "direction": "inbound"}, lambda e: {"status": "delivered"}, "status"
    ),
    "task assigned to an unknown member": RuleCase(
        "tasks", lambda e: {"title": "T", "assignee_id": new_id()}, None, "assignee_id"
    ),
    "task assigned to another firm's member": RuleCase(
        "tasks", lambda e: {"title": "T"}, lambda e: {"assignee_id": _member_of_another_firm(e)}, "assignee_id"
    ),
    "time entry of an unknown member": RuleCase(
        "time_entries", lambda e: {"minutes": 5, "member_id": new_id()}, None, "member_id"
    ),
    "time entry changed to an unknown member": RuleCase(
        "time_entries", lambda e: {"minutes": 5}, lambda e: {"member_id": new_id()}, "member_id"
    ),
    "job assigned to an unknown member": RuleCase(
        "jobs", lambda e: {**job_body(e), "assignee_id": new_id()}, None, "assignee_id"
    ),
    "job in an unknown pipeline": RuleCase(
        "jobs", lambda e: {**job_body(e), "pipeline_id": new_id()}, None, "pipeline_id"
    ),
    "job with a stage of another pipeline": RuleCase(
        "jobs", lambda e: {**job_body(e), "stage_id": _other_pipeline_stage(e)}, None, "stage_id"
    ),
    "job moved to a stage of another pipeline": RuleCase(
        "jobs", job_body, lambda e: {"stage_id": _other_pipeline_stage(e)}, "stage_id"
    ),
    "job moved to an unknown pipeline": RuleCase(
        "jobs", job_body, lambda e: {"pipeline_id": new_id(), "stage_id": e.stage(1)}, "pipeline_id"
    ),
    "job moved to another pipeline without a stage": RuleCase(
        "jobs", job_body, lambda e: {"pipeline_id": new_pipeline(e.api, "Payroll", ["Run"])["id"]}, "stage_id"
    ),
    "invoice of zero": RuleCase("invoices", lambda e: {"number": "1", "amount": "0.00"}, None, "amount"),
    "invoice changed to zero": RuleCase("invoices", _invoice(), lambda e: {"amount": "0"}, "amount"),
    "paid invoice changed to unpaid": RuleCase("invoices", _invoice("paid"), lambda e: {"status": "unpaid"}, "status"),
    "paid invoice voided": RuleCase("invoices", _invoice("paid"), lambda e: {"status": "void"}, "status"),
    "void invoice paid": RuleCase("invoices", _invoice("void"), lambda e: {"status": "paid"}, "status"),
    "paid invoice's amount changed": RuleCase("invoices", _invoice("paid"), lambda e: {"amount": "6"}, "amount"),
    "sent proposal back to draft": RuleCase(
        "proposals",
        lambda e: {"name": "P", "kind": "proposal", "status": "sent"},
        lambda e: {"status": "draft"},
        "status",
    ),
    "declined proposal back to draft": RuleCase(
        "proposals",
        lambda e: {"name": "P", "kind": "proposal", "status": "declined"},
        lambda e: {"status": "draft"},
        "status",
    ),
    "proposal created as signed": RuleCase(
        "proposals", lambda e: {"name": "P", "kind": "proposal", "status": "signed"}, None, "status"
    ),
    "proposal marked signed by the firm": RuleCase(
        "proposals",
        lambda e: {"name": "P", "kind": "proposal", "status": "sent"},
        lambda e: {"status": "signed"},
        "status",
    ),
    "login of an address without portal access": RuleCase(
        "logins", lambda e: {"email": "anna@client.example"}, None, "email"
    ),
    "login of an address of no contact of the account": RuleCase(
        "logins", lambda e: {"email": "stranger@client.example"}, None, "email"
    ),
    "approval of an unknown document": RuleCase(
        "approvals", lambda e: {"document_name": "D", "document_id": new_id()}, None, "document_id"
    ),
    "approval of another account's document": RuleCase(
        "approvals",
        lambda e: {"document_name": "D", "document_id": _document_of_another_account(e)},
        None,
        "document_id",
    ),
    "approval of a task, not a document": RuleCase(
        "approvals", lambda e: {"document_name": "D", "document_id": _a_task(e)}, None, "document_id"
    ),
}


def test_broken_rules_are_422_and_write_nothing(env: Env, table: Table) -> None:
    creates = [(case, rule, rule.body(env)) for case, rule in RULES.items() if rule.change is None]
    changes = [
        (case, rule, created(env.api, env.path(rule.section), rule.body(env)), rule.change(env))
        for case, rule in RULES.items()
        if rule.change is not None
    ]
    with nothing_written(table):
        for case, rule, body in creates:
            r = env.api.post(env.path(rule.section), body)
            assert r.status == 422, (case, r.status, r.body)
            assert_problem(r, 422, loc=("body", rule.field))
        for case, rule, item, change in changes:
            r = env.api.patch(env.path(rule.section, item["id"]), change)
            assert r.status == 422, (case, r.status, r.body)
            assert_problem(r, 422, loc=("body", rule.field))
    for case, rule, item, _ in changes:
        assert env.api.get(env.path(rule.section, item["id"])).body == item, case


def test_changes_keep_derived_fields_right(env: Env) -> None:
    api = env.api
    # a null clears a nullable field
    task = created(api, env.path("tasks"), SPECS["tasks"].create(env))
    r = api.patch(env.path("tasks", task["id"]), {"assignee_id": None, "due_date": None})
    assert r.status == 200, r.body
    assert (r.body["assignee"], r.body["due_date"], r.body["title"]) == (None, None, task["title"])
    # a paid invoice may be renumbered and keeps its payment
    paid = created(api, env.path("invoices"), {"number": "1", "amount": "5.00", "status": "paid"})
    assert (paid["amount_due"], paid["paid_with_credit"]) == ("0.00", False)
    assert STAMP.match(paid["paid_at"])
    r = api.patch(env.path("invoices", paid["id"]), {"number": "1A", "status": "paid", "amount": "5"})
    assert r.status == 200, r.body
    assert (r.body["number"], r.body["status"], r.body["amount"], r.body["version"]) == ("1A", "paid", "5.00", 2)
    assert (r.body["paid_at"], r.body["amount_due"]) == (paid["paid_at"], "0.00")
    # an unpaid invoice paid by a change
    unpaid = created(api, env.path("invoices"), {"number": "9", "amount": "40"})
    r = api.patch(env.path("invoices", unpaid["id"]), {"status": "paid"})
    assert r.status == 200, r.body
    assert (r.body["status"], r.body["amount_due"], r.body["amount"]) == ("paid", "0.00", "40.00")
    assert STAMP.match(r.body["paid_at"]) and r.body["paid_with_credit"] is False
    # a draft proposal gets its sent_at when sent
    draft = created(api, env.path("proposals"), {"name": "P", "kind": "proposal"})
    r = api.patch(env.path("proposals", draft["id"]), {"status": "sent"})
    assert r.status == 200, r.body
    assert STAMP.match(r.body["sent_at"]) and r.body["sent_at"] >= draft["created_at"]
    # a decided approval reopened loses its decision time
    approval = created(api, env.path("approvals"), {"document_name": "D", "status": "rejected"})
    assert STAMP.match(approval["decided_at"])
    r = api.patch(env.path("approvals", approval["id"]), {"status": "pending"})
    assert r.status == 200, r.body
    assert r.body["decided_at"] is None
    # a change that changes nothing keeps the version
    note = created(api, env.path("notes"), {"title": "Same"})
    r = api.patch(env.path("notes", note["id"]), {"title": "Same"})
    assert (r.status, r.body, r.etag) == (200, note, '"1"')


def test_invoice_currency_is_an_iso_4217_code_and_the_accounts(env: Env, table: Table) -> None:
    # issue 18: an invoice is in its account's currency (given or not); another known code is a conflict
    assert (
        created(env.api, env.path("invoices"), {"number": "1", "amount": "5", "currency": "USD"})["currency"] == "USD"
    )
    with nothing_written(table):
        for code in ("EUR", "GBP", "JPY"):
            r = env.api.post(env.path("invoices"), {"number": code, "amount": "5", "currency": code})
            assert assert_problem(r, 409, loc=("body", "currency"))["code"] == "currency_mismatch"
        for code in ("ABC", "QQQ", "ZZZ"):
            r = env.api.post(env.path("invoices"), {"number": code, "amount": "5", "currency": code})
            assert_problem(r, 400, loc=("body", "currency"))
