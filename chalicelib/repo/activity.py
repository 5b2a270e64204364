"""Activity-section items, chat messages, the credit ledger and the
stream-kept overview items (their stored form: ``chalicelib/repo/overview.py``).

An item lives in its account's partition under ``ITEM#<section>#<id>`` (one
GetItem by id) and carries the sort keys of three local secondary indexes,
all derived here from the item itself on every write:

- ``LSI1SK`` ``<section>#<time>#<id>``: "show all", newest first (not while
  a document's file is pending);
- ``LSI2SK`` the same, only while the item qualifies for the overview (a
  sparse index: the overview's candidates, read with a consistent Query);
- ``LSI3SK`` ``<section>#<status>#<time>#<id>``: "show all" with a status.

Writes are whole-item Puts conditioned on the version that was read, so the
index keys can never disagree with the fields they are derived from. One
exception: a chat message's UpdateItem of its chat (``show_message``) sets
the keys it moves with the time they are derived from, conditioned on the
status it read (the rest of the keys).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from chalicelib.domain import files
from chalicelib.domain.errors import ConcurrentWriteError, ConflictError
from chalicelib.domain.ids import now_iso, now_precise
from chalicelib.domain.sections import SECTIONS, Item
from chalicelib.repo import keys
from chalicelib.repo.accounts import ACCOUNT_ACTIVE, currency_is
from chalicelib.repo.firms import STALE
from chalicelib.repo.overview import (
    OVERVIEW_READ,
    OverviewRead,
    StoredOverview,
    overview_read,
    overview_record,
)
from chalicelib.repo.paging import Page, key_attributes, paged
from chalicelib.repo.table import (
    ITEM_ABSENT,
    ITEM_EXISTS,
    Condition,
    Delete,
    Op,
    Put,
    Table,
    Update,
    set_fields,
    version_is,
)

# Attributes that exist for storage only; never part of a response.
INTERNAL = frozenset(
    {
        "PK",
        "SK",
        "entity",
        "firm_id",
        "section",
        "LSI1SK",
        "LSI2SK",
        "LSI3SK",
        "GSI1PK",
        "GSI1SK",
        "GSI2PK",
        "expires_at",
    }
)

CURRENCY_CHANGED = ConflictError(
    "The account's currency changed meanwhile; read the account and retry.", code="currency_changed"
)
# Adding credit failed its condition: the account was archived or its currency changed (the service reads again).
ACCOUNT_CHANGED = ConcurrentWriteError("The account was archived or its currency changed meanwhile.")
NOT_ENOUGH_CREDIT = ConflictError("The account's credit does not cover this invoice.", code="not_enough_credit")
# The id of the message a chat's last-message fields show: they only ever move to a newer one.
LAST_MESSAGE_ID = "last_message_id"
# What ``show_message`` found: the message is shown; a newer one already is (nothing changed); the chat's
# status changed since it was read (read it again); the chat is gone.
Shown = Literal["shown", "newer_shown", "status_changed", "gone"]
_MESSAGE_THERE = ConflictError("The message is already written.", code="changed_meanwhile")
_NOT_SHOWN = ConflictError("The chat did not take the message.", code="changed_meanwhile")
INVOICE_NOT_UNPAID = ConflictError(
    "The invoice is no longer unpaid (paid, voided or changed meanwhile).", code="invoice_not_unpaid"
)


def item_record(firm_id: str, account_id: str, section: str, fields: Mapping[str, Any]) -> Item:
    """A section item as stored: its fields plus keys derived from them."""
    definition = SECTIONS[section]
    item_id = fields["id"]
    time = str(fields[definition.time_field])
    record: Item = {k: v for k, v in fields.items() if v is not None and k not in INTERNAL}
    record.update(
        keys.item(firm_id, account_id, section, item_id).as_dict(),
        entity=keys.ITEM,
        section=section,
        firm_id=firm_id,
        account_id=account_id,
    )
    if definition.listed(record):
        record["LSI1SK"] = keys.item_time_key(section, time, item_id)
    else:
        # Unlisted is an unfinished upload: the TTL drops it a day after it was created, unless completed.
        created = datetime.fromisoformat(str(record["created_at"]).replace("Z", "+00:00"))
        record[keys.TTL_ATTRIBUTE] = int(created.timestamp()) + files.PENDING_SECONDS
    if definition.listed(record) and definition.qualifies(record):
        # While it counts for the overview, it can be found by the names its summary shows.
        record["LSI2SK"] = record["LSI1SK"]
        shown = record.get(definition.shows_member or "")
        if shown:
            # Hash key only: the index returns the item's own keys, which name the account and section.
            record["GSI2PK"] = keys.member_shown(firm_id, shown)
        if record.get("pipeline_id"):
            record["GSI1PK"] = keys.pipeline_jobs(firm_id, record["pipeline_id"])
            record["GSI1SK"] = f"{account_id}#{item_id}"
    if definition.statuses:
        record["LSI3SK"] = keys.item_status_key(section, record["status"], time, item_id)
    return record


def public(record: Mapping[str, Any]) -> Item:
    return {k: v for k, v in record.items() if k not in INTERNAL}


def message_record(firm_id: str, account_id: str, chat_id: str, message_id: str, fields: Mapping[str, Any]) -> Item:
    """A chat message as stored: ``fields`` (body, author, member_id, at) under the chat's keys."""
    return {
        **keys.chat_message(firm_id, account_id, chat_id, message_id).as_dict(),
        "entity": keys.CHAT_MESSAGE,
        "firm_id": firm_id,
        "account_id": account_id,
        "chat_id": chat_id,
        "id": message_id,
        **fields,
    }


def credit_record(firm_id: str, account_id: str, entry_id: str, fields: Mapping[str, Any]) -> Item:
    """A line of the account's credit ledger as stored: ``fields`` (kind,
    amount, note, invoice_id, created_at, created_by) under its keys."""
    return {
        **keys.credit(firm_id, account_id, entry_id).as_dict(),
        "entity": keys.CREDIT,
        "firm_id": firm_id,
        "account_id": account_id,
        "id": entry_id,
        **fields,
    }


def billing_changed(firm_id: str, account_id: str, delta: int, now: str, currency: str | None = None) -> Update:
    """An invoice recorded (+1) or deleted (-1): the account's count of
    invoices and payments, which decides its QuickBooks eligibility. It does
    not change the account's version (which guards its details). With
    ``currency``: only while the account is still in it (a new invoice)."""
    return Update(
        keys.account(firm_id, account_id),
        "SET #at = :now ADD #count :delta",
        {"#at": "billing_updated_at", "#count": "billing_count"},
        {":now": now, ":delta": delta},
        condition=ITEM_EXISTS & currency_is(currency) if currency is not None else ITEM_EXISTS,
        on_fail=CURRENCY_CHANGED if currency is not None else None,
    )


class ActivityRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    # --- items ------------------------------------------------------------------------

    def get(self, firm_id: str, account_id: str, section: str, item_id: str) -> Item | None:
        return self.table.get(keys.item(firm_id, account_id, section, item_id), consistent=True)

    def page(
        self,
        firm_id: str,
        account_id: str,
        section: str,
        *,
        status: str | None,
        limit: int,
        start_key: Mapping[str, Any] | None,
    ) -> Page:
        """Newest first: one Query of the time index (or the status index)."""
        index, prefix = (
            (keys.INDEX_BY_STATUS, f"{section}#{status}#") if status else (keys.INDEX_BY_TIME, f"{section}#")
        )
        return self.table.query(
            pk=keys.account_pk(firm_id, account_id),
            lsi=index,
            sk_prefix=prefix,
            forward=False,
            limit=limit,
            start_key=start_key,
        )

    def show_all(
        self, firm_id: str, account_id: str, section: str, *, status: str | None, cursor: str | None, limit: int
    ) -> tuple[list[Item], str | None]:
        """A page of "show all" (with a status: of that status), newest first."""
        return paged(
            lambda start, n: self.page(firm_id, account_id, section, status=status, limit=n, start_key=start),
            scope=f"items|{firm_id}|{account_id}|{section}|{status}",
            cursor=cursor,
            limit=limit,
            key_attrs=key_attributes(lsi=keys.INDEX_BY_STATUS if status else keys.INDEX_BY_TIME),
        )

    def create(self, record: Item, extra: Sequence[Op] = ()) -> None:
        self.table.write([*extra, Put(record, ITEM_ABSENT)])

    def replace(self, record: Item, expected_version: int, extra: Sequence[Op] = ()) -> None:
        """Overwrite the item if it is still at ``expected_version``."""
        self.table.write([*extra, Put(record, ITEM_EXISTS & version_is(expected_version), on_fail=STALE)])

    def delete(
        self, firm_id: str, account_id: str, section: str, item_id: str, expected_version: int, extra: Sequence[Op] = ()
    ) -> None:
        key = keys.item(firm_id, account_id, section, item_id)
        self.table.write([*extra, Delete(key, ITEM_EXISTS & version_is(expected_version), on_fail=STALE)])

    # --- the overview -------------------------------------------------------------------

    def candidates(self, firm_id: str, account_id: str, section: str, limit: int) -> list[Item]:
        """The section's newest items that qualify for the overview (strongly
        consistent, so a stream record is never processed against older data)."""
        return self.table.query(
            pk=keys.account_pk(firm_id, account_id),
            lsi=keys.INDEX_CURRENT,
            sk_prefix=f"{section}#",
            forward=False,
            limit=limit,
            consistent=True,
        ).items

    def overview_item(self, firm_id: str, account_id: str, section: str) -> StoredOverview | None:
        item = self.table.get(keys.overview(firm_id, account_id, section), consistent=True)
        return StoredOverview.from_item(item) if item else None

    def put_overview(
        self, firm_id: str, account_id: str, section: str, overview: StoredOverview, previous_rev: int | None
    ) -> bool:
        """Write a section's overview (as the revision after ``previous_rev``)
        unless another writer replaced the revision it was computed from;
        False when it lost that race."""
        condition = (
            ITEM_ABSENT
            if previous_rev is None
            else ITEM_EXISTS & Condition("#rev = :rev", {"#rev": "rev"}, {":rev": previous_rev})
        )
        revised = StoredOverview(overview.fields, overview.rows, overview.has_more, (previous_rev or 0) + 1)
        record = overview_record(firm_id, account_id, section, revised)
        try:
            self.table.write([Put(record, condition, on_fail=ConflictError("overview replaced"))])
        except ConflictError:
            return False
        return True

    def read_overview(self, firm_id: str, account_id: str) -> OverviewRead:
        """The account's details and its thirteen overview items: one Query,
        eventually consistent (``OVERVIEW#`` .. ``PROFILE`` sorts them together)."""
        rows = self.table.query_all(
            pk=keys.account_pk(firm_id, account_id),
            sk_between=(keys.OVERVIEW_PREFIX, keys.ACCOUNT_SK),
            attributes=OVERVIEW_READ,
        )
        return overview_read(rows)

    def pipeline_job_accounts(
        self, firm_id: str, pipeline_id: str, *, cursor: str | None, limit: int
    ) -> tuple[list[str], str | None]:
        """The accounts of a page of the pipeline's current jobs (one Query of its GSI1 partition, by
        account), each once, and the cursor to the next page: a rename's job reads them page by page."""
        rows, next_cursor = paged(
            lambda start, n: self.table.query(
                pk=keys.pipeline_jobs(firm_id, pipeline_id), index=keys.INDEX_PIPELINE_JOBS, limit=n, start_key=start
            ),
            scope=f"pipeline_jobs|{firm_id}|{pipeline_id}",
            cursor=cursor,
            limit=limit,
            key_attrs=key_attributes(index=keys.INDEX_PIPELINE_JOBS),
        )
        return list(dict.fromkeys(str(row["account_id"]) for row in rows)), next_cursor

    def sections_showing_member(
        self, firm_id: str, member_id: str, *, cursor: str | None, limit: int
    ) -> tuple[list[tuple[str, str]], str | None]:
        """The (account, section) pairs of a page of ``limit`` overview candidates that name the member
        (one Query of their GSI2 partition, keys only), each once, and the cursor to the next page: a
        rename's job reads them page by page. A pair with candidates on two pages comes on both."""
        rows, next_cursor = paged(
            lambda start, n: self.table.query(
                pk=keys.member_shown(firm_id, member_id),
                index=keys.INDEX_MEMBER_MENTIONS,
                limit=n,
                start_key=start,
            ),
            scope=f"member_shown|{firm_id}|{member_id}",
            cursor=cursor,
            limit=limit,
            key_attrs=key_attributes(index=keys.INDEX_MEMBER_MENTIONS),
        )
        return list(dict.fromkeys(keys.item_place(row["PK"], row["SK"]) for row in rows)), next_cursor

    # --- chats ---------------------------------------------------------------------------

    def keep_key(self, idem: Op | None) -> None:
        """Write a chat message's idempotency record alone (its own request: the message and the chat's
        update follow without a transaction; ``IdempotentReplayError`` when the key was used)."""
        if idem is not None:
            self.table.write([idem])

    def put_message(self, message: Item) -> bool:
        """Write a new message (1 WCU: it has no index keys); False when a retried
        request finds it already written."""
        return self.table.applied(Put(message, ITEM_ABSENT, on_fail=_MESSAGE_THERE))

    def drop_message(self, message: Item) -> None:
        """Remove a message whose chat was deleted before the message reached it."""
        self.table.write([Delete(keys.Key(message["PK"], message["SK"]))])

    def show_message(self, chat: Item, message: Item, last: Mapping[str, Any]) -> Shown:
        """Make ``message`` the chat's last (``last``: its excerpt and author), count it and bump the
        version: one UpdateItem, no version condition, so concurrent messages never retry. It moves
        the chat's keys in its three local indexes (rebuilt here from the status read, so it holds
        only while the status is unchanged) and holds only while the chat shows an older message
        than this one (by id: ids sort by time) or none, so a late or repeated update never moves it
        back and never counts a message twice. Billed 1 WCU + 2 per index it moves (7 for a chat
        under 1 KB)."""
        message_id, at = str(message["id"]), str(message["at"])
        moved = item_record(chat["firm_id"], chat["account_id"], "chats", {**public(chat), **last, "last_at": at})
        sets: dict[str, Any] = {
            **{name: moved[name] for name in ("LSI1SK", "LSI2SK", "LSI3SK") if name in moved},
            **last,
            "last_at": at,
            LAST_MESSAGE_ID: message_id,
            "updated_at": at,
        }
        older = Condition(
            "attribute_not_exists(#last) OR #last < :message",
            {"#last": LAST_MESSAGE_ID},
            {":message": message_id},
        )
        same_status = Condition("#status = :status", {"#status": "status"}, {":status": chat["status"]})
        update = set_fields(
            keys.Key(chat["PK"], chat["SK"]),
            sets,
            condition=ITEM_EXISTS & same_status & older,
            on_fail=_NOT_SHOWN,
            add={"message_count": 1},
        )
        if not self.table.applied(update):
            now = self.table.get(keys.Key(chat["PK"], chat["SK"]), consistent=True)
            if now is None:
                return "gone"
            return "status_changed" if now.get("status") != chat["status"] else "newer_shown"
        return "shown"

    def count_message(self, message: Item) -> bool:
        """Count a message that a newer one overtook on its chat (its fields stay the newer's);
        False when the chat is gone."""
        update = set_fields(
            keys.item(message["firm_id"], message["account_id"], "chats", message["chat_id"]),
            {"updated_at": now_iso()},
            condition=ITEM_EXISTS,
            on_fail=_NOT_SHOWN,
            add={"message_count": 1},
        )
        return self.table.applied(update)

    def message(self, firm_id: str, account_id: str, chat_id: str, message_id: str) -> Item | None:
        return self.table.get(keys.chat_message(firm_id, account_id, chat_id, message_id), consistent=True)

    def delete_messages(self, firm_id: str, account_id: str, chat_id: str) -> int:
        rows = self.table.query_all(
            pk=keys.account_pk(firm_id, account_id), sk_prefix=keys.chat_messages_prefix(chat_id), consistent=True
        )
        self.table.delete_many([keys.Key(r["PK"], r["SK"]) for r in rows])
        return len(rows)

    def messages(
        self, firm_id: str, account_id: str, chat_id: str, *, limit: int, start_key: Mapping[str, Any] | None
    ) -> Page:
        return self.table.query(
            pk=keys.account_pk(firm_id, account_id),
            sk_prefix=keys.chat_messages_prefix(chat_id),
            forward=False,
            limit=limit,
            start_key=start_key,
        )

    def chat_messages(
        self, firm_id: str, account_id: str, chat_id: str, *, cursor: str | None, limit: int
    ) -> tuple[list[Item], str | None]:
        """A page of a chat's messages, newest first."""
        return paged(
            lambda start, n: self.messages(firm_id, account_id, chat_id, limit=n, start_key=start),
            scope=f"messages|{firm_id}|{account_id}|{chat_id}",
            cursor=cursor,
            limit=limit,
            key_attrs=key_attributes(),
        )

    # --- credit ---------------------------------------------------------------------------

    def add_credit(
        self, firm_id: str, account_id: str, amount: Decimal, currency: str, entry: Item, idem: Op | None
    ) -> None:
        """Raise the balance and record the ledger line atomically, while the
        account is active and still in ``currency`` (else ACCOUNT_CHANGED)."""
        self.table.write(
            [
                *([idem] if idem else []),
                Update(
                    keys.account(firm_id, account_id),
                    "SET #balance = if_not_exists(#balance, :zero) + :amount, #billed = :now ADD #billing :one",
                    {"#balance": "credit_balance", "#billed": "billing_updated_at", "#billing": "billing_count"},
                    {":zero": Decimal(0), ":amount": amount, ":now": now_precise(), ":one": 1},
                    condition=ACCOUNT_ACTIVE & currency_is(currency),
                    on_fail=ACCOUNT_CHANGED,
                ),
                Put(entry, ITEM_ABSENT),
            ]
        )

    def apply_credit(self, invoice: Item, paid: Item, amount: Decimal, entry: Item) -> None:
        """Pay an invoice from credit: the invoice must still be unpaid at the
        version read, and the balance must cover it, in the same transaction,
        so the balance never goes negative and no invoice is paid twice."""
        unpaid = (
            ITEM_EXISTS
            & version_is(int(invoice["version"]))
            & Condition("#status = :unpaid", {"#status": "status"}, {":unpaid": "unpaid"})
        )
        self.table.write(
            [
                Put(paid, unpaid, on_fail=INVOICE_NOT_UNPAID),
                Update(
                    keys.account(invoice["firm_id"], invoice["account_id"]),
                    "SET #balance = #balance - :amount, #billed = :now",
                    {"#balance": "credit_balance", "#billed": "billing_updated_at"},
                    {":amount": amount, ":now": now_precise()},
                    condition=ACCOUNT_ACTIVE & Condition("#balance >= :amount"),
                    on_fail=NOT_ENOUGH_CREDIT,
                ),
                Put(entry, ITEM_ABSENT),
            ]
        )

    def credit(self, firm_id: str, account_id: str, entry_id: str) -> Item | None:
        return self.table.get(keys.credit(firm_id, account_id, entry_id), consistent=True)

    def credits(self, firm_id: str, account_id: str, *, limit: int, start_key: Mapping[str, Any] | None) -> Page:
        return self.table.query(
            pk=keys.account_pk(firm_id, account_id),
            sk_prefix=keys.CREDIT_PREFIX,
            forward=False,
            limit=limit,
            start_key=start_key,
        )

    def credit_ledger(
        self, firm_id: str, account_id: str, *, cursor: str | None, limit: int
    ) -> tuple[list[Item], str | None]:
        """A page of the account's credit ledger, newest first."""
        return paged(
            lambda start, n: self.credits(firm_id, account_id, limit=n, start_key=start),
            scope=f"credits|{firm_id}|{account_id}",
            cursor=cursor,
            limit=limit,
            key_attrs=key_attributes(),
        )
