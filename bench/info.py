"""The Info tab (``GET /accounts/{id}``) on DynamoDB Local.

For accounts with 1, 5 and 25 contacts (2 e-mail addresses each, every
contact also linked to another account), measured side by side in one run:
- DynamoDB requests and consumed read units of ``GET /accounts/{id}``;
- its latency through the Chalice test client vs the bare boto3 calls it
  makes (same three requests, no HTTP/validation/JSON), interleaved;
- the consistent batch read the Info tab uses (it carries the caller's
  rights, which must take effect at once) vs the same batch read eventually
  consistent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice
from chalice.test import Client

from bench.common import median_ms, metered
from chalicelib.domain.text import email_key
from chalicelib.repo import keys
from chalicelib.repo.table import Table, to_wire
from tests.support.api import Api, make_firm

ROUNDS = 150


def _contacts(n: int, tag: str) -> list[dict[str, Any]]:
    return [
        {"first_name": f"P{i:02d}", "last_name": tag, "emails": [f"p{i}.{tag}@a.example", f"p{i}.{tag}@b.example"]}
        for i in range(n)
    ]


def _account(api: Api, people: int) -> str:
    first = min(people, 10)  # one create is one transaction (<= 100 items)
    r = api.post("/accounts", {"name": f"Bench {people}", "type": "other", "contacts": _contacts(first, str(people))})
    assert r.status == 201, r.body
    account_id: str = r.body["id"]
    for person in _contacts(people, str(people))[first:]:
        assert api.post(f"/accounts/{account_id}/contacts", person).status == 201
    for i, contact in enumerate(api.get(f"/accounts/{account_id}").body["contacts"]):
        side = {"name": f"Side {people}-{i}", "type": "company", "contacts": [{"contact_id": contact["id"]}]}
        assert api.post("/accounts", side).status == 201
    return account_id


def _bare(table: Table, firm_id: str, member_id: str, account_id: str) -> Callable[[], None]:
    """The Info tab's three requests with boto3 alone (keys known in advance
    for the last two, as they are after the first)."""
    view = table.query_all(pk=keys.account_pk(firm_id, account_id), sk_prefix=keys.ACCOUNT_SK)
    contact_ids = [i["contact_id"] for i in view if i["entity"] == keys.ACCOUNT_CONTACT]
    contacts = table.batch_get([keys.contact(firm_id, c) for c in contact_ids])
    second = [keys.member(firm_id, member_id)] + [keys.contact(firm_id, c) for c in contact_ids]
    third = [keys.email(firm_id, email_key(a)) for c in contacts for a in c["emails"]] + [
        keys.account(firm_id, a) for c in contacts for a in c.get("account_ids", set()) if a != account_id
    ]
    client = table.client

    def run() -> None:
        client.query(
            TableName=table.name,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
            ExpressionAttributeValues=to_wire({":pk": keys.account_pk(firm_id, account_id), ":sk": keys.ACCOUNT_SK}),
        )
        for wanted, consistent in ((second, True), (third, False)):
            request: dict[str, Any] = {
                table.name: {"Keys": [to_wire(k.as_dict()) for k in wanted], "ConsistentRead": consistent}
            }
            client.batch_get_item(RequestItems=request)

    return run


def run(table: Table, app: Chalice) -> str:
    """Measure; the results as a Markdown table."""
    firm = make_firm(table, "Bench & Co")
    rows = []
    with Client(app) as client:
        api = Api(client, firm.owner_token)
        for people in (1, 5, 25):
            account_id = _account(api, people)
            path = f"/accounts/{account_id}"
            with metered(table.client) as info:
                assert api.get(path).status == 200
            bare = _bare(table, firm.firm_id, firm.owner_id, account_id)
            batch_keys = [keys.member(firm.firm_id, firm.owner_id)] + [
                keys.contact(firm.firm_id, c["id"]) for c in api.get(path).body["contacts"]
            ]
            with metered(table.client) as strong:
                table.batch_get(batch_keys, consistent=True)
            with metered(table.client) as eventual:
                table.batch_get(batch_keys, consistent=False)
            endpoint_t: list[float] = []
            bare_t: list[float] = []
            for _ in range(ROUNDS):  # interleaved, so machine noise hits both alike
                start = time.perf_counter()
                api.get(path)
                endpoint_t.append(time.perf_counter() - start)
                start = time.perf_counter()
                bare()
                bare_t.append(time.perf_counter() - start)
            rows.append(
                (
                    people,
                    info.total_requests,
                    info.rru,
                    strong.rru,
                    eventual.rru,
                    median_ms(endpoint_t),
                    median_ms(bare_t),
                )
            )
    lines = [
        "| contacts | requests | read units (Info tab) | batch of caller+contacts: consistent / eventual RRU "
        "| endpoint median ms | bare boto3 median ms | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for people, requests, rru, strong_rru, eventual_rru, endpoint_ms, bare_ms in rows:
        lines.append(
            f"| {people} | {requests} | {rru:g} | {strong_rru:g} / {eventual_rru:g} "
            f"| {endpoint_ms:.2f} | {bare_ms:.2f} | {endpoint_ms / bare_ms:.2f} |"
        )
    return "\n".join(lines)
