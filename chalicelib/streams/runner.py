"""The one batch runner of the stream consumers: a batch of change records
becomes targets (deduplicated within the batch: every record was written
before the batch was delivered, so one recompute covers them all), each
target is recomputed once, and the records of failed targets are reported in
``batchItemFailures`` by sequence number, so Lambda (and the local poller)
retries from the earliest failed one. Recomputing must be idempotent:
records delivered again are harmless. ``run_grouped`` hands all of a batch's
targets to one call, for consumers that read and write them together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol, TypeVar

from chalicelib.domain.errors import ConflictError
from chalicelib.repo.changes import Record

log = logging.getLogger("dossier.streams")
T = TypeVar("T")


class StreamRecord(Record, Protocol):
    """A record as the runner sees it: its change, and the sequence number
    that names it in a partial-batch response."""

    @property
    def sequence_number(self) -> str: ...


def run_batch(
    records: Sequence[StreamRecord],
    targets_of: Callable[[StreamRecord], Iterable[T]],
    recompute: Callable[[T], int],
    what: str,
) -> dict[str, list[dict[str, str]]]:
    """Process one batch: targets deduplicated, each recomputed once; answer
    Lambda's partial-batch response (the records of failed targets)."""

    def one_by_one(targets: Sequence[T]) -> dict[T, int | Exception]:
        outcomes: dict[T, int | Exception] = {}
        for target in targets:
            try:
                outcomes[target] = recompute(target)
            except Exception as exc:
                outcomes[target] = exc
        return outcomes

    return run_grouped(records, targets_of, one_by_one, what)


def run_grouped(
    records: Sequence[StreamRecord],
    targets_of: Callable[[StreamRecord], Iterable[T]],
    recompute_all: Callable[[Sequence[T]], Mapping[T, int | Exception]],
    what: str,
) -> dict[str, list[dict[str, str]]]:
    """Like ``run_batch``, but every target of the batch is recomputed by one
    call, which answers per target the number of items written or the
    exception that stopped it (a target it does not answer for failed)."""
    pending: dict[T, list[int]] = {}
    failed: set[int] = set()
    for position, record in enumerate(records):
        try:
            for target in targets_of(record):
                pending.setdefault(target, []).append(position)
        except Exception:
            log.exception("could not read stream record %s", record.sequence_number)
            failed.add(position)
    try:
        outcomes = recompute_all(list(pending)) if pending else {}
    except Exception as exc:
        outcomes = dict.fromkeys(pending, exc)
    written = 0
    for target, positions in pending.items():
        outcome = outcomes.get(target, RuntimeError(f"{target} was not recomputed"))
        if isinstance(outcome, ConflictError):
            # The source kept changing while it was recomputed (a busy chat):
            # expected under load; the retried record recomputes it again.
            log.warning("%s; its records will be retried", outcome)
            failed.update(positions)
        elif isinstance(outcome, Exception):
            log.error("could not recompute %s", target, exc_info=outcome)
            failed.update(positions)
        else:
            written += outcome
    log.info(
        "%d records: %d targets, %d %s written, %d records failed",
        len(records),
        len(pending),
        written,
        what,
        len(failed),
    )
    return {"batchItemFailures": [{"itemIdentifier": records[p].sequence_number} for p in sorted(failed)]}


def merged(*responses: Mapping[str, list[dict[str, str]]]) -> dict[str, list[dict[str, str]]]:
    """One partial-batch response from several passes over the same batch."""
    failed = list(dict.fromkeys(f["itemIdentifier"] for r in responses for f in r["batchItemFailures"]))
    return {"batchItemFailures": [{"itemIdentifier": s} for s in failed]}
