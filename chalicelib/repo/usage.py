"""Metering's storage: a firm's usage counters (one item per month, route
group and status class, ``FIRM#f / USAGE#<month>#<group>#<class>``) and the
markers of the access-log batches already counted.

A batch's counters are added (UpdateItem ADD) in transactions that also put
the batch's marker (``METERED#<batch>#<part>``) on the condition that it is
absent: a redelivered batch (CloudWatch Logs invokes the meter
asynchronously, and Lambda retries) finds its markers and adds nothing, and
a batch that failed half way adds only the parts it had not added.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from chalicelib.domain.errors import DossierError
from chalicelib.domain.metering import Tally, TallyKey
from chalicelib.repo import keys
from chalicelib.repo.table import ITEM_ABSENT, MAX_TRANSACTION_ITEMS, Op, Put, Table, Update

# CloudWatch Logs retries a delivery, and Lambda an asynchronous event, for at most 6 hours: a marker
# outlives every redelivery by far.
MARKER_TTL_SECONDS: Final = 7 * 24 * 3600
PART_SIZE: Final = MAX_TRANSACTION_ITEMS - 1  # counters per transaction, with the part's marker


class AlreadyCounted(DossierError):
    """The part's marker exists: this part of the batch was counted before."""

    status = 409
    title = "Already counted"
    type_slug = "already-counted"


@dataclass(frozen=True, slots=True)
class UsageRow:
    route_group: str
    status_class: str
    requests: int
    read_units: Decimal
    write_units: Decimal
    billed_ms: int


def _add(key: TallyKey, tally: Tally) -> Update:
    return Update(
        keys.usage(key.firm_id, key.month, key.route_group, key.status_class),
        "SET #entity = :entity, #firm = :firm, #month = :month, #group = :group, #class = :class "
        "ADD #requests :requests, #read :read, #write :write, #ms :ms",
        {
            "#entity": "entity",
            "#firm": "firm_id",
            "#month": "month",
            "#group": "route_group",
            "#class": "status_class",
            "#requests": "requests",
            "#read": "read_units",
            "#write": "write_units",
            "#ms": "billed_ms",
        },
        {
            ":entity": keys.USAGE,
            ":firm": key.firm_id,
            ":month": key.month,
            ":group": key.route_group,
            ":class": key.status_class,
            ":requests": tally.requests,
            ":read": tally.read_units,
            ":write": tally.write_units,
            ":ms": tally.billed_ms,
        },
    )


class UsageRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    def add_batch(self, batch_id: str, totals: dict[TallyKey, Tally]) -> int:
        """Add a batch's counters, each part once; returns the parts added now (the others were before).
        A part is at most 99 counters and its marker: one TransactWriteItems, 2 WRU per item of up to 1 KB."""
        ordered = sorted(totals.items())  # the same parts on every delivery of the batch
        added = 0
        for part, start in enumerate(range(0, len(ordered), PART_SIZE)):
            marker = Put(
                {
                    **keys.metered_batch(f"{batch_id}#{part}").as_dict(),
                    "entity": keys.METERED,
                    keys.TTL_ATTRIBUTE: int(time.time()) + MARKER_TTL_SECONDS,
                },
                ITEM_ABSENT,
                on_fail=AlreadyCounted("counted before"),
            )
            ops: Sequence[Op] = [marker, *(_add(k, t) for k, t in ordered[start : start + PART_SIZE])]
            try:
                self.table.write(ops)
            except AlreadyCounted:
                continue
            added += 1
        return added

    def month(self, firm_id: str, month: str) -> list[UsageRow]:
        """The firm's counters of one month: one Query (at most 29 route groups x 4 classes, ~25 KB)."""
        items = self.table.query_all(pk=keys.firm_pk(firm_id), sk_prefix=keys.usage_month_prefix(month))
        return [
            UsageRow(
                str(i["route_group"]),
                str(i["status_class"]),
                int(i.get("requests", 0)),
                Decimal(i.get("read_units", 0)),
                Decimal(i.get("write_units", 0)),
                int(i.get("billed_ms", 0)),
            )
            for i in items
            if i.get("entity") == keys.USAGE
        ]
