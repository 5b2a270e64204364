"""What an export reads, a page at a time: the firm's accounts (the clients
list, by name) with their details and links, or its contacts (the contacts
list, by name), and the linked contacts by id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from chalicelib.adapters.concurrency import map_overlapped
from chalicelib.domain.entities import Contact
from chalicelib.repo import keys
from chalicelib.repo.accounts import AccountRepo, AccountView
from chalicelib.repo.contacts import ContactRepo
from chalicelib.repo.records import from_item
from chalicelib.repo.table import Table

# Export cursors are the job's own, not a member's: one scope for every export of the firm.
_VIEWER: Final = "export"
# A page's accounts are read side by side: each is one Query of its own partition, and the chunk's time
# is their latency, not DynamoDB's work (boto3's clients are thread-safe; botocore pools 10 connections).
_READERS: Final = 8


class ExportReads:
    def __init__(self, table: Table) -> None:
        self.table = table
        self.accounts = AccountRepo(table)
        self.contacts = ContactRepo(table)

    def accounts_page(self, firm_id: str, cursor: str | None, limit: int) -> tuple[list[AccountView], str | None]:
        """A page of the firm's active accounts by name (one Query of the clients list), each with its
        details and links (one Query of its partition's ``PROFILE`` range)."""
        rows, next_cursor = self.accounts.list_page(
            firm_id,
            archived=False,
            team_of=None,
            tag=None,
            type_=None,
            with_member=None,
            viewer_id=_VIEWER,
            cursor=cursor,
            limit=limit,
        )
        views = map_overlapped(lambda row: self.accounts.view(firm_id, row.id), rows, _READERS)
        return [v for v in views if v is not None], next_cursor

    def contacts_page(self, firm_id: str, cursor: str | None, limit: int) -> tuple[list[Contact], str | None]:
        """A page of the firm's contacts by name (one Query of the contacts list; the index holds them whole)."""
        return self.contacts.list_page(firm_id, viewer_id=_VIEWER, cursor=cursor, limit=limit)

    def count(self, firm_id: str, kind: str) -> int:
        """How many active accounts (or contacts) an export of ``kind`` writes: their list read whole, ids
        only (the CLI's progress bar)."""
        list_pk = keys.accounts_list(firm_id) if kind == "accounts" else keys.contacts_list(firm_id)
        return len(self.table.query_all(pk=list_pk, index=keys.INDEX_LISTS_BY_NAME, attributes=("id",)))

    def contacts_by_id(self, firm_id: str, contact_ids: Sequence[str]) -> dict[str, Contact]:
        """The contacts of ``contact_ids`` that exist (BatchGetItem, 100 keys a request)."""
        items = self.table.batch_get([keys.contact(firm_id, c) for c in contact_ids])
        found = (from_item(Contact, i) for i in items)
        return {c.id: c for c in found}
