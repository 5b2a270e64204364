"""The search index: each active account's tokens (GSI3) and the addresses
copied onto its list entries. Written only by the stream-triggered indexer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.entities import Account, AccountSummary, SearchEntry
from chalicelib.domain.search_terms import IndexToken
from chalicelib.domain.text import email_key
from chalicelib.repo import keys
from chalicelib.repo.accounts import read_batch
from chalicelib.repo.records import from_item, list_entries, search_entry
from chalicelib.repo.table import ITEM_EXISTS, Item, Page, Table, to_wire

EntryKey = tuple[str, str]  # what identifies a stored search entry (its table keys)


@dataclass(slots=True)
class Source:
    """What an account's index is computed from, and what is indexed now."""

    account: Account
    addresses: list[str]  # of the linked contacts, sorted, once each
    entries: dict[EntryKey, Item]  # the stored tokens by (PK, SK)


def index_entries(account: Account, tokens: Iterable[IndexToken]) -> dict[EntryKey, Item]:
    """The account's search entries for ``tokens``, as stored, by their keys
    (comparable with ``Source.entries``)."""
    items = (search_entry(account, t) for t in tokens)
    return {(i["PK"], i["SK"]): i for i in items}


class SearchRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    def source(self, firm_id: str, account_id: str, *, with_entries: bool = True) -> Source | None:
        """Strongly consistent: one Query of ``PROFILE`` .. ``SEARCH#`` (details,
        links, tokens; without the tokens, just the ``PROFILE`` range), one
        BatchGet of the linked contacts."""
        account: Account | None = None
        contact_ids: list[str] = []
        entries: dict[EntryKey, Item] = {}
        last = keys.SEARCH_END if with_entries else keys.SEARCH_PREFIX
        for item in self.table.query_all(
            pk=keys.account_pk(firm_id, account_id), sk_between=(keys.ACCOUNT_SK, last), consistent=True
        ):
            entity = item.get("entity")
            if entity == keys.ACCOUNT:
                account = from_item(Account, item)
            elif entity == keys.ACCOUNT_CONTACT:
                contact_ids.append(item["contact_id"])
            elif entity == keys.SEARCH:
                entries[(item["PK"], item["SK"])] = item
        if account is None:
            return None
        contacts = read_batch(self.table, firm_id, contact_ids=contact_ids, consistent=True).contacts
        addresses = {email_key(a): a for c in contacts.values() for a in c.emails}
        return Source(account, [addresses[k] for k in sorted(addresses)], entries)

    def replace_entries(self, puts: Sequence[Item], deletes: Sequence[EntryKey]) -> None:
        """Write ``puts`` and delete the entries of ``deletes`` (batched, not atomically)."""
        self.table.write_many(puts=puts, deletes=[keys.Key(*k) for k in deletes])

    def set_contact_emails(self, account: Account, addresses: Sequence[str]) -> None:
        """On the account and each of its list entries (so a restricted search
        reads them with the list). An entry removed meanwhile stays removed."""
        targets = [keys.account(account.firm_id, account.id)] + [
            keys.Key(e["PK"], e["SK"]) for e in list_entries(account)
        ]
        for key in targets:
            try:
                self.table.client.update_item(
                    TableName=self.table.name,
                    Key=to_wire(key.as_dict()),
                    UpdateExpression="SET #e = :e",
                    ConditionExpression=ITEM_EXISTS.expression,
                    ExpressionAttributeNames={"#e": "contact_emails"},
                    ExpressionAttributeValues=to_wire({":e": list(addresses)}),
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise

    # reads for a search -------------------------------------------------------

    def tokens(
        self, firm_id: str, token: str, *, start_key: Mapping[str, Any] | None, limit: int
    ) -> tuple[list[SearchEntry], dict[str, Any] | None]:
        """Entries whose token starts with ``token``, in GSI3 order: those of
        exactly ``token`` first, ranked; then longer tokens."""
        page: Page = self.table.query(
            pk=keys.search_partition(firm_id, token),
            sk_prefix=token,
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
