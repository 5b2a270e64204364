"""The notifier's stream side: which table changes are system events for an
account's contacts (``portal.event_of``), each mailed through the stage's
mailer by ``services/portal.notify``. A record whose mails could not all be
sent is reported as failed and retried; addresses already mailed are
skipped on the retry."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.adapters.mail import Mailer
from chalicelib.domain.portal_rules import Event, event_of
from chalicelib.repo import changes
from chalicelib.repo.table import Table
from chalicelib.services import portal
from chalicelib.streams.runner import StreamRecord, run_batch


def events(record: StreamRecord) -> list[Event]:
    """The system event an activity item's change is, if any."""
    change = changes.change_of(record)
    if change is None or change.kind != changes.ITEM:
        return []
    event = event_of(change.new, change.old)
    return [event] if event else []


def deliver(
    records: Sequence[StreamRecord], table: Table | None = None, out: Mailer | None = None
) -> dict[str, list[dict[str, str]]]:
    """Mail the events of the records (from the stage's table and through its
    mailer, unless ``table`` and ``out`` say otherwise)."""
    source = table or Table.from_settings()
    return run_batch(records, events, lambda e: portal.notify(source, e, out), "notification mails")
