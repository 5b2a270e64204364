"""The table's change-stream functions (handlers/functions.py registers them).

DynamoDB Streams advises at most two readers per shard, and these are the
two: any further consumer fans out from one of them (or through EventBridge
Pipes / Kinesis), never as a third reader. Each function only decodes its
batch and hands it to its consumers in ``chalicelib/streams/``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalice.app import DynamoDBEvent

from chalicelib.domain import audit as audit_rules
from chalicelib.streams import audit, notifications, overview, runner, search_index


def project_overview(event: DynamoDBEvent) -> dict[str, Any]:
    """Keep each account's overview items in step with the table's changes,
    mail contacts about system events on their accounts (a new message, an
    organizer sent, ...), and record the audit trail: one reader of the
    stream for all three. The overview's writes are derived (never audited);
    the notifications' are the system's."""
    records = list(event)
    with audit_rules.acting_as(audit_rules.DERIVED_ACTOR):
        projected = overview.project(records)
    with audit_rules.acting_as(replace(audit_rules.SYSTEM_ACTOR)):
        notified = notifications.deliver(records)
    return runner.merged(projected, notified, audit.record(records))


def index_search(event: DynamoDBEvent) -> dict[str, Any]:
    """Keep each account's search tokens in step with its name and its contacts' addresses."""
    with audit_rules.acting_as(audit_rules.DERIVED_ACTOR):  # derived data: never audited
        return search_index.index(list(event))
