"""The QuickBooks block of an account, as a plain function of what is known:
whether the firm connected QuickBooks, the account's sync mode, whether it
has invoices or payments, and the connector's last recorded result.

Sync modes (``SyncMode`` in ``chalicelib.domain.models``): ``auto`` (the
default: only accounts with invoices or payments are synced), ``always``,
``never``. Statuses, in the order they are decided:

- ``not_connected``: the firm has not connected QuickBooks;
- ``not_eligible``: sync is off for the account, or (``auto``) it has no
  invoices or payments;
- ``pending``: eligible, and not synced since its invoices or payments last
  changed (recorded, edited, paid, deleted), or never;
- ``error``: the connector's last sync of it failed (``reason`` says why);
- ``synced``: the connector's last sync succeeded (``synced_at``).

Dossier does not talk to QuickBooks: a connector records each sync's result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SyncResult:
    status: str  # "synced" or "error"
    at: str  # when it was recorded (to the microsecond, like billing_updated_at)
    synced_at: str | None
    reason: str | None
    covers: str | None = None  # a successful sync: the state it covered (to the microsecond when it was now)


@dataclass(frozen=True, slots=True)
class Block:
    status: str
    synced_at: str | None
    reason: str | None


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def block(
    *, connected: bool, sync_mode: str, billing_count: int, billing_updated_at: str | None, result: SyncResult | None
) -> Block:
    last_synced = result.synced_at if result else None
    if not connected:
        return Block("not_connected", last_synced, "The firm has not connected QuickBooks.")
    if sync_mode == "never":
        return Block("not_eligible", last_synced, "Sync is turned off for this account.")
    if sync_mode == "auto" and billing_count <= 0:
        return Block("not_eligible", last_synced, "The account has no invoices or payments yet.")
    if result is None:
        return Block("pending", None, "Waiting for the first sync.")
    # A sync covers what existed when it ran (synced_at, as the connector
    # reports it), not when it was recorded; a failure, when it was recorded.
    covered = (result.covers or result.synced_at or result.at) if result.status == "synced" else result.at
    if billing_updated_at is not None and _moment(billing_updated_at) >= _moment(covered):
        return Block("pending", last_synced, "Invoices or payments changed since the last sync.")
    if result.status == "error":
        return Block("error", last_synced, result.reason or "The last sync failed.")
    return Block("synced", last_synced, None)
