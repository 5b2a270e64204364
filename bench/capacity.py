"""Scale on paper: ``python -m bench.capacity`` (also ``python -m bench
capacity`` and ``make bench``) prints the capacity model's tables for
docs/performance.md, "Capacity model". The model is bench/capacity_model.py,
its inputs bench/capacity_inputs.py: pure Python, no AWS.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.capacity_model import (
    CHANGES,
    CONTACTS_LIST,
    FIRM_LIST,
    INDEX_ACCOUNTS_PER_LANE_S,
    LAMBDA_CONCURRENCY,
    PARTITION_WCU,
    PEAK_HOUR_SHARE,
    SEARCH,
    TIMES,
    YEARS_OF_HISTORY,
    Firm,
    Model,
    checks,
    default_fleet,
    load_model,
    peak,
)

GRID_STEP = 1.05  # the scale search's resolution: 5 %


def crossings(model: Model, fleet: Sequence[Firm], axis: str, top: float = 1e6) -> dict[str, float]:
    """For each check, the smallest multiplier of the axis (``firms`` or ``size``) at which it reaches its
    limit, on a geometric grid of GRID_STEP; checks that never do within ``top`` are absent."""
    found: dict[str, float] = {}
    m = 1.0
    while m <= top:
        kwargs = {"firms_x": m} if axis == "firms" else {"size_x": m}
        for check in checks(model, fleet, **kwargs):
            if check.key not in found and check.utilisation >= 1.0:
                found[check.key] = m
        m *= GRID_STEP
    return found


# --- one firm's bulk jobs (issue 19: imports, bulk edits) ----------------------------------------------
# Per account of the job. An import writes what `POST /accounts` writes and is indexed as such; a bulk
# edit (a tag added to every account) rewrites the account's firm-list entry (1 WCU, same sort key) and puts
# its new tag-list entry, all in the one partition GSI1 `FIRM#f#TAG#t#ACTIVE` (1 WCU).
BULK_EDIT_WCU = {FIRM_LIST: 1.0, "tag list, GSI1 `FIRM#f#TAG#t#ACTIVE`": 1.0}


def bulk_ceilings(model: Model, partitions: int) -> dict[str, dict[str, float]]:
    """Accounts per second each hot partition (and the indexer's lanes) allows one firm's job."""
    create = model.loads["POST /accounts"].units
    imports = {
        pattern: 1 / create[pattern].utilisation
        for pattern in (FIRM_LIST, CONTACTS_LIST, SEARCH)
        if create.get(pattern) and create[pattern].utilisation
    }
    lanes = min(partitions * model.infra.mappings["IndexSearch"].parallelization, LAMBDA_CONCURRENCY)
    name = f"search stream: min(shards {TIMES} PF, Lambda's 1,000) {TIMES} {INDEX_ACCOUNTS_PER_LANE_S:.0f} accounts/s"
    imports[name] = lanes * INDEX_ACCOUNTS_PER_LANE_S
    edits = {pattern: PARTITION_WCU / wcu for pattern, wcu in BULK_EDIT_WCU.items()}
    return {"import of accounts": imports, "bulk edit: a tag on every account": edits}


# --- report -------------------------------------------------------------------------------------------

SCALES = (1.0, 10.0, 100.0)


def _times(value: float | None) -> str:
    if value is None:
        return f"> {TIMES}1,000,000"
    if value == 1.0:
        return f"{TIMES}1 (already)"
    return f"{TIMES}{value:,.1f}" if value < 100 else f"{TIMES}{value:,.0f}"


def report(model: Model | None = None, fleet: Sequence[Firm] | None = None) -> str:
    model = model or load_model()
    fleet = tuple(fleet or default_fleet())
    base = peak(model, fleet)
    biggest = max(fleet, key=lambda f: (f.staff, f.accounts))
    per_day = sum(model.mix.values())
    lines = [
        f"Fleet: {len(fleet):,} firms, {base.accounts:,.0f} accounts, {base.staff:,.0f} staff (accounts 100-20,000 and "
        f"staff 5-200, log-uniform, rank-correlated; the biggest firm {biggest.accounts:,.0f} accounts, "
        f"{biggest.staff:,.0f} staff). {per_day:.1f} requests per staff member a day over {len(model.mix)} routes; "
        f"peak hour {PEAK_HOUR_SHARE:.2%} of the day (all firms in one time zone): {base.rps:,.0f} requests/s. "
        f"Table after {YEARS_OF_HISTORY} years: {base.size_bytes / 1e12:.2f} TB, {base.partitions} partitions "
        f"(= stream shards); peak {base.table.rcu:,.0f} RCU/s, {base.table.wcu:,.0f} WCU/s.",
        "",
        f"| check | demand at {TIMES}1 | "
        + " | ".join(f"firms {TIMES}{s:.0f}" for s in SCALES)
        + f" | firms {TIMES} at the limit | firm size {TIMES} at the limit | design change that removes it |",
        "|---|---|" + "---|" * len(SCALES) + "---|---|---|",
    ]
    at_limit = {axis: crossings(model, fleet, axis) for axis in ("firms", "size")}
    scaled_checks = [{c.key: c for c in checks(model, fleet, firms_x=s)} for s in SCALES]
    for check in checks(model, fleet):
        row = [check.name, check.detail]
        row += [f"{by_key[check.key].utilisation:.1%}" for by_key in scaled_checks]
        row += [_times(at_limit[axis].get(check.key)) for axis in ("firms", "size")]
        row.append(check.change)
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    names = {c.key: c.name for c in checks(model, fleet)}
    for axis, words in (("firms", "more firms of today's sizes"), ("size", "every firm larger (accounts and staff)")):
        order = sorted(at_limit[axis].items(), key=lambda kv: kv[1])[:4]
        steps = "; ".join(f"({n}) {names[key]} at {_times(at)}: {CHANGES[key]}" for n, (key, at) in enumerate(order, 1))
        lines.append(f"- Bottlenecks in order with {words}: {steps}.")
    readers = len(model.infra.mappings)
    lines.append(
        f"- Stream readers: {readers} mappings ({', '.join(model.infra.mappings)}) read every shard, and DynamoDB "
        "Streams serves at most 2 readers a shard without throttling: a third consumer needs a fan-out (Kinesis "
        "Data Streams for DynamoDB, or one reader that forwards)."
    )
    lines += [
        "",
        "| bulk job of one firm | hot partition | ceiling (accounts/s) | the biggest firm's accounts take |",
        "|---|---|---|---|",
    ]
    for job, ceilings in bulk_ceilings(model, base.partitions).items():
        for pattern, ceiling in sorted(ceilings.items(), key=lambda kv: kv[1]):
            lines.append(f"| {job} | {pattern} | {ceiling:,.0f} | {biggest.accounts / ceiling:,.1f} s |")
    sizes = ", ".join(f"{k} {v.item_bytes} B {TIMES} {1 + v.lsi_copies}" for k, v in model.sizes.items())
    lines += [
        "",
        f"Item sizes (records built by `chalicelib.repo.activity`; stored + 100 B, {TIMES} the item and its "
        f"local-index copies): {sizes}.",
    ]
    return "\n".join(lines)


def main() -> int:
    print(report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
