"""Per-firm throttling behind the HTTP API (which has no usage plans): a token bucket per firm in
each function instance, at the stage's FIRM_RATE_LIMIT and FIRM_BURST_LIMIT.

No round trip and no price: the bucket lives in the instance's memory. What it bounds is one firm's
rate through one instance; the HTTP API stage's own throttle (ApiRateLimit, ApiBurstLimit) is the
ceiling of all firms together. docs/deploy.md says what that leaves open, and what a shared counter
would cost.
"""

from __future__ import annotations

import math
import threading
import time

from chalicelib.adapters.config import settings
from chalicelib.domain.errors import TooManyRequestsError
from chalicelib.domain.throttle import TokenBucket

_FIRMS_KEPT = 10_000  # buckets per instance (under 100 bytes each); past it they start over, full
_buckets: dict[str, TokenBucket] = {}
_lock = threading.Lock()


def admit(firm_id: str, now: float | None = None) -> None:
    """Take one of the firm's tokens, or refuse with 429 and how long to wait."""
    cfg = settings()
    if cfg.firm_rate_limit <= 0:
        return
    at = time.monotonic() if now is None else now
    with _lock:
        bucket = _buckets.get(firm_id)
        if bucket is None:
            if len(_buckets) >= _FIRMS_KEPT:
                _buckets.clear()
            burst = cfg.firm_burst_limit if cfg.firm_burst_limit >= 1 else 2 * cfg.firm_rate_limit
            bucket = _buckets[firm_id] = TokenBucket.full(cfg.firm_rate_limit, max(burst, 1.0), at)
        wait = bucket.take(at)
    if wait > 0:
        raise TooManyRequestsError(
            "Your firm is sending requests faster than its rate allows; retry after Retry-After seconds.",
            retry_after=max(1, math.ceil(wait)),
        )


def forget() -> None:
    """Tests: every firm starts with a full bucket."""
    with _lock:
        _buckets.clear()
