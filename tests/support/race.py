"""Threads released at once against the service layer (the Chalice test
client is not thread-safe), for concurrency tests on DynamoDB Local."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from chalicelib.domain.errors import DossierError


def race(task: Callable[[int], object], parallel: int) -> tuple[Counter[int], list[DossierError]]:
    """Run ``task(i)`` for ``parallel`` threads released together; count the
    statuses the API would answer (200 for success) and keep the errors."""
    barrier = threading.Barrier(parallel)
    statuses: list[int] = []
    errors: list[DossierError] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        try:
            task(i)
            status = 200
        except DossierError as exc:
            status = exc.status
            with lock:
                errors.append(exc)
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Counter(statuses), errors
