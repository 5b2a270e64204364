"""The notifier's stream side: which table changes are system events for an
account's contacts (``portal.event_of``), each mailed through the stage's
mailer by ``services/portal.notify``. A record whose mails could not all be
sent is reported as failed and retried; addresses already mailed are
skipped on the retry."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.mail import Mailer
from chalicelib.portal import Event, event_of
from chalicelib.projection import StreamRecord, decode_image, run_batch
from chalicelib.repo.table import Table
from chalicelib.services import portal


def events(record: StreamRecord) -> list[Event]:
    event = event_of(decode_image(record.new_image), decode_image(record.old_image))
    return [event] if event else []


def deliver(
    records: Sequence[StreamRecord], table: Table, out: Mailer | None = None
) -> dict[str, list[dict[str, str]]]:
    return run_batch(records, events, lambda e: portal.notify(table, e, out), "notification mails")
