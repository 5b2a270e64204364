"""The overview consumer: from a batch of table changes to up-to-date
overview items (the latest five of each section of an account).

Each change names what it may have changed: an activity item changes its own
(account, section). (A renamed member changes every section whose summaries
name them, and a renamed pipeline the jobs section of every account with a
current job in it, possibly thousands: those fan-outs are background jobs
queued by the rename, services/member_refresh.py and
services/pipeline_refresh.py, not work for one stream invocation.)
The runner deduplicates these targets within the batch and recomputes each
once from the table. A deleted chat's messages are deleted here too, as the
chat's removal passes by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.domain.sections import SECTIONS
from chalicelib.repo import changes
from chalicelib.repo.activity import ActivityRepo
from chalicelib.repo.table import Table
from chalicelib.services import overview
from chalicelib.streams.runner import StreamRecord, run_batch


@dataclass(frozen=True, slots=True)
class Target:
    firm_id: str
    account_id: str
    section: str


def sections_to_recompute(change: changes.Change) -> list[Target]:
    """The overview section a change may affect, from its images alone (no reads: a rename's fan-out is
    its job's)."""
    if change.kind != changes.ITEM:
        return []
    image = change.latest
    section = SECTIONS[image["section"]]
    if overview.shown(section, change.old) == overview.shown(section, change.new):
        return []  # it did not count before and does not now, or its summary is unchanged
    return [Target(image["firm_id"], image["account_id"], image["section"])]


def delete_removed_chat_messages(change: changes.Change, repo: ActivityRepo) -> None:
    """A deleted chat's messages go with it (retried like any record if this fails)."""
    image = change.latest
    if change.kind == changes.ITEM and change.removed and image["section"] == "chats":
        repo.delete_messages(image["firm_id"], image["account_id"], image["id"])


def on_record(record: StreamRecord, repo: ActivityRepo) -> list[Target]:
    """Act on one record: delete a removed chat's messages, and name the sections to recompute."""
    change = changes.change_of(record)
    if change is None:
        return []
    delete_removed_chat_messages(change, repo)
    return sections_to_recompute(change)


def project(records: Sequence[StreamRecord], repo: ActivityRepo | None = None) -> dict[str, list[dict[str, str]]]:
    """Keep the overview items of the accounts the records touch (in the
    stage's table unless ``repo`` says otherwise)."""
    repo = repo or ActivityRepo(Table.from_settings())
    return run_batch(
        records,
        lambda record: on_record(record, repo),
        lambda t: overview.recompute(repo, t.firm_id, t.account_id, t.section),
        "overview items",
    )
