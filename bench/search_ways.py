"""The ways of searching the Search bench's firm (the service, the endpoint, the
bare GSI3 Query, the naive Scan; the restricted employee's lists), measured
side by side, and their tables."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bench.common import Usage, median_ms, metered, p90_ms
from bench.search_firm import Firm
from chalicelib.adapters.auth import Claims
from chalicelib.domain import search_terms as rules
from chalicelib.domain.text import sort_name
from chalicelib.repo import keys
from chalicelib.repo.table import Table, to_wire
from chalicelib.services import search as service
from chalicelib.services.context import Ctx
from tests.support.api import Api

ROUNDS = 30
SLOW_EVERY = ROUNDS  # a Scan takes seconds: it runs in round 0 only, and its metered run is a second sample


# --- the ways of searching -----------------------------------------------------------------------


def _ctx(table: Table, firm: Firm, member_id: str) -> Ctx:
    return Ctx(claims=Claims(firm.firm_id, member_id), table=table)


def service_search(table: Table, firm: Firm, member_id: str, q: str) -> Callable[[], list[str]]:
    """``services.search.search`` as a request runs it: a fresh context, so the caller is read."""

    def run() -> list[str]:
        return [h.account_id for h in service.search(_ctx(table, firm, member_id), q).items]

    return run


def _endpoint(api: Api, q: str) -> Callable[[], list[str]]:
    headers = {"Authorization": f"Bearer {api.token}"}
    path = f"/search?q={quote(q)}"

    def run() -> list[str]:
        response = api.client.http.get(path, headers=headers)
        assert response.status_code == 200, response.body
        return [h["account_id"] for h in json.loads(response.body)["items"]]

    return run


def _bare_tokens(table: Table, firm: Firm, q: str) -> Callable[[], list[str]]:
    """The first GSI3 Query the search makes, with boto3 alone: the request
    is taken from a search run once (so it is exactly the service's, keys,
    Limit and all), then sent again as it is."""
    captured: list[dict[str, Any]] = []

    def grab(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "Query" and params.get("IndexName") == keys.INDEX_SEARCH and not captured:
            captured.append(copy.deepcopy(params))

    events = table.client.meta.events
    events.register("provide-client-params.dynamodb", grab)
    try:
        service.search(_ctx(table, firm, firm.owner_id), q)
    finally:
        events.unregister("provide-client-params.dynamodb", grab)
    (request,) = captured

    def run() -> list[str]:
        page = table.client.query(**request)
        return list(dict.fromkeys(keys.account_of(i["PK"]["S"]) for i in page["Items"]))

    return run


def _scan(firm: Firm, q: str) -> Callable[[], list[str]]:
    """The naive design: Scan the baseline table to the end, keeping accounts
    whose folded name has a word starting with each word of q, and contacts
    whose folded addresses contain each term (3+ characters). The matching
    accounts are those found by name and those the matching contacts are
    linked to (reading those accounts' names would be one more BatchGet per
    100; not done: a lower bound)."""
    baseline = firm.baseline
    assert baseline is not None
    terms = rules.parse_query(q)
    values: dict[str, Any] = {":f": firm.firm_id, ":a": keys.ACCOUNT}
    by_name = []
    for i, w in enumerate(w for t in terms for w in t.words):
        values[f":w{i}"] = " " + w
        by_name.append(f"contains(fn, :w{i})")
    either = [f"(entity = :a AND {' AND '.join(by_name)})"]
    values[":c"] = keys.CONTACT
    either.append(f"(entity = :c AND {' AND '.join(by_name)})")  # through a contact's name
    parts = [t.text for t in terms if len(t.text) >= rules.MIN_EMAIL_PART]
    if len(parts) == len(terms):
        for i, part in enumerate(parts):
            values[f":e{i}"] = part
        either.append(f"(entity = :c AND {' AND '.join(f'contains(fe, :e{i})' for i in range(len(parts)))})")
    request: dict[str, Any] = {
        "TableName": baseline.name,
        "FilterExpression": f"firm_id = :f AND {either[0] if len(either) == 1 else '(' + ' OR '.join(either) + ')'}",
        "ExpressionAttributeValues": to_wire(values),
        "ProjectionExpression": "entity, id, account_ids",
    }

    def run() -> list[str]:
        found: list[str] = []
        kwargs = dict(request)
        while True:
            page = baseline.client.scan(**kwargs)
            for item in page["Items"]:
                if item["entity"]["S"] == keys.ACCOUNT:
                    found.append(item["id"]["S"])
                else:
                    found += item.get("account_ids", {}).get("SS", [])
            if "LastEvaluatedKey" not in page:
                return list(dict.fromkeys(found))
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    return run


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Way:
    label: str
    run: Callable[[], list[str]]
    every: int = 1  # runs in every n-th round only
    client: Any = None  # the client it calls, when not the table's
    usage: Usage = field(default_factory=Usage)
    found: list[str] = field(default_factory=list)
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return median_ms(self.samples)


def _measure(table: Table, ways: list[Way], rounds: int) -> None:
    """One metered call each, then ``rounds`` interleaved rounds (order
    rotating). A slow way runs in every ``every``-th round only, and its
    metered call counts as one more sample (the hooks cost microseconds)."""
    for way in ways:
        with metered(way.client or table.client) as usage:
            start = time.perf_counter()
            way.found = way.run()
            if way.every > 1:
                way.samples.append(time.perf_counter() - start)
        way.usage = usage
    for way in ways:  # warm-up
        if way.every == 1:
            way.run()
    for r in range(rounds):
        for offset in range(len(ways)):
            way = ways[(r + offset) % len(ways)]
            if r % way.every:
                continue
            start = time.perf_counter()
            way.run()
            way.samples.append(time.perf_counter() - start)


def _all_matches(firm: Firm, q: str, among: list[str] | None = None) -> list[str]:
    """Every account that matches q, in the documented order (the full ranking)."""
    terms = rules.parse_query(q)
    ranked = []
    for account_id in among if among is not None else firm.names:
        name = firm.names[account_id]
        found = rules.match(terms, name, firm.addresses[account_id], firm.people[account_id])
        if found is not None:
            ranked.append((rules.rank_key(found, sort_name(name), account_id), account_id))
    return [account_id for _, account_id in sorted(ranked)]


def _row(query: str, way: Way, hits: str, scan: Way | None) -> str:
    u = way.usage
    ratio = f"{scan.median / way.median:.0f}" if scan is not None else "—"
    return (
        f"| {query} | {way.label} | {u.requests_text()} | {u.units_text('read')} | {u.items_read} | {hits} "
        f"| {way.median:.2f} | {p90_ms(way.samples):.2f} | {ratio} |"
    )


@dataclass
class _Kind:
    kind: str
    q: str
    service: Way
    endpoint: Way
    bare: Way
    scan: Way | None
    full: list[str]  # every match, best first

    @property
    def label(self) -> str:
        return f"{self.kind}: `{self.q}`"


def owner_search(table: Table, firm: Firm, api: Api, kind: str, q: str, with_scan: bool) -> _Kind:
    service_way = Way(
        "`services.search.search` (caller's GetItem + GSI3 Query)", service_search(table, firm, firm.owner_id, q)
    )
    endpoint = Way("`GET /search` (Chalice test client)", _endpoint(api, q))
    bare = Way(f"bare boto3: the first GSI3 Query (Limit {service.FIRST_PAGE})", _bare_tokens(table, firm, q))
    assert firm.baseline is not None
    scan = Way(
        "naive: Scan of the source items, filtered, to the end", _scan(firm, q), SLOW_EVERY, firm.baseline.client
    )
    _measure(table, [service_way, endpoint, bare, *([scan] if with_scan else [])], ROUNDS)
    full = _all_matches(firm, q)
    if with_scan:
        assert set(scan.found) == set(full), (q, len(scan.found), len(full))
    assert service_way.found == endpoint.found, q
    hits = service_way.found
    assert set(hits) <= set(full), q
    if len(rules.parse_query(q)) == 1:  # a multi-word search reads at most 630 entries, and may miss some
        assert len(hits) == min(len(full), rules.MAX_HITS), (q, len(hits), len(full))
    return _Kind(kind, q, service_way, endpoint, bare, scan if with_scan else None, full)


def search_table(kinds: list[_Kind]) -> list[str]:
    lines = [
        "| query | way | requests | read units | items read | hits (accounts) | median ms | p90 ms | Scan ÷ this |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for k in kinds:
        hits = f"{len(k.service.found)} of {len(k.full)}"
        lines += [
            _row(k.label, k.service, hits, k.scan),
            _row(k.label, k.endpoint, hits, k.scan),
            _row(k.label, k.bare, f"{len(k.bare.found)} among its entries", k.scan),
        ]
        if k.scan is not None:
            lines.append(_row(k.label, k.scan, f"{len(k.scan.found)} (all)", k.scan))
    return lines


def goal_table(kinds: list[_Kind]) -> list[str]:
    lines = [
        "| query | hits | the search's GSI3 Queries | their read units | goal: 1 Query, ≤ 1 RRU for 20 hits "
        "| Scan ÷ search (`services.search.search`, medians) | goal ≥ 20 |",
        "|---|---|---|---|---|---|---|",
    ]
    for k in kinds:
        queries, rru = k.service.usage.requests["Query"], k.service.usage.rru_by_op["Query"]
        met = queries == 1 and rru <= 1 and len(k.service.found) == min(rules.MAX_HITS, len(k.full))
        ratio = k.scan.median / k.service.median if k.scan is not None else None
        lines.append(
            f"| {k.label} | {len(k.service.found)} | {queries} | {rru:g} | {'met' if met else 'NOT met'} "
            f"| {f'{ratio:.0f}' if ratio else '—'} | {'—' if ratio is None else 'met' if ratio >= 20 else 'NOT met'} |"
        )
    return lines


def ranking_table(firm: Firm, searched: list[tuple[str, list[str]]]) -> list[str]:
    """Whether the 20 hits of each (query, hits) are the 20 best of every
    match by the documented order (exact before prefix; account name, contact
    name, e-mail, phone; then alphabetical), and whether matches by the
    account's name were left out while hits that match otherwise were shown."""
    lines = [
        "| query | accounts matching | of them by the account's name | through a contact (name or phone) | hits "
        "| hits among the 20 best of all matches | hits not by the account's name | name matches left out meanwhile |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for q, hits in searched:
        full = _all_matches(firm, q)
        terms = rules.parse_query(q)
        by_name = {a for a in full if rules.match(terms, firm.names[a], []) is not None}
        by_contact = {a for a in full if rules.match(terms, "", [], firm.people[a]) is not None}
        other = [a for a in hits if a not in by_name]
        left_out = len(by_name - set(hits)) if other else 0
        lines.append(
            f"| `{q}` | {len(full)} | {len(by_name)} | {len(by_contact)} | {len(hits)} "
            f"| {len(set(full[: rules.MAX_HITS]) & set(hits))} | {len(other)} | {left_out} |"
        )
    return lines


# --- the restricted employee -------------------------------------------------------------------


def _bare_team(table: Table, firm: Firm) -> Callable[[], list[str]]:
    values = to_wire({":pk": keys.team_list(firm.firm_id, firm.employee_id)})

    def run() -> list[str]:
        page = table.client.query(
            TableName=table.name,
            IndexName=keys.INDEX_LISTS_BY_NAME,
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues=values,
        )
        return [i["id"]["S"] for i in page["Items"]]

    return run


def _list_endpoint(api: Api, path: str) -> Callable[[], list[str]]:
    def run() -> list[str]:
        reply = api.get(path)
        assert reply.status == 200, reply.body
        return [a["id"] for a in reply.body["items"]]

    return run


def _filtered_firm_list(table: Table, firm: Firm) -> Callable[[], list[str]]:
    """A design without team lists: the firm's list filtered on the team, read to the end."""
    values = to_wire({":pk": keys.accounts_list(firm.firm_id), ":me": firm.employee_id})

    def run() -> list[str]:
        found: list[str] = []
        kwargs: dict[str, Any] = {
            "TableName": table.name,
            "IndexName": keys.INDEX_LISTS_BY_NAME,
            "KeyConditionExpression": "GSI1PK = :pk",
            "FilterExpression": "contains(team_member_ids, :me)",
            "ExpressionAttributeValues": values,
        }
        while True:
            page = table.client.query(**kwargs)
            found += [i["id"]["S"] for i in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    return run


def restricted_employee(table: Table, firm: Firm, api: Api) -> list[str]:
    team_name = firm.names[firm.team[0]]
    queries = (rules.words(team_name)[0][:3], "gmail")
    as_employee = "`services.search.search` as the employee (caller's GetItem + team list Query)"
    rows: list[tuple[str, Way]] = [
        (f"search `{q}`", Way(as_employee, service_search(table, firm, firm.employee_id, q))) for q in queries
    ]
    naive = Way("naive: the firm's list filtered on the team, to the end", _filtered_firm_list(table, firm), SLOW_EVERY)
    rows += [
        ("search (any query)", Way("bare boto3: the team list's GSI1 Query", _bare_team(table, firm))),
        ("clients list", Way("`GET /accounts` as the employee (page of 25)", _list_endpoint(api, "/accounts"))),
        ("clients list", Way("`GET /accounts?limit=50` as the employee", _list_endpoint(api, "/accounts?limit=50"))),
        ("clients list", naive),
    ]
    _measure(table, [w for _, w in rows], ROUNDS)
    for q, (_, way) in zip(queries, rows, strict=False):
        expected = _all_matches(firm, q, firm.team)
        assert way.found == expected[: rules.MAX_HITS], (q, way.found, expected)
    assert sorted(naive.found) == sorted(firm.team)
    lines = [
        "| read | way | requests | read units | items read | rows returned | median ms | p90 ms | naive list ÷ this |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for what, way in rows:
        u = way.usage
        ratio = f"{naive.median / way.median:.1f}" if what == "clients list" else "—"
        lines.append(
            f"| {what} | {way.label} | {u.requests_text()} | {u.units_text('read')} | {u.items_read} "
            f"| {len(way.found)} | {way.median:.2f} | {p90_ms(way.samples):.2f} | {ratio} |"
        )
    return lines
