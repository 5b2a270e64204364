"""The search indexer (moto and DynamoDB Local): recomputed from the source,
so replays write nothing, an overlapping run that read older data cannot have
the last word, and a rebuild restores lost or damaged tokens."""

from __future__ import annotations

from typing import Any

from chalicelib.repo import keys
from chalicelib.repo.search import SearchRepo, Source
from chalicelib.repo.table import Table
from chalicelib.services.search import desired_entries, rebuild, reindex
from tests.support.api import Api, TestFirm
from tests.support.factories import contact_spec, new_account
from tests.support.stream import search_poller


def _stored(table: Table, firm: TestFirm, account_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    rows = table.query_all(pk=keys.account_pk(firm.firm_id, account_id), sk_prefix=keys.SEARCH_PREFIX, consistent=True)
    return {(r["PK"], r["SK"]): r for r in rows}


def _wanted(table: Table, firm: TestFirm, account_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    source = SearchRepo(table).source(firm.firm_id, account_id)
    assert source is not None
    return desired_entries(source.account, source.addresses)


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

        def source(self, firm_id: str, account_id: str, *, with_entries: bool = True) -> Source | None:
            read = super().source(firm_id, account_id, with_entries=with_entries)
            self.reads += 1
            if not self.overtaken:
                self.overtaken = True
                r = api.patch(f"/accounts/{account_id}", {"name": "Newname Holdings"})
                assert r.status == 200, r.body
                assert reindex(SearchRepo(table), firm_id, account_id) > 0
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
        # An address edit and a contact's phone change do not touch name, type,
        # archived, photo, addresses or links.
        r = api.patch(f"/accounts/{account['id']}", {"address": {"city": "Lyon"}})
        assert r.status == 200, r.body
        contact_id = account["contacts"][0]["id"]
        r = api.patch(f"/contacts/{contact_id}", {"phones": [{"number": "+33 1 23 45 67 89"}]})
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
