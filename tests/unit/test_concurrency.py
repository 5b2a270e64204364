"""adapters/concurrency.map_overlapped: calls overlap, see the caller's context variables, and answer in order."""

from __future__ import annotations

import threading
from contextvars import ContextVar

import pytest

from chalicelib.adapters.concurrency import map_overlapped

_who: ContextVar[str] = ContextVar("who", default="nobody")


def test_each_call_sees_the_callers_context_and_the_results_keep_their_order() -> None:
    barrier = threading.Barrier(3, timeout=5)  # three calls must be in flight together to pass it
    _who.set("olivia")

    def call(i: int) -> tuple[int, str, str]:
        barrier.wait()
        return i, _who.get(), threading.current_thread().name

    out = map_overlapped(call, [1, 2, 3], workers=3)
    assert [(i, who) for i, who, _ in out] == [(1, "olivia"), (2, "olivia"), (3, "olivia")]
    assert len({name for *_, name in out}) == 3 and threading.current_thread().name not in {n for *_, n in out}


def test_a_change_inside_a_call_stays_in_that_call() -> None:
    _who.set("olivia")

    def call(i: int) -> str:
        _who.set(f"worker {i}")
        return _who.get()

    assert map_overlapped(call, [1, 2], workers=2) == ["worker 1", "worker 2"]
    assert _who.get() == "olivia"


def test_an_error_is_raised_to_the_caller() -> None:
    def call(i: int) -> int:
        if i == 2:
            raise ValueError("two")
        return i

    with pytest.raises(ValueError, match="two"):
        map_overlapped(call, [1, 2, 3], workers=2)


def test_one_worker_runs_in_the_callers_thread() -> None:
    assert (
        map_overlapped(lambda _: threading.current_thread().name, [1, 2], workers=1)
        == [threading.current_thread().name] * 2
    )
