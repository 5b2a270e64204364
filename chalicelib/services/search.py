"""Search (``GET /search``) and the indexer that keeps its index right.

A search is, for those who open every account, Queries of token ranges
(GSI3): the first page of the query's candidate ranges, then further pages of
those not yet read to their end, in turns, until one range that holds every
match is read to its end, 20 hits are found, or the budget is spent (the
shortest range ends first, so its length need not be known); for an employee
who opens only their team's accounts, one Query of their team list (GSI1),
whose entries carry each account's name and addresses. The rules live in
``chalicelib/domain/search_terms.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import access
from chalicelib.domain import search_terms as rules
from chalicelib.domain.entities import Account
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.models.accounts import ContactRef, SearchHitOut, SearchMatchOut, SearchOut
from chalicelib.domain.search_people import Person, person_of, person_row, within_people
from chalicelib.domain.text import sort_name
from chalicelib.repo.search import AccountRef, EntryKey, SearchRepo, Source, index_entries
from chalicelib.repo.table import Item
from chalicelib.services.context import Ctx
from chalicelib.services.photo_links import photo_url

# The first page holds ~30 entries of ~250 bytes: one read unit (8 KB,
# eventually consistent) and, in the common case, 20 hits. Later pages are
# read only when entries repeat an account or fail another word of the query.
FIRST_PAGE = 30
NEXT_PAGE = 200
MAX_PAGES = 4  # pages of one range
MAX_PROBES = 4  # ranges whose first page may be read (lookup_plan's first)
MAX_ENTRIES = 1890  # entries one search may read over all its ranges (~60 read units)


@dataclass(frozen=True, slots=True)
class _Candidate:
    account_id: str
    name: str
    type: str
    photo_key: str | None
    addresses: list[str]
    people: tuple[Person, ...] = ()


@dataclass(frozen=True, slots=True)
class _Hit:
    candidate: _Candidate
    match: rules.Match

    @property
    def rank(self) -> tuple[int, int, str, str]:
        return rules.rank_key(self.match, sort_name(self.candidate.name), self.candidate.account_id)


def _best(hits: dict[str, _Hit], terms: list[rules.Term], candidates: Iterable[_Candidate]) -> int:
    """Keep the candidates that match; returns how many did."""
    matched = 0
    for c in candidates:
        found = rules.match(terms, c.name, c.addresses, c.people)
        if found is None:
            continue
        matched += 1
        hit = _Hit(c, found)
        held = hits.get(c.account_id)
        if held is None or hit.rank < held.rank:
            hits[c.account_id] = hit
    return matched


@dataclass(slots=True)
class _Range:
    """A token range being read, and what it has given so far."""

    lookup: rules.Lookup
    start: dict[str, Any] | None = None
    pages: int = 0
    read: int = 0  # entries
    matched: int = 0  # entries that matched the query

    @property
    def ended(self) -> bool:
        return self.pages > 0 and self.start is None

    @property
    def density(self) -> float:
        """Matches per entry read: of ranges that hold the same matches, the
        densest is likely the shortest."""
        return self.matched / self.read if self.read else 0.0


def _from_ranges(repo: SearchRepo, firm_id: str, terms: list[rules.Term], hits: dict[str, _Hit]) -> None:
    """Read token ranges until those read to their end hold every match (the
    hits are then all the matches), 20 hits are found, or the budget is
    spent. The first page of each range of the plan is read in its order,
    stopping as soon as that suffices (usually after one, one read unit);
    then the unfinished ranges take turns, densest first, so the shortest
    ends first without its length being known: no statistics to keep up, and
    a turn reads at most one page per range."""
    ranges = [_Range(lookup) for lookup in rules.lookup_plan(terms)[:MAX_PROBES]]
    budget = MAX_ENTRIES

    def read(r: _Range, limit: int) -> bool:
        """One page of ``r``; True once the search has its answer."""
        nonlocal budget
        lookup = r.lookup
        entries, r.start = repo.tokens(firm_id, lookup.token, start_key=r.start, limit=limit, exact=lookup.exact)
        r.pages += 1
        r.read += len(entries)
        budget -= len(entries)
        r.matched += _best(
            hits, terms, (_Candidate(e.account_id, e.name, e.type, e.photo_key, e.addresses, e.people) for e in entries)
        )
        return len(hits) >= rules.MAX_HITS or rules.answered(x.lookup for x in ranges if x.ended)

    for r in ranges:
        if read(r, FIRST_PAGE):
            return
    while True:
        turn = sorted((r for r in ranges if not r.ended and r.pages < MAX_PAGES), key=lambda r: -r.density)
        if not turn:
            return
        for r in turn:
            if budget <= 0 or read(r, min(NEXT_PAGE, budget)):
                return


def _people(rows: Sequence[Sequence[str]]) -> tuple[Person, ...]:
    return tuple(p for p in (person_of(list(r)) for r in rows) if p is not None)


def _matched_out(m: rules.Matched) -> SearchMatchOut:
    contact = None if m.contact is None else ContactRef(id=m.contact.id, name=m.contact.name)
    return SearchMatchOut(field=m.field, value=m.value, contact=contact)  # type: ignore[arg-type]


def search(ctx: Ctx, q: str | None) -> SearchOut:
    terms = rules.parse_query(q)
    repo = SearchRepo(ctx.table)
    me = ctx.member
    hits: dict[str, _Hit] = {}
    if any(t.matches_nothing for t in terms):
        pass  # a phone number of fewer than 4 digits: nothing to read
    elif access.opens_every_account(me):
        _from_ranges(repo, ctx.firm_id, terms, hits)
    else:
        # Archived accounts leave the team list's active partition.
        _best(
            hits,
            terms,
            (
                _Candidate(s.id, s.name, s.type, s.photo_key, s.contact_emails, _people(s.contact_people))
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
                matched=[_matched_out(m) for m in h.match.matched],
            )
            for h in ranked
        ]
    )


# --- the indexer (run by the stream-triggered function) ---------------------------------


def desired_entries(account: Account, addresses: list[str], people: Sequence[Person] = ()) -> dict[EntryKey, Item]:
    """An account's index: its tokens, none once archived."""
    if account.archived:
        return {}
    return index_entries(account, rules.index_tokens(account.name, addresses, people))


def desired_copies(addresses: Sequence[str], people: Sequence[Person]) -> tuple[list[str], list[list[str]]]:
    """What the account and its list entries carry of its contacts, for restricted searches."""
    kept = within_people(list(people), rules.COPY_PEOPLE_BYTES) if people else ()
    return list(rules.within(addresses, rules.COPY_ADDRESS_BYTES)), [person_row(p) for p in kept]


def _inputs(source: Source) -> tuple[Any, ...]:
    a = source.account
    return a.name, a.type, a.archived, a.photo_key, tuple(source.addresses), tuple(source.people)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one pass writes for an account."""

    source: Source
    puts: list[Item]
    deletes: list[EntryKey]
    copies: tuple[list[str], list[list[str]]] | None  # the contact copies to set, when they are stale

    @property
    def count(self) -> int:
        return len(self.puts) + len(self.deletes) + int(self.copies is not None)


def _plan(source: Source, refresh_copies: bool) -> _Plan | None:
    """The writes that bring an account's index in line with ``source`` (None: nothing to write)."""
    desired = desired_entries(source.account, source.addresses, source.people)
    puts = [item for k, item in desired.items() if source.entries.get(k) != item]
    deletes = [k for k in source.entries if k not in desired]
    copies = desired_copies(source.addresses, source.people)
    stale = refresh_copies or (source.account.contact_emails, source.account.contact_people) != copies
    if not puts and not deletes and not stale:
        return None
    return _Plan(source, puts, deletes, copies if stale else None)


def _read(
    repo: SearchRepo, refs: list[AccountRef], *, with_entries: bool
) -> dict[AccountRef, Source | Exception | None]:
    """The accounts' sources read together; if that fails, one by one, so
    only the accounts whose read fails are given up for this batch."""
    try:
        return dict(repo.sources(refs, with_entries=with_entries))
    except Exception:
        found: dict[AccountRef, Source | Exception | None] = {}
        for firm_id, account_id in refs:
            try:
                found[(firm_id, account_id)] = repo.source(firm_id, account_id, with_entries=with_entries)
            except Exception as exc:
                found[(firm_id, account_id)] = exc
        return found


def _write(repo: SearchRepo, plans: dict[AccountRef, _Plan]) -> dict[AccountRef, Exception]:
    """Every account's entries in shared BatchWriteItem requests (25 items
    each, across accounts), then the stale address copies; the accounts whose
    writes failed (found one by one if the shared write fails)."""
    failed: dict[AccountRef, Exception] = {}
    try:
        repo.replace_entries(
            [i for p in plans.values() for i in p.puts], [k for p in plans.values() for k in p.deletes]
        )
    except Exception:
        for ref, plan in plans.items():
            try:
                repo.replace_entries(plan.puts, plan.deletes)
            except Exception as exc:
                failed[ref] = exc
    # The copies go after the entries: a copy on the account says its index is written.
    copies = {ref: p for ref, p in plans.items() if p.copies is not None and ref not in failed}
    errors = repo.set_contact_emails_of([(p.source.account, p.copies or ([], [])) for p in copies.values()])
    failed.update((ref, exc) for ref, exc in zip(copies, errors, strict=True) if exc is not None)
    return failed


def reindex_many(
    repo: SearchRepo, accounts: Mapping[AccountRef, bool], *, attempts: int = 6
) -> dict[AccountRef, int | Exception]:
    """Bring accounts' tokens and copied addresses in line with each account
    and its contacts, read strongly consistently; ``accounts`` maps each to
    whether to rewrite the addresses on its list entries even when the
    account's own copy is current (it just gained list entries). Answers per
    account the number of items written, or the exception that stopped it
    (the other accounts are not held up by it).

    Like the overview projection, it recomputes from the source, so repeated
    or reordered records are harmless. Two runs for one account can overlap
    (its records and its contacts' arrive on different shards): after
    writing, the sources are read again, and an account whose source moved on
    is done over, so the run that read older data never has the last word.
    The accounts are read together (``SearchRepo.sources``) and their entries
    written together, so a batch costs about a Query per account and pass,
    and a BatchWriteItem per 25 items whoever's they are.
    """
    results: dict[AccountRef, int | Exception] = {}
    written: dict[AccountRef, int] = dict.fromkeys(accounts, 0)
    todo = dict(accounts)
    for _ in range(attempts):
        if not todo:
            return results
        plans: dict[AccountRef, _Plan] = {}
        for ref, source in _read(repo, list(todo), with_entries=True).items():
            if isinstance(source, Exception):
                results[ref] = source
                continue
            plan = None if source is None else _plan(source, todo[ref])
            if plan is None:
                results[ref] = written[ref]
            else:
                plans[ref] = plan
        failed = _write(repo, plans)
        results.update(failed)
        done = {ref: plan for ref, plan in plans.items() if ref not in failed}
        for ref, plan in done.items():
            written[ref] += plan.count
        todo = {}
        for ref, after in _read(repo, list(done), with_entries=False).items():
            if isinstance(after, Exception):
                results[ref] = after
            elif after is None or _inputs(after) == _inputs(done[ref].source):
                results[ref] = written[ref]
            else:
                todo[ref] = False  # the source moved on while it was written: again, from the new source
    for firm_id, account_id in todo:
        results[(firm_id, account_id)] = ConflictError(
            f"account {account_id} kept changing while it was indexed", code="busy"
        )
    return results


def reindex(repo: SearchRepo, firm_id: str, account_id: str, *, refresh_copies: bool = False, attempts: int = 6) -> int:
    """One account's ``reindex_many``: the number of items written (its error raised)."""
    outcome = reindex_many(repo, {(firm_id, account_id): refresh_copies}, attempts=attempts)[(firm_id, account_id)]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


REBUILD_GROUP = 50  # accounts read and written together by a rebuild


def rebuild(repo: SearchRepo, firm_id: str, account_ids: Iterable[str]) -> int:
    """Reindex accounts from the source (after a restore from backup, or for
    data written before the indexer ran), ``REBUILD_GROUP`` at a time."""
    ids = list(dict.fromkeys(account_ids))
    total = 0
    for start in range(0, len(ids), REBUILD_GROUP):
        group = {(firm_id, a): False for a in ids[start : start + REBUILD_GROUP]}
        for outcome in reindex_many(repo, group).values():
            if isinstance(outcome, Exception):
                raise outcome
            total += outcome
    return total
