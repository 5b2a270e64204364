"""Scale on paper: the capacity model of the fleet against AWS's per-partition,
per-account and stream limits (issue 20, goal 6). Pure Python, no AWS.

``python -m bench.capacity`` (also ``python -m bench capacity``, and ``make
bench``) prints the tables of docs/performance.md, "Capacity model".

What comes from the project (bench/capacity_inputs.py): every route's units and billed time (the cost table
in docs/performance.md), the indexer's and the projection's work per write, search entries per account, the
stream mappings and throttles (infra/template.json), item sizes (``chalicelib.repo.activity``'s record
builders). What is assumed is a constant below, each with its reason. Load is the peak hour's mean rate; every
figure is linear in the fleet's firms (``firms_x``) or each firm's size (``size_x``), except the table's
partition count (stream shards), which is rounded up.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from bench import capacity_inputs as inputs
from bench.capacity_inputs import IndexWrite, Infra, Projection, RouteCost, StoredSize

TIMES = "\N{MULTIPLICATION SIGN}"

# --- AWS limits (documented defaults) -------------------------------------------------------------------
PARTITION_RCU = 3000.0  # per partition and second (DynamoDB developer guide, "partition key design")
PARTITION_WCU = 1000.0  # idem; a partition serves a linear mix of the two
COLLECTION_LIMIT_BYTES = 10 * 1024**3  # an item collection of a table with local indexes (DynamoDB quotas)
PARTITION_BYTES = 10 * 1024**3  # DynamoDB splits a partition at about 10 GB
ON_DEMAND_INITIAL_PARTITIONS = 4  # a new on-demand table serves 4,000 WCU/s (4 partitions of 1,000)
API_GATEWAY_ACCOUNT_RPS = 10_000.0  # per account and region, all APIs together (adjustable quota)
LAMBDA_CONCURRENCY = 1_000.0  # per account and region, all functions together (adjustable quota)
MAX_PARALLELIZATION = 10  # the highest ParallelizationFactor a stream mapping takes

# --- the fleet ------------------------------------------------------------------------------------------
FIRMS = 1000
ACCOUNTS_RANGE = (100, 20_000)  # log-uniform over the firms
STAFF_RANGE = (5, 200)  # log-uniform, rank-correlated with accounts (the biggest firm has the most staff)
CONTACTS_PER_ACCOUNT = 1.5  # the search bench's firm: 15,000 contacts for 10,000 accounts

# Sizes the Overview bench measured (docs/performance.md, "Overview tab": account item 728 B, overview items
# 842 B); list entries copy the account (2 team members); a contact link is ids and a description.
ACCOUNT_ITEM_BYTES = 728
OVERVIEW_ITEM_BYTES = 842
TEAM_LIST_ENTRIES = 2
LINK_BYTES = 200

# --- when the requests come ---------------------------------------------------------------------------
WORKING_HOURS = 8  # a staff member's day of requests falls in 8 hours
PEAK_HOUR_FACTOR = 1.5  # the busiest hour carries 1.5 times the working hours' mean
PEAK_HOUR_SHARE = PEAK_HOUR_FACTOR / WORKING_HOURS  # 18.75 % of the day; all firms in one time zone (worst case)
WORKING_DAYS = 250  # a year's working days, for the data a firm accumulates
YEARS_OF_HISTORY = 5  # activity kept in the table when its size (partitions, stream shards) is estimated

# A staff member's day, by the cost table's routes (requests per staff member per working day). The web
# client's screens cost one request each (docs/performance.md, "The web client"); the counts are an
# accountant's day as we picture it: 3 page loads, 40 profiles opened, 30 searches, ~35 items written.
DAY_MIX: Mapping[str, float] = {
    "GET /me": 3,
    "GET /tags": 3,
    "GET /custom-fields": 3,
    "GET /members": 3,
    "GET /accounts": 15,
    "GET /accounts/{account_id}/overview": 40,
    "GET /accounts/{account_id}": 15,
    "GET /search": 30,
    "GET /accounts/{account_id}/tasks": 6,
    "GET /accounts/{account_id}/emails": 5,
    "GET /accounts/{account_id}/documents": 4,
    "GET /accounts/{account_id}/notes": 4,
    "GET /accounts/{account_id}/chats": 3,
    "GET /accounts/{account_id}/invoices": 3,
    "GET /accounts/{account_id}/tasks/{item_id}": 4,
    "GET /accounts/{account_id}/emails/{item_id}": 4,
    "GET /accounts/{account_id}/documents/{item_id}": 4,
    "GET /accounts/{account_id}/notes/{item_id}": 3,
    "GET /accounts/{account_id}/chats/{item_id}/messages": 8,
    "GET /contacts": 3,
    "GET /contacts/{contact_id}": 3,
    "POST /accounts/{account_id}/notes": 6,
    "POST /accounts/{account_id}/tasks": 4,
    "PATCH /accounts/{account_id}/tasks/{item_id}": 6,
    "POST /accounts/{account_id}/time_entries": 8,
    "POST /accounts/{account_id}/emails": 4,
    "POST /accounts/{account_id}/chats/{item_id}/messages": 8,
    "POST /accounts/{account_id}/documents": 3,
    "POST /accounts/{account_id}/documents/{item_id}/view": 3,
    "POST /accounts/{account_id}/invoices": 1,
    "PATCH /accounts/{account_id}": 2,
    "POST /accounts": 0.3,
    "POST /accounts/{account_id}/contacts": 0.2,
    "PATCH /contacts/{contact_id}": 0.5,
    "POST /contacts/{contact_id}/emails": 0.2,
}
# Which account a request is about: Zipf (s = 1) over a firm's accounts, so the busiest of n accounts gets
# 1/H(n) of the firm's account traffic (19 % of 100 accounts, 9.5 % of 20,000): a heavy skew, on purpose.
# The busiest account also receives e-mail (email sync) and chat from its own people:
HOT_ACCOUNT_SYNCED_MAILS_PER_DAY = 50
MAIL_RRU = 3.0  # received mail with sync on: 3 RRU, and the item's write (docs/data-model.md, "Access patterns")
# The search token partitions: the most common 3 leading characters take this share of a firm's searches.
HOT_PREFIX_READ_SHARE = 0.05
# GSI3 write units a source write puts on its hottest token partition: a new account's or address's `com`
# entry (one per .com address); a rename moves a 9-letter word's 7 prefixes of 3+ characters, which share
# their first 3 characters and so one partition (delete + put each).
HOT_PREFIX_WCU = {"create": 1.0, "rename": 14.0}
RENAME_SHARE = 0.2  # of account and contact edits, those that change a name (the search bench's write rows)
# Stream consumers' speed per lane (one lane = one concurrent batch of a shard):
INDEX_ACCOUNTS_PER_LANE_S = 20.0  # docs/performance.md, "Search and Overview lag": 20-25 accounts/s a lane
DYNAMODB_REQUEST_S = 0.005  # one DynamoDB round trip from Lambda in the region (assumed)
OVERVIEW_CPU_S = 0.002  # the projection's CPU per record (assumed)
AUTHORIZER_S = 0.010  # a warm authorizer call; the gateway caches its answer per token for 300 s
AUTHORIZER_CACHE_S = 300.0

# --- access patterns (docs/data-model.md keys) ---------------------------------------------------------
FIRM = "firm partition `FIRM#f` (member read by every request, catalogues)"
FIRM_LIST = "firm-wide clients list, GSI1 `FIRM#f#ACCOUNTS#ACTIVE`"
CONTACTS_LIST = "contacts list, GSI1 `FIRM#f#CONTACTS`"
ACCOUNT = "busiest account, `FIRM#f#ACCOUNT#a` (+ LSI1-3)"
CONTACT = "busiest contact, `FIRM#f#CONTACT#c`"
SEARCH = "hottest search tokens, GSI3 `FIRM#f#SEARCH#<t[:3]>`"
PATTERNS = (FIRM, FIRM_LIST, CONTACTS_LIST, ACCOUNT, CONTACT, SEARCH)

UNAUTHENTICATED = frozenset({"GET /health", "GET /openapi.json", "POST /portal/invites/accept"})
FIRM_PATHS = ("/me", "/tags", "/members", "/custom-fields", "/pipelines", "/quickbooks", "/firm")
MEMBER_READ_RRU = 1.0  # the caller's member item, strongly consistent, on every authenticated request
# GSI1 write units on the firm-wide list per write of the account item (ALL projection: any change of the
# account rewrites its entry; a change of its sort key, the name, is a delete and a put).
ACCOUNT_LIST_WCU = {
    "POST /accounts": 1.0,
    "PATCH /accounts/{account_id}": 2.0,
    "DELETE /accounts/{account_id}": 2.0,
    "POST /accounts/{account_id}/restore": 2.0,
    "PUT /accounts/{account_id}/photo": 1.0,
    "DELETE /accounts/{account_id}/photo": 1.0,
    "POST /accounts/{account_id}/quickbooks/sync-results": 1.0,
    "POST /accounts/{account_id}/invoices": 1.0,  # billing_count
    "DELETE /accounts/{account_id}/invoices/{item_id}": 1.0,
    "POST /accounts/{account_id}/credits": 1.0,  # credit_balance
    "POST /accounts/{account_id}/invoices/{item_id}/apply-credit": 1.0,
}
CONTACT_LIST_WCU = {"POST /accounts": CONTACTS_PER_ACCOUNT, "POST /contacts": 1.0, "PATCH /contacts/{contact_id}": 2.0}
# The search indexer's work per route: (the search bench's row, the share of calls that change the index,
# its hottest-prefix kind). Every other write of an account item reaches it too and costs a re-read only.
INDEXED = {
    "POST /accounts": ("POST /accounts", 1.0, "create"),
    "PATCH /accounts/{account_id}": ("PATCH /accounts/{account_id}", RENAME_SHARE, "rename"),
    "POST /contacts/{contact_id}/emails": ("POST /contacts/{contact_id}/emails", 1.0, "create"),
    "PATCH /contacts/{contact_id}": ("PATCH /contacts/{contact_id}", RENAME_SHARE, "rename"),
}
ACCOUNTS_PER_CONTACT_WRITE = 2.0  # the search bench's contacts are linked to two accounts
INDEX_REPEAT_RRU = 6.1  # a record that changes nothing: the indexer's reads (search bench, "same records again")
ITEM_ROUTE = re.compile(r"^(POST|PATCH|DELETE) /accounts/\{account_id\}/(\w+)(/\{item_id\})?(/messages|/view)?$")


@dataclass(frozen=True, slots=True)
class Firm:
    accounts: float
    staff: float


def default_fleet(firms: int = FIRMS) -> tuple[Firm, ...]:
    """Firm i at quantile q = (i + 0.5) / n of log-uniform ranges: accounts 100 * 200^q, staff 5 * 40^q."""
    (a0, a1), (s0, s1) = ACCOUNTS_RANGE, STAFF_RANGE
    quantiles = [(i + 0.5) / firms for i in range(firms)]
    return tuple(Firm(round(a0 * (a1 / a0) ** q), round(s0 * (s1 / s0) ** q)) for q in quantiles)


def harmonic(n: float) -> float:
    """H(n) by its expansion (exact to 1e-6 from n = 2): the Zipf normaliser."""
    if n <= 1:
        return 1.0
    return math.log(n) + 0.5772156649015329 + 1 / (2 * n) - 1 / (12 * n * n)


@dataclass
class Units:
    rcu: float = 0.0
    wcu: float = 0.0

    def add(self, rcu: float, wcu: float, times: float = 1.0) -> None:
        self.rcu += rcu * times
        self.wcu += wcu * times

    @property
    def utilisation(self) -> float:
        return self.rcu / PARTITION_RCU + self.wcu / PARTITION_WCU


@dataclass(frozen=True)
class RouteLoad:
    """What one request of a route puts where: units per access pattern, stream work, Lambda time."""

    route: str
    units: Mapping[str, Units]
    overview_records: float  # records the overview's mapping delivers
    reindexes: float  # accounts the search indexer recomputes
    lambda_s: float


def _home(method: str, path: str) -> str | None:
    if path == "/accounts":
        return FIRM_LIST if method == "GET" else ACCOUNT
    if path.startswith("/accounts/"):
        return ACCOUNT
    if path == "/search":
        return SEARCH
    if path == "/contacts" and method == "GET":
        return CONTACTS_LIST
    if path.startswith(("/contacts", "/portal")):
        return CONTACT
    return FIRM if path.startswith(FIRM_PATHS) else None


def route_load(
    cost: RouteCost, index: Mapping[str, IndexWrite], projection: Projection, sections: frozenset[str]
) -> RouteLoad:
    """Places a route's measured units on the partitions its keys name (docs/data-model.md)."""
    method, path = cost.route.split(" ", 1)
    units: defaultdict[str, Units] = defaultdict(Units)
    rru, wru = cost.rru, cost.wru
    if cost.route not in UNAUTHENTICATED and rru >= MEMBER_READ_RRU:
        units[FIRM].add(MEMBER_READ_RRU, 0)
        rru -= MEMBER_READ_RRU
    for pattern, moved in ((FIRM_LIST, ACCOUNT_LIST_WCU), (CONTACTS_LIST, CONTACT_LIST_WCU)):
        wcu = min(moved.get(cost.route, 0.0), wru)
        units[pattern].add(0, wcu)
        wru -= wcu
    home = _home(method, path)
    if home is not None:
        units[home].add(rru, wru)
    reindexes = 1.0 if cost.route in ACCOUNT_LIST_WCU else 0.0
    if cost.route in INDEXED:
        row, share, kind = INDEXED[cost.route]
        work = index[row]
        accounts = ACCOUNTS_PER_CONTACT_WRITE if path.startswith("/contacts") else 1.0
        reindexes = accounts
        units[ACCOUNT].add(work.rru / accounts, work.wcu_table * share / accounts)
        units[FIRM_LIST].add(0, work.wcu_gsi1 * share)
        units[SEARCH].add(0, HOT_PREFIX_WCU[kind] * share)
        units[ACCOUNT].add(INDEX_REPEAT_RRU * (1 - share) / accounts, 0)
    elif reindexes:
        units[ACCOUNT].add(INDEX_REPEAT_RRU, 0)
    item = ITEM_ROUTE.match(cost.route)
    overview = 1.0 if item and item[2] in sections else 0.0
    units[ACCOUNT].add(projection.rru, projection.wcu, overview)
    return RouteLoad(cost.route, dict(units), overview, reindexes, cost.billed_ms / 1000)


@dataclass(frozen=True)
class Model:
    """The inputs the checks need, read once."""

    costs: Mapping[str, RouteCost]
    loads: Mapping[str, RouteLoad]
    infra: Infra
    projection: Projection
    sizes: Mapping[str, StoredSize]
    search_entries: tuple[float, float]
    mix: Mapping[str, float] = field(default_factory=lambda: dict(DAY_MIX))
    synced_mails_per_day: float = HOT_ACCOUNT_SYNCED_MAILS_PER_DAY  # into the busiest account

    def peak_rate(self, staff: float) -> dict[str, float]:
        """Requests per second of each route in the peak hour, for this many staff."""
        return {route: staff * per_day * PEAK_HOUR_SHARE / 3600 for route, per_day in self.mix.items()}

    def heat(self, firm: Firm) -> dict[str, Units]:
        """Units per second on the hottest partition of each pattern in one firm, at peak."""
        out = {pattern: Units() for pattern in PATTERNS}
        shares = {ACCOUNT: 1 / harmonic(firm.accounts), CONTACT: 1 / harmonic(firm.accounts * CONTACTS_PER_ACCOUNT)}
        shares[SEARCH] = HOT_PREFIX_READ_SHARE
        for route, rate in self.peak_rate(firm.staff).items():
            for pattern, used in self.loads[route].units.items():
                read_share = shares.get(pattern, 1.0)
                write_share = 1.0 if pattern == SEARCH else read_share  # hot-prefix writes are per write already
                out[pattern].add(used.rcu * read_share * rate, used.wcu * write_share * rate)
        mails = self.synced_mails_per_day * PEAK_HOUR_SHARE / 3600
        out[ACCOUNT].add(MAIL_RRU, 1 + self.sizes["emails"].lsi_copies + self.projection.wcu, mails)
        return out

    @property
    def overview_record_s(self) -> float:
        """A lane's time per delivered record: the projection's requests per record in a batch, plus CPU."""
        return self.projection.requests * DYNAMODB_REQUEST_S + OVERVIEW_CPU_S

    def yearly_history_bytes(self, firm: Firm) -> float:
        """Item-collection bytes a firm's activity adds in a year (items and their local-index copies)."""
        return firm.staff * self.yearly_bytes_per_staff

    @property
    def yearly_bytes_per_staff(self) -> float:
        day = 0.0
        for route, per_day in self.mix.items():
            item = ITEM_ROUTE.match(route)
            if item and item[1] == "POST" and not item[3] and not item[4] and self.loads[route].overview_records:
                day += per_day * self._stored(item[2]).collection_bytes  # a new activity item
            elif route.endswith("/messages") and route.startswith("POST"):
                day += per_day * self.sizes["chat_message"].collection_bytes
        return day * WORKING_DAYS

    def _stored(self, section: str) -> StoredSize:
        if section in self.sizes:
            return self.sizes[section]
        sizes = [s for k, s in self.sizes.items() if k != "chat_message"]
        # another section: the sampled items' mean size, in all three local indexes (a section with a status)
        return StoredSize(round(sum(s.item_bytes for s in sizes) / len(sizes)), 3)

    def account_static_bytes(self) -> float:
        """An account's own items: details, links, contacts' share, search entries, overview items."""
        entries, entry_bytes = self.search_entries
        overhead = inputs.ITEM_OVERHEAD_BYTES
        own = (ACCOUNT_ITEM_BYTES + overhead) * (1 + TEAM_LIST_ENTRIES) + LINK_BYTES * CONTACTS_PER_ACCOUNT
        return own + 13 * (OVERVIEW_ITEM_BYTES + overhead) + entries * (entry_bytes + overhead)

    def hot_collection(self, firm: Firm) -> tuple[float, float]:
        """The busiest account's item collection after YEARS_OF_HISTORY, and the years until 10 GB."""
        mail = self.synced_mails_per_day * 365 * self.sizes["emails"].collection_bytes
        yearly = self.yearly_history_bytes(firm) / harmonic(firm.accounts) + mail
        static = self.account_static_bytes()
        return static + YEARS_OF_HISTORY * yearly, (COLLECTION_LIMIT_BYTES - static) / yearly


@cache
def load_model() -> Model:
    from chalicelib.domain.sections import SECTIONS

    text = inputs.PERFORMANCE_MD.read_text()
    costs = inputs.parse_cost_table(text)
    unknown = sorted(set(DAY_MIX) - set(costs))
    if unknown:
        raise ValueError(f"routes of the mix not in the cost table: {unknown}")
    index, projection = inputs.parse_index_writes(text), inputs.parse_projection(text)
    sections = frozenset(SECTIONS)
    loads = {route: route_load(cost, index, projection, sections) for route, cost in costs.items()}
    return Model(
        costs, loads, inputs.load_template(), projection, inputs.item_sizes(), inputs.parse_search_entries(text)
    )


# --- the checks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    key: str  # stable across scales (a key of CHANGES)
    name: str
    demand: float
    limit: float
    detail: str  # the demand in its own units

    @property
    def utilisation(self) -> float:
        return self.demand / self.limit

    @property
    def change(self) -> str:
        return CHANGES[self.key]


def scaled(fleet: Sequence[Firm], size_x: float) -> list[Firm]:
    return [Firm(f.accounts * size_x, f.staff * size_x) for f in fleet]


@dataclass(frozen=True)
class Peak:
    """The fleet's peak hour: totals the checks and the report share."""

    staff: float
    accounts: float
    rps: float
    table: Units  # the base table's throughput
    size_bytes: float
    partitions: int  # of the base table: the stream's shards
    overview_records: float  # per second, delivered to ProjectOverview
    reindexes: float  # accounts per second, for IndexSearch


def peak(model: Model, fleet: Sequence[Firm], firms_x: float = 1.0, size_x: float = 1.0) -> Peak:
    firms = scaled(fleet, size_x)
    staff = sum(f.staff for f in firms) * firms_x
    accounts = sum(f.accounts for f in firms) * firms_x
    rates = model.peak_rate(staff)
    table = Units()  # the base table's own throughput (its partitions are the stream's shards; GSIs have their own)
    for route, rate in rates.items():
        for pattern in (FIRM, ACCOUNT, CONTACT):
            used = model.loads[route].units.get(pattern, Units())
            table.add(used.rcu, used.wcu, rate)
    size = accounts * model.account_static_bytes() + YEARS_OF_HISTORY * staff * model.yearly_bytes_per_staff
    partitions = max(ON_DEMAND_INITIAL_PARTITIONS, math.ceil(size / PARTITION_BYTES), math.ceil(table.utilisation))
    return Peak(
        staff,
        accounts,
        sum(rates.values()),
        table,
        size,
        partitions,
        sum(rate * model.loads[r].overview_records for r, rate in rates.items()),
        sum(rate * model.loads[r].reindexes for r, rate in rates.items()),
    )


def checks(model: Model, fleet: Sequence[Firm], firms_x: float = 1.0, size_x: float = 1.0) -> list[Check]:
    """Every limit at peak for the fleet with its firms times firms_x and each firm's size times size_x."""
    at = peak(model, fleet, firms_x, size_x)
    rates = model.peak_rate(at.staff)
    biggest = max(scaled(fleet, size_x), key=lambda f: (f.staff, f.accounts))
    api_lambda = sum(rate * model.loads[r].lambda_s for r, rate in rates.items())
    overview_busy = at.overview_records * model.overview_record_s
    index_busy = at.reindexes / INDEX_ACCOUNTS_PER_LANE_S
    authorizer = at.staff / AUTHORIZER_CACHE_S * AUTHORIZER_S
    concurrency = api_lambda + authorizer + overview_busy + index_busy
    overview_pf = model.infra.mappings["ProjectOverview"].parallelization
    index_pf = model.infra.mappings["IndexSearch"].parallelization
    lanes = at.partitions * (overview_pf + index_pf)
    firm_rps = sum(model.peak_rate(biggest.staff).values())
    # The stage's MethodSettings (`/*`, `*`) throttle each method on its own (API Gateway's developer guide,
    # "How throttling limit settings are applied"), so the busiest route is what meets ApiRateLimit.
    busiest, busiest_rps = max(rates.items(), key=lambda kv: kv[1])
    collection, years = model.hot_collection(biggest)
    gb = 1024**3
    out = [
        Check(
            "stage",
            "API stage throttle per method (`ApiRateLimit`)",
            busiest_rps,
            model.infra.api_rate_limit,
            f"`{busiest}` {busiest_rps:,.0f} rps",
        ),
        Check(
            "gateway",
            "API Gateway account throttle (10,000 rps)",
            at.rps,
            API_GATEWAY_ACCOUNT_RPS,
            f"{at.rps:,.0f} rps",
        ),
        Check(
            "firm",
            "biggest firm's rate (`FirmRateLimit`)",
            firm_rps,
            model.infra.firm_rate_limit,
            f"{firm_rps:.1f} rps",
        ),
        Check("lambda", "Lambda concurrency (1,000)", concurrency, LAMBDA_CONCURRENCY, f"{concurrency:,.0f}"),
        Check(
            "lanes",
            "Lambda concurrency if every stream lane is busy (a fleet-wide rebuild or replay)",
            api_lambda + authorizer + lanes,
            LAMBDA_CONCURRENCY,
            f"{lanes:,} lanes ({at.partitions} shards {TIMES} PF {overview_pf} + {index_pf}) + {api_lambda:,.0f} API",
        ),
        Check(
            "overview_stream",
            f"overview stream: shards {TIMES} PF {overview_pf}",
            overview_busy,
            at.partitions * overview_pf,
            f"{at.overview_records:,.0f} records/s: {overview_busy:.1f} of {at.partitions * overview_pf} lanes busy",
        ),
        Check(
            "index_stream",
            f"search stream: shards {TIMES} PF {index_pf}",
            index_busy,
            at.partitions * index_pf,
            f"{at.reindexes:,.1f} accounts/s: {index_busy:.2f} of {at.partitions * index_pf} lanes busy",
        ),
        Check(
            "collection",
            f"busiest account's item collection after {YEARS_OF_HISTORY} years (10 GB)",
            collection,
            COLLECTION_LIMIT_BYTES,
            f"{collection / gb:.2f} GB (10 GB in {years:.0f} years)",
        ),
    ]
    heat = model.heat(biggest)
    for pattern in PATTERNS:
        used = heat[pattern]
        out.append(Check(pattern, pattern, used.utilisation, 1.0, f"{used.rcu:.2f} RCU/s, {used.wcu:.2f} WCU/s"))
    return out


CHANGES: Mapping[str, str] = {
    "stage": "raise `ApiRateLimit` (our parameter, default 1,000 a method) towards the account's quota",
    "gateway": "quota increase; then cells: one stack (AWS account) per group of firms",
    "firm": "per-firm plans (a higher `FirmRateLimit` for large firms)",
    "lambda": "quota increase; reserved concurrency for the stream functions; cells",
    "lanes": "reserved concurrency on the stream functions (they lag instead of starving the API); "
    "rebuilds paced per firm",
    "overview_stream": "raise the overview mapping's ParallelizationFactor (1 today, up to 10)",
    "index_stream": "raise IndexSearch's ParallelizationFactor (4 today, up to 10); fewer entries per account",
    "collection": "move chat messages and synced mail out of the account partition; LSIs projecting INCLUDE",
    FIRM: "carry the member's rights in a cached, versioned copy (read sharding of the member item)",
    FIRM_LIST: "write-shard the firm-wide list (`#ACTIVE#<0..n>`, read by a merge of n Queries)",
    CONTACTS_LIST: "write-shard the contacts list as the clients list",
    ACCOUNT: "move chat messages (and synced mail) to a partition of their own (`…#CHAT#c`)",
    CONTACT: "none needed (one contact's own reads)",
    SEARCH: "token partitions by 4 characters, or a suffix shard per account hash",
}
