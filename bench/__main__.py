"""``make bench``: the Info tab's cost on DynamoDB Local (the real engine).

For accounts with 1, 5 and 25 contacts (2 e-mail addresses each, every
contact also linked to another account), measured side by side in one run:
- DynamoDB requests and consumed read units of ``GET /accounts/{id}``;
- its latency through the Chalice test client vs the bare boto3 calls it
  makes (same three requests, no HTTP/validation/JSON), interleaved;
- the consistent batch read the Info tab uses (it carries the caller's
  rights, which must take effect at once) vs the same batch read eventually
  consistent.
Prints a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

os.environ.update(
    AUTH_MODE="hs256",
    JWT_SECRET="bench-secret-0123456789-0123456789-0123456789",
    AWS_DEFAULT_REGION="us-east-1",
    DOSSIER_TABLE="dossier-bench",
)

from chalice.test import Client

from chalicelib.config import reset_settings
from chalicelib.repo import keys
from chalicelib.repo.schema import ensure_table
from chalicelib.repo.table import Table, reset_clients, to_wire
from chalicelib.text import email_key
from devtools.dynamodb_local import DynamoDBLocal
from tests.support.api import Api, make_firm

ROUNDS = 150


@contextmanager
def metered(table: Table) -> Iterator[dict[str, float]]:
    """Count requests and sum consumed read units (asked for on every call)."""
    totals = {"requests": 0.0, "rru": 0.0}

    def ask(params: dict[str, Any], **_: Any) -> None:
        params["ReturnConsumedCapacity"] = "TOTAL"

    def add(parsed: dict[str, Any], **_: Any) -> None:
        totals["requests"] += 1
        used = parsed.get("ConsumedCapacity")
        for entry in used if isinstance(used, list) else [used] if used else []:
            totals["rru"] += float(entry.get("CapacityUnits", 0))

    events = table.client.meta.events
    events.register("provide-client-params.dynamodb", ask)
    events.register("after-call.dynamodb", add)
    try:
        yield totals
    finally:
        events.unregister("provide-client-params.dynamodb", ask)
        events.unregister("after-call.dynamodb", add)


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


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> int:
    with DynamoDBLocal() as server:
        os.environ["DYNAMODB_ENDPOINT"] = server.endpoint
        reset_settings()
        reset_clients()
        table = Table.from_settings()
        ensure_table(table.client, table.name)
        firm = make_firm(table, "Bench & Co")
        from app import app

        rows = []
        with Client(app) as client:
            api = Api(client, firm.owner_token)
            for people in (1, 5, 25):
                account_id = _account(api, people)
                path = f"/accounts/{account_id}"
                with metered(table) as info:
                    assert api.get(path).status == 200
                bare = _bare(table, firm.firm_id, firm.owner_id, account_id)
                batch_keys = [keys.member(firm.firm_id, firm.owner_id)] + [
                    keys.contact(firm.firm_id, c["id"]) for c in api.get(path).body["contacts"]
                ]
                with metered(table) as strong:
                    table.batch_get(batch_keys, consistent=True)
                with metered(table) as eventual:
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
                        int(info["requests"]),
                        info["rru"],
                        strong["rru"],
                        eventual["rru"],
                        _median_ms(endpoint_t),
                        _median_ms(bare_t),
                    )
                )
    print(
        "| contacts | requests | read units (Info tab) | batch of caller+contacts: consistent / eventual RRU "
        "| endpoint median ms | bare boto3 median ms | ratio |"
    )
    print("|---|---|---|---|---|---|---|")
    for people, requests, rru, strong_rru, eventual_rru, endpoint_ms, bare_ms in rows:
        print(
            f"| {people} | {requests} | {rru:g} | {strong_rru:g} / {eventual_rru:g} "
            f"| {endpoint_ms:.2f} | {bare_ms:.2f} | {endpoint_ms / bare_ms:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
