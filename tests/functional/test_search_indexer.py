"""The search indexer (moto and DynamoDB Local): recomputed from the source,
so replays write nothing, an overlapping run that read older data cannot have
the last word, and a rebuild restores lost or damaged tokens."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from bench.common import metered
from chalicelib.repo import keys
from chalicelib.repo.search import SearchRepo, Source
from chalicelib.repo.table import Table
from chalicelib.services.search import desired_entries, rebuild, reindex
from devtools.stream_poller import LambdaContext
from tests.support.api import Api, TestFirm
from tests.support.factories import contact_spec, new_account, unique_email
from tests.support.stream import search_poller


def _stored(table: Table, firm: TestFirm, account_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    rows = table.query_all(pk=keys.account_pk(firm.firm_id, account_id), sk_prefix=keys.SEARCH_PREFIX, consistent=True)
    return {(r["PK"], r["SK"]): r for r in rows}


def _wanted(table: Table, firm: TestFirm, account_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    source = SearchRepo(table).source(firm.firm_id, account_id)
    assert source is not None
    return desired_entries(source.account, source.addresses, source.people)


def _names(api: Api, q: str) -> list[str]:
    r = api.get(f"/search?q={q}")
    assert r.status == 200, r.body
    return [h["name"] for h in r.body["items"]]


def test_replayed_records_write_nothing(api: Api, firm: TestFirm, table: Table) -> None:
    stream = search_poller(table)
    account = new_account(api, "Replay Partners", contacts=[contact_spec(emails=["replay@partners.example"])])
    stream.drain()
    stored = _stored(table, firm, account["id"])
    assert stored == _wanted(table, firm, account["id"]) and stored
    # Everything delivered again (a whole-batch retry): nothing to write.
    assert reindex(SearchRepo(table), firm.firm_id, account["id"]) == 0


def test_a_run_that_read_older_data_does_not_have_the_last_word(api: Api, firm: TestFirm, table: Table) -> None:
    account = new_account(api, "Oldname Holdings", contacts=[contact_spec(emails=["desk@holdings.example"])])
    account_id = account["id"]  # not indexed yet: the run below has tokens to write

    class Overtaken(SearchRepo):
        """Its first read is overtaken: the account is renamed and fully
        reindexed by another run before this one writes what it read."""

        overtaken = False
        reads = 0

        def sources(
            self, accounts: Sequence[tuple[str, str]], *, with_entries: bool = True
        ) -> dict[tuple[str, str], Source | None]:
            read = super().sources(accounts, with_entries=with_entries)
            self.reads += 1
            if not self.overtaken:
                self.overtaken = True
                r = api.patch(f"/accounts/{account_id}", {"name": "Newname Holdings"})
                assert r.status == 200, r.body
                assert reindex(SearchRepo(table), firm.firm_id, account_id) > 0
            return read

    late = Overtaken(table)
    assert reindex(late, firm.firm_id, account_id) > 0
    # It wrote what it had read, saw the source had moved on, and ran again.
    assert late.reads >= 3

    assert _stored(table, firm, account_id) == _wanted(table, firm, account_id)
    assert _names(api, "oldname") == []
    assert _names(api, "newname") == ["Newname Holdings"]


def test_rebuild_restores_lost_and_damaged_tokens(api: Api, firm: TestFirm, table: Table) -> None:
    stream = search_poller(table)
    account = new_account(api, "Rebuild Brothers", contacts=[contact_spec(emails=["office@rebuild.example"])])
    stream.drain()
    stored = _stored(table, firm, account["id"])
    lost, damaged = sorted(stored)[:2]
    table.delete_many([keys.Key(*lost)])
    table.write_many(puts=[{**stored[damaged], "n": "Someone Else"}])
    stray = {**stored[damaged], "SK": f"{keys.SEARCH_PREFIX}3#zzzstray", "GSI3SK": "zzzstray 0x"}
    table.write_many(puts=[stray])
    assert _stored(table, firm, account["id"]) != _wanted(table, firm, account["id"])

    assert rebuild(SearchRepo(table), firm.firm_id, [account["id"]]) == 3
    assert _stored(table, firm, account["id"]) == _wanted(table, firm, account["id"])
    assert _names(api, "zzzstray") == []


def test_records_that_cannot_change_the_index_cost_nothing(api: Api, firm: TestFirm, table: Table) -> None:
    stream = search_poller(table)
    account = new_account(api, "Quiet Ltd", contacts=[contact_spec(emails=["quiet@quiet.example"])])
    stream.drain()
    before = _stored(table, firm, account["id"])
    calls: list[str] = []

    def count(event_name: str, **_: Any) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    table.client.meta.events.register("before-call.dynamodb", count)
    try:
        # An address edit (the account's and the contact's) does not touch name,
        # type, archived, photo, addresses, contacts' names and phones or links.
        r = api.patch(f"/accounts/{account['id']}", {"address": {"city": "Lyon"}})
        assert r.status == 200, r.body
        contact_id = account["contacts"][0]["id"]
        r = api.patch(f"/contacts/{contact_id}", {"address": {"city": "Lyon"}})
        assert r.status == 200, r.body
        calls.clear()
        stream.drain()
    finally:
        table.client.meta.events.unregister("before-call.dynamodb", count)
    # Only the poller's own stream reads: the indexer read and wrote nothing.
    assert not {"Query", "BatchGetItem", "BatchWriteItem", "UpdateItem"} & set(calls), calls
    assert _stored(table, firm, account["id"]) == before


def test_rewritten_list_entries_get_the_addresses_again(api: Api, firm: TestFirm, table: Table) -> None:
    """An edit rewrites the account's list entries with the addresses the
    request read, which the indexer may have changed since: the indexer
    rewrites the copies after every edit."""
    stream = search_poller(table)
    employee_id, employee_token = firm.add_member("employee")
    account = new_account(
        api, "Copied Ltd", team_member_ids=[employee_id], contacts=[contact_spec(emails=["ledger@copied.example"])]
    )
    stream.drain()
    employee = api.as_(employee_token)
    assert [h["name"] for h in employee.get("/search?q=ledger@").body["items"]] == ["Copied Ltd"]

    # The race's outcome: the employee's list entry holds a stale copy.
    entry = keys.account_list_entry(firm.firm_id, account["id"], f"TEAM#{employee_id}")
    table.client.update_item(
        TableName=table.name,
        Key={"PK": {"S": entry.pk}, "SK": {"S": entry.sk}},
        UpdateExpression="SET contact_emails = :none",
        ExpressionAttributeValues={":none": {"L": []}},
    )
    assert employee.get("/search?q=ledger@").body["items"] == []

    # An edit's record (the edit's own rewrite of the entries is what the race
    # overtook, so change the account alone, bumping its version as edits do).
    tag = api.post("/tags", {"name": "Audit"}).body["id"]
    table.client.update_item(
        TableName=table.name,
        Key={"PK": {"S": keys.account_pk(firm.firm_id, account["id"])}, "SK": {"S": keys.ACCOUNT_SK}},
        UpdateExpression="SET tags = :tags ADD version :one",
        ExpressionAttributeValues={":tags": {"L": [{"S": tag}]}, ":one": {"N": "1"}},
    )
    stream.drain()
    assert [h["name"] for h in employee.get("/search?q=ledger@").body["items"]] == ["Copied Ltd"]


def _records_of(table: Table, create: Any) -> list[dict[str, Any]]:
    """The Lambda-shaped records the search mapping delivers for what ``create`` writes."""
    records: list[dict[str, Any]] = []

    def keep(event: dict[str, Any], context: Any) -> dict[str, Any]:
        records.extend(event["Records"])
        return {"batchItemFailures": []}

    stream = search_poller(table)
    stream.handler = keep
    create()
    stream.drain()
    return records


def test_a_batch_of_new_accounts_is_read_and_written_together(api: Api, firm: TestFirm, table: Table) -> None:
    """The indexer's round trips for a batch: a Query per account and pass,
    the contacts of all the batch's accounts in one BatchGet per pass, and
    their entries packed 25 to a BatchWriteItem whoever's they are (it made
    seven requests per account, each account's reads and writes apart)."""
    from app import index_search

    count = 20
    ids: list[str] = []

    def create() -> None:
        for i in range(count):
            email = unique_email(f"batch.{i}")
            ids.append(new_account(api, f"Batch{i:02d} Partners", contacts=[contact_spec(emails=[email])])["id"])

    records = _records_of(table, create)
    with metered(table.client) as usage:
        answer = index_search({"Records": records}, LambdaContext())
    assert answer == {"batchItemFailures": []}
    entries = sum(len(_stored(table, firm, a)) for a in ids)
    assert entries == sum(len(_wanted(table, firm, a)) for a in ids) and entries > count * 25
    assert usage.requests["BatchWriteItem"] == math.ceil(entries / 25)
    assert usage.requests["BatchGetItem"] == 2  # the linked contacts: to compute, then to check
    assert usage.requests["Query"] == 2 * count  # each account's partition: to compute, then to check
    assert usage.requests["UpdateItem"] == count  # the address copies on each account


def test_a_failed_write_fails_only_its_accounts_records(api: Api, firm: TestFirm, table: Table) -> None:
    from app import index_search

    accounts: list[dict[str, Any]] = []

    def create() -> None:
        for name in ("Alpha Works", "Broken Works", "Gamma Works"):
            accounts.append(new_account(api, name, contacts=[contact_spec(emails=[unique_email("works")])]))

    records = _records_of(table, create)
    broken = keys.account_pk(firm.firm_id, accounts[1]["id"])

    def refuse(params: dict[str, Any], **_: Any) -> None:
        requests = params["RequestItems"][table.name]
        if any(r.get("PutRequest", {}).get("Item", {}).get("PK") == {"S": broken} for r in requests):
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "injected"}}, "BatchWriteItem")

    table.client.meta.events.register("before-parameter-build.dynamodb.BatchWriteItem", refuse)
    try:
        answer = index_search({"Records": records}, LambdaContext())
    finally:
        table.client.meta.events.unregister("before-parameter-build.dynamodb.BatchWriteItem", refuse)
    failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
    # The broken account's records: its own and its link's, in its partition.
    theirs = {r["dynamodb"]["SequenceNumber"] for r in records if r["dynamodb"]["Keys"]["PK"]["S"] == broken}
    assert failed == theirs and theirs
    assert _names(api, "alpha") == ["Alpha Works"] and _names(api, "gamma") == ["Gamma Works"]
    assert _names(api, "broken") == []
    # Its records delivered again (the retry) index it.
    again = [r for r in records if r["dynamodb"]["SequenceNumber"] in failed]
    assert index_search({"Records": again}, LambdaContext()) == {"batchItemFailures": []}
    assert _names(api, "broken") == ["Broken Works"]


def test_a_creates_records_reindex_its_account_once_whatever_the_lanes(api: Api, firm: TestFirm, table: Table) -> None:
    """Records reach the indexer in lanes by partition key (a mapping's
    ParallelizationFactor, or shards): a create's account and link records
    share the account's partition, its new contact's record names no account,
    so each new account is read once to compute and once to check, not again
    from the contact's lane."""
    from app import index_search

    count = 10
    ids: list[str] = []

    def create() -> None:
        for i in range(count):
            email = unique_email(f"lane.{i}")
            ids.append(new_account(api, f"Lane{i:02d} Partners", contacts=[contact_spec(emails=[email])])["id"])

    records = _records_of(table, create)
    lanes: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        lanes.setdefault(r["dynamodb"]["Keys"]["PK"]["S"].split("#")[2], []).append(r)
    assert set(lanes) == {"ACCOUNT", "CONTACT"}
    with metered(table.client) as usage:
        for lane in lanes.values():
            assert index_search({"Records": lane}, LambdaContext()) == {"batchItemFailures": []}
    assert usage.requests["Query"] == 2 * count
    assert all(_stored(table, firm, a) == _wanted(table, firm, a) for a in ids)
