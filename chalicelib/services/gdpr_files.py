"""GDPR/AVG erasure, its files step (services/gdpr.py runs it first of the steps after the tombstone): the
firm's exports and imports may hold the person, in S3 and in an import's cell errors.

One Query finds the firm's exports and imports (repo/jobs.py, ``with_files``; finished jobs are kept 30
days, longer than any of their files). Every export's objects are deleted (a completed one then reads
``expired``, a running one is stopped, ``failed``); every import's uploaded file is deleted (a queued or
running one is stopped first, since its rows could bring the person back), and the cell errors of its runs
that quote one of the person's values. Each part is idempotent, so a rerun of the erasure does it again
harmlessly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.domain import erasure
from chalicelib.repo.jobs import JobRepo
from chalicelib.services import exports, imports
from chalicelib.services.context import Ctx


@dataclass(slots=True)
class FileCounts:
    export_files_deleted: int = 0
    import_files_deleted: int = 0
    import_errors_deleted: int = 0


def forget_files(ctx: Ctx, values: Sequence[str]) -> FileCounts:
    """Delete what of the firm's exports and imports may hold the person (``values``: their names,
    addresses and numbers, which an import's cell error may quote)."""
    counts = FileCounts()
    for job in JobRepo(ctx.table).with_files(ctx.firm_id, ("export", "import")):
        if job.kind == "export":
            counts.export_files_deleted += exports.forget_files(ctx.table, job)
        else:
            deleted, errors = imports.forget_file(ctx.table, job, lambda e: erasure.quotes(e.msg, values))
            counts.import_files_deleted += deleted
            counts.import_errors_deleted += errors
    return counts
