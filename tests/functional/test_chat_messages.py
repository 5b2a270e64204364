"""A chat message without a transaction (docs/data-model.md, "A chat's last message follows its
messages"): the message, then one UpdateItem of its chat that only moves forward. Retries with the
same Idempotency-Key finish a first attempt's lost chat update, a late update never moves the chat
back, and the write bills at most 8 WCU by DynamoDB's rules.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture), but the units test, which
needs DynamoDB Local's consumed capacity (moto's are constants).
"""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from bench.common import Usage, metered
from chalicelib.domain.ids import new_id
from chalicelib.repo import keys, stamps
from chalicelib.repo.activity import ActivityRepo, item_record, message_record
from chalicelib.repo.table import Table, to_wire
from tests.support.api import Api, TestFirm, ids, make_firm, nothing_written
from tests.support.factories import create_account, created
from tests.support.problems import assert_problem

LONG_AGO = "2020-01-02T03:04:05Z"


def ok(reply: Any, status: int = 200) -> Any:
    assert reply.status == status, (reply.status, reply.body)
    return reply.body


def stored_chat(table: Table, firm: TestFirm, account_id: str, chat_id: str) -> dict[str, Any]:
    chat = table.get(keys.item(firm.firm_id, account_id, "chats", chat_id), consistent=True)
    assert chat is not None
    return chat


def put_back(table: Table, item: dict[str, Any]) -> None:
    """Store ``item`` as it is (a chat as it was before a message whose update was lost)."""
    table.client.put_item(TableName=table.name, Item=to_wire(item))


def last_active_long_ago(table: Table, firm: TestFirm, account_id: str, chat_id: str) -> None:
    """The chat as if its last message were years old: the next message moves it in its indexes."""
    chat = stored_chat(table, firm, account_id, chat_id)
    fields = {k: v for k, v in chat.items() if k not in stamps.ATTRIBUTES} | {"last_at": LONG_AGO}
    put_back(table, item_record(firm.firm_id, account_id, "chats", fields))


def test_a_retry_finishes_a_message_whose_chat_update_was_lost(api: Api, firm: TestFirm, table: Table) -> None:
    account_id = create_account(api, "Acme Ltd")["id"]
    chat = created(api, f"/accounts/{account_id}/chats", {"subject": "Flaky network"})
    messages = f"/accounts/{account_id}/chats/{chat['id']}/messages"
    before = stored_chat(table, firm, account_id, chat["id"])
    key = {"Idempotency-Key": f"message-{new_id()}"}
    first = ok(api.post(messages, {"body": "Hello?", "author": "firm"}, headers=key), 201)
    put_back(table, before)  # the first attempt stopped after writing the message
    assert ok(api.get(f"/accounts/{account_id}/chats/{chat['id']}"))["message_count"] == 0

    retry = ok(api.post(messages, {"body": "Hello?", "author": "firm"}, headers=key), 201)
    again = ok(api.post(messages, {"body": "Hello?", "author": "firm"}, headers=key), 201)

    assert retry == again == first
    assert ids(ok(api.get(messages))["items"]) == [first["id"]]
    shown = ok(api.get(f"/accounts/{account_id}/chats/{chat['id']}"))
    assert (shown["message_count"], shown["last_message"], shown["last_author"]) == (1, "Hello?", "firm")
    assert shown["version"] == chat["version"] + 1
    assert shown["last_at"] == first["at"]


def test_a_late_update_never_moves_the_chat_back(api: Api, firm: TestFirm, table: Table) -> None:
    account_id = create_account(api, "Acme Ltd")["id"]
    chat = created(api, f"/accounts/{account_id}/chats", {"subject": "Two at once"})
    repo = ActivityRepo(table)
    older, newer = (
        message_record(firm.firm_id, account_id, chat["id"], new_id(), {"body": text, "author": "client", "at": at})
        for text, at in (("First", "2030-01-01T00:00:00Z"), ("Second", "2030-01-01T00:00:01Z"))
    )
    start = stored_chat(table, firm, account_id, chat["id"])
    assert repo.put_message(older) and repo.put_message(newer)

    # the newer message's update lands first, then the older one's (or a repeat of the newer one's)
    assert repo.show_message(start, newer, {"last_message": "Second", "last_author": "client"}) == "shown"
    assert repo.show_message(start, older, {"last_message": "First", "last_author": "client"}) == "newer_shown"
    assert repo.show_message(start, newer, {"last_message": "Second", "last_author": "client"}) == "newer_shown"
    assert repo.count_message(older)  # what the service does for a message written now

    shown = ok(api.get(f"/accounts/{account_id}/chats/{chat['id']}"))
    assert (shown["last_message"], shown["last_at"], shown["message_count"]) == ("Second", newer["at"], 2)
    listed = ok(api.get(f"/accounts/{account_id}/chats"))["items"]
    assert [(c["id"], c["last_at"]) for c in listed] == [(chat["id"], newer["at"])]  # the time index moved
    newest_first = ok(api.get(f"/accounts/{account_id}/chats/{chat['id']}/messages"))["items"]
    assert ids(newest_first) == [newer["id"], older["id"]]


def test_the_same_key_with_another_message_is_refused(api: Api, table: Table) -> None:
    account_id = create_account(api, "Acme Ltd")["id"]
    chat = created(api, f"/accounts/{account_id}/chats", {"subject": "Keys"})
    other = created(api, f"/accounts/{account_id}/chats", {"subject": "Other"})
    messages = f"/accounts/{account_id}/chats/{chat['id']}/messages"
    key = {"Idempotency-Key": f"message-{new_id()}"}
    first = ok(api.post(messages, {"body": "Hello", "author": "firm"}, headers=key), 201)

    with nothing_written(table):
        for path, body in (
            (messages, {"body": "Hello again", "author": "firm"}),
            (f"/accounts/{account_id}/chats/{other['id']}/messages", {"body": "Hello", "author": "firm"}),
        ):
            problem = assert_problem(api.post(path, body, headers=key), 422)
            assert problem["code"] == "idempotency_key_reused", problem

    assert ids(ok(api.get(messages))["items"]) == [first["id"]]
    assert ok(api.get(f"/accounts/{account_id}/chats/{chat['id']}"))["message_count"] == 1


def test_the_message_and_the_chat_carry_the_writer(api: Api, firm: TestFirm, table: Table) -> None:
    member_id, token = firm.add_member("employee", name="Erin Employee")
    account_id = create_account(api, "Acme Ltd", team=[member_id])["id"]
    chat = created(api, f"/accounts/{account_id}/chats", {"subject": "Stamps"})

    message = ok(
        api.as_(token).post(f"/accounts/{account_id}/chats/{chat['id']}/messages", {"body": "Hi", "author": "firm"}),
        201,
    )

    stored = table.get(keys.chat_message(firm.firm_id, account_id, chat["id"], message["id"]), consistent=True)
    assert stored is not None
    for item in (stored, stored_chat(table, firm, account_id, chat["id"])):
        assert (item[stamps.KIND], item[stamps.ACTOR_ID], item[stamps.ACTOR_NAME]) == (
            "member",
            member_id,
            "Erin Employee",
        ), item


@pytest.mark.integration
def test_a_message_bills_at_most_eight_write_units(local_table: Table) -> None:
    """DynamoDB Local's consumed capacity of the two plain writes (it bills them by DynamoDB's rules:
    1 WCU per started KB of the item, and of each index copy, a moved index key 2): the message 1,
    the chat 1 + 2 in each of its three local indexes."""
    firm = make_firm(local_table)
    from app import app

    with Client(app) as client:
        api = Api(client, firm.owner_token)
        account_id = create_account(api, "Acme Ltd")["id"]
        chat = created(api, f"/accounts/{account_id}/chats", {"subject": "Units"})
        messages = f"/accounts/{account_id}/chats/{chat['id']}/messages"
        body = {"body": "Your Q4 estimate is ready: please confirm the figures by Friday.", "author": "firm"}
        usage: dict[str, Usage] = {}
        for label, headers in (("plain", {}), ("with a key", {"Idempotency-Key": f"message-{new_id()}"})):
            last_active_long_ago(local_table, firm, account_id, chat["id"])
            with metered(local_table.client) as usage[label]:
                ok(api.post(messages, body, headers=headers), 201)

    plain = usage["plain"]
    assert dict(plain.requests) == {"BatchGetItem": 1, "PutItem": 1, "UpdateItem": 1}, plain.requests
    assert plain.wru == 8, plain.units_text("write")
    assert dict(plain.wru_by_index) == {"table": 2, "LSI1": 2, "LSI2": 2, "LSI3": 2}, plain.wru_by_index
    keyed = usage["with a key"]
    assert keyed.wru == 9, keyed.units_text("write")  # + its idempotency record, written alone
