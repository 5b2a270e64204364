"""Per-firm throttling behind the HTTP API: a token bucket per firm in each function instance."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.adapters.config import reset_settings
from chalicelib.domain.errors import TooManyRequestsError
from chalicelib.domain.throttle import TokenBucket
from chalicelib.handlers.http import throttle
from tests.support.stage import stage_settings


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    bucket = TokenBucket.full(rate=2, burst=3, now=100.0)
    assert [bucket.take(100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(100.0) == pytest.approx(0.5)  # one token comes back every half second
    assert bucket.take(100.5) == 0.0
    assert bucket.take(110.0) == 0.0 and bucket.tokens == pytest.approx(2.0)  # refilled to the burst, no more


def test_a_clock_going_back_gives_no_tokens() -> None:
    bucket = TokenBucket.full(rate=1, burst=1, now=50.0)
    assert bucket.take(50.0) == 0.0
    assert bucket.take(40.0) > 0


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with stage_settings(monkeypatch, FIRM_RATE_LIMIT="5", FIRM_BURST_LIMIT="2"):
        yield


def test_each_firm_has_its_own_bucket_and_waits_whole_seconds(limited: None) -> None:
    throttle.admit("F1", now=0.0)
    throttle.admit("F1", now=0.0)
    with pytest.raises(TooManyRequestsError) as refused:
        throttle.admit("F1", now=0.0)
    assert refused.value.status == 429 and refused.value.problem_code == "rate_limited"
    assert refused.value.retry_after == 1  # 0.2 s, rounded up: Retry-After takes whole seconds
    throttle.admit("F2", now=0.0)  # another firm is not slowed
    throttle.admit("F1", now=0.2)


def test_without_a_rate_nothing_is_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FIRM_RATE_LIMIT", raising=False)
    reset_settings()
    throttle.forget()
    for _ in range(1000):
        throttle.admit("F1", now=0.0)
