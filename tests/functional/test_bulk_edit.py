"""POST /accounts/bulk (docs/api.md "Data in and out"): per-account rights and
answers, whole-or-nothing per account, the clients list's filters after a
change, refused bodies writing nothing, version clashes, the Idempotency-Key,
and the DynamoDB requests a 100-account edit takes.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.adapters.config import reset_settings
from chalicelib.domain.ids import new_id
from chalicelib.repo import keys
from chalicelib.repo.table import Table, to_wire
from tests.support.api import Api, TestFirm, make_firm, snapshot
from tests.support.factories import create_account, list_all, new_tag
from tests.support.problems import assert_refused
from tests.support.stream import search_poller

BULK = "/accounts/bulk"


@pytest.fixture(autouse=True)
def _one_writer_on_moto(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """On moto, one write at a time: moto's TransactWriteItems backs up the whole table and restores it when
    the transaction fails, undoing another thread's write meanwhile. DynamoDB Local runs the writers as
    deployed (four at once)."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("table") == "moto":
        monkeypatch.setenv("BULK_WRITERS", "1")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def _results(reply: Any) -> dict[str, dict[str, Any]]:
    assert reply.status == 200, reply.body
    return {r["account_id"]: r for r in reply.body["results"]}


def _status(result: dict[str, Any]) -> int:
    return 200 if result["status"] == "ok" else int(result["problem"]["status"])


def _account(api: Api, account_id: str) -> dict[str, Any]:
    r = api.get(f"/accounts/{account_id}")
    assert r.status == 200, r.body
    body: dict[str, Any] = r.body
    return body


def _tag_ids(account: dict[str, Any]) -> list[str]:
    return [t["id"] for t in account["tags"]]


def _team_ids(account: dict[str, Any]) -> list[str]:
    return [m["id"] for m in account["team_members"]]


def _listed(api: Api, query: str) -> set[str]:
    return {a["id"] for a in list_all(api, f"/accounts?{query}")}


@contextmanager
def _dynamodb_calls(table: Table) -> Iterator[Counter[str]]:
    """The DynamoDB operations sent meanwhile, by name."""
    seen: Counter[str] = Counter()

    def count(event_name: str, **_: Any) -> None:
        seen[event_name.rsplit(".", 1)[-1]] += 1

    events = table.client.meta.events
    events.register("provide-client-params.dynamodb.*", count, unique_id="bulk-count")
    try:
        yield seen
    finally:
        events.unregister("provide-client-params.dynamodb.*", unique_id="bulk-count")


# --- rights, per account -----------------------------------------------------------------------


def test_rights_are_checked_per_account_and_the_others_change(client: Client, firm: TestFirm, api: Api) -> None:
    manager_id, manager_token = firm.add_member("employee", manage=True)
    _, viewer_token = firm.add_member("employee", view_all=True)  # opens every account, edits none
    tag = new_tag(api, "Payroll")
    mine = [create_account(api, f"Mine {i}", team=[manager_id])["id"] for i in range(2)]
    others = create_account(api, "Someone else's")["id"]  # the manager may not open it
    archived = create_account(api, "Archived", team=[manager_id])["id"]
    assert api.delete(f"/accounts/{archived}").status == 204
    foreign = create_account(Api(client, make_firm(firm.table).owner_token), "Other firm")["id"]
    absent = new_id()
    ids = [*mine, others, archived, foreign, absent]

    answer = _results(Api(client, manager_token).post(BULK, {"account_ids": ids, "add_tags": [tag], "type": "other"}))

    assert [r for r in answer] == ids, "one result per account, in order"
    assert {i: _status(answer[i]) for i in ids} == {
        mine[0]: 200,
        mine[1]: 200,
        others: 404,
        archived: 409,
        foreign: 404,
        absent: 404,
    }
    for account_id in mine:
        account = _account(api, account_id)
        assert (_tag_ids(account), account["type"]) == ([tag], "other")
        assert answer[account_id]["version"] == account["version"]
    assert answer[archived]["problem"]["code"] == "account_archived"
    # an account the caller may not open answers as the single edit does, like one that does not exist
    single = Api(client, manager_token).patch(f"/accounts/{others}", {"type": "other"})
    assert answer[others]["problem"] == single.body == answer[absent]["problem"] == answer[foreign]["problem"]
    assert (_tag_ids(_account(api, others)), _account(api, others)["type"]) == ([], "company")

    # opens every account, manages none: 403 for each (the single edit's problem), nothing written
    before = snapshot(firm.table)
    viewed = _results(Api(client, viewer_token).post(BULK, {"account_ids": [*mine, others], "remove_tags": [tag]}))
    assert {_status(r) for r in viewed.values()} == {403}
    assert viewed[others]["problem"] == Api(client, viewer_token).patch(f"/accounts/{others}", {"tags": []}).body
    assert snapshot(firm.table) == before


def test_an_account_that_cannot_take_the_change_is_left_whole(api: Api) -> None:
    """One account would exceed 20 tags: none of its changes (the type either) is
    written; the other account takes them all."""
    full_tags = [new_tag(api, f"T{i}") for i in range(20)]
    extra = new_tag(api, "Extra")
    full = create_account(api, "Full", tags=full_tags)
    roomy = create_account(api, "Roomy")["id"]

    answer = _results(api.post(BULK, {"account_ids": [full["id"], roomy], "add_tags": [extra], "type": "individual"}))

    assert answer[full["id"]]["problem"]["code"] == "too_many_tags"
    after = _account(api, full["id"])
    assert (_tag_ids(after), after["type"], after["version"]) == (full_tags, "company", full["version"])
    assert (_tag_ids(_account(api, roomy)), _account(api, roomy)["type"]) == ([extra], "individual")


# --- derived data: the clients list's filters ---------------------------------------------------------


def test_the_list_filters_follow_a_bulk_change(api: Api, firm: TestFirm) -> None:
    member_id, _ = firm.add_member("employee")
    leaver_id, _ = firm.add_member("employee")
    old_tag, new = new_tag(api, "Old"), new_tag(api, "New")
    ids = [create_account(api, f"Client {i}", tags=[old_tag], team=[leaver_id])["id"] for i in range(3)]
    untouched = create_account(api, "Untouched", tags=[old_tag], team=[leaver_id])["id"]
    body = {
        "account_ids": ids,
        "add_tags": [new],
        "remove_tags": [old_tag],
        "add_team_member_ids": [member_id],
        "remove_team_member_ids": [leaver_id],
    }

    assert {r["status"] for r in _results(api.post(BULK, body)).values()} == {"ok"}

    assert _listed(api, f"tag={new}") == set(ids)
    assert _listed(api, f"tag={old_tag}") == {untouched}
    assert _listed(api, f"team_member={member_id}") == set(ids)
    assert _listed(api, f"team_member={leaver_id}") == {untouched}
    assert _listed(api, f"tag={new}&team_member={member_id}") == set(ids)
    for account_id in ids:
        account = _account(api, account_id)
        assert (_tag_ids(account), _team_ids(account)) == ([new], [member_id])


def test_search_follows_a_bulk_change(client: Client, api: Api, firm: TestFirm, table: Table) -> None:
    """The search index is kept from the change stream, as for a single edit: the hits' type changes, and an
    employee who sees only their team's accounts finds the ones they were added to."""
    stream = search_poller(table)
    employee_id, employee_token = firm.add_member("employee")
    joined = create_account(api, "Zephyr Joined")["id"]
    apart = create_account(api, "Zephyr Apart")["id"]
    stream.drain()
    body = {"account_ids": [joined], "add_team_member_ids": [employee_id], "type": "individual"}
    assert _results(api.post(BULK, body))[joined]["status"] == "ok"
    stream.drain()

    hits = {h["account_id"]: h["type"] for h in api.get("/search?q=zephyr").body["items"]}
    assert hits == {joined: "individual", apart: "company"}
    assert [h["account_id"] for h in Api(client, employee_token).get("/search?q=zephyr").body["items"]] == [joined]


def test_an_account_already_as_asked_answers_ok_and_is_not_written(api: Api, firm: TestFirm) -> None:
    tag = new_tag(api, "Done")
    account = create_account(api, "Done already", tags=[tag])
    before = snapshot(firm.table)
    answer = _results(api.post(BULK, {"account_ids": [account["id"]], "add_tags": [tag]}))
    assert answer[account["id"]] == {
        "account_id": account["id"],
        "status": "ok",
        "problem": None,
        "version": account["version"],
    }
    assert snapshot(firm.table) == before


# --- the request refused as a whole --------------------------------------------------------------------


def _bad_bodies(account_id: str, tag: str, member_id: str) -> dict[str, tuple[int, dict[str, Any], str]]:
    return {
        "101 accounts": (400, {"account_ids": [new_id() for _ in range(101)], "type": "other"}, "invalid_body"),
        "no account": (400, {"account_ids": [], "type": "other"}, "invalid_body"),
        "an account twice": (400, {"account_ids": [account_id, account_id], "type": "other"}, "duplicate_account_ids"),
        "no change": (400, {"account_ids": [account_id]}, "nothing_to_change"),
        "empty changes": (400, {"account_ids": [account_id], "add_tags": [], "remove_tags": []}, "nothing_to_change"),
        "tag added and removed": (
            400,
            {"account_ids": [account_id], "add_tags": [tag], "remove_tags": [tag]},
            "added_and_removed",
        ),
        "member added and removed": (
            400,
            {"account_ids": [account_id], "add_team_member_ids": [member_id], "remove_team_member_ids": [member_id]},
            "added_and_removed",
        ),
        "unknown field": (400, {"account_ids": [account_id], "type": "other", "name": "X"}, "invalid_body"),
        "bad type": (400, {"account_ids": [account_id], "type": "person"}, "invalid_body"),
        "id not a string": (400, {"account_ids": [7], "type": "other"}, "invalid_body"),
        "null list": (400, {"account_ids": [account_id], "add_tags": None}, "invalid_body"),
        "21 tags": (400, {"account_ids": [account_id], "add_tags": [tag] * 21}, "invalid_body"),
        "version of another account": (
            400,
            {"account_ids": [account_id], "type": "other", "versions": {new_id(): 1}},
            "invalid_body",
        ),
        "unknown tag": (422, {"account_ids": [account_id], "add_tags": [tag, new_id()]}, "unknown_reference"),
        "unknown member": (422, {"account_ids": [account_id], "add_team_member_ids": [new_id()]}, "unknown_reference"),
    }


CASES = list(_bad_bodies("a", "t", "m"))


@pytest.mark.parametrize("case", CASES)
def test_a_bad_request_is_refused_whole_and_writes_nothing(api: Api, firm: TestFirm, table: Table, case: str) -> None:
    member_id, _ = firm.add_member("employee")
    tag = new_tag(api, "Known")
    account_id = create_account(api, "Acme")["id"]
    status, body, code = _bad_bodies(account_id, tag, member_id)[case]
    refused = assert_refused(table, status, lambda: api.post(BULK, body, headers={"Idempotency-Key": new_id()}))
    assert refused["code"] == code


def test_malformed_json_is_refused(api: Api, table: Table) -> None:
    assert_refused(table, 400, lambda: api.call("POST", BULK, raw=b'{"account_ids": ['))


# --- version clashes -------------------------------------------------------------------------------------


def test_a_stale_version_leaves_that_account_unchanged_and_the_others_change(api: Api) -> None:
    tag = new_tag(api, "Q4")
    stale = create_account(api, "Stale")
    fresh = create_account(api, "Fresh")
    assert api.patch(f"/accounts/{stale['id']}", {"name": "Stale (edited meanwhile)"}).status == 200
    body = {
        "account_ids": [stale["id"], fresh["id"]],
        "add_tags": [tag],
        "versions": {stale["id"]: stale["version"], fresh["id"]: fresh["version"]},
    }

    answer = _results(api.post(BULK, body))

    assert answer[stale["id"]]["problem"]["code"] == "version_mismatch"
    assert _status(answer[stale["id"]]) == 412
    assert _tag_ids(_account(api, stale["id"])) == []
    assert (answer[fresh["id"]]["status"], _tag_ids(_account(api, fresh["id"]))) == ("ok", [tag])


def _concurrent_writer(table: Table, firm_id: str, account_id: str) -> list[int]:
    """Just before the bulk edit's write of ``account_id``, another request edits
    that account (once): its version moves on under the bulk edit."""
    fired: list[int] = []
    target = to_wire(keys.account(firm_id, account_id).as_dict())

    def edit_first(params: dict[str, Any], **_: Any) -> None:
        touches = any(op.get("Update", {}).get("Key") == target for op in params.get("TransactItems", []))
        if touches and not fired:
            fired.append(1)
            table.client.update_item(
                TableName=table.name,
                Key=target,
                UpdateExpression="SET #v = #v + :one, #kind = :kind",
                ExpressionAttributeNames={"#v": "version", "#kind": "quickbooks_sync_mode"},
                ExpressionAttributeValues={":one": {"N": "1"}, ":kind": {"S": "never"}},
            )

    table.client.meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems", edit_first, unique_id="bulk-race"
    )
    return fired


@pytest.mark.parametrize("pinned", [True, False], ids=["versions given", "no versions"])
def test_a_write_meanwhile_on_one_account(api: Api, firm: TestFirm, table: Table, pinned: bool) -> None:
    """With its version given, the account edited meanwhile answers 412 and keeps
    the other request's change only; without, it is read again and takes both
    (the single edit's behaviour without If-Match). The others change either way."""
    tag = new_tag(api, "Race")
    raced = create_account(api, "Raced")
    calm = create_account(api, "Calm")
    body: dict[str, Any] = {"account_ids": [raced["id"], calm["id"]], "add_tags": [tag]}
    if pinned:
        body["versions"] = {raced["id"]: raced["version"]}
    fired = _concurrent_writer(table, firm.firm_id, raced["id"])
    try:
        answer = _results(api.post(BULK, body))
    finally:
        table.client.meta.events.unregister("provide-client-params.dynamodb.TransactWriteItems", unique_id="bulk-race")

    assert fired == [1]
    after = _account(api, raced["id"])
    assert after["quickbooks"]["sync_mode"] == "never", "the other request's change stays"
    if pinned:
        assert answer[raced["id"]]["problem"]["code"] == "version_mismatch"
        assert (_tag_ids(after), after["version"]) == ([], raced["version"] + 1)
    else:
        assert answer[raced["id"]]["status"] == "ok"
        assert (_tag_ids(after), after["version"]) == ([tag], raced["version"] + 2)
    assert (answer[calm["id"]]["status"], _tag_ids(_account(api, calm["id"]))) == ("ok", [tag])


# --- Idempotency-Key ---------------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_answers_the_first_answer(api: Api, firm: TestFirm) -> None:
    tag = new_tag(api, "Once")
    account = create_account(api, "Once")
    body = {"account_ids": [account["id"]], "add_tags": [tag], "versions": {account["id"]: account["version"]}}
    first = api.post(BULK, body, headers={"Idempotency-Key": "bulk-1"})
    assert _results(first)[account["id"]]["status"] == "ok"
    before = snapshot(firm.table)

    again = api.post(BULK, body, headers={"Idempotency-Key": "bulk-1"})

    assert (again.status, again.body) == (first.status, first.body), "not a 412 for the version it changed"
    assert snapshot(firm.table) == before
    other = dict(body, type="other")
    refused = assert_refused(firm.table, 422, lambda: api.post(BULK, other, headers={"Idempotency-Key": "bulk-1"}))
    assert refused["code"] == "idempotency_key_reused"
    fresh_key = api.post(BULK, body, headers={"Idempotency-Key": "bulk-2"})
    assert _status(_results(fresh_key)[account["id"]]) == 412


# --- cost: a hundred accounts ---------------------------------------------------------------------------------


def test_a_hundred_accounts_are_read_in_batches_and_written_once_each(api: Api, firm: TestFirm, table: Table) -> None:
    member_id, _ = firm.add_member("employee")
    tag = new_tag(api, "Hundred")
    ids = [create_account(api, f"Client {i:03}")["id"] for i in range(100)]
    body = {"account_ids": ids, "add_tags": [tag], "add_team_member_ids": [member_id], "type": "other"}

    with _dynamodb_calls(table) as calls:
        answer = _results(api.post(BULK, body))

    assert {r["status"] for r in answer.values()} == {"ok"}
    # the caller's token check (one GetItem), two BatchGetItems (100 keys each at most), one write per account
    assert calls["BatchGetItem"] == 2, calls
    assert calls["TransactWriteItems"] == 100, calls
    assert calls["GetItem"] <= 1, calls
    assert set(calls) <= {"BatchGetItem", "TransactWriteItems", "GetItem"}, calls
    assert _listed(api, f"tag={tag}&team_member={member_id}") == set(ids)


def test_the_document_offers_the_idempotency_key() -> None:
    import app  # noqa: F401  (registers every route)
    from chalicelib.handlers.http.openapi import document

    operation = document()["paths"][BULK]["post"]
    assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
