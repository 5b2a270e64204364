"""Firm settings (issue 18): GET/PATCH /firm; accounts' currency with each
currency's minor units, in input and output; contacts' language; the firm's
signing order. Everything through the HTTP API, on both backends."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

import pytest

from chalicelib.domain.entities import Account
from chalicelib.domain.errors import ConcurrentWriteError, ConflictError
from chalicelib.repo import keys
from chalicelib.repo.accounts import AccountRepo
from chalicelib.repo.activity import ActivityRepo, billing_changed, credit_record, item_record
from chalicelib.repo.firms import FirmRepo, version_guard
from chalicelib.repo.records import from_item, to_item
from chalicelib.repo.table import Table, to_wire
from tests.support.api import Api, TestFirm, nothing_written
from tests.support.factories import contact_spec, created, new_account, new_contact, unique_email
from tests.support.portal import activate
from tests.support.problems import assert_problem, assert_refused

Body = dict[str, Any]


def _set_firm(api: Api, **settings: Any) -> Body:
    r = api.patch("/firm", settings)
    assert r.status == 200, r.body
    assert r.etag == f'"{r.body["version"]}"'
    body: Body = r.body
    return body


def _field_code(body: Body, field: str) -> str:
    codes = [e["code"] for e in body["errors"] if field in e["loc"]]
    assert codes, body
    return str(codes[0])


def _invoice(api: Api, account_id: str, amount: str, **extra: Any) -> Body:
    return created(api, f"/accounts/{account_id}/invoices", {"number": f"INV-{amount}", "amount": amount, **extra})


def _credit(api: Api, account_id: str, amount: str) -> Body:
    return created(api, f"/accounts/{account_id}/credits", {"amount": amount, "note": "Prepaid"})


# --- GET and PATCH /firm --------------------------------------------------------------------------


def test_an_existing_firm_reads_as_usd_english_any_order(api: Api, firm: TestFirm, table: Table) -> None:
    # GIVEN a firm stored before its settings existed (no language, signing order or currency attribute)
    table.client.update_item(
        TableName=table.name,
        Key=to_wire(keys.firm(firm.firm_id).as_dict()),
        UpdateExpression="REMOVE currency",
    )
    # WHEN any member reads it / THEN the defaults show
    _, token = firm.add_member("employee")
    r = api.as_(token).get("/firm")
    assert r.status == 200, r.body
    assert r.body == {
        "id": firm.firm_id,
        "name": "Test & Co",
        "currency": "USD",
        "language": "en",
        "signing_order": "any",
        "audit_retention_days": 365,
        "version": 1,
    }
    assert r.etag == '"1"'


def test_the_owner_changes_the_settings_with_if_match(api: Api, firm: TestFirm) -> None:
    body = _set_firm(api, name="Boekhouding & Co", currency="EUR", language="nl", signing_order="sequential")
    assert body == {
        "id": firm.firm_id,
        "name": "Boekhouding & Co",
        "currency": "EUR",
        "language": "nl",
        "signing_order": "sequential",
        "audit_retention_days": 365,
        "version": 2,
    }
    assert api.get("/firm").body == body
    # the same values again: nothing to write, same version
    r = api.patch("/firm", {"currency": "EUR"}, headers={"If-Match": '"2"'})
    assert r.status == 200 and r.body["version"] == 2, r.body


def test_patch_firm_refuses_non_owners_stale_versions_and_bad_values(api: Api, firm: TestFirm, table: Table) -> None:
    _, admin = firm.add_member("admin")
    _, manager = firm.add_member("employee", view_all=True, manage=True)
    for token in (admin, manager):
        body = assert_refused(table, 403, partial(api.as_(token).patch, "/firm", {"currency": "EUR"}))
        assert body["code"] == "forbidden"
    _set_firm(api, language="nl")  # version 2
    body = assert_refused(table, 412, lambda: api.patch("/firm", {"currency": "EUR"}, headers={"If-Match": '"1"'}))
    assert body["code"] == "version_mismatch"
    for code in ("XXX", "eur", "EURO"):
        body = assert_refused(table, 400, partial(api.patch, "/firm", {"currency": code}), field="currency")
        assert _field_code(body, "currency") == "unknown_currency"
    bad: list[tuple[str, Any]] = [("language", "de"), ("signing_order", "random"), ("name", ""), ("currency", None)]
    for field, value in bad:
        assert_refused(table, 400, partial(api.patch, "/firm", {field: value}), field=field)
    assert_refused(table, 400, lambda: api.patch("/firm", {"colour": "red"}))
    assert api.get("/firm").body["currency"] == "USD"


# --- an account's currency --------------------------------------------------------------------------


def test_new_accounts_take_the_firms_currency_unless_given(api: Api) -> None:
    assert new_account(api, "Old Co")["currency"] == "USD"
    _set_firm(api, currency="EUR")
    assert new_account(api, "Nieuw BV")["currency"] == "EUR"
    yen = new_account(api, "Tokyo KK", currency="JPY")
    assert yen["currency"] == "JPY"
    assert yen["credit_balance"] == "0"


def test_an_unknown_account_currency_is_refused(api: Api, table: Table) -> None:
    body = {"name": "X", "type": "company", "currency": "ABC", "contacts": [contact_spec()]}
    refused = assert_refused(table, 400, lambda: api.post("/accounts", body), field="currency")
    assert _field_code(refused, "currency") == "unknown_currency"


def test_a_eur_firm_adds_credit_and_pays_an_invoice_from_it(api: Api) -> None:
    # GIVEN a euro firm and a new account (in EUR by default)
    _set_firm(api, currency="EUR")
    account_id = new_account(api, "Jansen BV")["id"]
    # WHEN credit is added and an invoice issued
    credit = _credit(api, account_id, "150.50")
    assert (credit["amount"], credit["currency"]) == ("150.50", "EUR")
    invoice = _invoice(api, account_id, "120.25")
    assert (invoice["currency"], invoice["amount_due"]) == ("EUR", "120.25")
    # THEN it is payable with credit, and paying it spends the credit
    assert invoice["payable_with_credit"] is True
    r = api.post(f"/accounts/{account_id}/invoices/{invoice['id']}/apply-credit")
    assert r.status == 200, r.body
    assert (r.body["status"], r.body["amount_due"], r.body["paid_with_credit"]) == ("paid", "0.00", True)
    info = api.get(f"/accounts/{account_id}").body
    assert (info["credit_balance"], info["currency"]) == ("30.25", "EUR")
    ledger = api.get(f"/accounts/{account_id}/credits").body
    assert (ledger["credit_balance"], ledger["currency"]) == ("30.25", "EUR")
    assert [(e["kind"], e["amount"], e["currency"]) for e in ledger["items"]] == [
        ("applied", "120.25", "EUR"),
        ("credit", "150.50", "EUR"),
    ]


def test_jpy_refuses_decimals(api: Api, table: Table) -> None:
    account_id = new_account(api, "Tokyo KK", currency="JPY")["id"]
    for amount in ("120.50", "120.5", "120.00"):
        body = assert_refused(
            table, 400, partial(api.post, f"/accounts/{account_id}/invoices", {"number": "1", "amount": amount})
        )
        assert body["code"] == "too_many_decimals"
        assert _field_code(body, "amount") == "too_many_decimals"
        body = assert_refused(
            table, 400, partial(api.post, f"/accounts/{account_id}/credits", {"amount": amount}), field="amount"
        )
        assert _field_code(body, "amount") == "too_many_decimals"
    invoice = _invoice(api, account_id, "12000")
    assert (invoice["amount"], invoice["currency"]) == ("12000", "JPY")
    assert _credit(api, account_id, "500")["amount"] == "500"
    path = f"/accounts/{account_id}/invoices/{invoice['id']}"
    body = assert_refused(table, 400, lambda: api.patch(path, {"amount": "99.9"}), field="amount")
    assert _field_code(body, "amount") == "too_many_decimals"
    assert api.get(f"/accounts/{account_id}").body["credit_balance"] == "500"


def test_kwd_accepts_three_decimals_and_eur_refuses_them(api: Api, table: Table) -> None:
    kwd = new_account(api, "Kuwait Co", currency="KWD")["id"]
    invoice = _invoice(api, kwd, "10.125")
    assert (invoice["amount"], invoice["amount_due"]) == ("10.125", "10.125")
    assert _invoice(api, kwd, "7")["amount"] == "7.000"
    assert _credit(api, kwd, "0.5")["amount"] == "0.500"
    assert api.get(f"/accounts/{kwd}").body["credit_balance"] == "0.500"
    refused = assert_refused(table, 400, lambda: api.post(f"/accounts/{kwd}/credits", {"amount": "1.0001"}))
    assert _field_code(refused, "amount") == "too_many_decimals"
    eur = new_account(api, "Euro BV", currency="EUR")["id"]
    refused = assert_refused(
        table, 400, lambda: api.post(f"/accounts/{eur}/invoices", {"number": "1", "amount": "10.125"})
    )
    assert _field_code(refused, "amount") == "too_many_decimals"


def test_an_invoice_is_in_its_accounts_currency(api: Api, table: Table) -> None:
    account_id = new_account(api, "Jansen BV", currency="EUR")["id"]
    assert _invoice(api, account_id, "10.00", currency="EUR")["currency"] == "EUR"
    body = assert_refused(
        table,
        409,
        lambda: api.post(f"/accounts/{account_id}/invoices", {"number": "2", "amount": "10.00", "currency": "USD"}),
    )
    assert body["code"] == "currency_mismatch"


def test_an_accounts_currency_changes_only_while_it_has_no_money(api: Api, table: Table) -> None:
    # GIVEN a firm that started in USD, with an account without money and one with credit
    empty = new_account(api, "Empty Co")
    paid = new_account(api, "Paying Co")
    _credit(api, paid["id"], "10.00")
    _set_firm(api, currency="EUR")
    # THEN the account without money changes over
    r = api.patch(f"/accounts/{empty['id']}", {"currency": "EUR"}, headers={"If-Match": f'"{empty["version"]}"'})
    assert r.status == 200, r.body
    assert r.body["currency"] == "EUR"
    # and the one with credit keeps USD: 409, nothing written (its other changes neither)
    path = f"/accounts/{paid['id']}"
    body = assert_refused(table, 409, lambda: api.patch(path, {"currency": "EUR", "name": "Renamed"}))
    assert body["code"] == "currency_locked"
    # an invoice locks it too, even once all credit is spent
    invoiced = new_account(api, "Invoiced Co", currency="USD")
    _invoice(api, invoiced["id"], "5.00")
    body = assert_refused(table, 409, lambda: api.patch(f"/accounts/{invoiced['id']}", {"currency": "EUR"}))
    assert body["code"] == "currency_locked"
    # the same currency again is no change
    assert api.patch(path, {"currency": "USD"}).status == 200


def test_amounts_stored_before_a_currencys_rule_show_whole(api: Api, table: Table, firm: TestFirm) -> None:
    # GIVEN an invoice stored with two decimals on an account since switched to JPY (written directly: the API
    # no longer allows it)
    account = new_account(api, "Legacy KK", currency="JPY")
    invoice = _invoice(api, account["id"], "100")
    table.client.update_item(
        TableName=table.name,
        Key=to_wire(keys.item(firm.firm_id, account["id"], "invoices", invoice["id"]).as_dict()),
        UpdateExpression="SET amount = :a, amount_due = :a",
        ExpressionAttributeValues={":a": {"N": "100.5"}},
    )
    r = api.get(f"/accounts/{account['id']}/invoices/{invoice['id']}")
    assert r.status == 200, r.body
    assert (r.body["amount"], r.body["amount_due"]) == ("100.5", "100.5")


# --- contacts' language -----------------------------------------------------------------------------


def test_contacts_take_the_firms_language_unless_given(api: Api, table: Table) -> None:
    before = new_contact(api, "Ann", "English")
    assert before["language"] == "en"
    _set_firm(api, language="nl")
    assert new_contact(api, "Jan", "de Vries")["language"] == "nl"
    assert new_contact(api, "Joe", "Smith", language="en")["language"] == "en"
    account = new_account(api, "Nieuw BV", contacts=[contact_spec("Piet", "Bakker")])
    assert account["contacts"][0]["language"] == "nl"
    r = api.patch(f"/contacts/{before['id']}", {"language": "nl"})
    assert r.status == 200 and r.body["language"] == "nl", r.body
    assert api.get(f"/contacts/{before['id']}").body["language"] == "nl"
    assert_refused(table, 400, lambda: api.patch(f"/contacts/{before['id']}", {"language": "fr"}), field="language")
    assert_refused(table, 400, lambda: api.post("/contacts", {"first_name": "X", "language": "de"}), field="language")


# --- signing order ------------------------------------------------------------------------------------


def _signing_account(api: Api) -> tuple[str, str, dict[str, str]]:
    """An account with three signers: Anna (priority 1), Bart and Bea (2), Cas (none); a sent proposal."""
    people = [
        contact_spec("Anna", "One", emails=[unique_email("anna")], signer_priority=1),
        contact_spec("Bart", "Two", emails=[unique_email("bart")], signer_priority=2),
        contact_spec("Bea", "Two", emails=[unique_email("bea")], signer_priority=2),
        contact_spec("Cas", "Last", emails=[unique_email("cas")]),
    ]
    account = new_account(api, "Signing BV", contacts=people)
    addresses = {c["first_name"]: c["emails"][0]["address"] for c in account["contacts"]}
    for c in account["contacts"]:
        activate(api, c["id"], c["emails"][0]["address"])
    proposal = created(
        api,
        f"/accounts/{account['id']}/proposals",
        {"name": "Engagement", "kind": "engagement_letter", "status": "sent"},
    )
    return account["id"], proposal["id"], addresses


def test_sequential_signing_refuses_out_of_order_and_accepts_in_order(api: Api, table: Table) -> None:
    _set_firm(api, signing_order="sequential")
    account_id, proposal_id, who = _signing_account(api)
    path = f"/accounts/{account_id}/proposals/{proposal_id}/sign"
    # Bart (priority 2) before Anna (1): 409, naming Anna, nothing written
    with nothing_written(table):
        r = api.post(path, {"email": who["Bart"]})
        body = assert_problem(r, 409)
    assert body["code"] == "not_your_turn"
    assert who["Anna"] in body["detail"]
    assert [s["address"] for s in body["next_signers"]] == [who["Anna"]]
    assert body["next_signers"][0]["signer_priority"] == 1
    # in order: Anna, then Bea and Bart in either order, then Cas (no priority: last)
    assert api.post(path, {"email": who["Anna"]}).status == 200
    r = api.post(path, {"email": who["Cas"]})
    assert_problem(r, 409)
    assert sorted(s["address"] for s in r.body["next_signers"]) == sorted([who["Bart"], who["Bea"]])
    assert api.post(path, {"email": who["Bea"]}).status == 200
    assert api.post(path, {"email": who["Bart"]}).status == 200
    r = api.post(path, {"email": who["Cas"]})
    assert r.status == 200, r.body
    assert r.body["status"] == "signed"
    # signing again stays harmless
    assert api.post(path, {"email": who["Anna"]}).status == 200


def test_any_order_keeps_signing_free(api: Api, table: Table, firm: TestFirm) -> None:
    account_id, proposal_id, who = _signing_account(api)
    assert FirmRepo(table).get_firm(firm.firm_id) is not None
    path = f"/accounts/{account_id}/proposals/{proposal_id}/sign"
    for name in ("Cas", "Bart", "Anna", "Bea"):
        r = api.post(path, {"email": who[name]})
        assert r.status == 200, r.body
    assert r.body["status"] == "signed"


# --- races: the conditions that keep an account's money in its currency ------------------------------------


def test_a_currency_change_that_an_invoice_overtook_writes_nothing(api: Api, table: Table, firm: TestFirm) -> None:
    # GIVEN an account read without money, then an invoice recorded before the currency change is written
    account = new_account(api, "Race Co")
    repo = AccountRepo(table)
    old = repo.get(firm.firm_id, account["id"], consistent=True)
    assert old is not None and old.billing_count == 0
    _invoice(api, account["id"], "5.00")
    new = from_item(Account, {**to_item(old), "currency": "EUR"})
    # WHEN the change is written / THEN its condition refuses it (the service reads again: currency_locked)
    with nothing_written(table), pytest.raises(ConcurrentWriteError):
        repo.update(old, new, {"currency": "EUR"}, version_guard(None, old.version), money_free=True)


def test_credit_and_invoices_checked_in_a_currency_the_account_left_write_nothing(
    api: Api, table: Table, firm: TestFirm
) -> None:
    # GIVEN an account that moved from USD to JPY after an amount was checked against USD
    account_id = new_account(api, "Race KK")["id"]
    r = api.patch(f"/accounts/{account_id}", {"currency": "JPY"})
    assert r.status == 200, r.body
    entry = credit_record(firm.firm_id, account_id, "E1", {"kind": "credit", "amount": Decimal("1.50")})
    invoice = item_record(
        firm.firm_id,
        account_id,
        "invoices",
        {
            "id": "I1",
            "number": "1",
            "amount": Decimal("1.50"),
            "currency": "USD",
            "status": "unpaid",
            "issued_at": "2026-01-01T00:00:00Z",
        },
    )
    activity = ActivityRepo(table)
    with nothing_written(table):
        with pytest.raises(ConcurrentWriteError):
            activity.add_credit(firm.firm_id, account_id, Decimal("1.50"), "USD", entry, None)
        with pytest.raises(ConflictError) as refused:
            activity.create(invoice, [billing_changed(firm.firm_id, account_id, +1, "2026-01-01", "USD")])
        assert refused.value.problem_code == "currency_changed"
