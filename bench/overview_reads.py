"""The ways of reading the Overview tab (the endpoint per role, bare boto3
Queries, the naive per-section design), measured side by side, and the size
of the items the Query returns."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.common import Usage, interleaved, item_bytes, median_ms, metered, ok, p90_ms
from bench.overview_seed import Seeded
from chalicelib.domain.sections import OVERVIEW_SIZE, SECTIONS
from chalicelib.repo import keys
from chalicelib.repo.table import Table, to_wire
from tests.support.api import Api
from tests.support.tokens import member_token

ROUNDS = 150


# --- the three ways of reading the overview ----------------------------------------------------


def bare_query(table: Table, seed: Seeded) -> Callable[[], Any]:
    """The overview's Query with boto3 alone (no HTTP, token, decoding or JSON)."""
    values = to_wire(
        {":pk": keys.account_pk(seed.firm_id, seed.account_id), ":lo": keys.OVERVIEW_PREFIX, ":hi": keys.ACCOUNT_SK}
    )

    def run() -> Any:
        return table.client.query(
            TableName=table.name,
            KeyConditionExpression="PK = :pk AND SK BETWEEN :lo AND :hi",
            ExpressionAttributeValues=values,
        )

    return run


def _bare_pair(table: Table, seed: Seeded) -> Callable[[], None]:
    """The endpoint's two reads one after the other (as before issue 20 for a
    caller off the team): the overview's Query, then the caller's consistent GetItem."""
    query = bare_query(table, seed)
    key = to_wire(keys.member(seed.firm_id, seed.owner_id).as_dict())

    def run() -> None:
        query()
        table.client.get_item(TableName=table.name, Key=key, ConsistentRead=True)

    return run


_POOL = ThreadPoolExecutor(2)


def _bare_pair_beside(table: Table, seed: Seeded) -> Callable[[], None]:
    """The same two reads issued together, the GetItem on a thread pool (the endpoint's way since issue 20)."""
    query = bare_query(table, seed)
    key = to_wire(keys.member(seed.firm_id, seed.owner_id).as_dict())

    def run() -> None:
        caller = _POOL.submit(table.client.get_item, TableName=table.name, Key=key, ConsistentRead=True)
        query()
        caller.result()

    return run


def _naive(table: Table, seed: Seeded) -> Callable[[], None]:
    """A design without overview items: every section's newest five qualifying
    items from the sparse index (13 Queries), and the account for the header."""
    pk = keys.account_pk(seed.firm_id, seed.account_id)
    key = to_wire(keys.account(seed.firm_id, seed.account_id).as_dict())
    client = table.client

    def run() -> None:
        for section in SECTIONS:
            client.query(
                TableName=table.name,
                IndexName=keys.INDEX_CURRENT,
                KeyConditionExpression="PK = :pk AND begins_with(LSI2SK, :s)",
                ExpressionAttributeValues=to_wire({":pk": pk, ":s": f"{section}#"}),
                ScanIndexForward=False,
                Limit=OVERVIEW_SIZE,
            )
        client.get_item(TableName=table.name, Key=key)

    return run


# --- measuring -------------------------------------------------------------------------------


def _check_full(overview: dict[str, Any]) -> None:
    for key in SECTIONS:
        section = overview[key]
        assert len(section["items"]) == OVERVIEW_SIZE and section["has_more"], (key, section)


def _raw_get(api: Api, path: str) -> Callable[[], Any]:
    """The endpoint without the test helper's parsing of the response body
    (the bare Query is not charged for a client's work either)."""
    headers = {"Authorization": f"Bearer {api.token}"}

    def run() -> Any:
        response = api.client.http.get(path, headers=headers)
        assert response.status_code == 200
        return response.body

    return run


def read_table(table: Table, seed: Seeded) -> list[str]:
    path = f"{seed.base}/overview"
    owner = seed.api
    # A member of the account's team: the account item in the Query proves they may open it.
    team = Api(owner.client, member_token(seed.member_ids[0], "member0@firm.example"))
    ok(team.get("/me"))  # the first sign-in binds the member: not part of what is measured
    admin = Api(owner.client, seed.admin_token)
    ok(admin.get("/me"))
    bare, naive = bare_query(table, seed), _naive(table, seed)
    pair, beside = _bare_pair(table, seed), _bare_pair_beside(table, seed)
    with metered(table.client) as team_use:
        _check_full(ok(team.get(path)))
    with metered(table.client) as admin_use:
        _check_full(ok(admin.get(path)))
    with metered(table.client) as owner_use:
        _check_full(ok(owner.get(path)))
    with metered(table.client) as bare_use:
        items: list[dict[str, Any]] = bare()["Items"]
    with metered(table.client) as pair_use:
        pair()
    with metered(table.client) as beside_use:
        beside()
    with metered(table.client) as naive_use:
        naive()
    candidates = [_raw_get(team, path), _raw_get(admin, path), _raw_get(owner, path), bare, pair, beside, naive]
    interleaved(candidates, 10)  # warm-up
    team_t, admin_t, owner_t, bare_t, pair_t, beside_t, naive_t = interleaved(candidates, ROUNDS)
    lines = [
        "| read of the Overview tab | requests | read units | median ms | p90 ms "
        "| ÷ bare Query (median) | team member's endpoint ÷ this | owner's endpoint ÷ this |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, use, samples in (
        ("`GET /accounts/{id}/overview` as a member of the account's team (employee)", team_use, team_t),
        ("`GET /accounts/{id}/overview` as an admin (not on the team)", admin_use, admin_t),
        ("`GET /accounts/{id}/overview` as the owner (not on the team)", owner_use, owner_t),
        ("bare boto3 Query of the same key range", bare_use, bare_t),
        ("bare boto3 Query, then the caller's consistent GetItem (one after the other)", pair_use, pair_t),
        ("bare boto3 Query and the caller's consistent GetItem at once (GetItem on a thread)", beside_use, beside_t),
        (f"naive: {len(SECTIONS)} LSI2 Queries (newest 5) + GetItem, boto3, one after another", naive_use, naive_t),
    ):
        lines.append(
            f"| {label} | {use.requests_text()} | {use.units_text('read')} | {median_ms(samples):.2f} "
            f"| {p90_ms(samples):.2f} | {median_ms(samples) / median_ms(bare_t):.2f} "
            f"| {median_ms(team_t) / median_ms(samples):.2f} | {median_ms(owner_t) / median_ms(samples):.2f} |"
        )
    lines += [
        "",
        f"Goal (issue 20): every role's endpoint at most 1.15 times the bare Query's median: team member "
        f"{median_ms(team_t) / median_ms(bare_t):.2f} times, admin {median_ms(admin_t) / median_ms(bare_t):.2f} times, "
        f"owner {median_ms(owner_t) / median_ms(bare_t):.2f} times. The two reads at once take "
        f"{median_ms(beside_t) / median_ms(pair_t):.2f} times the time of the two one after the other.",
    ]
    lines += ["", *_size_table(items, bare_use)]
    return lines


def _size_table(items: list[dict[str, Any]], bare_use: Usage) -> list[str]:
    overviews = [i for i in items if i["entity"]["S"] == keys.OVERVIEW]
    accounts = [i for i in items if i["entity"]["S"] == keys.ACCOUNT]
    assert len(overviews) == len(SECTIONS) and len(accounts) == 1, [i["SK"] for i in items]
    summaries = sum(len(json.loads(i["s"]["S"])) for i in overviews)
    overview_bytes = sum(item_bytes(i) for i in overviews)
    rows_bytes = sum(len(i["s"]["S"].encode()) for i in overviews)
    account_bytes = item_bytes(accounts[0])
    total = overview_bytes + account_bytes
    return [
        "| items the overview's Query returns | count | bytes | bytes each | bytes per summary |",
        "|---|---|---|---|---|",
        f"| overview items ({summaries // len(overviews)} summaries each) | {len(overviews)} | {overview_bytes} "
        f"| {overview_bytes / len(overviews):.0f} | {overview_bytes / summaries:.0f} |",
        f"| of which the summary rows (`s`, compact JSON) | {len(overviews)} | {rows_bytes} "
        f"| {rows_bytes / len(overviews):.0f} | {rows_bytes / summaries:.0f} |",
        f"| account item (header) | 1 | {account_bytes} | {account_bytes} | |",
        f"| the whole Query: {len(items)} items, {summaries} summaries | {len(items)} | {total} "
        f"| | {total / summaries:.0f} |",
        "",
        f"One eventually consistent Query is billed 0.5 RRU per started 4 KB of all the items it reads: "
        f"ceil({total} / 4096) * 0.5 = {math.ceil(total / 4096) * 0.5:g} RRU (DynamoDB Local reported "
        f"{bare_use.rru:g}). Bytes are attribute names plus values by DynamoDB's sizing rules.",
    ]
