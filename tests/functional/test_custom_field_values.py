"""Custom fields (issue 6, part 1): values on accounts and contacts (rules per kind in
chalicelib/domain/field_values.py): good values round trip, bad ones are 400 and write nothing, patches
merge by id, and the edit right and the limits apply.

Runs on moto and DynamoDB Local (``table`` fixture); the costly ones on moto only.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm
from tests.support.custom_fields import (
    OPTIONS,
    account_info,
    contact_of,
    history_of,
    moto_only,
    new_field,
    ok_patch,
    refused,
)
from tests.support.factories import contact_spec, create_contact, new_account

# --- values ------------------------------------------------------------------------------

GOOD_VALUES: list[tuple[str, Any, Any]] = [
    ("text", "  Hello, world  ", "Hello, world"),
    ("text", "é" * 1000, "é" * 1000),
    ("text", " " + "x" * 1000 + " ", "x" * 1000),
    ("number", 12.5, 12.5),
    ("number", 7, 7),
    ("number", 0, 0),
    ("number", -3.25, -3.25),
    ("number", 7.0, 7),
    ("number", 999999999999999, 999999999999999),
    ("number", -999999999999999, -999999999999999),
    ("number", 123456789012.25, 123456789012.25),
    ("number", 1e-7, 1e-7),
    ("date", "2026-02-28", "2026-02-28"),
    ("date", "2024-02-29", "2024-02-29"),
    ("date", "1900-01-01", "1900-01-01"),
    ("date", "2200-12-31", "2200-12-31"),
    ("checkbox", True, True),
    ("checkbox", False, False),
    ("dropdown", "Quarterly", "Quarterly"),
    ("email", "Ann.Smith@Example.com", "Ann.Smith@Example.com"),
    ("email", " ann@example.co.uk ", "ann@example.co.uk"),
    ("phone", "+1 (555) 010-0199", "+1 (555) 010-0199"),
    ("phone", " 020 7946 0018 ", "020 7946 0018"),
    (
        "address",
        {"line1": " 1 Main St ", "city": "Springfield", "country": "US"},
        {"line1": "1 Main St", "line2": "", "city": "Springfield", "region": "", "postal_code": "", "country": "US"},
    ),
    ("address", {}, {"line1": "", "line2": "", "city": "", "region": "", "postal_code": "", "country": ""}),
    (
        "address",
        {"line1": "a", "line2": "b", "city": "c", "region": "d", "postal_code": "E1 6AN", "country": "GB"},
        {"line1": "a", "line2": "b", "city": "c", "region": "d", "postal_code": "E1 6AN", "country": "GB"},
    ),
]


def _same_json(a: Any, b: Any) -> bool:
    """Equal, and numbers of the same JSON type (7 stays an integer)."""
    return a == b and type(a) is type(b)


@pytest.mark.parametrize(("kind", "value", "shown"), GOOD_VALUES)
def test_good_values_round_trip_on_accounts(api: Api, kind: str, value: Any, shown: Any) -> None:
    field_id = new_field(api, "The field", kind)
    account = new_account(api, custom_fields={field_id: value})
    for info in (account, account_info(api, account["id"])):
        assert info["custom_fields"] == {field_id: shown}
        assert _same_json(info["custom_fields"][field_id], shown)
        options = OPTIONS if kind == "dropdown" else []
        assert info["custom_field_values"] == [
            {"id": field_id, "label": "The field", "kind": kind, "options": options, "value": shown}
        ]
    [line] = history_of(api, account["id"])
    assert line["old"] is None and _same_json(line["new"], shown)


@pytest.mark.parametrize(("kind", "value", "shown"), GOOD_VALUES[::3])
def test_good_values_round_trip_on_contacts(api: Api, kind: str, value: Any, shown: Any) -> None:
    field_id = new_field(api, "The field", kind, target="contact")
    contact = create_contact(api, custom_fields={field_id: value})
    assert contact["custom_fields"] == {field_id: shown}
    assert _same_json(contact_of(api, contact["id"])["custom_fields"][field_id], shown)
    account = new_account(api, contacts=[contact_spec(custom_fields={field_id: value})])
    assert [c["custom_fields"] for c in account["contacts"]] == [{field_id: shown}]
    other = create_contact(api, first_name="Other")
    out = ok_patch(api, f"/contacts/{other['id']}", {"custom_fields": {field_id: value}})
    assert out["custom_fields"] == {field_id: shown}
    # Contacts have no history: the account history stays empty.
    assert history_of(api, account["id"]) == []


BAD_VALUES: list[tuple[str, Any]] = [
    ("text", 5),
    ("text", True),
    ("text", ["a"]),
    ("text", {"a": "b"}),
    ("text", "x" * 1001),
    ("number", True),
    ("number", False),
    ("number", "7"),
    ("number", "12.5"),
    ("number", 1e16),
    ("number", 1e15),
    ("number", -1e15),
    ("number", 10**20),
    ("number", 1e308),
    ("number", []),
    ("number", {"amount": 1}),
    ("date", "2026-02-30"),
    ("date", "2025-02-29"),
    ("date", "2026-2-3"),
    ("date", "26-02-03"),
    ("date", "2026/02/03"),
    ("date", "03.02.2026"),
    ("date", "2026-02-03T10:00:00Z"),
    ("date", "1899-12-31"),
    ("date", "2201-01-01"),
    ("date", ""),
    ("date", 20260203),
    ("date", True),
    ("checkbox", "true"),
    ("checkbox", 1),
    ("checkbox", 0),
    ("checkbox", "yes"),
    ("checkbox", []),
    ("dropdown", "quarterly"),
    ("dropdown", "Weekly"),
    ("dropdown", " Monthly"),
    ("dropdown", ""),
    ("dropdown", ["Monthly"]),
    ("dropdown", 1),
    ("email", "not-an-email"),
    ("email", "ann@example"),
    ("email", "ann smith@example.com"),
    ("email", "a@b@example.com"),
    ("email", 5),
    ("email", ["ann@example.com"]),
    ("phone", "call me"),
    ("phone", "555-CALL-NOW"),
    ("phone", "12"),
    ("phone", "1" * 41),
    ("phone", 5550100),
    ("address", {"street": "1 Main St"}),
    ("address", {"line1": "1 Main St", "zip": "12345"}),
    ("address", {"country": "usa"}),
    ("address", {"country": "XX"}),
    ("address", {"country": "xk"}),
    ("address", {"city": 5}),
    ("address", {"line1": None}),
    ("address", {"postal_code": "1" * 21}),
    ("address", "1 Main St, Springfield"),
    ("address", ["1 Main St"]),
    ("address", True),
]


@pytest.mark.parametrize(("kind", "value"), BAD_VALUES)
def test_bad_values_are_400_naming_the_field_and_write_nothing(
    api: Api, table: Table, firm: TestFirm, kind: str, value: Any
) -> None:
    field_id = new_field(api, "The field", kind)
    good = new_field(api, "Good one", "text")
    account = new_account(api, custom_fields={good: "before"})
    aid = account["id"]
    loc = ("body", "custom_fields", field_id)
    body = refused(
        table,
        firm,
        lambda: api.patch(f"/accounts/{aid}", {"custom_fields": {good: "after", field_id: value}}),
        400,
        loc=loc,
    )
    # Only the bad value is named.
    assert [e["loc"] for e in body["errors"]] == [list(loc)]
    refused(
        table,
        firm,
        lambda: api.post(
            "/accounts",
            {"name": "B", "type": "company", "contacts": [contact_spec()], "custom_fields": {field_id: value}},
        ),
        400,
        loc=loc,
    )
    assert account_info(api, aid)["custom_fields"] == {good: "before"}
    assert len(history_of(api, aid)) == 1


@pytest.mark.parametrize(("kind", "value"), BAD_VALUES[::4])
def test_bad_values_on_contacts_are_400(api: Api, table: Table, firm: TestFirm, kind: str, value: Any) -> None:
    field_id = new_field(api, "The field", kind, target="contact")
    contact = create_contact(api)
    loc = ("body", "custom_fields", field_id)
    refused(
        table,
        firm,
        lambda: api.post("/contacts", {"first_name": "Z", "custom_fields": {field_id: value}}),
        400,
        loc=loc,
    )
    refused(
        table, firm, lambda: api.patch(f"/contacts/{contact['id']}", {"custom_fields": {field_id: value}}), 400, loc=loc
    )
    body = {
        "name": "B",
        "type": "company",
        "contacts": [contact_spec(), contact_spec("Second", custom_fields={field_id: value})],
    }
    refused(
        table, firm, lambda: api.post("/accounts", body), 400, loc=("body", "contacts", 1, "custom_fields", field_id)
    )


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_400(api: Api, table: Table, firm: TestFirm, literal: str) -> None:
    # Not JSON, but Python's parser reads these literals; they must not get through.
    field_id = new_field(api, "Amount", "number")
    account = new_account(api)
    raw = '{"custom_fields": {"' + field_id + '": ' + literal + "}}"
    refused(table, firm, lambda: api.call("PATCH", f"/accounts/{account['id']}", raw=raw), 400)


@pytest.mark.parametrize("value", [1e-200, -1e-300, 1e-11, 0.12345678901])
def test_numbers_with_more_than_ten_decimals_are_refused(api: Api, table: Table, firm: TestFirm, value: float) -> None:
    """Found as a 500 (DynamoDB cannot store 1e-200): numbers keep at most 10 decimal places."""
    field_id = new_field(api, "Amount", "number")
    account = new_account(api)
    refused(table, firm, lambda: api.patch(f"/accounts/{account['id']}", {"custom_fields": {field_id: value}}), 400)


def test_only_calendar_dates_are_dates(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = new_field(api, "Year end", "date")
    account = new_account(api)
    refused(
        table,
        firm,
        lambda: api.patch(f"/accounts/{account['id']}", {"custom_fields": {field_id: "2026-W01-1"}}),
        400,
        loc=("body", "custom_fields", field_id),
    )


def test_a_field_of_the_other_target_or_unknown_is_400(api: Api, table: Table, firm: TestFirm) -> None:
    afield = new_field(api, "Same label")
    cfield = new_field(api, "Same label", target="contact")
    account = new_account(api)
    contact = create_contact(api)
    aid, cid = account["id"], contact["id"]
    refused(
        table,
        firm,
        lambda: api.patch(f"/accounts/{aid}", {"custom_fields": {cfield: "x"}}),
        400,
        loc=("body", "custom_fields", cfield),
    )
    refused(
        table,
        firm,
        lambda: api.patch(f"/contacts/{cid}", {"custom_fields": {afield: "x"}}),
        400,
        loc=("body", "custom_fields", afield),
    )
    refused(
        table,
        firm,
        lambda: api.post("/contacts", {"first_name": "Z", "custom_fields": {afield: "x"}}),
        400,
        loc=("body", "custom_fields", afield),
    )
    refused(
        table,
        firm,
        lambda: api.post(
            "/accounts", {"name": "B", "type": "company", "custom_fields": {cfield: "x"}, "contacts": [contact_spec()]}
        ),
        400,
        loc=("body", "custom_fields", cfield),
    )
    refused(
        table,
        firm,
        lambda: api.post(
            "/accounts", {"name": "B", "type": "company", "contacts": [contact_spec(custom_fields={afield: "x"})]}
        ),
        400,
        loc=("body", "contacts", 0, "custom_fields", afield),
    )
    unknown = "01JUNKUNKNOWNFIELD0000000000"
    body = refused(
        table, firm, lambda: api.patch(f"/accounts/{aid}", {"custom_fields": {unknown: "x", cfield: None}}), 400
    )
    assert sorted(tuple(e["loc"]) for e in body["errors"]) == sorted(
        [("body", "custom_fields", unknown), ("body", "custom_fields", cfield)]
    )
    for bad in ({"": "x"}, {"x" * 65: "x"}, ["x"], "x"):
        refused(table, firm, partial(api.patch, f"/accounts/{aid}", {"custom_fields": bad}), 400)
    refused(table, firm, lambda: api.patch(f"/contacts/{cid}", {"custom_fields": None}), 400)


def test_patch_merges_by_id_and_null_clears(api: Api, table: Table, firm: TestFirm) -> None:
    text = new_field(api, "Notes")
    number = new_field(api, "Employees", "number")
    check = new_field(api, "Active", "checkbox")
    account = new_account(api, custom_fields={text: "first", number: 12})
    aid = account["id"]
    out = ok_patch(api, f"/accounts/{aid}", {"custom_fields": {check: False}})
    assert out["custom_fields"] == {text: "first", number: 12, check: False}
    assert [v["id"] for v in out["custom_field_values"]] == [text, number, check]  # the fields' order
    out = ok_patch(api, f"/accounts/{aid}", {"custom_fields": {text: None, number: 12.5}})
    assert out["custom_fields"] == {number: 12.5, check: False}
    out = ok_patch(api, f"/accounts/{aid}", {"name": "Renamed"})
    assert out["custom_fields"] == {number: 12.5, check: False}
    out = ok_patch(api, f"/accounts/{aid}", {"custom_fields": {}})
    assert out["custom_fields"] == {number: 12.5, check: False}
    out = ok_patch(api, f"/accounts/{aid}", {"custom_fields": {text: None}})  # already absent
    assert out["custom_fields"] == {number: 12.5, check: False}
    assert account_info(api, aid)["custom_fields"] == {number: 12.5, check: False}

    ctext = new_field(api, "Nickname", target="contact")
    cdate = new_field(api, "Birthday", "date", target="contact")
    contact = create_contact(api, custom_fields={ctext: "Bob", cdate: "1990-05-01"})
    out = ok_patch(api, f"/contacts/{contact['id']}", {"custom_fields": {ctext: None}})
    assert out["custom_fields"] == {cdate: "1990-05-01"}
    out = ok_patch(api, f"/contacts/{contact['id']}", {"custom_fields": {ctext: "Rob"}, "first_name": "Robert"})
    assert out["custom_fields"] == {ctext: "Rob", cdate: "1990-05-01"} and out["first_name"] == "Robert"


def test_values_need_the_edit_right(api: Api, table: Table, firm: TestFirm) -> None:
    field_id = new_field(api, "Notes")
    _, viewer = firm.add_member(view_all=True)
    account = new_account(api, custom_fields={field_id: "x"})
    refused(
        table,
        firm,
        lambda: api.as_(viewer).patch(f"/accounts/{account['id']}", {"custom_fields": {field_id: "y"}}),
        403,
    )
    assert account_info(api.as_(viewer), account["id"])["custom_fields"] == {field_id: "x"}


def test_at_most_30_values_per_request(api: Api, table: Table, firm: TestFirm) -> None:
    account = new_account(api)
    many = {f"01JUNKUNKNOWNFIELD{i:010d}": "x" for i in range(31)}
    body = refused(table, firm, lambda: api.patch(f"/accounts/{account['id']}", {"custom_fields": many}), 400)
    assert ["body", "custom_fields"] in [e["loc"] for e in body["errors"]]
    refused(table, firm, lambda: api.post("/contacts", {"first_name": "Z", "custom_fields": many}), 400)


@moto_only
def test_thirty_values_are_fine_and_make_thirty_lines(api: Api, table: Table, firm: TestFirm) -> None:
    ids = [new_field(api, f"Field {i}", "number") for i in range(31)]
    account = new_account(api, custom_fields={f: i for i, f in enumerate(ids[:30])})
    assert len(account["custom_fields"]) == 30
    assert len(history_of(api, account["id"])) == 30
    out = ok_patch(api, f"/accounts/{account['id']}", {"custom_fields": {f: None for f in ids[:30]}})
    assert out["custom_fields"] == {}
    assert len(history_of(api, account["id"])) == 60
    refused(table, firm, lambda: api.patch(f"/accounts/{account['id']}", {"custom_fields": {f: 1 for f in ids}}), 400)
