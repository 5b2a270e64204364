"""The search index: each active account's tokens (GSI3) and the addresses
copied onto its list entries. Written only by the stream-triggered indexer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from chalicelib.adapters.concurrency import map_overlapped
from chalicelib.domain.entities import Account, AccountSummary, SearchEntry
from chalicelib.domain.search_people import Person
from chalicelib.domain.search_terms import IndexToken
from chalicelib.domain.text import email_key
from chalicelib.repo import keys
from chalicelib.repo.accounts import read_batch
from chalicelib.repo.paging import Page
from chalicelib.repo.records import from_item, list_entries, search_entry
from chalicelib.repo.table import ITEM_EXISTS, MAX_BATCH_WRITE, Item, Table, to_wire

EntryKey = tuple[str, str]  # what identifies a stored search entry (its table keys)
Copies = tuple[Sequence[str], Sequence[Sequence[str]]]  # the addresses and contact rows copied onto an account
AccountRef = tuple[str, str]  # (firm id, account id)
SOURCE_READERS = 8  # the indexer's Queries in flight at once (each waits on a round trip)
WRITERS = 4  # the indexer's write requests in flight at once
# Per process, whoever sends them: the local poller runs a mapping's lanes as
# threads of one process, and DynamoDB Local (on disk above all) queues
# concurrent writes until they time out. In Lambda a process runs one batch.
_READ_SLOTS = threading.BoundedSemaphore(SOURCE_READERS)
_WRITE_SLOTS = threading.BoundedSemaphore(WRITERS)
T = TypeVar("T")
R = TypeVar("R")


def _each(call: Callable[[T], R], items: Sequence[T], workers: int = WRITERS) -> list[R]:
    """``call`` on each item, up to ``workers`` at a time (requests waiting on
    their round trips overlap); the results in order. The first error is raised
    once every call has ended."""
    return map_overlapped(call, items, workers)


@dataclass(slots=True)
class Source:
    """What an account's index is computed from, and what is indexed now."""

    account: Account
    addresses: list[str]  # of the linked contacts, sorted, once each
    entries: dict[EntryKey, Item]  # the stored tokens by (PK, SK)
    people: list[Person] = field(default_factory=list)  # the linked contacts, by id


def index_entries(account: Account, tokens: Iterable[IndexToken]) -> dict[EntryKey, Item]:
    """The account's search entries for ``tokens``, as stored, by their keys
    (comparable with ``Source.entries``)."""
    items = (search_entry(account, t) for t in tokens)
    return {(i["PK"], i["SK"]): i for i in items}


class SearchRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    def source(self, firm_id: str, account_id: str, *, with_entries: bool = True) -> Source | None:
        """One account's source (``sources`` of one)."""
        return self.sources([(firm_id, account_id)], with_entries=with_entries)[(firm_id, account_id)]

    def sources(self, accounts: Sequence[AccountRef], *, with_entries: bool = True) -> dict[AccountRef, Source | None]:
        """Strongly consistent: per account one Query of ``PROFILE`` ..
        ``SEARCH#`` (details, links, tokens; without the tokens, just the
        ``PROFILE`` range), up to ``SOURCE_READERS`` at a time; then one
        BatchGet (per 100 keys) of all their linked contacts. None for an
        account that does not exist."""
        unique = list(dict.fromkeys(accounts))
        partitions = _each(lambda ref: self._partition(ref[0], ref[1], with_entries), unique, SOURCE_READERS)
        wanted: dict[str, set[str]] = {}
        for (firm_id, _), (_, contact_ids, _) in zip(unique, partitions, strict=True):
            wanted.setdefault(firm_id, set()).update(contact_ids)
        contacts = {
            firm_id: read_batch(self.table, firm_id, contact_ids=sorted(ids), consistent=True).contacts
            for firm_id, ids in wanted.items()
            if ids
        }
        found: dict[AccountRef, Source | None] = {}
        for (firm_id, account_id), (account, contact_ids, entries) in zip(unique, partitions, strict=True):
            if account is None:
                found[(firm_id, account_id)] = None
                continue
            linked = [contacts[firm_id][c] for c in contact_ids if c in contacts.get(firm_id, {})]
            addresses = {email_key(a): a for c in linked for a in c.emails}
            people = [
                Person(c.id, c.first_name, c.middle_name, c.last_name, tuple(p.get("number", "") for p in c.phones))
                for c in sorted(linked, key=lambda c: c.id)
            ]
            found[(firm_id, account_id)] = Source(account, [addresses[k] for k in sorted(addresses)], entries, people)
        return found

    def _partition(
        self, firm_id: str, account_id: str, with_entries: bool
    ) -> tuple[Account | None, list[str], dict[EntryKey, Item]]:
        """The account, its linked contacts' ids and (``with_entries``) its stored tokens: one Query."""
        account: Account | None = None
        contact_ids: list[str] = []
        entries: dict[EntryKey, Item] = {}
        last = keys.SEARCH_END if with_entries else keys.SEARCH_PREFIX
        with _READ_SLOTS:
            found = self.table.query_all(
                pk=keys.account_pk(firm_id, account_id), sk_between=(keys.ACCOUNT_SK, last), consistent=True
            )
        for item in found:
            entity = item.get("entity")
            if entity == keys.ACCOUNT:
                account = from_item(Account, item)
            elif entity == keys.ACCOUNT_CONTACT:
                contact_ids.append(item["contact_id"])
            elif entity == keys.SEARCH:
                entries[(item["PK"], item["SK"])] = item
        return account, contact_ids, entries

    def replace_entries(self, puts: Sequence[Item], deletes: Sequence[EntryKey]) -> None:
        """Write ``puts`` and delete the entries of ``deletes`` (not atomically),
        in BatchWriteItem requests of 25, up to ``WRITERS`` in flight."""
        ops: list[tuple[Item | None, keys.Key | None]] = [(i, None) for i in puts]
        ops += [(None, keys.Key(*k)) for k in deletes]
        chunks = [ops[start : start + MAX_BATCH_WRITE] for start in range(0, len(ops), MAX_BATCH_WRITE)]

        def write(chunk: list[tuple[Item | None, keys.Key | None]]) -> None:
            with _WRITE_SLOTS:
                self.table.write_many(
                    puts=[i for i, _ in chunk if i is not None], deletes=[k for _, k in chunk if k is not None]
                )

        _each(write, chunks)

    def set_contact_emails(self, account: Account, copies: Copies) -> None:
        """The addresses and contacts, on the account and each of its list
        entries (so a restricted search reads them with the list). An entry
        removed meanwhile stays removed."""
        targets = [keys.account(account.firm_id, account.id)] + [
            keys.Key(e["PK"], e["SK"]) for e in list_entries(account)
        ]
        _each(lambda key: self._set_contact_emails(key, copies), targets)

    def set_contact_emails_of(self, copies: Sequence[tuple[Account, Copies]]) -> list[Exception | None]:
        """``set_contact_emails`` of several accounts, up to ``WRITERS`` at a
        time; per account, the error that stopped it (None: written)."""

        def one(copy: tuple[Account, Copies]) -> Exception | None:
            try:
                self.set_contact_emails(*copy)
            except Exception as exc:
                return exc
            return None

        return _each(one, copies)

    def _set_contact_emails(self, key: keys.Key, copies: Copies) -> None:
        addresses, people = copies
        try:
            with _WRITE_SLOTS:
                self.table.client.update_item(
                    TableName=self.table.name,
                    Key=to_wire(key.as_dict()),
                    UpdateExpression="SET #e = :e, #c = :c",
                    ConditionExpression=ITEM_EXISTS.expression,
                    ExpressionAttributeNames={"#e": "contact_emails", "#c": "contact_people"},
                    ExpressionAttributeValues=to_wire({":e": list(addresses), ":c": [list(r) for r in people]}),
                )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    # reads for a search -------------------------------------------------------

    def tokens(
        self, firm_id: str, token: str, *, start_key: Mapping[str, Any] | None, limit: int, exact: bool = False
    ) -> tuple[list[SearchEntry], dict[str, Any] | None]:
        """Entries whose token starts with ``token``, in GSI3 order: those of
        exactly ``token`` first, ranked; then longer tokens. ``exact``: only
        those of exactly ``token``."""
        page: Page = self.table.query(
            pk=keys.search_partition(firm_id, token),
            sk_prefix=keys.search_token_entries(token) if exact else token,
            index=keys.INDEX_SEARCH,
            start_key=start_key,
            limit=limit,
        )
        return [from_item(SearchEntry, i) for i in page.items], page.last_key

    def team_accounts(self, firm_id: str, member_id: str) -> list[AccountSummary]:
        """Every active account on a member's team, with its addresses (GSI1)."""
        return [
            from_item(AccountSummary, i)
            for i in self.table.query_all(pk=keys.team_list(firm_id, member_id), index=keys.INDEX_LISTS_BY_NAME)
        ]
