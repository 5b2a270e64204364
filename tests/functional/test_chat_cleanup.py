"""A deleted chat's messages are removed by the stream function (so they are
not kept after the chat is gone), on moto and DynamoDB Local."""

from __future__ import annotations

from chalicelib.repo import keys
from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm
from tests.support.factories import created, new_account
from tests.support.stream import poller


def _messages_stored(table: Table, firm: TestFirm, account_id: str, chat_id: str) -> int:
    rows = table.query_all(
        pk=keys.account_pk(firm.firm_id, account_id), sk_prefix=keys.chat_messages_prefix(chat_id), consistent=True
    )
    return len(rows)


def test_deleting_a_chat_deletes_its_messages(api: Api, firm: TestFirm, table: Table) -> None:
    stream = poller(table)
    account = new_account(api, "Chatty Ltd")
    base = f"/accounts/{account['id']}/chats"
    chat, other = created(api, base, {"subject": "Docs"}), created(api, base, {"subject": "Fees"})
    for i in range(30):  # more than one BatchWriteItem
        created(api, f"{base}/{chat['id']}/messages", {"body": f"message {i}", "author": "client"})
    created(api, f"{base}/{other['id']}/messages", {"body": "keep me", "author": "firm"})
    stream.drain()
    assert _messages_stored(table, firm, account["id"], chat["id"]) == 30

    assert api.delete(f"{base}/{chat['id']}").status == 204
    stream.drain()

    assert _messages_stored(table, firm, account["id"], chat["id"]) == 0
    assert _messages_stored(table, firm, account["id"], other["id"]) == 1
    assert [c["id"] for c in api.get(f"/accounts/{account['id']}/overview").body["chats"]["items"]] == [other["id"]]
