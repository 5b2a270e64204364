"""Custom fields (issue 6, part 1) under concurrency, and at the edges of the real engine:
parallel patches and creates (DynamoDB Local only), number precision and range, inline contacts,
refused and retried edits, a large edit.

Runs on moto and DynamoDB Local (``table`` fixture); the races on DynamoDB Local only, the
large edit on moto only.
"""

from __future__ import annotations

import pytest

from chalicelib.adapters.auth import Claims
from chalicelib.domain.errors import DossierError
from chalicelib.domain.models.accounts import AccountPatch
from chalicelib.repo.table import Table
from chalicelib.services import accounts
from chalicelib.services.context import Ctx
from tests.support.api import Api, TestFirm, make_firm
from tests.support.custom_fields import (
    account_info,
    field_definitions,
    firm_items,
    history_of,
    local_only,
    moto_only,
    new_field,
    refused,
)
from tests.support.factories import contact_spec, created, new_account
from tests.support.race import race

# --- concurrency (DynamoDB Local) -------------------------------------------------------


def _ctx(firm: TestFirm, table: Table) -> Ctx:
    return Ctx(claims=Claims(firm.firm_id, firm.owner_id), table=table)


def _line_count(firm: TestFirm, table: Table, account_id: str) -> int:
    rows = [
        i for i in firm_items(table, firm.firm_id) if i["PK"].endswith(account_id) and i["SK"].startswith("CFHIST#")
    ]
    return len(rows)


@pytest.mark.integration
def test_parallel_patches_with_one_if_match_write_one_line(local_table: Table) -> None:
    from chalice.test import Client

    from app import app

    firm = make_firm(local_table)
    with Client(app) as c:
        owner = Api(c, firm.owner_token)
        field_id = new_field(owner, "Counter", "number")
        account = new_account(owner, custom_fields={field_id: 0})
    aid, version = account["id"], account["version"]

    def patch(i: int) -> object:
        body = AccountPatch.model_validate({"custom_fields": {field_id: i + 1}})
        accounts.patch_account(_ctx(firm, local_table), aid, body, version)
        return None

    statuses, errors = race(patch, 10)
    assert statuses[200] == 1, statuses
    assert set(statuses) == {200, 412}, (statuses, [e.args for e in errors if isinstance(e, DossierError)])
    assert _line_count(firm, local_table, aid) == 2  # the initial value and the one winner


@pytest.mark.integration
def test_parallel_patches_of_different_fields_keep_values_and_history_in_step(local_table: Table) -> None:
    from chalice.test import Client

    from app import app

    firm = make_firm(local_table)
    with Client(app) as c:
        owner = Api(c, firm.owner_token)
        ids = [new_field(owner, f"F{i}", "number") for i in range(8)]
        account = new_account(owner)
    aid = account["id"]

    def patch(i: int) -> object:
        body = AccountPatch.model_validate({"custom_fields": {ids[i]: i}})
        accounts.patch_account(_ctx(firm, local_table), aid, body, None)
        return None

    statuses, _ = race(patch, 8)
    assert set(statuses) <= {200, 412}, statuses
    with Client(app) as c:
        owner = Api(c, firm.owner_token)
        values = account_info(owner, aid)["custom_fields"]
        history = history_of(owner, aid)
    # Every success left its value and exactly one line; no line without its value.
    assert len(values) == statuses[200] == len(history)
    assert {h["field"]["id"]: h["new"] for h in history} == values


def test_ten_decimal_places_round_trip(api: Api) -> None:
    field_id = new_field(api, "Amount", "number")
    account = new_account(api, custom_fields={field_id: 1e-10})
    assert account_info(api, account["id"])["custom_fields"] == {field_id: 1e-10}


@local_only
@pytest.mark.parametrize("value", [-1e-131, 1.5e-140])
def test_numbers_below_dynamodbs_range_never_answer_5xx(api: Api, value: float) -> None:
    field_id = new_field(api, "Amount", "number")
    account = new_account(api)
    r = api.patch(f"/accounts/{account['id']}", {"custom_fields": {field_id: value}})
    assert r.status < 500, r.body


def test_inline_contact_linked_to_an_account_takes_values(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = new_field(api, "Nickname", target="contact")
    account = new_account(api)
    path = f"/accounts/{account['id']}/contacts"
    r = api.post(path, contact_spec("Lina", custom_fields={field_id: " Lin "}))
    assert r.status == 201, r.body
    shown = [c["custom_fields"] for c in account_info(api, account["id"])["contacts"] if c["first_name"] == "Lina"]
    assert shown == [{field_id: "Lin"}]
    refused(
        table,
        firm,
        lambda: api.post(path, contact_spec("Mo", custom_fields={field_id: 5})),
        400,
        loc=("body", "custom_fields", field_id),
    )


def test_a_refused_edit_writes_neither_values_nor_history(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = new_field(api, "Notes")
    account = new_account(api, custom_fields={field_id: "a"})
    aid = account["id"]
    refused(
        table,
        firm,
        lambda: api.patch(
            f"/accounts/{aid}", {"custom_fields": {field_id: "b"}, "tags": ["01JUNKUNKNOWNTAG000000000000"]}
        ),
        422,
    )
    refused(table, firm, lambda: api.patch(f"/accounts/{aid}", {"custom_fields": {field_id: "b"}, "type": "bank"}), 400)
    assert api.delete(f"/accounts/{aid}").status in (200, 204)
    r = api.patch(f"/accounts/{aid}", {"custom_fields": {field_id: "b"}})
    assert 400 <= r.status < 500, r.body
    assert len(history_of(api, aid)) == 1


def test_a_retried_field_create_returns_the_first_field(api: Api) -> None:
    body = {"target": "account", "label": "Retried", "kind": "text"}
    first = api.post("/custom-fields", body, headers={"Idempotency-Key": "cf-field-once-1"})
    again = api.post("/custom-fields", body, headers={"Idempotency-Key": "cf-field-once-1"})
    assert first.status == 201, first.body
    assert again.status in (200, 201), again.body
    assert again.body["id"] == first.body["id"]
    assert len(field_definitions(api)) == 1


@local_only
def test_parallel_creates_never_pass_100_active_fields(table: Table, firm: TestFirm) -> None:
    from chalicelib.domain.models.accounts import CustomFieldCreate
    from chalicelib.services import custom_fields

    def create(label: str) -> None:
        body = CustomFieldCreate.model_validate({"target": "account", "label": label, "kind": "text"})
        custom_fields.create_field(_ctx(firm, table), body, None)

    for i in range(99):
        create(f"Field {i}")
    statuses, _ = race(lambda i: create(f"Racer {i}"), 20)
    active = custom_fields.list_fields(_ctx(firm, table), "account", False)
    assert statuses[200] == 1 and len(active) == 100, (statuses, len(active))


@moto_only
def test_a_large_edit_with_many_value_changes_never_answers_5xx(api: Api, firm: TestFirm) -> None:
    field_ids = [new_field(api, f"Field {i}", "number") for i in range(30)]
    tags = [created(api, "/tags", {"name": f"Tag {i}"})["id"] for i in range(40)]
    team = [firm.add_member(view_all=True)[0] for _ in range(40)]
    account = new_account(api, tags=tags[:20], team_member_ids=team[:20])
    body = {"tags": tags[20:], "team_member_ids": team[20:], "custom_fields": {f: 1 for f in field_ids}}
    r = api.patch(f"/accounts/{account['id']}", body)
    assert r.status < 500, r.body
    if r.status == 200:
        assert len(history_of(api, account["id"])) == 30
