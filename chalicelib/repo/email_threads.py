"""Message-IDs of the mail we sent, for threads and bounces.

One ``message_ref`` item per sent message (``FIRM#f#MSGID#<sha256(ref)>``,
``MSGID``): the account, item and thread it belongs to. An answer's
In-Reply-To/References and SES's bounce events name a message by its id, so
finding the item is one GetItem (a BatchGet for all references of an answer).
The item is written in the same transaction that marks its e-mail item sent.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.domain.email_threads import ThreadRef
from chalicelib.domain.sections import Item
from chalicelib.repo import keys
from chalicelib.repo.firms import STALE
from chalicelib.repo.table import ITEM_EXISTS, Put, Table, version_is


def ref_record(firm_id: str, ref: str, account_id: str, item_id: str, thread_id: str) -> Item:
    return {
        **keys.message_ref(firm_id, ref).as_dict(),
        "entity": keys.MESSAGE_REF,
        "firm_id": firm_id,
        "ref": ref,
        "account_id": account_id,
        "item_id": item_id,
        "thread_id": thread_id,
    }


def _ref(item: Item) -> ThreadRef:
    return ThreadRef(str(item["account_id"]), str(item["item_id"]), str(item["thread_id"]))


class EmailThreadRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    def find(self, firm_id: str, ref: str) -> ThreadRef | None:
        """The item a Message-ID of ours names (strongly consistent: an event may follow the send closely)."""
        item = self.table.get(keys.message_ref(firm_id, ref), consistent=True)
        return _ref(item) if item else None

    def find_many(self, firm_id: str, refs: Sequence[str]) -> dict[str, ThreadRef]:
        """Which of ``refs`` name messages we sent: one BatchGet, by ref."""
        wanted = list(dict.fromkeys(refs))
        if not wanted:
            return {}
        items = self.table.batch_get([keys.message_ref(firm_id, r) for r in wanted], consistent=True)
        return {str(i["ref"]): _ref(i) for i in items}

    def mark_sent(self, record: Item, expected_version: int, refs: Sequence[Item]) -> None:
        """The item as sent (if still at the version read) and its Message-ID's lookup, together."""
        self.table.write([Put(record, ITEM_EXISTS & version_is(expected_version), on_fail=STALE), *map(Put, refs)])
