"""Finding people (issue 18): ``GET /search`` through a contact's names and
phone numbers, and ``GET /contacts?q=`` for the existing-contact picker. Every
test runs on moto and on DynamoDB Local; the index is brought up to date with
``stream.drain()``. Names, addresses and numbers are chosen by hand so no
random id can match by accident."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from chalice.test import Client

from chalicelib.repo.table import Table
from devtools.stream_poller import StreamPoller
from tests.support.api import Api, Reply, TestFirm
from tests.support.factories import contact_spec, new_account
from tests.support.problems import assert_problem

JAN_PHONE = "+31 6 12345678"


def ok(r: Reply, status: int = 200) -> Reply:
    assert r.status == status, (r.status, r.body)
    return r


def hits(api: Api, q: str) -> list[dict[str, Any]]:
    r = ok(api.get(f"/search?q={quote(q, safe='')}"))
    items: list[dict[str, Any]] = r.body["items"]
    return items


def found(api: Api, q: str) -> list[str]:
    return [h["account_id"] for h in hits(api, q)]


def company(api: Api, name: str, *people: dict[str, Any], team: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = new_account(api, name, contacts=list(people), team_member_ids=team or [])
    return body


def person(first: str, last: str, email: str, *, middle: str = "", phones: tuple[str, ...] = ()) -> dict[str, Any]:
    return contact_spec(first, last, emails=[email], middle_name=middle, phones=[{"number": p} for p in phones])


@pytest.fixture
def acme(api: Api, stream: StreamPoller) -> dict[str, Any]:
    """A company whose name says nothing of its contact, Jan de Vries."""
    body = company(
        api, "Acme Holding B.V.", person("Jan", "Vries", "office@acme.example", middle="de", phones=(JAN_PHONE,))
    )
    company(api, "Zeta Trading", person("Piet", "Bakker", "piet@zeta.example", phones=("+49 151 99887766",)))
    stream.drain()
    return body


def test_a_contacts_name_finds_its_account(api: Api, acme: dict[str, Any]) -> None:
    jan = acme["contacts"][0]["id"]
    contact = {"id": jan, "name": "Jan de Vries"}
    assert found(api, "jan vri") == [acme["id"]]
    assert hits(api, "jan vri")[0]["matched"] == [
        {"field": "first_name", "value": "Jan", "contact": contact},
        {"field": "last_name", "value": "Vries", "contact": contact},
    ]
    assert found(api, "vries") == [acme["id"]]
    assert found(api, "de") == [acme["id"]]  # the middle name
    assert found(api, "VRÏES") == [acme["id"]]  # case and accents
    assert found(api, "jan bakker") == []  # two contacts' words: not one person
    assert found(api, "acme") == [acme["id"]]
    assert hits(api, "acme")[0]["matched"] == [{"field": "name", "value": "Acme", "contact": None}]


def test_a_phone_number_finds_its_account_by_four_or_more_digits(api: Api, acme: dict[str, Any]) -> None:
    jan = {"id": acme["contacts"][0]["id"], "name": "Jan de Vries"}
    phone = {"field": "phone", "value": JAN_PHONE, "contact": jan}
    for q in ("0612", "06 1234 5678", "0612345678", "+31 6 12345678", "+31612345678", "0031612345678", "12345", "5678"):
        assert found(api, q) == [acme["id"]], q
        assert hits(api, q)[0]["matched"] == [phone], q
    assert found(api, "jan 0612") == [acme["id"]]  # a name and a phone of one contact
    for q in ("061", "+31", "06-1", "(06)", "0613", "jan 0613", "+32 6 1234"):
        assert found(api, q) == [], q


def test_hidden_accounts_stay_hidden(api: Api, client: Client, firm: TestFirm, stream: StreamPoller) -> None:
    emp_id, emp_token = firm.add_member()
    emp = Api(client, emp_token)
    mine = company(api, "Team Ltd", person("Jan", "Smit", "js@team.example", phones=("+31 6 55550000",)), team=[emp_id])
    hidden = company(api, "Other Ltd", person("Jan", "Vries", "jv@other.example", phones=("+31 6 55551111",)))
    stream.drain()
    assert found(api, "jan") == [hidden["id"], mine["id"]]  # both by a contact's first name: alphabetical
    assert found(emp, "jan") == [mine["id"]]
    assert found(emp, "jan vri") == []
    assert found(emp, "0655551111") == []
    assert found(emp, "06 5555 0000") == [mine["id"]]
    assert hits(emp, "smit")[0]["matched"][0]["contact"] == {"id": mine["contacts"][0]["id"], "name": "Jan Smit"}


def test_rename_phone_change_and_unlink_of_a_contact_update_the_hits(
    api: Api, client: Client, firm: TestFirm, acme: dict[str, Any], stream: StreamPoller
) -> None:
    emp_id, emp_token = firm.add_member()
    emp = Api(client, emp_token)
    jan = acme["contacts"][0]["id"]
    ok(api.patch(f"/accounts/{acme['id']}", {"team_member_ids": [emp_id]}))
    ok(api.patch(f"/contacts/{jan}", {"last_name": "Dijk", "phones": [{"number": "020-7654321"}]}))
    stream.drain()
    for caller in (api, emp):
        assert found(caller, "jan vri") == []
        assert found(caller, "jan dij") == [acme["id"]]
        assert found(caller, "0612") == []
        assert found(caller, "7654") == [acme["id"]]

    # linked to a second account: both follow; unlinked: only that one stops
    other = company(api, "Other Co", person("Ola", "Other", "ola@other.example"))
    ok(api.post(f"/accounts/{other['id']}/contacts", {"contact_id": jan}), 201)
    stream.drain()
    assert sorted(found(api, "dijk")) == sorted([acme["id"], other["id"]])
    ok(api.patch(f"/contacts/{jan}", {"first_name": "Johan"}))
    stream.drain()
    assert sorted(found(api, "johan dijk")) == sorted([acme["id"], other["id"]])
    assert found(api, "jan dijk") == []
    ok(api.delete(f"/accounts/{other['id']}/contacts/{jan}"), 204)
    stream.drain()
    assert found(api, "johan") == [acme["id"]]
    assert found(emp, "johan") == [acme["id"]]


def test_contact_names_rank_after_account_names_and_before_addresses(api: Api, stream: StreamPoller) -> None:
    by_address = company(api, "Aaa Ltd", person("Ola", "Nobody", "marta@aaa.example"))
    by_contact = company(api, "Bbb Ltd", person("Marta", "Nobody", "x1@bbb.example"))
    by_name = company(api, "Marta Zz", person("Ola", "Nobody", "x2@ccc.example"))
    by_prefix = company(api, "Martakis", person("Ola", "Nobody", "x3@ddd.example"))
    stream.drain()
    assert found(api, "marta") == [by_name["id"], by_contact["id"], by_address["id"], by_prefix["id"]]


# --- GET /contacts?q= ---------------------------------------------------------------------


def contact_names(api: Api, q: str, **params: Any) -> list[str]:
    query = "&".join([f"q={quote(q, safe='')}", *(f"{k}={v}" for k, v in params.items())])
    r = ok(api.get(f"/contacts?{query}"))
    return [" ".join(p for p in (c["first_name"], c["middle_name"], c["last_name"]) if p) for c in r.body["items"]]


def test_contacts_filter_by_name_phone_and_address(api: Api, client: Client, firm: TestFirm, table: Table) -> None:
    emp_id, emp_token = firm.add_member()
    company(api, "Acme", person("Jan", "Vries", "jan@acme.example", middle="de", phones=(JAN_PHONE,)), team=[emp_id])
    company(api, "Beta", person("Janneke", "Bos", "jb@beta.example"), person("Piet", "Jansen", "pj@gamma.example"))
    assert contact_names(api, "jan") == ["Jan de Vries", "Janneke Bos", "Piet Jansen"]
    assert contact_names(api, "jan vri") == ["Jan de Vries"]
    assert contact_names(api, "0612") == ["Jan de Vries"]
    assert contact_names(api, "+31 6 1234 5678") == ["Jan de Vries"]
    assert contact_names(api, "061") == []
    assert contact_names(api, "gamma") == ["Piet Jansen"]
    assert contact_names(api, "jan gamma") == ["Piet Jansen"]  # a name word and an address of one contact
    assert contact_names(Api(client, emp_token), "jan") == ["Jan de Vries"]  # only contacts they may see

    # paged like the list, the cursor bound to the filter
    r = ok(api.get("/contacts?q=jan&limit=2"))
    assert [c["first_name"] for c in r.body["items"]] == ["Jan", "Janneke"]
    cursor = r.body["next_cursor"]
    r = ok(api.get(f"/contacts?q=jan&limit=2&cursor={quote(cursor)}"))
    assert [c["first_name"] for c in r.body["items"]] == ["Piet"] and r.body["next_cursor"] is None
    assert_problem(api.get(f"/contacts?q=bos&cursor={quote(cursor)}"), 400)
    assert_problem(api.get(f"/contacts?cursor={quote(cursor)}"), 400)
    assert_problem(api.get("/contacts?q="), 400)
    assert_problem(api.get("/contacts?q=%20%20"), 400)
    assert_problem(api.get(f"/contacts?q={'a' * 101}"), 400)


def test_an_individuals_own_contact_by_name_and_phone(api: Api, stream: StreamPoller) -> None:
    sanne = person("Sanne", "Visser", "sanne@visser.example", phones=("+31 6 87654321",))
    own = new_account(api, "Sanne Visser", type_="individual", contacts=[sanne])
    others = [company(api, f"Sanne {i} Ltd", person("Ola", "Nobody", f"o{i}@sanne.example")) for i in range(3)]
    stream.drain()
    assert found(api, "sanne 8765") == [own["id"]]
    assert [m["field"] for m in hits(api, "sanne 8765")[0]["matched"]] == ["first_name", "phone"]
    assert hits(api, "visser")[0]["matched"] == [{"field": "name", "value": "Visser", "contact": None}]
    assert len(found(api, "sanne")) == 1 + len(others)
