"""What a search and a restricted clients list cost on DynamoDB Local (its
consumed-capacity figures are real): one Query, at most one read unit for a
page of 20 hits; an employee's reads follow their own accounts, not the firm's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from chalice.test import Client

from bench.common import metered
from chalicelib.repo import keys
from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, make_firm
from tests.support.factories import account_body, contact_spec, unique_email
from tests.support.stream import search_poller

pytestmark = pytest.mark.integration

TEAM_SIZE = 30
OTHERS = 45


@pytest.fixture
def seeded(local_table: Table) -> Iterator[tuple[TestFirm, Api, str]]:
    """A firm with 75 accounts named "<first> Smith"; an employee without
    *view all* is on the team of 30 of them."""
    from app import app

    firm = make_firm(local_table)
    employee_id, employee_token = firm.add_member("employee")
    stream = search_poller(local_table)
    with Client(app) as client:
        owner = Api(client, firm.owner_token)
        for i in range(TEAM_SIZE + OTHERS):
            body = account_body(
                f"Person{i:02d} Smith",
                type_="individual",
                contacts=[contact_spec(f"Person{i:02d}", "Smith", emails=[unique_email(f"p{i}.smith")])],
            )
            if i < TEAM_SIZE:
                body["team_member_ids"] = [employee_id]
            assert owner.post("/accounts", body).status == 201
        stream.drain()
        # The employee's first request finds their binding (once per identity per instance): not measured.
        assert owner.as_(employee_token).get("/me").status == 200
        yield firm, owner, employee_token


def test_a_search_is_one_query_of_at_most_one_read_unit_for_twenty_hits(
    local_table: Table, seeded: tuple[TestFirm, Api, str]
) -> None:
    _, owner, _ = seeded
    for q in ("smith", "smi", "s", ".smith.", "client.exa"):
        with metered(local_table.client) as usage:
            r = owner.get(f"/search?q={q}")
        assert r.status == 200, r.body
        assert len(r.body["items"]) == 20, q
        # The caller's rights (GetItem, strongly consistent) and one Query of the index.
        assert dict(usage.requests) == {"GetItem": 1, "Query": 1}, q
        assert usage.rru_by_op["Query"] <= 1.0, (q, usage.rru_by_op)


def test_a_restricted_employee_reads_their_accounts_not_the_firms(
    local_table: Table, seeded: tuple[TestFirm, Api, str]
) -> None:
    firm, owner, token = seeded
    employee = owner.as_(token)
    with metered(local_table.client) as usage:
        listed = employee.get("/accounts?limit=100")
    assert listed.status == 200
    assert len(listed.body["items"]) == TEAM_SIZE
    assert usage.items_read <= TEAM_SIZE + 1 + 1  # their list, one look-ahead row, their member item

    with metered(local_table.client) as usage:
        found = employee.get("/search?q=smith")
    assert found.status == 200
    assert len(found.body["items"]) == 20
    assert dict(usage.requests) == {"GetItem": 1, "Query": 1}
    assert usage.items_read <= TEAM_SIZE + 1
    # Every hit is one of the employee's accounts.
    employee_id = _member_of(token)
    team = {i["id"] for i in local_table.query_all(pk=keys.team_list(firm.firm_id, employee_id), index="GSI1")}
    assert {h["account_id"] for h in found.body["items"]} <= team


def _member_of(token: str) -> str:
    from chalicelib.services.identity import authenticate

    return authenticate(f"Bearer {token}").member_id
