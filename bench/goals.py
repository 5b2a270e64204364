"""Issue 20's goals, before and after, measured side by side in one run.

"Before" is the code of ``BEFORE`` (main before issue 20's first change):
a tree with that commit's ``app.py``, ``chalicelib/``, ``infra/`` and
``.chalice/``, and this commit's bench code, test support and dev tools (so
both are seeded and measured by the same code, bench/goals_probe.py). Each
tree runs the probe in a fresh interpreter against the same DynamoDB Local,
in a table of its own; the ratios are taken inside each process (endpoint
and bare Query interleaved), so machine noise hits both sides alike.

The cold start (goal 3) and metering (goal 7) rows come from their own
benches when they ran in the same run (``make bench``, or ``python -m bench
coldstart metering goals``): the cold start's "before" is its own (the
commit before the cold-start work, whose front door was already the HTTP
API's), and before goal 7 nothing was metered.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from bench import coldstart, metering
from bench.common import READ_OPERATIONS, dynamodb_per_million, extract, lambda_per_million
from chalicelib.domain import prices

ROOT: Final = Path(__file__).resolve().parent.parent
BEFORE: Final = "98ca015"  # main before 4eb6e02, issue 20's first commit
FROM_BEFORE: Final = ("app.py", "chalicelib", "infra", ".chalice")
SHARED: Final = ("bench", "tests", "devtools")  # this tree's, linked into the before tree
ROLES: Final = ("owner", "admin", "team member")


def _before_tree(into: Path) -> Path:
    into.mkdir()
    for name in SHARED:
        (into / name).symlink_to(ROOT / name, target_is_directory=True)
    extract(BEFORE, FROM_BEFORE, into)
    return into


def _probe(tree: Path, table_name: str, out: Path) -> dict[str, Any]:
    env = {**os.environ, "DOSSIER_TABLE": table_name, "PYTHONPATH": str(tree)}
    run = subprocess.run(
        [sys.executable, "-m", "bench.goals_probe", str(out)], cwd=tree, env=env, capture_output=True, text=True
    )
    if run.returncode:
        raise SystemExit(f"bench.goals_probe failed in {tree}:\n{run.stderr[-3000:]}")
    found: dict[str, Any] = json.loads(out.read_text())
    return found


def price_per_million(rru: float, wru: float, handler_ms: float, gateway: float) -> float:
    """One request's price in dollars per million, as bench/cost.py prices a route."""
    return gateway + lambda_per_million(math.ceil(handler_ms)) + dynamodb_per_million(rru, wru)


def _before_write(figures: Mapping[str, Any]) -> int:
    """The route's reads: every one comes before its first write (a GET has no write)."""
    return sum(n for op, n in figures["by_op"].items() if op in READ_OPERATIONS)


def _units(figures: Mapping[str, Any]) -> str:
    return f"{figures['requests']} req, {figures['billed_rru']:g} RRU"


def _wcu(figures: Mapping[str, Any]) -> str:
    mark = "†" if figures["transactions"] else ""
    return f"{figures['wru']:g}{mark}"


def _met(ok: bool) -> str:
    return "**met**" if ok else "not met"


def _rows(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    rows: list[str] = []
    ob, oa = before["overview"]["owner"], after["overview"]["owner"]
    rest = float(prices.API_GATEWAY_REST_PER_MILLION)
    http = float(prices.API_GATEWAY_HTTP_PER_MILLION)
    p_before = price_per_million(ob["rru"], 0, ob["endpoint_ms"], rest)
    p_after = price_per_million(oa["rru"], 0, oa["endpoint_ms"], http)
    rows.append(
        f"| 1 | Overview read, $ per million all in (REST before, HTTP API after) | ≤ $1.50 | ${p_before:.2f} "
        f"| ${p_after:.2f} | {_met(p_after <= 1.50)} |"
    )
    for role in ROLES:
        b, a = before["overview"][role], after["overview"][role]
        rb, ra = b["endpoint_ms"] / b["bare_ms"], a["endpoint_ms"] / a["bare_ms"]
        rows.append(
            f"| 2 | Overview p50 ÷ bare Query p50, {role} ({b['requests']} → {a['requests']} requests) | ≤ 1.15 "
            f"| {rb:.2f} | {ra:.2f} | {_met(ra <= 1.15)} |"
        )
    if coldstart.LATEST:
        cs = coldstart.LATEST
        rows.append(
            f"| 3 | `import app`, packaged ÷ `import boto3` (before: {coldstart.BEFORE}) | ≤ 1.5 "
            f"| {cs['import before']:.2f} "
            f"| {cs['import now']:.2f} | {_met(cs['import now'] <= 1.5)} |"
        )
        rows.append(
            f"| 3 | cold start with its first request ÷ `import boto3` (before: {coldstart.BEFORE}; "
            f"floor {cs['floor']:.2f}) | ≤ 1.5 "
            f"| {cs['serve before']:.2f} | {cs['serve now']:.2f} | {_met(cs['serve now'] <= 1.5)} |"
        )
    else:
        rows.append("| 3 | cold start | ≤ 1.5 | n/a | n/a | run with `coldstart` |")
    for name in ("get task", "patch task", "get note", "chat message"):
        b, a = before[name], after[name]
        rows.append(
            f"| 4 | {name}: reads before the write ({_units(b)} → {_units(a)}) | ≤ 2 "
            f"| {_before_write(b)} | {_before_write(a)} | {_met(_before_write(a) <= 2)} |"
        )
    rows.append(
        f"| 4 | Info tab, 3 contacts, billed RRU | ≤ 8 | {before['info']['billed_rru']:g} "
        f"| {after['info']['billed_rru']:g} | {_met(after['info']['billed_rru'] <= 8)} |"
    )
    minimal = after["rename, Prefer: return=minimal"]
    rows.append(
        f"| 4 | account edit (rename), billed RRU: full reply before; `Prefer: return=minimal` after "
        f"(full reply after: {after['rename']['billed_rru']:g}) | ≤ 6 | {before['rename']['billed_rru']:g} "
        f"| {minimal['billed_rru']:g} | {_met(minimal['billed_rru'] <= 6 and minimal['status'] == 204)} |"
    )
    cb, ca = before["chat message"], after["chat message"]
    rows.append(
        f"| 5 | chat message, WCU | ≤ 8 | {_wcu(cb)} | {_wcu(ca)} | {_met(not ca['transactions'] and ca['wru'] <= 8)} |"
    )
    for name, goal in (("new account", 40), ("rename", 60)):
        b, a = before["search"][name], after["search"][name]
        rows.append(
            f"| 5 | search indexing, {name}, WCU | ≤ {goal} | {b['wru']:g} | {a['wru']:g} | {_met(a['wru'] <= goal)} |"
        )
    rows.append("| 6 | capacity model | a model and its table | none | `python -m bench capacity` | **met** |")
    if metering.LATEST:
        for size, share in sorted(metering.LATEST.items()):
            rows.append(
                f"| 7 | metering, % of the Overview's price, {size} requests per delivered batch | ≤ 5 % "
                f"| not metered | {share:.1f} % | {_met(share <= 5)} |"
            )
    else:
        rows.append("| 7 | metering | ≤ 5 % | not metered | n/a | run with `metering` |")
    return rows


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="dossier-goals-") as tmp:
        work = Path(tmp)
        before = _probe(_before_tree(work / "before"), "dossier-goals-before", work / "before.json")
        after = _probe(ROOT, "dossier-goals-after", work / "after.json")
    lines = [
        f"| goal | figure | target | before ({BEFORE}) | now | |",
        "|---|---|---|---|---|---|",
        *_rows(before, after),
        "",
        "Goals 1, 2, 4 and 5: bench/goals_probe.py in both trees, the same seed (the Overview bench's account "
        "of 13 full sections, with the cost table's main account's shape: 3 contacts of 2 addresses each, "
        "QuickBooks connected), billed read units by DynamoDB's rules; write units as DynamoDB Local reports "
        "them († a TransactWriteItems: DynamoDB Local's flat figure; DynamoDB bills 2 per item and KB). "
        "Prices: chalicelib/domain/prices.py, with the handler's median time through chalice.test.Client "
        "as the billed duration.",
    ]
    return "\n".join(lines)
