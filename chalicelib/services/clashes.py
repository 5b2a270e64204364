"""Writes that meet a concurrent writer: read again and retry, unless the
caller pinned the version with If-Match.

Every edit reads the item, decides, and writes on condition that the item is
still at the version it read (repo/firms.py ``version_guard``). A client that
sent no If-Match asked for no precondition, so losing that race is ours to
absorb: the whole read-decide-write runs again. With If-Match, a changed item
stays a 412: the client's copy is stale. A cancelled write leaves nothing
behind (one conditional write or one transaction), so running again is safe.
"""

from __future__ import annotations

import inspect
import random
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from chalicelib.domain.errors import ConcurrentWriteError, ConflictError, StaleVersionError

P = ParamSpec("P")
R = TypeVar("R")

ATTEMPTS = 8  # ten writers racing for one item all land well within these (tests/integration/test_concurrency.py)
PAUSE_SECONDS = 0.01  # the first pause's upper bound; doubled each time, with full jitter


def retried_on_clash(operation: Callable[P, R]) -> Callable[P, R]:
    """Run ``operation`` (a service function with an ``if_match`` parameter)
    again after a version clash when ``if_match`` is None, and after a
    transaction conflict in any case."""
    signature = inspect.signature(operation)
    if "if_match" not in signature.parameters:
        raise TypeError(f"{operation.__name__} has no if_match parameter")

    @wraps(operation)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        pinned = signature.bind(*args, **kwargs).arguments.get("if_match") is not None
        for attempt in range(ATTEMPTS):
            try:
                return operation(*args, **kwargs)
            except StaleVersionError:
                if pinned:
                    raise
            except ConcurrentWriteError:
                pass
            if attempt < ATTEMPTS - 1:
                time.sleep(random.uniform(0, PAUSE_SECONDS * 2**attempt))  # jitter, not a secret
        raise ConflictError("The resource kept changing under concurrent requests; retry.", code="busy")

    return run
