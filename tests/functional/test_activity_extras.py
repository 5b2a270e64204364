"""The activity routes beyond plain items (docs/api.md "Activity sections"): a
document's New label, chat messages, the credit ledger, paying an invoice from
credit, and job pipelines.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.domain.ids import new_id
from chalicelib.repo import keys
from chalicelib.repo.table import Table, to_wire
from tests.support.api import Api, Reply, TestFirm, ids, make_firm, nothing_written, snapshot
from tests.support.factories import create_account, created
from tests.support.problems import assert_problem

Body = dict[str, Any]
OWNER_NAME = "Olivia Owner"
MEMBER_NAME = "Erin Employee"
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@dataclass
class Env:
    """The owner, an employee (no rights) on the team of one account, and the account."""

    api: Api
    client: Client
    firm: TestFirm
    account_id: str
    member_id: str
    teammate: Api

    def path(self, *parts: str, account_id: str | None = None) -> str:
        return "/".join((f"/accounts/{account_id or self.account_id}", *parts))

    def as_new_member(self, role: str = "employee", *, view_all: bool = False, manage: bool = False) -> Api:
        return Api(self.client, self.firm.add_member(role, view_all=view_all, manage=manage)[1])

    def balance(self) -> str:
        r = self.api.get(self.path("credits"))
        assert r.status == 200, r.body
        info = self.api.get(self.path())
        assert info.body["credit_balance"] == r.body["credit_balance"]
        balance: str = r.body["credit_balance"]
        return balance


@pytest.fixture
def env(api: Api, client: Client, firm: TestFirm) -> Env:
    member_id, token = firm.add_member(name=MEMBER_NAME)
    account = create_account(api, "Acme Ltd", team=[member_id])
    return Env(api, client, firm, account["id"], member_id, Api(client, token))


def ok(reply: Reply, status: int = 200) -> Body:
    assert reply.status == status, (reply.status, reply.body)
    body: Body = reply.body
    return body


def tampered(cursor: str) -> str:
    payload, mac = cursor.rsplit(".", 1)
    return f"{payload}.{'0' * len(mac)}"


# --- documents: the New label ------------------------------------------------------------------


def test_client_document_is_new_until_a_member_opens_it(env: Env, table: Table) -> None:
    doc = created(env.api, env.path("documents"), {"name": "W-2.pdf", "uploaded_by": "client"})
    assert (doc["new"], doc["viewed_at"], doc["viewed_by"]) == (True, None, None)
    view = env.path("documents", doc["id"], "view")

    first = env.teammate.post(view)

    seen = ok(first)
    assert first.etag == '"2"'
    assert seen["new"] is False
    assert seen["viewed_by"] == {"id": env.member_id, "name": MEMBER_NAME}
    assert STAMP.match(seen["viewed_at"]) and seen["viewed_at"] >= doc["created_at"]
    assert seen["version"] == 2
    assert (seen["opened_by"], seen["opened_at"]) == (seen["viewed_by"], seen["viewed_at"])
    changed = ("new", "viewed_at", "viewed_by", "opened_at", "opened_by", "version", "updated_at")
    assert {k: v for k, v in seen.items() if k not in changed} == {k: v for k, v in doc.items() if k not in changed}
    assert ok(env.api.get(env.path("documents", doc["id"]))) == seen
    assert ok(env.api.get(env.path("documents")))["items"] == [seen]

    # Opening it again, as someone else, keeps the first viewer.
    again = env.api.post(view)
    assert ok(again) == seen
    assert ok(env.api.get(env.path("documents", doc["id"]))) == seen
    assert again.etag == '"2"'


def test_view_of_what_is_not_a_visible_document_is_404(env: Env, table: Table) -> None:
    doc = created(env.api, env.path("documents"), {"name": "Scan.pdf", "uploaded_by": "client"})
    task = created(env.api, env.path("tasks"), {"title": "Not a document"})
    other = create_account(env.api, "Other Ltd")["id"]
    outsider = env.as_new_member(manage=True)
    with nothing_written(table):
        assert_problem(env.api.post(env.path("documents", new_id(), "view")), 404)
        assert_problem(env.api.post(env.path("documents", task["id"], "view")), 404)
        assert_problem(env.api.post(env.path("documents", doc["id"], "view", account_id=other)), 404)
        assert_problem(outsider.post(env.path("documents", doc["id"], "view")), 404)
    assert ok(env.api.get(env.path("documents", doc["id"])))["new"] is True


def test_firm_uploaded_document_is_never_new(env: Env, table: Table) -> None:
    doc = created(
        env.api,
        env.path("documents"),
        {"name": "Engagement.pdf", "uploaded_by": "firm", "uploaded_at": "2026-02-01T08:00:00Z"},
    )
    assert doc["new"] is False
    assert doc["viewed_by"] == {"id": env.firm.owner_id, "name": OWNER_NAME}
    assert doc["viewed_at"] == "2026-02-01T08:00:00Z"

    with nothing_written(table):
        viewed = env.teammate.post(env.path("documents", doc["id"], "view"))
    assert ok(viewed) == doc
    renamed = ok(env.api.patch(env.path("documents", doc["id"]), {"name": "Engagement (signed).pdf"}))
    assert renamed["new"] is False


# --- chats: messages -----------------------------------------------------------------------------


def test_messages_are_added_and_the_chat_follows(env: Env) -> None:
    chat = created(env.api, env.path("chats"), {"subject": "Your refund"})
    assert (chat["message_count"], chat["last_message"], chat["last_author"]) == (0, None, None)
    assert chat["last_at"] == chat["created_at"]
    messages = env.path("chats", chat["id"], "messages")

    r = env.api.post(messages, {"body": "  When will my refund arrive?  ", "author": "client"})

    from_client = ok(r, 201)
    assert r.headers["location"].startswith(messages)
    assert set(from_client) == {"id", "chat_id", "body", "author", "member", "contact_id", "at"}
    assert (from_client["chat_id"], from_client["contact_id"]) == (chat["id"], None)  # no contact named
    assert (from_client["body"], from_client["author"], from_client["member"]) == (
        "When will my refund arrive?",
        "client",
        None,
    )
    assert STAMP.match(from_client["at"])

    long_answer = "Within three weeks. " * 10
    from_firm = ok(env.teammate.post(messages, {"body": long_answer, "author": "firm"}), 201)
    assert from_firm["member"] == {"id": env.member_id, "name": MEMBER_NAME}
    assert from_firm["body"] == long_answer.strip()

    after = ok(env.api.get(env.path("chats", chat["id"])))
    assert after["message_count"] == 2
    assert after["last_author"] == "firm"
    assert after["last_at"] == from_firm["at"]
    assert after["last_message"] is not None
    assert len(after["last_message"]) == 100 and after["last_message"].endswith("…")
    assert long_answer.strip().startswith(after["last_message"][:-1])
    assert after["version"] == 3
    assert (after["subject"], after["status"]) == ("Your refund", "open")

    short = ok(env.api.post(messages, {"body": "Thanks!", "author": "client"}), 201)
    latest = ok(env.api.get(env.path("chats", chat["id"])))
    assert (latest["last_message"], latest["last_author"], latest["message_count"]) == ("Thanks!", "client", 3)

    # newest first, paged
    listed = ok(env.api.get(messages))
    assert listed["items"] == [short, from_firm, from_client]
    assert listed["next_cursor"] is None
    page = ok(env.api.get(messages + "?limit=2"))
    assert ids(page["items"]) == [short["id"], from_firm["id"]]
    rest = ok(env.api.get(messages + f"?limit=2&cursor={page['next_cursor']}"))
    assert (ids(rest["items"]), rest["next_cursor"]) == ([from_client["id"]], None)
    assert_problem(env.api.get(messages + f"?limit=2&cursor={tampered(page['next_cursor'])}"), 400)
    other_chat = created(env.api, env.path("chats"), {"subject": "Other"})
    other_messages = env.path("chats", other_chat["id"], "messages")
    assert ok(env.api.get(other_messages)) == {"items": [], "next_cursor": None}
    assert_problem(env.api.get(other_messages + f"?cursor={page['next_cursor']}"), 400, loc=("query", "cursor"))
    assert_problem(env.api.get(messages + "?limit=0"), 400, loc=("query", "limit"))

    # the most recently active chat is listed first
    ok(env.api.post(other_messages, {"body": "Ping", "author": "client"}), 201)
    ok(env.api.post(messages, {"body": "Pong", "author": "firm"}), 201)
    chats = ok(env.api.get(env.path("chats")))["items"]
    assert set(ids(chats)) == {chat["id"], other_chat["id"]}
    assert chats == sorted(chats, key=lambda c: (c["last_at"], c["id"]), reverse=True)
    assert {c["id"]: c["last_message"] for c in chats} == {chat["id"]: "Pong", other_chat["id"]: "Ping"}


BAD_MESSAGES: list[tuple[Body, str]] = [
    ({"body": "", "author": "client"}, "body"),
    ({"body": "   \n ", "author": "client"}, "body"),
    ({"body": "x" * 5001, "author": "client"}, "body"),
    ({"body": 42, "author": "client"}, "body"),
    ({"body": "Hi", "author": "bot"}, "author"),
    ({"body": "Hi", "author": None}, "author"),
    ({"body": "Hi"}, "author"),
    ({"author": "firm"}, "body"),
    ({"body": "Hi", "author": "firm", "member_id": "01ABC"}, "member_id"),
]


def test_bad_message_is_400_and_writes_nothing(env: Env, table: Table) -> None:
    chat = created(env.api, env.path("chats"), {"subject": "Quiet"})
    messages = env.path("chats", chat["id"], "messages")
    with nothing_written(table):
        for body, field in BAD_MESSAGES:
            assert_problem(env.api.post(messages, body), 400, loc=("body", field))
        for raw in ('{"body": "Hi", ', "", "[]"):
            assert_problem(env.api.post(messages, raw=raw), 400, loc=("body",))
    assert ok(env.api.get(messages))["items"] == []
    assert ok(env.api.get(env.path("chats", chat["id"]))) == chat


def test_message_retried_with_the_same_idempotency_key_is_added_once(env: Env) -> None:
    chat = created(env.api, env.path("chats"), {"subject": "Flaky network"})
    messages = env.path("chats", chat["id"], "messages")
    key = {"Idempotency-Key": f"message-{new_id()}"}
    first = ok(env.api.post(messages, {"body": "Hello?", "author": "client"}, headers=key), 201)

    retry = env.api.post(messages, {"body": "Hello?", "author": "client"}, headers=key)

    assert ok(retry, 201) == first
    assert ids(ok(env.api.get(messages))["items"]) == [first["id"]]
    assert ok(env.api.get(env.path("chats", chat["id"])))["message_count"] == 1


def test_messages_need_a_visible_chat_on_an_active_account(env: Env, table: Table) -> None:
    chat = created(env.api, env.path("chats"), {"subject": "Private"})
    note = created(env.api, env.path("notes"), {"title": "Not a chat"})
    other = create_account(env.api, "Other Ltd")["id"]
    outsider = env.as_new_member()
    message = {"body": "Hello", "author": "firm"}
    with nothing_written(table):
        for path in (
            env.path("chats", new_id(), "messages"),
            env.path("chats", note["id"], "messages"),
            env.path("chats", chat["id"], "messages", account_id=other),
        ):
            assert_problem(env.api.get(path), 404)
            assert_problem(env.api.post(path, message), 404)
        assert_problem(outsider.get(env.path("chats", chat["id"], "messages")), 404)
        assert_problem(outsider.post(env.path("chats", chat["id"], "messages"), message), 404)
    assert ok(env.api.get(env.path("chats", chat["id"]))) == chat


# --- credit -----------------------------------------------------------------------------------------


def test_credit_is_added_listed_and_read(env: Env) -> None:
    empty = ok(env.api.get(env.path("credits")))
    assert empty == {"items": [], "next_cursor": None, "credit_balance": "0.00", "currency": "USD"}

    r = env.api.post(env.path("credits"), {"amount": "100", "note": "  Retainer  "})

    first = ok(r, 201)
    assert r.headers["location"] == env.path("credits", first["id"])
    assert first == {
        "id": first["id"],
        "kind": "credit",
        "amount": "100.00",
        "currency": "USD",
        "note": "Retainer",
        "invoice_id": None,
        "created_at": first["created_at"],
        "created_by": {"id": env.firm.owner_id, "name": OWNER_NAME},
    }
    assert STAMP.match(first["created_at"])
    assert ok(env.api.get(r.headers["location"])) == first
    second = ok(env.api.post(env.path("credits"), {"amount": "25.5"}), 201)
    assert (second["amount"], second["note"]) == ("25.50", "")

    listed = ok(env.api.get(env.path("credits")))
    assert listed["items"] == [second, first]
    assert (listed["credit_balance"], listed["currency"], listed["next_cursor"]) == ("125.50", "USD", None)
    assert env.balance() == "125.50"
    page = ok(env.api.get(env.path("credits") + "?limit=1"))
    assert ids(page["items"]) == [second["id"]]
    rest = ok(env.api.get(env.path("credits") + f"?limit=1&cursor={page['next_cursor']}"))
    assert (ids(rest["items"]), rest["next_cursor"]) == ([first["id"]], None)
    assert_problem(env.api.get(env.path("credits") + f"?cursor={tampered(page['next_cursor'])}"), 400)
    assert_problem(env.api.get(env.path("notes") + f"?cursor={page['next_cursor']}"), 400, loc=("query", "cursor"))


# A zero amount is well-formed but breaks a rule (422); a negative one may be read either way.
BAD_CREDITS: list[tuple[Body, set[int], str]] = [
    ({"amount": "0"}, {422}, "amount"),
    ({"amount": "0.00"}, {422}, "amount"),
    ({"amount": "-5"}, {400, 422}, "amount"),
    ({"amount": "-0.01"}, {400, 422}, "amount"),
    ({"amount": "1.234"}, {400}, "amount"),
    ({"amount": 5}, {400}, "amount"),
    ({"amount": ""}, {400}, "amount"),
    ({"amount": "ten"}, {400}, "amount"),
    ({"amount": "1234567890"}, {400}, "amount"),
    ({"note": "no amount"}, {400}, "amount"),
    ({"amount": "5", "kind": "applied"}, {400}, "kind"),
    ({"amount": "5", "note": "n" * 501}, {400}, "note"),
    ({"amount": "5", "note": None}, {400}, "note"),
]


def test_bad_credit_is_refused_and_writes_nothing(env: Env, table: Table) -> None:
    ok(env.api.post(env.path("credits"), {"amount": "10"}), 201)
    with nothing_written(table):
        for body, statuses, field in BAD_CREDITS:
            r = env.api.post(env.path("credits"), body)
            assert r.status in statuses, (body, r.status, r.body)
            assert_problem(r, r.status, loc=("body", field))
        assert_problem(env.api.post(env.path("credits"), raw="{"), 400, loc=("body",))
    assert env.balance() == "10.00"


def test_credit_needs_the_manage_right_on_a_visible_account(env: Env, table: Table) -> None:
    entry = ok(env.api.post(env.path("credits"), {"amount": "10"}), 201)
    invoice = created(env.api, env.path("invoices"), {"number": "1", "amount": "5"})
    outsider = env.as_new_member(manage=True)
    other = create_account(env.api, "Other Ltd")["id"]
    with nothing_written(table):
        # on the team but without "manage accounts": may read, may not add or spend
        assert ok(env.teammate.get(env.path("credits")))["items"] == [entry]
        assert ok(env.teammate.get(env.path("credits", entry["id"]))) == entry
        assert_problem(env.teammate.post(env.path("credits"), {"amount": "5"}), 403)
        assert_problem(env.teammate.post(env.path("invoices", invoice["id"], "apply-credit")), 403)
        # not on the team: the account does not exist for them
        assert_problem(outsider.get(env.path("credits")), 404)
        assert_problem(outsider.get(env.path("credits", entry["id"])), 404)
        assert_problem(outsider.post(env.path("credits"), {"amount": "5"}), 404)
        assert_problem(outsider.post(env.path("invoices", invoice["id"], "apply-credit")), 404)
        # unknown entries, and an entry under another account
        assert_problem(env.api.get(env.path("credits", new_id())), 404)
        assert_problem(env.api.get(env.path("credits", entry["id"], account_id=other)), 404)
        assert_problem(env.api.post(env.path("credits", account_id=new_id()), {"amount": "5"}), 404)
    # a manager on the team may
    manager_id, manager_token = env.firm.add_member(manage=True)
    ok(env.api.patch(env.path(), {"team_member_ids": [env.member_id, manager_id]}))
    ok(Api(env.client, manager_token).post(env.path("credits"), {"amount": "5"}), 201)
    assert env.balance() == "15.00"


def test_idempotent_credit_is_added_once(env: Env, table: Table) -> None:
    key = {"Idempotency-Key": f"credit-{new_id()}"}
    first = ok(env.api.post(env.path("credits"), {"amount": "40", "note": "Deposit"}, headers=key), 201)
    after_first = snapshot(table)

    retry = env.api.post(env.path("credits"), {"amount": "40", "note": "Deposit"}, headers=key)

    assert ok(retry, 201) == first
    assert retry.headers["location"] == env.path("credits", first["id"])
    assert snapshot(table) == after_first
    assert env.balance() == "40.00"
    assert ids(ok(env.api.get(env.path("credits")))["items"]) == [first["id"]]
    with nothing_written(table):
        assert_problem(env.api.post(env.path("credits"), {"amount": "41", "note": "Deposit"}, headers=key), 422)
    assert env.balance() == "40.00"


def test_archived_account_refuses_messages_credit_and_payments(env: Env, table: Table) -> None:
    ok(env.api.post(env.path("credits"), {"amount": "50"}), 201)
    invoice = created(env.api, env.path("invoices"), {"number": "1", "amount": "5"})
    chat = created(env.api, env.path("chats"), {"subject": "Old"})
    assert env.api.delete(f"/accounts/{env.account_id}").status == 204
    with nothing_written(table):
        assert_problem(env.api.post(env.path("credits"), {"amount": "5"}), 409)
        assert_problem(env.api.post(env.path("invoices", invoice["id"], "apply-credit")), 409)
        assert_problem(env.api.post(env.path("chats", chat["id"], "messages"), {"body": "Hi", "author": "firm"}), 409)
    assert ok(env.api.get(env.path("credits")))["credit_balance"] == "50.00"
    assert ok(env.api.get(env.path("chats", chat["id"], "messages")))["items"] == []
    assert ok(env.api.get(env.path("invoices", invoice["id"]))) == invoice


# --- paying an invoice from credit ----------------------------------------------------------------


def test_apply_credit_pays_the_invoice_in_full(env: Env) -> None:
    ok(env.api.post(env.path("credits"), {"amount": "200"}), 201)
    invoice = created(env.api, env.path("invoices"), {"number": "INV-1", "amount": "120.50"})
    assert invoice["payable_with_credit"] is True

    r = env.api.post(env.path("invoices", invoice["id"], "apply-credit"))

    paid = ok(r)
    assert r.etag == '"2"'
    assert (paid["status"], paid["amount"], paid["amount_due"]) == ("paid", "120.50", "0.00")
    assert (paid["paid_with_credit"], paid["payable_with_credit"], paid["version"]) == (True, False, 2)
    assert STAMP.match(paid["paid_at"])
    assert ok(env.api.get(env.path("invoices", invoice["id"]))) == paid
    assert env.balance() == "79.50"
    ledger = ok(env.api.get(env.path("credits")))["items"]
    assert [(e["kind"], e["amount"], e["invoice_id"]) for e in ledger] == [
        ("applied", "120.50", invoice["id"]),
        ("credit", "200.00", None),
    ]
    assert ids(ok(env.api.get(env.path("invoices") + "?status=paid"))["items"]) == [invoice["id"]]
    assert ok(env.api.get(env.path("invoices") + "?status=unpaid"))["items"] == []

    # credit that exactly covers an invoice pays it and leaves nothing
    exact = created(env.api, env.path("invoices"), {"number": "INV-2", "amount": "79.5"})
    assert exact["payable_with_credit"] is True
    assert ok(env.api.post(env.path("invoices", exact["id"], "apply-credit")))["amount_due"] == "0.00"
    assert env.balance() == "0.00"


def _legacy_invoice_in(env: Env, table: Table, currency: str, body: dict[str, Any]) -> dict[str, Any]:
    """An invoice in another currency than its account's, as stored before an invoice had to be in the
    account's currency (issue 18: new ones are refused, 409 currency_mismatch)."""
    invoice = created(env.api, env.path("invoices"), body)
    key = keys.item(env.firm.firm_id, env.account_id, "invoices", invoice["id"])
    table.client.update_item(
        TableName=table.name,
        Key=to_wire(key.as_dict()),
        UpdateExpression="SET currency = :c",
        ExpressionAttributeValues={":c": {"S": currency}},
    )
    return ok(env.api.get(env.path("invoices", invoice["id"])))


def test_apply_credit_to_an_invoice_it_cannot_pay_is_409_and_writes_nothing(env: Env, table: Table) -> None:
    ok(env.api.post(env.path("credits"), {"amount": "100"}), 201)
    cannot = {
        "too large": created(env.api, env.path("invoices"), {"number": "3", "amount": "100.01"}),
        "already paid": created(env.api, env.path("invoices"), {"number": "4", "amount": "10", "status": "paid"}),
        "void": created(env.api, env.path("invoices"), {"number": "5", "amount": "10", "status": "void"}),
        "another currency": _legacy_invoice_in(env, table, "EUR", {"number": "6", "amount": "10"}),
    }
    paid_by_credit = created(env.api, env.path("invoices"), {"number": "7", "amount": "30"})
    paid_by_credit = ok(env.api.post(env.path("invoices", paid_by_credit["id"], "apply-credit")))
    cannot["paid from credit before"] = paid_by_credit
    task = created(env.api, env.path("tasks"), {"title": "Not an invoice"})

    with nothing_written(table):
        for case, invoice in cannot.items():
            assert invoice["payable_with_credit"] is False, case
            r = env.api.post(env.path("invoices", invoice["id"], "apply-credit"))
            assert r.status == 409, (case, r.status, r.body)
            assert_problem(r, 409)
        assert_problem(env.api.post(env.path("invoices", new_id(), "apply-credit")), 404)
        assert_problem(env.api.post(env.path("invoices", task["id"], "apply-credit")), 404)
        assert_problem(env.api.patch(env.path("invoices", paid_by_credit["id"]), {"status": "unpaid"}), 422)

    for invoice in cannot.values():
        assert ok(env.api.get(env.path("invoices", invoice["id"]))) == invoice
    assert env.balance() == "70.00"


# --- pipelines ------------------------------------------------------------------------------------


def new_pipeline(api: Api, name: str, stages: list[str]) -> Reply:
    return api.post("/pipelines", {"name": name, "stages": [{"name": s} for s in stages]})


def test_pipeline_is_created_listed_and_read(api: Api) -> None:
    r = new_pipeline(api, "  Tax returns ", ["Intake", "Review", "Filed"])

    pipeline = ok(r, 201)
    assert r.headers["location"] == f"/pipelines/{pipeline['id']}"
    assert r.etag == '"1"'
    assert set(pipeline) == {"id", "name", "stages", "created_at", "updated_at", "version"}
    assert (pipeline["name"], pipeline["version"]) == ("Tax returns", 1)
    assert [s["name"] for s in pipeline["stages"]] == ["Intake", "Review", "Filed"]
    assert len({s["id"] for s in pipeline["stages"]}) == 3
    got = api.get(r.headers["location"])
    assert (ok(got), got.etag) == (pipeline, '"1"')

    payroll = ok(new_pipeline(api, "Payroll", ["Collect"]), 201)
    listed = ok(api.get("/pipelines"))
    assert ids(listed["items"]) == [pipeline["id"], payroll["id"]]
    assert listed["items"][0] == pipeline
    walked: list[Body] = []
    cursor: str | None = None
    for _ in range(4):
        page = ok(api.get("/pipelines?limit=1" + (f"&cursor={cursor}" if cursor else "")))
        assert len(page["items"]) <= 1
        walked += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert ids(walked) == [pipeline["id"], payroll["id"]]


def test_last_page_of_pipelines_has_no_next_cursor(api: Api) -> None:
    first = ok(new_pipeline(api, "Tax", ["Intake"]), 201)
    second = ok(new_pipeline(api, "Payroll", ["Collect"]), 201)

    page = ok(api.get("/pipelines?limit=2"))

    assert ids(page["items"]) == [first["id"], second["id"]]
    assert page["next_cursor"] is None


def test_pipeline_is_renamed_and_its_stages_renamed_reordered_and_added(api: Api, table: Table) -> None:
    pipeline = ok(new_pipeline(api, "Tax", ["Intake", "Review"]), 201)
    intake, review = pipeline["stages"]
    path = f"/pipelines/{pipeline['id']}"

    renamed = api.patch(path, {"name": "Tax returns"}, headers={"If-Match": '"1"'})
    assert (ok(renamed)["name"], renamed.etag, renamed.body["stages"]) == ("Tax returns", '"2"', pipeline["stages"])

    stages = [{"id": review["id"], "name": "Partner review"}, {"name": "Filed"}, {"id": intake["id"], "name": "Intake"}]
    changed = ok(api.patch(path, {"stages": stages}, headers={"If-Match": '"2"'}))

    assert changed["version"] == 3
    assert [s["name"] for s in changed["stages"]] == ["Partner review", "Filed", "Intake"]
    assert changed["stages"][0]["id"] == review["id"]
    assert changed["stages"][2]["id"] == intake["id"]
    assert changed["stages"][1]["id"] not in (intake["id"], review["id"])
    assert ok(api.get(path)) == changed
    # the same stages again change nothing
    same = [{"id": s["id"], "name": s["name"]} for s in changed["stages"]]
    assert ok(api.patch(path, {"stages": same}))["version"] == 3

    with nothing_written(table):
        assert_problem(api.patch(path, {"name": "Stale"}, headers={"If-Match": '"2"'}), 412)
        assert_problem(api.patch(path, {"stages": same[:2]}), 422, loc=("body", "stages"))
        assert_problem(api.patch(path, {"stages": [*same[:2], {"name": "Instead"}]}), 422, loc=("body", "stages"))
        assert_problem(api.patch(path, {"stages": [*same, {"id": new_id(), "name": "X"}]}), 422, field="stages")
        assert_problem(api.patch(path, {"stages": [*same, same[0]]}), 422, field="stages")
        assert_problem(api.patch(path, {"stages": []}), 400, field="stages")
        assert_problem(api.patch(path, {"stages": None}), 400, field="stages")
        assert_problem(api.patch(path, {"name": None}), 400, field="name")
        assert_problem(api.patch(path, {"name": ""}), 400, field="name")
        assert_problem(api.patch(path, {"color": "red"}), 400, field="color")
        assert_problem(api.patch(path, raw="{"), 400, loc=("body",))
    assert ok(api.get(path)) == changed


BAD_PIPELINES: list[tuple[Body, int]] = [
    ({"name": "P", "stages": []}, 400),
    ({"name": "P"}, 400),
    ({"stages": [{"name": "S"}]}, 400),
    ({"name": "", "stages": [{"name": "S"}]}, 400),
    ({"name": "P", "stages": ["S"]}, 400),
    ({"name": "P", "stages": [{"name": ""}]}, 400),
    ({"name": "P", "stages": [{"name": "S", "color": "red"}]}, 400),
    ({"name": "P", "stages": [{"name": "S"}], "archived": False}, 400),
    ({"name": "P", "stages": [{"name": f"S{i}"} for i in range(31)]}, 400),
    ({"name": "P", "stages": [{"name": "s" * 101}]}, 400),
    ({"name": "P", "stages": [{"id": "01CLIENTMADE", "name": "S"}]}, 422),
]


def test_bad_pipeline_is_refused_and_writes_nothing(api: Api, table: Table) -> None:
    with nothing_written(table):
        for body, status in BAD_PIPELINES:
            r = api.post("/pipelines", body)
            assert r.status == status, (body, r.status, r.body)
            assert_problem(r, status)
        assert_problem(api.post("/pipelines", raw="{"), 400, loc=("body",))
    assert ok(api.get("/pipelines"))["items"] == []


def test_only_owner_and_admins_change_pipelines(api: Api, client: Client, firm: TestFirm, table: Table) -> None:
    pipeline = ok(new_pipeline(api, "Tax", ["Intake"]), 201)
    path = f"/pipelines/{pipeline['id']}"
    for view_all, manage in ((False, False), (True, True)):
        employee = Api(client, firm.add_member(view_all=view_all, manage=manage)[1])
        assert ok(employee.get("/pipelines"))["items"] == [pipeline]
        assert ok(employee.get(path)) == pipeline
        with nothing_written(table):
            assert_problem(new_pipeline(employee, "Mine", ["One"]), 403)
            assert_problem(employee.patch(path, {"name": "Mine"}), 403)
    admin = Api(client, firm.add_member("admin")[1])
    ok(new_pipeline(admin, "Payroll", ["Collect"]), 201)
    assert ok(admin.patch(path, {"name": "Tax returns"}))["name"] == "Tax returns"


def test_another_firms_pipeline_is_404(api: Api, client: Client, table: Table) -> None:
    theirs = ok(new_pipeline(Api(client, make_firm(table).owner_token), "Theirs", ["A"]), 201)
    with nothing_written(table):
        assert_problem(api.get(f"/pipelines/{theirs['id']}"), 404)
        assert_problem(api.patch(f"/pipelines/{theirs['id']}", {"name": "Ours"}), 404)
        assert_problem(api.get(f"/pipelines/{new_id()}"), 404)
    assert ok(api.get("/pipelines"))["items"] == []


def test_jobs_follow_their_pipeline(env: Env, table: Table) -> None:
    tax = ok(new_pipeline(env.api, "Tax", ["Intake", "Review"]), 201)
    payroll = ok(new_pipeline(env.api, "Payroll", ["Collect", "Run"]), 201)
    intake, review = tax["stages"]
    job_body = {"name": "2025 return", "pipeline_id": tax["id"], "stage_id": intake["id"]}
    job = created(env.api, env.path("jobs"), job_body)
    assert (job["pipeline"], job["stage"]) == ({"id": tax["id"], "name": "Tax"}, intake)
    path = env.path("jobs", job["id"])

    # a job's stage belongs to its pipeline
    with nothing_written(table):
        bad = {**job_body, "stage_id": payroll["stages"][0]["id"]}
        assert_problem(env.api.post(env.path("jobs"), bad), 422, loc=("body", "stage_id"))
        assert_problem(env.api.patch(path, {"stage_id": payroll["stages"][1]["id"]}), 422, loc=("body", "stage_id"))
        assert_problem(env.api.patch(path, {"pipeline_id": payroll["id"]}), 422, loc=("body", "stage_id"))
        assert_problem(
            env.api.patch(path, {"pipeline_id": payroll["id"], "stage_id": review["id"]}), 422, loc=("body", "stage_id")
        )

    # renamed pipeline and stages show on the job
    stages = [{"id": intake["id"], "name": "Documents in"}, {"id": review["id"], "name": "Review"}]
    ok(env.api.patch(f"/pipelines/{tax['id']}", {"name": "Tax returns", "stages": stages}))
    shown = ok(env.api.get(path))
    assert shown["pipeline"] == {"id": tax["id"], "name": "Tax returns"}
    assert shown["stage"] == {"id": intake["id"], "name": "Documents in"}
    assert shown["version"] == 1

    # moved to another pipeline together with one of its stages
    moved = ok(env.teammate.patch(path, {"pipeline_id": payroll["id"], "stage_id": payroll["stages"][1]["id"]}))
    assert moved["pipeline"] == {"id": payroll["id"], "name": "Payroll"}
    assert moved["stage"] == payroll["stages"][1]
    assert moved["version"] == 2
