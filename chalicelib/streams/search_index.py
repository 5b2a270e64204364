"""The search indexer's stream side: which accounts a change may have
re-indexed. The index itself is computed by ``services/search.reindex``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.repo import changes
from chalicelib.repo.search import SearchRepo
from chalicelib.repo.table import Table
from chalicelib.services import search
from chalicelib.streams.runner import StreamRecord, run_batch

# What an account's index is computed from (besides its contacts' addresses).
_ACCOUNT_INPUTS = ("name", "type", "archived", "photo_key")


def _field(image: dict[str, Any] | None, name: str) -> Any:
    return None if image is None else image.get(name)


def accounts_to_reindex(record: StreamRecord) -> list[tuple[str, str, bool]]:
    """(firm, account, refresh the address copies) for each account whose
    index the record may change: an account renamed, retyped, archived or
    restored; a contact whose addresses or accounts changed (a link or unlink
    changes the contact's ``account_ids`` in the same transaction) changes
    every account it is or was linked to. An account that gained list entries
    (team members, tags) gets its address copies rewritten: the edit wrote
    the new entries with the copies as it read them, which the indexer may
    have updated since (existing entries are updated without the copies)."""
    change = changes.change_of(record)
    if change is None:
        return []
    new, old, image = change.new, change.old, change.latest
    if change.kind == changes.ACCOUNT:
        refresh = any(_field(new, f) != _field(old, f) for f in ("team_member_ids", "tags"))
        if not refresh and all(_field(new, f) == _field(old, f) for f in _ACCOUNT_INPUTS):
            return []  # e.g. the indexer's own write of contact_emails, or an address edit
        return [(image["firm_id"], image["id"], refresh)]
    if change.kind == changes.CONTACT:
        before, after = set(_field(old, "account_ids") or ()), set(_field(new, "account_ids") or ())
        if before == after and _field(new, "emails") == _field(old, "emails"):
            return []
        return [(image["firm_id"], a, False) for a in sorted(before | after)]
    return []


def index(records: Sequence[StreamRecord], repo: SearchRepo | None = None) -> dict[str, list[dict[str, str]]]:
    """Keep the search index of the accounts the records may change (in the
    stage's table unless ``repo`` says otherwise)."""
    repo = repo or SearchRepo(Table.from_settings())
    return run_batch(
        records, accounts_to_reindex, lambda t: search.reindex(repo, t[0], t[1], refresh_copies=t[2]), "search entries"
    )
