"""The stream projection: from a batch of table change records to up-to-date
overview items.

Each record names what it may have changed: an activity item changes its own
(account, section); a renamed pipeline changes the jobs section of every
account with a current job in it; a renamed member, the sections whose
summaries name them. Targets are deduplicated within a batch
(every record of the batch was written before the batch was delivered, so one
recompute covers them all), then recomputed from the table.

A record whose target could not be recomputed is reported in
``batchItemFailures`` by sequence number; Lambda (and the local poller) then
retries from the earliest failed record. Recomputing is idempotent, so
records delivered again are harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from chalicelib.errors import ConflictError
from chalicelib.repo import keys
from chalicelib.repo.activity import ActivityRepo
from chalicelib.repo.table import from_wire
from chalicelib.sections import SECTIONS
from chalicelib.services import overview

log = logging.getLogger("dossier.projection")
T = TypeVar("T")


class StreamRecord(Protocol):
    """What the projection needs of a record (Chalice's ``DynamoDBRecord`` has it)."""

    @property
    def sequence_number(self) -> str: ...

    @property
    def event_name(self) -> str: ...

    @property
    def new_image(self) -> Any: ...

    @property
    def old_image(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Target:
    firm_id: str
    account_id: str
    section: str


def _pipeline_names(image: Mapping[str, Any] | None) -> Any:
    if image is None:
        return None
    return image.get("name"), tuple((s["id"], s["name"]) for s in image.get("stages", []))


def decode_image(raw: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A stream image decoded with boto3's TypeDeserializer. An attribute that
    does not decode is left out: DynamoDB Local's stream, read through
    botocore, returns an empty map as ``{}`` without its type, and the
    projection never reads maps."""
    if not raw:
        return None
    decoded: dict[str, Any] = {}
    for name, value in raw.items():
        try:
            decoded.update(from_wire({name: value}))
        except (TypeError, ValueError):
            continue
    return decoded


def targets(record: StreamRecord, repo: ActivityRepo) -> list[Target]:
    """The overview sections a change may affect (decoded with boto3's TypeDeserializer)."""
    new, old = decode_image(record.new_image), decode_image(record.old_image)
    image = new or old
    if image is None:
        return []
    entity = image.get("entity")
    if entity == keys.ITEM:
        if record.event_name == "REMOVE" and image["section"] == "chats":
            # A deleted chat's messages go with it (retried like any record if this fails).
            repo.delete_messages(image["firm_id"], image["account_id"], image["id"])
        section = SECTIONS[image["section"]]
        if overview.shown(section, old) == overview.shown(section, new):
            return []  # it did not count before and does not now, or its summary is unchanged
        return [Target(image["firm_id"], image["account_id"], image["section"])]
    if entity == keys.MEMBER and new is not None and old is not None:
        if new.get("name") == old.get("name"):
            return []
        firm_id = new["firm_id"]
        return [Target(firm_id, a, s) for a, s in sorted(repo.sections_showing_member(firm_id, new["id"]))]
    if entity == keys.PIPELINE and new is not None and old is not None:
        if _pipeline_names(new) == _pipeline_names(old):
            return []
        firm_id = new["firm_id"]
        return [Target(firm_id, a, "jobs") for a in sorted(repo.accounts_with_current_jobs(firm_id, new["id"]))]
    return []


def run_batch(
    records: Sequence[StreamRecord],
    targets_of: Callable[[StreamRecord], Iterable[T]],
    recompute: Callable[[T], int],
    what: str,
) -> dict[str, list[dict[str, str]]]:
    """Process one batch: targets deduplicated, each recomputed once; answer
    Lambda's partial-batch response (the records of failed targets)."""
    pending: dict[T, list[int]] = {}
    failed: set[int] = set()
    for position, record in enumerate(records):
        try:
            for target in targets_of(record):
                pending.setdefault(target, []).append(position)
        except Exception:
            log.exception("could not read stream record %s", record.sequence_number)
            failed.add(position)
    written = 0
    for target, positions in pending.items():
        try:
            written += recompute(target)
        except ConflictError as exc:
            # The source kept changing while it was recomputed (a busy chat):
            # expected under load; the retried record recomputes it again.
            log.warning("%s; its records will be retried", exc)
            failed.update(positions)
        except Exception:
            log.exception("could not recompute %s", target)
            failed.update(positions)
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


def project(records: Sequence[StreamRecord], repo: ActivityRepo) -> dict[str, list[dict[str, str]]]:
    """Keep the overview items of the accounts the records touch."""
    return run_batch(
        records,
        lambda record: targets(record, repo),
        lambda t: overview.recompute(repo, t.firm_id, t.account_id, t.section),
        "overview items",
    )
