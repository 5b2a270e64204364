"""``GET /search`` end to end (docs/api.md "Accounts" and "Conventions": Visibility): who finds
what (roles, firms, teams, archived accounts), and refused requests.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture); the index is brought up to date with
``stream.drain()`` (``stream``: tests/functional/conftest.py). Addresses are chosen by hand (never
``unique_email``) so that no random id can make a query match by accident: addresses are unique per firm
and every test has its own firm.
"""

from __future__ import annotations

from urllib.parse import quote

from chalice.test import Client

from chalicelib.repo.table import Table
from devtools.stream_poller import StreamPoller
from tests.support.api import Api, TestFirm, make_firm, nothing_written
from tests.support.problems import assert_problem
from tests.support.search import account, email, found, matched, ok
from tests.support.stream import search_poller

# --- who finds what ------------------------------------------------------------------------


def test_visibility_per_role_and_firm(api: Api, client: Client, firm: TestFirm, table: Table) -> None:
    stream = search_poller(table)
    emp_id, emp_token = firm.add_member()
    _, loner_token = firm.add_member()
    _, admin_token = firm.add_member("admin")
    viewer_id, viewer_token = firm.add_member(view_all=True)
    team_acc = account(api, "Team Anna", "ta@teamco.io", team=[emp_id])
    other_acc = account(api, "Other Anna", "oa@otherco.io")
    foreign_firm = make_firm(table, "Foreign LLP")
    foreign = Api(client, foreign_firm.owner_token)
    foreign_acc = account(foreign, "Foreign Anna", "fa@foreignco.io")
    stream.drain()

    emp, loner = Api(client, emp_token), Api(client, loner_token)
    for caller in (api, Api(client, admin_token), Api(client, viewer_token)):
        assert found(caller, "anna") == [other_acc, team_acc]
        assert found(caller, "otherco") == [other_acc]
        assert found(caller, "foreign") == []
        assert found(caller, "foreignco") == []
    assert found(emp, "anna") == [team_acc]
    assert found(emp, "teamco") == [team_acc]
    assert matched(emp, "teamco") == {team_acc: [email("ta@teamco.io")]}
    assert found(emp, "otherco") == []
    assert found(emp, "oth") == []
    assert found(loner, "anna") == []
    assert found(foreign, "anna") == [foreign_acc]
    assert found(foreign, "teamco") == []

    # rights are read on every request
    ok(api.patch(f"/members/{viewer_id}", {"rights": {"view_all_accounts": False}}))
    assert found(Api(client, viewer_token), "anna") == []


def test_team_membership_changes_what_an_employee_finds(
    api: Api, client: Client, firm: TestFirm, stream: StreamPoller
) -> None:
    emp_id, emp_token = firm.add_member()
    emp = Api(client, emp_token)
    team_acc = account(api, "Team Anna", "ta@teamco.io", team=[emp_id])
    other_acc = account(api, "Other Anna", "oa@otherco.io")
    stream.drain()
    assert found(emp, "anna") == [team_acc]

    ok(api.patch(f"/accounts/{other_acc}", {"team_member_ids": [emp_id]}))
    stream.drain()
    assert found(emp, "anna") == [other_acc, team_acc]
    assert found(emp, "otherco") == [other_acc]

    ok(api.patch(f"/accounts/{team_acc}", {"team_member_ids": []}))
    stream.drain()
    assert found(emp, "anna") == [other_acc]
    assert found(emp, "teamco") == []
    assert found(api, "anna") == [other_acc, team_acc]  # the owner still finds both


def test_archived_accounts_are_never_found_and_restore_brings_them_back(
    api: Api, client: Client, firm: TestFirm, stream: StreamPoller
) -> None:
    emp_id, emp_token = firm.add_member()
    _, viewer_token = firm.add_member(view_all=True)
    emp, viewer = Api(client, emp_token), Api(client, viewer_token)
    archie = account(api, "Archie Anna", "archie@archco.io", team=[emp_id])
    bella = account(api, "Bella Anna", "bella@bellaco.io", team=[emp_id])
    stream.drain()
    assert found(api, "anna") == [archie, bella]

    ok(api.delete(f"/accounts/{archie}"), 204)
    stream.drain()
    for caller in (api, viewer, emp):
        assert found(caller, "anna") == [bella]
        assert found(caller, "archie") == []
        assert found(caller, "archco") == []
        assert found(caller, "a") == [bella]

    ok(api.post(f"/accounts/{archie}/restore"))
    stream.drain()
    for caller in (api, viewer, emp):
        assert found(caller, "anna") == [archie, bella]
        assert found(caller, "archco") == [archie]


# --- refused requests ------------------------------------------------------------------------


def test_a_query_of_exactly_100_characters_is_accepted(api: Api, stream: StreamPoller) -> None:
    anna = account(api, "Anna Müller")
    stream.drain()

    assert found(api, "anna " * 20) == [anna]  # 100 characters
    assert found(api, "x" * 100) == []
    assert found(api, "ü" * 100) == []  # characters, not bytes


BAD_QUERIES: dict[str, str] = {
    "missing": "",
    "empty": "?q=",
    "whitespace only": "?q=%20%20%09",
    "101 characters": "?q=" + "a" * 101,
    "101 characters of words": "?q=" + quote("anna " * 20 + "x"),
    "101 accented characters": "?q=" + quote("ü" * 101),
    "only punctuation": "?q=" + quote("!!!"),
    "only symbols": "?q=" + quote("@@ --"),
    "underscores and dots": "?q=" + quote("_ . ' \u2019"),
}


def test_bad_q_is_400_and_writes_nothing(api: Api, table: Table) -> None:
    with nothing_written(table):
        for case, query in BAD_QUERIES.items():
            r = api.get(f"/search{query}")
            assert r.status == 400, (case, r.body)
            assert_problem(r, 400, loc=("query", "q"))
        for query in ["?q=anna&limit=5", "?q=anna&cursor=abc", "?query=anna"]:
            r = api.get(f"/search{query}")
            assert r.status == 400, (query, r.body)
            assert_problem(r, 400)
        assert_problem(api.get("/search?q=anna&limit=5"), 400, loc=("query", "limit"))


def test_search_needs_a_valid_token(client: Client, table: Table) -> None:
    with nothing_written(table):
        assert_problem(Api(client, None).get("/search?q=anna"), 401)
        assert_problem(Api(client, "not.a.jwt").get("/search?q=anna"), 401)
