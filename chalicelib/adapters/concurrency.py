"""Overlapping round trips inside one invocation: thread pools whose
calls run in copies of the caller's context, so that what the request keeps
in context variables (the consumed capacity its metrics report, the audit
actor its writes carry) follows each call into its thread (the log keys, which
Powertools keeps per thread, do not). A copy made in the
pool's thread would be the pool's own, empty, context."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Final, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_overlapped(call: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``call`` on each item, up to ``workers`` at a time, each in a copy of the caller's context; the results
    in order. The first error is raised once every call has ended. One worker or one item: no thread."""
    if workers <= 1 or len(items) <= 1:
        return [call(i) for i in items]
    contexts = [contextvars.copy_context() for _ in items]  # one each: a context is entered by one thread at a time
    with ThreadPoolExecutor(min(workers, len(items))) as pool:
        return list(pool.map(lambda c, i: c.run(call, i), contexts, items))


# Reads a request makes beside its main one (the caller's rights beside the Overview's Query): one pool per
# function instance, on the shared boto3 client (thread-safe). Lambda serves one request at a time per
# instance, so a few threads suffice; the local server's threads share them.
READERS: Final = 4
_readers = ThreadPoolExecutor(READERS, thread_name_prefix="dossier-read")


def beside(read: Callable[[], R]) -> Future[R]:
    """Start ``read`` on the reader pool, in a copy of the request's context (its metering and audit actor),
    taken here in the request's thread. Powertools' log keys are per thread, not in the context: a log line
    written inside ``read`` would carry no request id (the reads log nothing)."""
    return _readers.submit(contextvars.copy_context().run, read)
