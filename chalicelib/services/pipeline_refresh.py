"""The fan-out of a pipeline rename: a background job (kind ``pipeline_rename``,
domain/jobs.py) that refreshes the jobs overview of every account with a
current job in the pipeline, a page of jobs per chunk.

The rename's request writes the pipeline with the new job's id
(``refresh_job_id``) and the job in one transaction, so there is a job exactly
when there is a rename. Each chunk recomputes the overviews from the table
(``overview.recompute``: the candidates and the names read consistently, the
write conditioned on the revision read), never from names the job carries, so
a chunk that runs twice, late or after a second rename writes the current
names and cannot bring an older one back. A job whose pipeline has been
renamed again since stops at its next chunk: the later rename's job reads
every page from the start.
"""

from __future__ import annotations

from typing import Final

from chalicelib.domain.jobs import Job, Step
from chalicelib.services import overview
from chalicelib.services.context import Ctx

# Jobs read per chunk: each account's refresh is a few small reads and at most one write (~5 round
# trips, tens of milliseconds), so a chunk stays at seconds, far inside domain/jobs.py's budget.
PAGE: Final = 100


def run_chunk(ctx: Ctx, job: Job) -> Step:
    """Refresh the jobs overview of the accounts of one page of the pipeline's current jobs. Acts for the
    firm, not for the member who renamed: the copies follow the rename whatever that member's rights
    are now."""
    pipeline = ctx.pipelines.get(ctx.firm_id, str(job.params["pipeline_id"]))
    if pipeline is None or pipeline.get("refresh_job_id") != job.id:
        return Step(cursor=None, counts={"superseded": 1})
    accounts, next_cursor = ctx.activity.pipeline_job_accounts(
        ctx.firm_id, pipeline["id"], cursor=job.cursor, limit=PAGE
    )
    written = sum(overview.recompute(ctx.activity, ctx.firm_id, a, "jobs") for a in accounts)
    return Step(cursor=next_cursor, counts={"accounts": len(accounts), "overviews_written": written})
