"""bench/goals.py's arithmetic: the price it gives a request, and what it counts as reads before a write."""

from __future__ import annotations

from typing import Any

import pytest

from bench.goals import _before_write, _rows, price_per_million


def test_a_request_is_priced_as_the_cost_table_prices_it() -> None:
    # HTTP API $1.00 + Lambda $0.20 + 3 ms at 1,024 MB + 3 RRU at $0.125.
    assert price_per_million(3, 0, 2.1, 1.00) == pytest.approx(1.00 + 0.20 + 0.003 * 0.0000166667 * 1e6 + 0.375)
    assert price_per_million(0, 2, 1.0, 3.50) == pytest.approx(3.50 + 0.20 + 0.001 * 0.0000166667 * 1e6 + 1.25)


def test_only_reads_count_before_the_write() -> None:
    figures = {"by_op": {"BatchGetItem": 1, "PutItem": 1, "UpdateItem": 1}, "wru": 8, "transactions": 0}
    assert _before_write(figures) == 1
    assert _before_write({"by_op": {"GetItem": 3, "TransactWriteItems": 1}}) == 3


def _figures(billed_rru: float, wru: float = 0, transactions: int = 0) -> dict[str, Any]:
    reads = {"BatchGetItem": 1}
    return {"requests": 2, "by_op": reads, "rru": 3, "billed_rru": billed_rru, "wru": wru, "transactions": transactions}


def _tree(info_rru: float, chat_transactions: int) -> dict[str, Any]:
    role = {**_figures(3), "endpoint_ms": 5.0, "bare_ms": 2.0}
    tree: dict[str, Any] = {name: _figures(3) for name in ("get task", "patch task", "get note", "rename")}
    tree.update(
        overview={r: role for r in ("owner", "admin", "team member")},
        info=_figures(info_rru),
        **{"chat message": _figures(3, 8, chat_transactions)},
        **{"rename, Prefer: return=minimal": {**_figures(2), "status": 204}},
        search={"new account": _figures(0, 120), "rename": _figures(0, 40)},
    )
    return tree


def _row(rows: list[str], figure: str) -> str:
    return next(r for r in rows if figure in r)


def test_a_goal_is_met_only_by_the_figure_now() -> None:
    rows = _rows(_tree(12, 1), _tree(8, 0))
    assert _row(rows, "Info tab").endswith("| 12 | 8 | **met** |")
    assert _row(rows, "chat message, WCU").endswith("| 8† | 8 | **met** |")
    assert _row(rows, "search indexing, new account").endswith("| 120 | 120 | not met |")
    assert _row(rows, "search indexing, rename").endswith("| 40 | 40 | **met** |")
    assert _row(rows, "owner").endswith("| 2.50 | 2.50 | not met |")
    rows = _rows(_tree(8, 0), _tree(8.5, 1))
    assert _row(rows, "Info tab").endswith("| 8 | 8.5 | not met |")
    assert _row(rows, "chat message, WCU").endswith("| 8 | 8† | not met |")
