"""A create's Idempotency-Key, as the request gave it. How it is stored (with
the create, in the same transaction) is ``chalicelib/repo/firms.py``'s."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Idempotency:
    """Who sent the key, to which route, and a hash of the request it came with
    (a replay with another request is refused)."""

    firm_id: str
    member_id: str
    route: str
    key: str
    request_hash: str
