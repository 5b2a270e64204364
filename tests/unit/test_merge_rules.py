"""What a merged contact keeps (chalicelib/domain/merges.py)."""

from __future__ import annotations

import pytest

from chalicelib.domain import merges
from chalicelib.domain.traces import Signature


def test_addresses_keep_the_targets_first_and_drop_duplicates_by_key() -> None:
    merged = merges.merged_addresses(["tara@x.example", "Shared@X.example"], ["shared@x.example", "sam@x.example"])
    assert merged == ["tara@x.example", "Shared@X.example", "sam@x.example"]


def test_phones_are_matched_by_digits_and_capped() -> None:
    target = [{"number": "+31 20 123", "label": "office"}]
    source = [{"number": "+3120123", "label": "same"}, {"number": "06 1"}, {"number": "06 2"}]
    assert merges.merged_phones(target, source, 2) == [{"number": "+31 20 123", "label": "office"}, {"number": "06 1"}]


def test_custom_fields_keep_the_targets_values() -> None:
    assert merges.merged_custom_fields({"a": 1}, {"a": 2, "b": 3}) == {"a": 1, "b": 3}


def test_signatures_of_the_source_are_reattributed() -> None:
    signed = [Signature("s@x", "t1", contact_id="S", recorded_by="M"), Signature("o@x", "t2", contact_id="O")]
    assert merges.resigned(signed, "S", "T") == (
        Signature("s@x", "t1", contact_id="T", recorded_by="M"),
        Signature("o@x", "t2", contact_id="O"),
    )
    assert merges.resigned(signed, "X", "T") is None
    assert merges.resigned([Signature("old@x", "t0")], "S", "T") is None  # before signatures named contacts


def test_units_are_packed_whole_and_in_order() -> None:
    units = [[1, 2], [3], [4, 5, 6], [7]]
    assert merges.packed(units, 3) == [[1, 2, 3], [4, 5, 6], [7]]
    assert merges.packed([], 3) == []
    # weighed: a unit whose write adds items (deletion notes) counts them
    assert merges.packed([[1, 2], [3], [4, 5]], 4, weight=lambda u: 2 * len(u)) == [[1, 2], [3], [4, 5]]
    assert merges.packed([[1], [2], [3]], 4, weight=lambda u: 2 * len(u)) == [[1, 2], [3]]
    with pytest.raises(ValueError):
        merges.packed([[1, 2, 3, 4]], 3)
