"""Search (``GET /search``) and the indexer that keeps its index right.

A search is one Query: for those who open every account, of the token range
of the query's most selective word (GSI3; a multi-word query whose range is
longer than the budget reads further pages, then the next word's range); for
an employee who opens only their team's accounts, of their team list (GSI1),
whose entries carry each account's name and addresses. The rules live in
``chalicelib/domain/search_terms.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import access
from chalicelib.domain import search_terms as rules
from chalicelib.domain.entities import Account
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.models import SearchHitOut, SearchMatchOut, SearchOut
from chalicelib.domain.text import sort_name
from chalicelib.repo.search import EntryKey, SearchRepo, Source, index_entries
from chalicelib.repo.table import Item
from chalicelib.services.context import Ctx
from chalicelib.services.views import photo_url

# The first page holds ~30 entries of ~250 bytes: one read unit (8 KB,
# eventually consistent) and, in the common case, 20 hits. Later pages are
# read only when entries repeat an account or fail another word of the query.
FIRST_PAGE = 30
NEXT_PAGE = 200
MAX_PAGES = 4
MAX_LOOKUPS = 3  # words of a multi-word query whose ranges may be read


@dataclass(frozen=True, slots=True)
class _Candidate:
    account_id: str
    name: str
    type: str
    photo_key: str | None
    addresses: list[str]


@dataclass(frozen=True, slots=True)
class _Hit:
    candidate: _Candidate
    match: rules.Match

    @property
    def rank(self) -> tuple[int, int, str, str]:
        return rules.rank_key(self.match, sort_name(self.candidate.name), self.candidate.account_id)


def _best(hits: dict[str, _Hit], terms: list[rules.Term], candidates: Iterable[_Candidate]) -> None:
    for c in candidates:
        found = rules.match(terms, c.name, c.addresses)
        if found is None:
            continue
        hit = _Hit(c, found)
        held = hits.get(c.account_id)
        if held is None or hit.rank < held.rank:
            hits[c.account_id] = hit


def search(ctx: Ctx, q: str | None) -> SearchOut:
    terms = rules.parse_query(q)
    repo = SearchRepo(ctx.table)
    me = ctx.member
    hits: dict[str, _Hit] = {}
    if access.opens_every_account(me):
        # Every account the query matches is in each word's range, so the
        # first range read to its end has them all. The longest word's range
        # is tried first; if it is longer than the budget (a common word of
        # a multi-word query), the next word's.
        for lead in rules.lookup_order(terms)[:MAX_LOOKUPS]:
            start: dict[str, Any] | None = None
            for page in range(MAX_PAGES):
                entries, start = repo.tokens(
                    ctx.firm_id, lead.lookup, start_key=start, limit=FIRST_PAGE if page == 0 else NEXT_PAGE
                )
                found = (_Candidate(e.account_id, e.name, e.type, e.photo_key, e.addresses) for e in entries)
                _best(hits, terms, found)
                if start is None or len(hits) >= rules.MAX_HITS:
                    break
            if start is None or len(hits) >= rules.MAX_HITS:
                break
    else:
        # Archived accounts leave the team list's active partition.
        _best(
            hits,
            terms,
            (
                _Candidate(s.id, s.name, s.type, s.photo_key, s.contact_emails)
                for s in repo.team_accounts(ctx.firm_id, me.id)
            ),
        )
    ranked = sorted(hits.values(), key=lambda h: h.rank)[: rules.MAX_HITS]
    return SearchOut(
        items=[
            SearchHitOut(
                account_id=h.candidate.account_id,
                name=h.candidate.name,
                type=h.candidate.type,  # type: ignore[arg-type]
                photo_url=photo_url(h.candidate.photo_key),
                matched=[SearchMatchOut(field=m.field, value=m.value) for m in h.match.matched],  # type: ignore[arg-type]
            )
            for h in ranked
        ]
    )


# --- the indexer (run by the stream-triggered function) ---------------------------------


def desired_entries(account: Account, addresses: list[str]) -> dict[EntryKey, Item]:
    """An account's index: its tokens, none once archived."""
    if account.archived:
        return {}
    return index_entries(account, rules.index_tokens(account.name, addresses))


def _inputs(source: Source) -> tuple[Any, ...]:
    a = source.account
    return a.name, a.type, a.archived, a.photo_key, tuple(source.addresses)


def reindex(repo: SearchRepo, firm_id: str, account_id: str, *, refresh_copies: bool = False, attempts: int = 6) -> int:
    """Bring an account's tokens and copied addresses in line with the
    account and its contacts, read strongly consistently. Returns the number
    of items written.

    Like the overview projection, it recomputes from the source, so repeated
    or reordered records are harmless. Two runs for one account can overlap
    (its records and its contacts' arrive on different shards): after
    writing, the sources are read again, and if they moved on, the run starts
    over, so the run that read older data never has the last word.
    ``refresh_copies`` rewrites the addresses on the list entries even when
    the account's own copy is current (it just gained list entries).
    """
    written = 0
    for _ in range(attempts):
        source = repo.source(firm_id, account_id)
        if source is None:
            return written
        desired = desired_entries(source.account, source.addresses)
        puts = [item for k, item in desired.items() if source.entries.get(k) != item]
        deletes = [k for k in source.entries if k not in desired]
        copies = list(rules.within(source.addresses, rules.COPY_ADDRESS_BYTES))
        emails_stale = refresh_copies or source.account.contact_emails != copies
        refresh_copies = False
        if not puts and not deletes and not emails_stale:
            return written
        repo.replace_entries(puts, deletes)
        if emails_stale:
            repo.set_contact_emails(source.account, copies)
        written += len(puts) + len(deletes) + int(emails_stale)
        after = repo.source(firm_id, account_id, with_entries=False)
        if after is None or _inputs(after) == _inputs(source):
            return written
    raise ConflictError(f"account {account_id} kept changing while it was indexed")


def rebuild(repo: SearchRepo, firm_id: str, account_ids: Iterable[str]) -> int:
    """Reindex accounts from the source (after a restore from backup, or for
    data written before the indexer ran)."""
    return sum(reindex(repo, firm_id, a) for a in account_ids)
