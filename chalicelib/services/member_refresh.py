"""The fan-out of a member rename: a background job (kind ``member_rename``,
domain/jobs.py) that refreshes every overview section whose summaries name the
member (a task's assignee, a note's author, a time entry's member, ...), a
page of those overview candidates per chunk.

The rename's request writes the member with the new job's id
(``refresh_job_id``) and the job in one transaction, so there is a job exactly
when a name changed. Each chunk recomputes the sections from the table
(``overview.recompute``: the candidates and the names read consistently, the
write conditioned on the revision read), never from the name the job carries,
so a chunk that runs twice, late or after a second rename writes the current
name and cannot bring an older one back. A job whose member has been renamed
again since stops at its next chunk: the later rename's job reads every page
from the start. (The stream projection used to do this inside one
invocation, for possibly thousands of accounts.)
"""

from __future__ import annotations

from typing import Final

from chalicelib.domain.jobs import Job, Step
from chalicelib.services import overview
from chalicelib.services.context import Ctx

# Overview candidates read per chunk (GSI2 entries, keys only): each names one (account, section), whose
# recompute is a few small reads and at most one write (~5 round trips, tens of milliseconds), so a chunk
# stays at seconds, far inside domain/jobs.py's budget.
PAGE: Final = 100


def run_chunk(ctx: Ctx, job: Job) -> Step:
    """Recompute the overview sections of one page of the candidates that name the member. Acts for the
    firm, not for the member who renamed: the copies follow the rename whatever that member's rights are
    now (or the renamed member's)."""
    member = ctx.firms.get_member(ctx.firm_id, str(job.params["member_id"]), consistent=True)
    if member is None or member.refresh_job_id != job.id:
        return Step(cursor=None, counts={"superseded": 1})
    places, next_cursor = ctx.activity.sections_showing_member(ctx.firm_id, member.id, cursor=job.cursor, limit=PAGE)
    written = sum(overview.recompute(ctx.activity, ctx.firm_id, account, section) for account, section in places)
    return Step(cursor=next_cursor, counts={"sections": len(places), "overviews_written": written})
