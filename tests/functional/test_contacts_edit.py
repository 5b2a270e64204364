"""/contacts: editing a contact (PATCH /contacts/{id})
(docs/api.md "Account contacts and contacts" and "Conventions").
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.repo import keys
from chalicelib.repo.table import Table, to_wire
from tests.support.api import Api, TestFirm, snapshot
from tests.support.factories import create_account, create_contact, linked_contact
from tests.support.problems import assert_refused

# --- editing ------------------------------------------------------------------------


def test_name_change_shows_on_every_linked_account(api: Api) -> None:
    c = create_contact(api, "Anna", "Muller", emails=["anna@example.com"])
    family = create_account(api, "Muller Family", contact_ids=[c["id"]], description="primary contact")
    business = create_account(api, "Muller GmbH", contact_ids=[c["id"]], description="CEO")

    r = api.patch(f"/contacts/{c['id']}", {"last_name": "Müller-Lüdenscheidt"})
    assert r.status == 200, r.body
    assert r.body["last_name"] == "Müller-Lüdenscheidt"
    assert r.body["first_name"] == "Anna"
    assert r.body["display_name"] == "Anna Müller-Lüdenscheidt"
    assert r.body["version"] == c["version"] + 1
    assert r.etag == f'"{r.body["version"]}"'

    for account, description in ((family, "primary contact"), (business, "CEO")):
        info = api.get(f"/accounts/{account['id']}")
        assert info.status == 200, info.body
        shown = linked_contact(info.body, c["id"])
        assert shown["last_name"] == "Müller-Lüdenscheidt"
        assert shown["display_name"] == "Anna Müller-Lüdenscheidt"
        assert shown["description"] == description


def test_patch_that_changes_nothing_writes_nothing(api: Api, table: Table) -> None:
    c = create_contact(
        api,
        "Ann",
        "Lee",
        emails=["ann.same@example.com"],
        middle_name="B",
        phones=[{"number": "555 0100", "label": "home"}],
        address={"city": "Paris", "country": "FR"},
    )
    same = {k: c[k] for k in ("first_name", "middle_name", "last_name", "phones", "address", "language")}
    before = snapshot(table)
    r = api.patch(f"/contacts/{c['id']}", same, headers={"If-Match": f'"{c["version"]}"'})
    assert (r.status, r.etag) == (200, f'"{c["version"]}"'), r.body
    assert snapshot(table) == before, "an edit to the values already stored writes nothing"
    r = api.patch(f"/contacts/{c['id']}", {**same, "last_name": "Leigh"})
    assert (r.status, r.body["last_name"], r.body["version"]) == (200, "Leigh", c["version"] + 1)


def test_patch_keeps_absent_fields(api: Api) -> None:
    c = create_contact(
        api,
        "Ann",
        "Lee",
        emails=["ann@example.com"],
        middle_name="B",
        phones=[{"number": "555 0100", "label": "home"}],
        address={"city": "Paris", "country": "FR"},
    )
    r = api.patch(f"/contacts/{c['id']}", {"first_name": "Anne"})
    assert r.status == 200, r.body
    expected = {**c, "first_name": "Anne", "display_name": "Anne B Lee", "version": r.body["version"]}
    expected["updated_at"] = r.body["updated_at"]
    assert r.body == expected


def test_phones_are_a_list_of_number_and_label(api: Api) -> None:
    c = create_contact(api, emails=["p@example.com"])
    phones = [{"number": "+1 (555) 010-0100", "label": "mobile"}, {"number": "555.0101"}]
    r = api.patch(f"/contacts/{c['id']}", {"phones": phones})
    assert r.status == 200, r.body
    assert r.body["phones"] == [
        {"number": "+1 (555) 010-0100", "label": "mobile"},
        {"number": "555.0101", "label": ""},
    ]
    r = api.patch(f"/contacts/{c['id']}", {"phones": []})
    assert r.status == 200, r.body
    assert r.body["phones"] == []
    assert api.get(f"/contacts/{c['id']}").body["phones"] == []


def test_address_null_clears_it(api: Api) -> None:
    c = create_contact(api, emails=["addr@example.com"], address={"line1": "1 Main St", "country": "US"})
    assert c["address"] is not None and c["address"]["line1"] == "1 Main St"
    r = api.patch(f"/contacts/{c['id']}", {"address": {"line1": "2 Side St", "city": "Boston"}})
    assert r.status == 200, r.body
    assert r.body["address"] == {
        "line1": "2 Side St",
        "line2": "",
        "city": "Boston",
        "region": "",
        "postal_code": "",
        "country": "",
    }
    r = api.patch(f"/contacts/{c['id']}", {"address": None})
    assert r.status == 200, r.body
    assert r.body["address"] is None
    assert api.get(f"/contacts/{c['id']}").body["address"] is None


def test_a_country_is_an_iso_code_lower_case_normalised(api: Api, table: Table, firm: TestFirm) -> None:
    c = create_contact(api, emails=["nl@example.com"], address={"city": "Utrecht", "country": "nl"})
    assert c["address"]["country"] == "NL"
    assert_refused(
        table, 400, lambda: api.patch(f"/contacts/{c['id']}", {"address": {"country": "XX"}}), field="country"
    )
    # an address stored before the check, with a country that is no code, still reads and survives other edits
    table.client.update_item(
        TableName=table.name,
        Key=to_wire(keys.contact(firm.firm_id, c["id"]).as_dict()),
        UpdateExpression="SET #a.#c = :zz",
        ExpressionAttributeNames={"#a": "address", "#c": "country"},
        ExpressionAttributeValues={":zz": {"S": "ZZ"}},
    )
    assert api.get(f"/contacts/{c['id']}").body["address"]["country"] == "ZZ"
    r = api.patch(f"/contacts/{c['id']}", {"first_name": "Nel"})
    assert r.status == 200, r.body
    assert r.body["address"]["country"] == "ZZ"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"nickname": "x"}, "nickname"),
        ({"first_name": 5}, "first_name"),
        ({"last_name": "y" * 101}, "last_name"),
        ({"phones": {"number": "555 0100"}}, "phones"),
        ({"phones": [{"number": "555 0100", "label": 1}]}, "label"),
        ({"phones": [{"number": "5"}] * 11}, "phones"),
        ({"emails": ["new@example.com"]}, "emails"),
        ({"address": {"zip": "12345"}}, "zip"),
    ],
)
def test_patch_contact_rejects_bad_input(api: Api, table: Table, body: dict[str, Any], field: str) -> None:
    c = create_contact(api, emails=["bad@example.com"])
    assert_refused(table, 400, lambda: api.patch(f"/contacts/{c['id']}", body), field=field)
    assert api.get(f"/contacts/{c['id']}").body == c


def test_patch_contact_with_stale_if_match_is_412(api: Api, table: Table) -> None:
    c = create_contact(api, emails=["v@example.com"])
    v = c["version"]
    assert api.patch(f"/contacts/{c['id']}", {"first_name": "Two"}, headers={"If-Match": f'"{v}"'}).status == 200
    assert_refused(
        table, 412, lambda: api.patch(f"/contacts/{c['id']}", {"first_name": "Lost"}, headers={"If-Match": f'"{v}"'})
    )
    assert api.get(f"/contacts/{c['id']}").body["first_name"] == "Two"


def test_removing_a_name_that_leaves_nothing_to_show_is_refused(api: Api, table: Table) -> None:
    c = create_contact(api, "Solo", "", emails=None)
    assert_refused(table, 422, lambda: api.patch(f"/contacts/{c['id']}", {"first_name": ""}))
