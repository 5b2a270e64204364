"""The audit recorder: from a batch of stamped table changes to audit entries.

It runs inside the overview function (one of the stream's two readers; see
docs/architecture.md): that function's mapping also passes every record whose
NEW image (or, for a removal, OLD image) carries a recorded actor kind. Each
record gives at most one entry (``repo/audit.entry_of``), whose id derives
from the record's event id, so a redelivered record rewrites the same items.
The recorder writes as ``derived``: its entries are never recorded themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from chalicelib.domain import audit
from chalicelib.repo import changes
from chalicelib.repo.audit import AuditRepo, entry_of, firm_of, forgetting, key_of
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.gdpr import GdprRepo
from chalicelib.repo.table import Item, Table
from chalicelib.streams.runner import StreamRecord, run_grouped


class AuditedRecord(StreamRecord, Protocol):
    @property
    def event_id(self) -> str: ...


def _person_of(entry: Item | None) -> str | None:
    """The contact an entry is about or by, if any."""
    if entry is None:
        return None
    if entry.get("actor_kind") == audit.CONTACT:
        return str(entry["actor_id"])
    return str(entry["contact_id"]) if entry.get("contact_id") else None


def _entries(
    records: Mapping[str, AuditedRecord], repo: AuditRepo, firms: FirmRepo, targets: Sequence[str]
) -> tuple[list[Item], dict[str, int]]:
    retention: dict[str, int] = {}
    people = GdprRepo(repo.table)
    known: dict[tuple[str, str], bool] = {}

    def erased(firm_id: str, contact_id: str) -> bool:
        if (firm_id, contact_id) not in known:
            known[firm_id, contact_id] = people.erased(firm_id, contact_id)
        return known[firm_id, contact_id]

    entries: list[Item] = []
    written: dict[str, int] = {}
    for sequence in targets:
        record = records[sequence]
        change = changes.change_of(record)
        entry = None
        if change is not None:
            firm_id = firm_of(change.latest)
            if firm_id not in retention:
                firm = firms.get_firm(firm_id)
                retention[firm_id] = firm.audit_retention_days if firm else audit.RETENTION_DEFAULT_DAYS
            note = None
            if change.removed and change.old is not None and change.kind not in audit.UNAUDITED_ENTITIES:
                note = repo.deletion_note(key_of(change.old))
            event_id = record.event_id or record.sequence_number
            entry = entry_of(change, record.event_name, event_id, retention[firm_id], note)
            person = _person_of(entry)
            if entry is not None and person is not None and erased(firm_id, person):
                entry = forgetting(entry, person)  # the erasure ran before this change was recorded
        if entry is not None:
            entries.append(entry)
        written[sequence] = 0 if entry is None else len(entry["places"])
    return entries, written


def record(records: Sequence[AuditedRecord], table: Table | None = None) -> dict[str, list[dict[str, str]]]:
    """Record the batch's changes (in the stage's table unless ``table`` says otherwise)."""
    table = table or Table.from_settings()
    repo, firms = AuditRepo(table), FirmRepo(table)
    by_sequence = {r.sequence_number: r for r in records}

    def write_all(targets: Sequence[str]) -> Mapping[str, int | Exception]:
        with audit.acting_as(audit.DERIVED_ACTOR):
            entries, written = _entries(by_sequence, repo, firms, targets)
            repo.write(entries)
        return dict[str, int | Exception](written)

    return run_grouped(records, lambda r: [r.sequence_number], write_all, "audit items")
