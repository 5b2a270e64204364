"""The capacity model's arithmetic (bench/capacity_model.py), checked on a tiny
fleet against figures computed by hand, and its inputs read from the real
docs and template.

The tiny model: one firm's staff make 192 requests a day of each of two
routes. 100 staff * 192 * 18.75 % (the peak hour's share) / 3600 s = 1.0
request per second of each route at peak.
"""

from __future__ import annotations

import math

import pytest

from bench import capacity
from bench.capacity_inputs import (
    IndexWrite,
    Infra,
    Projection,
    RouteCost,
    StoredSize,
    StreamMapping,
    parse_cost_table,
    parse_template,
)
from bench.capacity_model import (
    ACCOUNT,
    CONTACTS_LIST,
    FIRM,
    FIRM_LIST,
    SEARCH,
    Firm,
    Model,
    checks,
    default_fleet,
    harmonic,
    load_model,
    peak,
    route_load,
)

SEARCH_ROUTE = "GET /search"
NOTE_ROUTE = "POST /accounts/{account_id}/notes"
PROJECTION = Projection(requests=1.8, rru=2.1, wcu=0.6)
SECTIONS = frozenset({"notes", "tasks"})
COSTS = {
    SEARCH_ROUTE: RouteCost(SEARCH_ROUTE, {"GetItem": 1, "Query": 1}, rru=2, wru=0, billed_ms=9, transaction=False),
    NOTE_ROUTE: RouteCost(NOTE_ROUTE, {"GetItem": 2, "PutItem": 1}, rru=3, wru=6, billed_ms=28, transaction=False),
    "POST /accounts": RouteCost(
        "POST /accounts", {"TransactWriteItems": 1}, rru=22, wru=6, billed_ms=103, transaction=True
    ),
    "PATCH /accounts/{account_id}": RouteCost(
        "PATCH /accounts/{account_id}", {"TransactWriteItems": 1}, rru=17, wru=18, billed_ms=83, transaction=True
    ),
}
INDEX = {
    "POST /accounts": IndexWrite(rru=5.1, wcu_table=62.9, wcu_gsi1=1.0, wcu_gsi3=61.9, entries=62.9),
    "PATCH /accounts/{account_id}": IndexWrite(rru=8.9, wcu_table=85.0, wcu_gsi1=0.0, wcu_gsi3=150.8, entries=85.0),
}
INFRA = Infra(1000, 2000, 50, {"ProjectOverview": StreamMapping(100, 1), "IndexSearch": StreamMapping(100, 4)})
SIZES = {"notes": StoredSize(1031, 2), "emails": StoredSize(905, 3), "chat_message": StoredSize(557, 0)}


def tiny() -> Model:
    loads = {route: route_load(cost, INDEX, PROJECTION, SECTIONS) for route, cost in COSTS.items()}
    day = {SEARCH_ROUTE: 192.0, NOTE_ROUTE: 192.0}
    return Model(COSTS, loads, INFRA, PROJECTION, SIZES, (79.5, 257.0), day, synced_mails_per_day=0)


def test_the_cost_table_is_read_by_route() -> None:
    text = "\n".join(
        [
            "| route | DynamoDB requests | RRU | WRU | handler ms: median (billed) | API Gateway | Lambda | DynamoDB"
            " | total |",
            "|---|---|---|---|---|---|---|---|---|",
            "| `GET /accounts/{account_id}/overview` | 2 (GetItem 1, Query 1) | 2.5 | 0 | 16.9 (17) | 3.50 | 0.48"
            " | 0.31 | 4.30 |",
            "| `POST /accounts/{account_id}/chats/{item_id}/messages`†‡ | 5 (BatchGetItem 1, GetItem 3,"
            " TransactWriteItems 1) | 4 | 16 | 35.6 (36) | 3.50 | 0.80 | 10.50 | 14.80 |",
            "",
            "| other table |",
        ]
    )
    costs = parse_cost_table(text)
    assert list(costs) == [
        "GET /accounts/{account_id}/overview",
        "POST /accounts/{account_id}/chats/{item_id}/messages",
    ]
    overview = costs["GET /accounts/{account_id}/overview"]
    assert (overview.rru, overview.wru, overview.billed_ms, overview.transaction) == (2.5, 0, 17, False)
    assert overview.requests == {"GetItem": 1, "Query": 1}
    message = costs["POST /accounts/{account_id}/chats/{item_id}/messages"]
    assert (message.wru, message.billed_ms, message.transaction) == (16, 36, True)


def test_a_stream_mapping_without_parallelization_factor_has_awss_default_of_one() -> None:
    template = {
        "Parameters": {n: {"Default": d} for n, d in (("ApiRateLimit", 7), ("ApiBurstLimit", 8), ("FirmRateLimit", 9))},
        "Resources": {
            "A": {"Properties": {"Events": {"E": {"Properties": {"Stream": "arn", "BatchSize": 100}}}}},
            "B": {
                "Properties": {
                    "Events": {"E": {"Properties": {"Stream": "arn", "BatchSize": 10, "ParallelizationFactor": 4}}}
                }
            },
            "C": {"Properties": {}},
        },
    }
    infra = parse_template(template)
    assert (infra.api_rate_limit, infra.api_burst_limit, infra.firm_rate_limit) == (7, 8, 9)
    assert infra.mappings == {"A": StreamMapping(100, 1), "B": StreamMapping(10, 4)}


def test_a_notes_create_is_placed_on_the_firm_and_the_account_with_its_projection() -> None:
    load = route_load(COSTS[NOTE_ROUTE], INDEX, PROJECTION, SECTIONS)
    # member read 1 RRU on the firm; the rest (2 RRU, 6 WRU) plus the projection (2.1 RRU, 0.6 WCU) on the account
    assert (load.units[FIRM].rcu, load.units[FIRM].wcu) == (1, 0)
    assert load.units[ACCOUNT].rcu == pytest.approx(4.1)
    assert load.units[ACCOUNT].wcu == pytest.approx(6.6)
    assert (load.overview_records, load.reindexes, load.lambda_s) == (1, 0, 0.028)


def test_an_account_edit_moves_its_list_entry_and_a_fifth_of_them_reindex_a_name() -> None:
    load = route_load(COSTS["PATCH /accounts/{account_id}"], INDEX, PROJECTION, SECTIONS)
    assert load.units[FIRM].rcu == 1
    assert load.units[FIRM_LIST].wcu == pytest.approx(2.0)  # delete + put in GSI1; the rename adds no GSI1 unit
    # account: 16 RRU + the indexer's 8.9 + a re-read 6.1 for the 80 % that change nothing = 29.78
    assert load.units[ACCOUNT].rcu == pytest.approx(16 + 8.9 + 6.1 * 0.8)
    assert load.units[ACCOUNT].wcu == pytest.approx(16 + 85.0 * 0.2)  # 18 - 2 on GSI1, + a fifth of 85
    assert load.units[SEARCH].wcu == pytest.approx(14 * 0.2)  # a renamed word's 7 prefixes moved, a fifth of edits
    assert (load.overview_records, load.reindexes) == (0, 1)


def test_heat_on_one_firm_by_hand() -> None:
    heat = tiny().heat(Firm(accounts=1, staff=100))
    assert (heat[FIRM].rcu, heat[FIRM].wcu) == pytest.approx((2.0, 0.0))  # 1 member read each, 1 + 1 per second
    assert heat[SEARCH].rcu == pytest.approx(0.05)  # 1 RRU/s of GSI3 reads, 5 % on the hottest prefix
    assert (heat[ACCOUNT].rcu, heat[ACCOUNT].wcu) == pytest.approx((4.1, 6.6))  # the only account takes it all
    assert heat[ACCOUNT].utilisation == pytest.approx(4.1 / 3000 + 6.6 / 1000)


def test_the_busiest_account_gets_one_over_h_n_of_the_account_traffic() -> None:
    assert harmonic(1) == 1
    assert harmonic(100) == pytest.approx(5.187377517639621, abs=1e-9)
    heat = tiny().heat(Firm(accounts=100, staff=100))
    assert heat[ACCOUNT].wcu == pytest.approx(6.6 / 5.187377517639621)
    assert heat[FIRM].rcu == pytest.approx(2.0)  # the firm's partition is not shared out


def test_doubling_the_staff_doubles_every_partitions_heat() -> None:
    model = tiny()
    one, two = model.heat(Firm(1000, 100)), model.heat(Firm(1000, 200))
    for pattern, units in one.items():
        assert two[pattern].rcu == pytest.approx(2 * units.rcu)
        assert two[pattern].wcu == pytest.approx(2 * units.wcu)


def test_the_fleets_peak_by_hand() -> None:
    model = tiny()
    at = peak(model, [Firm(1, 100), Firm(1, 50)])
    assert at.rps == pytest.approx(3.0)  # 150 staff: 1.5 requests/s of each route
    # base table: search 1 RRU (member read); note 1 + 4.1 RRU, 6.6 WCU; times 1.5/s
    assert (at.table.rcu, at.table.wcu) == pytest.approx((1.5 * 6.1, 1.5 * 6.6))
    # an account: 3 copies of its 828 B item (it and 2 team entries), 1.5 links of 200 B, 13 overview items of
    # 942 B and 79.5 search entries of 357 B (all with DynamoDB's 100 B), = 43,411.5 B; a staff member's notes
    # add 192 * 3 * 1,131 B a day, 250 days a year, 5 years
    assert at.size_bytes == pytest.approx(2 * 43_411.5 + 5 * 150 * 192 * 3 * 1131 * 250)
    assert at.partitions == math.ceil(at.size_bytes / 1024**3 / 10) == 12
    assert (at.overview_records, at.reindexes) == pytest.approx((1.5, 0.0))


def test_doubling_the_firms_doubles_the_fleets_load() -> None:
    model, fleet = tiny(), [Firm(1, 100), Firm(1, 50)]
    one, two = peak(model, fleet), peak(model, fleet, firms_x=2)
    assert (two.rps, two.table.rcu, two.table.wcu, two.size_bytes) == pytest.approx(
        (2 * one.rps, 2 * one.table.rcu, 2 * one.table.wcu, 2 * one.size_bytes)
    )
    first = {c.key: c.demand for c in checks(model, fleet)}
    second = {c.key: c.demand for c in checks(model, fleet, firms_x=2)}
    for key in ("gateway", "stage", "lambda", "overview_stream"):
        assert second[key] == pytest.approx(2 * first[key])
    for key in (FIRM, ACCOUNT, SEARCH, "collection", "firm"):  # one firm's partitions: more firms, same heat
        assert second[key] == pytest.approx(first[key])


def test_the_shared_limits_by_hand() -> None:
    by_key = {c.key: c for c in checks(tiny(), [Firm(1, 100), Firm(1, 50)])}
    assert by_key["gateway"].utilisation == pytest.approx(3.0 / 10_000)
    assert by_key["stage"].demand == pytest.approx(1.5)  # per method: the busiest route, not the total
    assert by_key["firm"].demand == pytest.approx(2.0)  # the biggest firm: 100 staff
    # Lambda: 1.5/s * 9 ms + 1.5/s * 28 ms, the authorizer 150 / 300 s * 10 ms, the projection 1.5/s * 11 ms
    assert by_key["lambda"].demand == pytest.approx(1.5 * 0.009 + 1.5 * 0.028 + 0.5 * 0.010 + 1.5 * 0.011)
    assert by_key["overview_stream"].limit == 12  # 12 shards * PF 1
    assert by_key["index_stream"].limit == 48  # * PF 4


def test_the_first_crossing_of_a_linear_limit_is_its_inverse_utilisation() -> None:
    model, fleet = tiny(), [Firm(1, 100), Firm(1, 50)]
    at = capacity.crossings(model, fleet, "firms")["gateway"]
    assert 10_000 / 3.0 <= at < 10_000 / 3.0 * capacity.GRID_STEP


def test_an_imports_ceiling_is_the_hot_partitions_limit_over_its_units_per_account() -> None:
    ceilings = capacity.bulk_ceilings(tiny(), partitions=12)["import of accounts"]
    assert ceilings[FIRM_LIST] == pytest.approx(1000 / 2.0)  # the create's entry 1 WCU + the indexer's copy 1
    assert ceilings[CONTACTS_LIST] == pytest.approx(1000 / 1.5)  # 1.5 new contacts an account
    assert ceilings[SEARCH] == pytest.approx(1000 / 1.0)  # the `com` entry
    stream = next(ceiling for name, ceiling in ceilings.items() if name.startswith("search stream"))
    assert stream == pytest.approx(12 * 4 * 20)  # 12 shards * PF 4 lanes, 20 accounts/s each
    ceilings = capacity.bulk_ceilings(tiny(), partitions=1000)["import of accounts"]
    stream = next(ceiling for name, ceiling in ceilings.items() if name.startswith("search stream"))
    assert stream == pytest.approx(1000 * 20)  # 4,000 lanes, but Lambda runs 1,000 at once


def test_the_default_fleet_is_log_uniform_between_the_stated_bounds() -> None:
    fleet = default_fleet()
    assert len(fleet) == 1000
    assert (fleet[0].accounts, fleet[0].staff) == (100, 5)
    assert (fleet[-1].accounts, fleet[-1].staff) == (19_947, 200)  # 100 * 200^0.9995, 5 * 40^0.9995
    assert fleet[500].accounts == 1418  # 100 * 200^0.5005


def test_the_real_inputs_cover_the_mix() -> None:
    model = load_model()
    assert len(model.costs) >= 100
    assert set(model.mix) <= set(model.costs)
    assert model.infra.mappings["IndexSearch"].parallelization == 4
    assert model.infra.mappings["ProjectOverview"].parallelization == 1
    assert all(c.demand >= 0 and c.limit > 0 for c in checks(model, default_fleet(50)))
