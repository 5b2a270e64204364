"""Requests finished on several threads at once (the local server serves on threads) each write their own
EMF record: Powertools' metric set is one per process, so without a lock one request's flush took another's
metrics and the other's flush raised "Must contain at least one metric" (a 500 the fuzzing met)."""

from __future__ import annotations

import json
import threading
import time

import pytest

from chalicelib.adapters import observability


def test_concurrent_requests_each_flush_their_own_record(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flush = observability.metrics.flush_metrics

    def slow_flush(*args: object, **kwargs: object) -> None:
        time.sleep(0.001)  # the window between a request's additions and its flush, as a busy machine makes it
        flush(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(observability.metrics, "flush_metrics", slow_flush)
    threads, errors = 8, []
    start = threading.Barrier(threads, timeout=10)

    def serve(i: int) -> None:
        try:
            with observability.api_request(f"GET /route{i}", f"req-{i}") as meter:
                meter.add(read=i)
                start.wait()
                for _ in range(20):
                    observability.finished(f"GET /route{i}", 200, time.perf_counter(), meter)
        except Exception as exc:
            errors.append(exc)

    workers = [threading.Thread(target=serve, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)

    assert errors == []
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert len(records) == threads * 20
    # each record holds one request's metrics, under its own route
    assert all(len(r["Latency"]) == 1 and r["ReadUnits"] == [float(r["route"][len("GET /route") :])] for r in records)
