"""Background jobs: work that outgrows one request (imports, exports, fan-outs
over many accounts) runs as a chain of chunks, each one queue message and one
Lambda invocation, each well inside Lambda's limits.

A job is one stored record (repo/jobs.py) and a chain of messages. Each chunk
is numbered: a message runs only if its number is the job's next chunk, and
the job advances (``chunk + 1``, the new ``cursor``, the counts added) in one
conditional write, so a redelivered or replayed message is a no-op and a crash
between the chunk's writes and the advance reruns the chunk. A kind's chunk
therefore has to be idempotent: running it twice from the same cursor writes
the same result (imports match contacts by e-mail, exports overwrite the part
they write).

This module is the contract between the job machinery (``services/jobs.py``)
and each kind's chunk function (``services/imports.py``, ``services/exports.py``,
...), and holds no I/O.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

JobKind = Literal["import", "export", "pipeline_rename", "member_rename", "erasure"]
JobStatus = Literal["waiting_for_file", "queued", "running", "completed", "failed", "cancelled"]

FINISHED: Final[frozenset[str]] = frozenset({"completed", "failed", "cancelled"})

# A chunk should finish in well under a minute; the worker's Lambda timeout is 5 minutes
# (infra/template.json) and the queue's visibility timeout six times that, as AWS advises.
CHUNK_SECONDS_BUDGET: Final = 60
# A failed chunk comes back after 1, 2, 4, 8 minutes (then the dead-letter queue: maxReceiveCount 5), not
# after the queue's 30-minute visibility timeout, which is sized for a chunk that runs its whole 5 minutes.
RETRY_FIRST_SECONDS: Final = 60
RETRY_MAX_SECONDS: Final = 900


class Deadline:
    """When a piece of work stops taking on more (a chunk's rows, an erasure's accounts): ``seconds`` from
    now; ``chunk()`` gives a chunk its own half of the budget (the rest is margin for the unit it is in)."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    @classmethod
    def chunk(cls) -> Deadline:
        return cls(CHUNK_SECONDS_BUDGET / 2)

    def passed(self) -> bool:
        return time.monotonic() >= self.at


def retry_delay(receive_count: int) -> int:
    """Seconds before a chunk that failed at its ``receive_count``-th delivery is tried again."""
    return min(RETRY_FIRST_SECONDS << max(receive_count - 1, 0), RETRY_MAX_SECONDS)


@dataclass(slots=True)
class Job:
    """One background job of a firm, as the machinery and its kind see it."""

    firm_id: str
    id: str
    kind: JobKind
    status: JobStatus
    created_by: str  # the member who started it: each chunk acts with that member's rights
    created_at: str
    params: dict[str, Any] = field(default_factory=dict)  # the kind's own: a file key, a format, dry_run, ...
    counts: dict[str, int] = field(default_factory=dict)  # the kind's own tallies, added per chunk
    chunk: int = 0  # the number of the next chunk to run
    cursor: str | None = None  # the kind's own position (a row number, a page key): opaque to the machinery
    error: str | None = None  # why it failed, for the client (no internals)
    started_at: str | None = None
    finished_at: str | None = None
    # When a GDPR erasure deleted the job's files (services/gdpr_files.py): an export's file, an import's upload.
    files_erased_at: str | None = None
    version: int = 1

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


@dataclass(frozen=True, slots=True)
class Step:
    """What one chunk did: where the next one starts (None: the job is done) and what to add to the counts."""

    cursor: str | None
    counts: Mapping[str, int] = field(default_factory=dict)


class JobFailed(Exception):
    """Raised by a chunk for a failure that retrying cannot mend (an unreadable file): the job ends ``failed``
    with this message, which is shown to the client as it is."""
