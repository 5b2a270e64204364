"""The search indexer's stream side: which accounts a change may have
re-indexed. The index itself is computed by ``services/search.reindex_many``,
for all the accounts of a batch together (each once)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.repo import changes
from chalicelib.repo.search import SearchRepo
from chalicelib.repo.table import Table
from chalicelib.services import search
from chalicelib.streams.runner import StreamRecord, run_grouped

# What an account's index is computed from (besides its contacts' addresses).
_ACCOUNT_INPUTS = ("name", "type", "archived", "photo_key")
# What a contact gives the index of every account it is linked to.
_CONTACT_INPUTS = ("emails", "first_name", "middle_name", "last_name", "phones")


def _field(image: dict[str, Any] | None, name: str) -> Any:
    return None if image is None else image.get(name)


def accounts_to_reindex(record: StreamRecord) -> list[tuple[str, str, bool]]:
    """(firm, account, refresh the address copies) for each account whose
    index the record may change: an account renamed, retyped, archived or
    restored; a link made or removed (in the account's partition, like the
    account's own records, so a create's records come to one batch and one
    reindex, whatever the mapping's ParallelizationFactor); a contact whose
    addresses, names or phone numbers changed changes every account it is or was linked to (a new
    contact's accounts are named by its links' records). An account that
    gained list entries (team members, tags) gets its address copies
    rewritten: the edit wrote the new entries with the copies as it read
    them, which the indexer may have updated since (existing entries are
    updated without the copies)."""
    change = changes.change_of(record)
    if change is None:
        return []
    new, old, image = change.new, change.old, change.latest
    if change.kind == changes.ACCOUNT:
        refresh = any(_field(new, f) != _field(old, f) for f in ("team_member_ids", "tags"))
        if not refresh and all(_field(new, f) == _field(old, f) for f in _ACCOUNT_INPUTS):
            return []  # e.g. the indexer's own write of contact_emails, or an address edit
        return [(image["firm_id"], image["id"], refresh)]
    if change.kind == changes.LINK:
        if (old is None) == (new is None):
            return []  # a link's description or signer order: not indexed
        return [(image["firm_id"], image["account_id"], False)]
    if change.kind == changes.CONTACT:
        if old is None or all(_field(new, f) == _field(old, f) for f in _CONTACT_INPUTS):
            return []  # a new contact, or a link or unlink (its link's record names the account)
        before, after = set(_field(old, "account_ids") or ()), set(_field(new, "account_ids") or ())
        return [(image["firm_id"], a, False) for a in sorted(before | after)]
    return []


def _reindex_all(
    repo: SearchRepo, targets: Sequence[tuple[str, str, bool]]
) -> Mapping[tuple[str, str, bool], int | Exception]:
    """Each account once (its copies refreshed if any of its records asks), all together."""
    accounts: dict[tuple[str, str], bool] = {}
    for firm_id, account_id, refresh in targets:
        accounts[(firm_id, account_id)] = accounts.get((firm_id, account_id), False) or refresh
    outcomes = search.reindex_many(repo, accounts)
    # The items an account wrote are counted once, on its first target.
    counted: set[tuple[str, str]] = set()
    answers: dict[tuple[str, str, bool], int | Exception] = {}
    for firm_id, account_id, refresh in targets:
        outcome = outcomes[(firm_id, account_id)]
        answers[(firm_id, account_id, refresh)] = (
            0 if (firm_id, account_id) in counted and isinstance(outcome, int) else outcome
        )
        counted.add((firm_id, account_id))
    return answers


def index(records: Sequence[StreamRecord], repo: SearchRepo | None = None) -> dict[str, list[dict[str, str]]]:
    """Keep the search index of the accounts the records may change (in the
    stage's table unless ``repo`` says otherwise)."""
    repo = repo or SearchRepo(Table.from_settings())
    return run_grouped(records, accounts_to_reindex, lambda targets: _reindex_all(repo, targets), "search entries")
