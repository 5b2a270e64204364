"""The activity routes beyond plain items (docs/api.md "Activity sections"): the credit ledger,
and paying an invoice from credit.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture); ``env`` is conftest.py's.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.ids import new_id
from chalicelib.repo import keys
from chalicelib.repo.table import Table, to_wire
from tests.support.activity import OWNER_NAME, STAMP, Body, Env, ok, tampered
from tests.support.api import Api, ids, nothing_written, snapshot
from tests.support.factories import create_account, created
from tests.support.problems import assert_problem

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
