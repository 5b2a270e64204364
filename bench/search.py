"""Search (``GET /search``) on DynamoDB Local, over a firm of 10,000 accounts.

Seeding: one firm (``create_firm``), an employee without *view all accounts*
on the team of 30 accounts, and 10,000 accounts with 15,000 contacts (varied
names with accents, companies, addresses on common domains with unique local
parts; some contacts linked to two accounts). The items are written directly
with BatchWriteItem from a few threads, built by the production record classes
(``to_item``, ``list_entries``); the search index is the production
``services.search.desired_entries`` of each account, and the linked contacts'
addresses are set on the account and its list entries (``contact_emails``),
as the indexer would (reindexing a few accounts afterwards must write nothing).

A separate baseline table, on a second DynamoDB Local, holds only the source
items (accounts, contacts, links, e-mail items) with a folded copy of the name
(accounts) and of the addresses (contacts): the naive design, a Scan with a
FilterExpression paged to the end.

Seeding takes most of the run (about 8.5 minutes of some 12 on the 2-core
machine): DynamoDB Local handles one write at a time, about 1,000-1,300 items
a second on this table, and the index is some 60 items per account.

Measured side by side in one run, rounds interleaved (order rotating):

- per kind of query, as the owner: the service (``services.search.search``
  with a fresh ``Ctx``, so the caller's member item is read as in a request),
  the endpoint through the Chalice test client, the bare GSI3 Query the search
  makes first, and the Scan (twice: it takes seconds). Requests,
  read units (``ReturnConsumedCapacity``), items read, hits; and whether the
  20 hits are the 20 best by the documented ranking over every match;
- an employee who opens only their team's 30 accounts: search (their team
  list, GSI1) and the clients list ``GET /accounts``, against the firm's list
  filtered on the team;
- the index's write cost: accounts created through the API, then indexed by
  ``services.search.reindex``; the same again (a duplicate record); an
  address added to a contact linked to two accounts; an account renamed.
"""

from __future__ import annotations

import random
import statistics

from chalice.app import Chalice
from chalice.test import Client

from bench.search_firm import ACCOUNTS, SEED, Firm
from bench.search_seed import SEED_THREADS, baseline_table, seed
from bench.search_ways import goal_table, owner_search, ranking_table, restricted_employee, search_table, service_search
from bench.search_writes import index_accounts, write_costs
from chalicelib.repo.table import Table
from devtools.dynamodb_local import DynamoDBLocal
from tests.support.api import Api

# The queries, as typed. The 4-character and the 2-character name prefixes, a
# domain and a local-part fragment (inside "martinez", never a word's start),
# and two words (a first name and a surname prefix, read over several pages).
QUERIES = (
    ("name prefix, 4 characters", "Müll", True),
    ("name prefix, 2 characters", "ko", True),
    ("e-mail domain part", "outlook", True),
    ("e-mail local-part fragment", "rtinez", True),
    # No Scan: a filter cannot say "each word in the name or in one same address".
    ("two words: first name + surname prefix", "anna mül", False),
)

# More 4-character surname prefixes, searched once each for the ranking check.
RANKING_ONLY = ("schm", "kowa", "mart")


def _people_queries(firm: Firm) -> list[tuple[str, str, bool]]:
    """Queries through contacts, taken from the seeded firm: a shared contact's
    first name and surname prefix (its own account by name, a company through
    it), a mobile prefix, digits inside a number, and a whole number as typed."""
    _, first, last, _ = firm.shared[0]
    number = next(
        p.phones[0] for people in firm.people.values() for p in people if p.phones and p.phones[0].startswith("+31 6")
    )
    digits = "".join(c for c in number if c.isdigit())
    return [
        ("contact: first name + surname prefix", f"{first} {last[:3]}", False),
        ("phone: national mobile prefix", "0612", False),
        ("phone: 6 digits inside a number", digits[5:11], False),
        ("phone: a whole number as typed", number, False),
    ]


# --- the run -----------------------------------------------------------------------------------


def _seeded_check(table: Table, firm: Firm) -> str:
    """The seeded index is what the indexer computes: reindexing writes nothing."""
    sample = random.Random(SEED + 2).sample(sorted(firm.names), 20)
    usage, written = index_accounts(table, firm, sample)
    assert written == 0, f"the seeded index differs from the indexer's for {written} items"
    return (
        f"Reindexing 20 seeded accounts wrote nothing (the seeded index is the indexer's), "
        f"and read {usage.rru / 20:.1f} RRU per account in {usage.total_requests / 20:.1f} requests "
        f"({usage.requests_text()} in all): the cost of a duplicate record for a seeded account."
    )


def _seed_summary(firm: Firm) -> list[str]:
    c = firm.counts
    per = firm.entries
    entries = sum(per)
    size = statistics.mean(firm.sampled_bytes)
    return [
        f"Seeded in {firm.seconds:.0f} s (BatchWriteItem, {SEED_THREADS} threads): {c['accounts']:,} accounts, "
        f"{c['contacts']:,} contacts, {c['links']:,} links, {c['addresses']:,} addresses, "
        f"{len(firm.team)} accounts on the employee's team; {c['items']:,} items in the table, of which "
        f"{entries:,} search entries, and {c['baseline_items']:,} source items in the baseline table.",
        "",
        f"Search entries per account: mean {statistics.mean(per):.1f}, median {statistics.median(per):g}, "
        f"max {max(per)}; {size:.0f} bytes each on average (a sample of {len(firm.sampled_bytes):,}), "
        f"{size * entries / len(per) / 1024:.1f} KB per account, {size * entries / 2**20:.0f} MB in all, "
        f"stored once in the table and once more in GSI3.",
    ]


def run(table: Table, app: Chalice) -> str:
    """Seed, measure; the results as Markdown tables."""
    with DynamoDBLocal() as server:
        return _run(table, baseline_table(server.endpoint, table), app)


def _run(table: Table, baseline: Table, app: Chalice) -> str:
    print(f"  seeding {ACCOUNTS:,} accounts ...", flush=True)
    firm = seed(table, baseline)
    print(f"  seeded in {firm.seconds:.0f} s", flush=True)
    with Client(app) as client:
        owner = Api(client, firm.token(firm.owner_id))
        employee = Api(client, firm.token(firm.employee_id))
        for member in (owner, employee):  # first sign-ins bind the members: not part of what is measured
            assert member.get("/me").status == 200
        check = _seeded_check(table, firm)
        kinds = []
        for kind, q, with_scan in (*QUERIES, *_people_queries(firm)):
            kinds.append(owner_search(table, firm, owner, kind, q, with_scan))
            print(f"  {kind}: done", flush=True)
        ranked = [(k.q, k.service.found) for k in kinds]
        ranked += [(q, service_search(table, firm, firm.owner_id, q)()) for q in RANKING_ONLY]
        restricted = restricted_employee(table, firm, employee)
        print("  restricted employee: done", flush=True)
        costs = write_costs(table, firm, owner)
    return "\n".join(
        [
            *_seed_summary(firm),
            "",
            check,
            "",
            *search_table(kinds),
            "",
            *goal_table(kinds),
            "",
            *ranking_table(firm, ranked),
            "",
            *restricted,
            "",
            *costs,
        ]
    )
