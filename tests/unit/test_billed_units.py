"""bench.common.billed_read_units: read units by DynamoDB's billing rules, which the request-count tests
compare with DynamoDB Local's figures."""

from __future__ import annotations

from typing import Any

from bench.common import billed_read_units, item_bytes


def _item(size: int) -> dict[str, Any]:
    """An item of ``size`` billed bytes: the name ``d`` and a string value."""
    item = {"d": {"S": "x" * (size - 1)}}
    assert item_bytes(item) == size
    return item


def test_a_query_is_billed_on_the_sum_of_its_items() -> None:
    three = [_item(1500)] * 3  # 4,500 bytes: two started 4 KB blocks
    assert billed_read_units("Query", three, consistent=False) == 1.0
    assert billed_read_units("Query", three, consistent=True) == 2.0
    assert billed_read_units("Query", [], consistent=False) == 0.5  # an empty Query still costs its minimum


def test_a_batch_get_is_billed_item_by_item() -> None:
    three = [_item(1500)] * 3
    assert billed_read_units("BatchGetItem", three, consistent=False) == 1.5
    assert billed_read_units("BatchGetItem", three, consistent=True) == 3.0
    assert billed_read_units("BatchGetItem", [_item(4097)], consistent=True) == 2.0


def test_a_get_item_that_finds_nothing_is_still_billed() -> None:
    assert billed_read_units("GetItem", [], consistent=True) == 1.0
    assert billed_read_units("GetItem", [_item(100)], consistent=False) == 0.5
