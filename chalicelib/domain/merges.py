"""Merging two contacts: what the merged contact keeps (plain functions, no I/O).

The target's details win; the source only fills what the target lacks, so a
merge never overwrites what someone entered on the target.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from chalicelib.domain.text import email_key
from chalicelib.domain.traces import Signature

T = TypeVar("T")


def merged_addresses(target: Sequence[str], source: Sequence[str]) -> list[str]:
    """The target's addresses, then the source's it does not have (by address key)."""
    seen = {email_key(a) for a in target}
    out = list(target)
    for address in source:
        if email_key(address) not in seen:
            seen.add(email_key(address))
            out.append(address)
    return out


def merged_phones(
    target: Sequence[Mapping[str, str]], source: Sequence[Mapping[str, str]], cap: int
) -> list[dict[str, str]]:
    """The target's numbers, then the source's it does not have, up to ``cap``."""
    digits = {"".join(ch for ch in p.get("number", "") if ch.isdigit()) for p in target}
    out = [dict(p) for p in target]
    for phone in source:
        key = "".join(ch for ch in phone.get("number", "") if ch.isdigit())
        if key not in digits and len(out) < cap:
            digits.add(key)
            out.append(dict(phone))
    return out


def merged_custom_fields(target: Mapping[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
    """Per field id the target's value, else the source's."""
    return {**source, **target}


def resigned(signed_by: Sequence[Signature], source_id: str, target_id: str) -> tuple[Signature, ...] | None:
    """A proposal's signatures with the source's re-attributed to the target,
    or None when the source signed none of them (nothing to write)."""
    if not any(s.contact_id == source_id for s in signed_by):
        return None
    return tuple(replace(s, contact_id=target_id) if s.contact_id == source_id else s for s in signed_by)


def packed(units: Sequence[Sequence[T]], limit: int, weight: Callable[[Sequence[T]], int] = len) -> list[list[T]]:
    """Units (each a list of operations that must land together) packed in
    order into batches of at most ``limit`` items, a unit weighing ``weight``
    items (its operations, and what writing them adds); a unit is never split."""
    batches: list[list[T]] = []
    current: list[T] = []
    load = 0
    for unit in units:
        size = weight(unit)
        if size > limit:
            raise ValueError(f"a unit of {size} items exceeds {limit}")
        if current and load + size > limit:
            batches.append(current)
            current, load = [], 0
        current.extend(unit)
        load += size
    if current:
        batches.append(current)
    return batches
