"""Metering per firm (issue 20): the meter, which adds the access log's
batches to the firms' counters, and the firm's month of use (GET /firm/usage).

The meter runs off every request's path: the API function already writes one
"request served" line per request (adapters/observability.finished), and a
CloudWatch Logs subscription hands those lines to the meter in batches
(handlers/usage.py; locally devtools/usage_poller.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Final

from chalicelib.adapters.log_subscription import LogBatch
from chalicelib.domain import access, metering, prices
from chalicelib.domain.errors import ConcurrentWriteError, ForbiddenError
from chalicelib.domain.models.usage import PriceOut, UsageOut, UsageRequestsOut
from chalicelib.repo.table import Table
from chalicelib.repo.usage import UsageRepo
from chalicelib.services.context import Ctx

log = logging.getLogger("dossier.usage")

ATTEMPTS: Final = 4  # meters of other log streams add to the same counters: a transaction may clash


def meter(table: Table, batch: LogBatch, group_of: Callable[[str], str]) -> int:
    """Add a batch's metered requests to the firms' counters, once however often the batch comes; returns
    the requests it held (0 when every part was counted before). A clash that outlasts the retries raises:
    Lambda runs the batch again."""
    lines = [s for e in batch.events if (s := metering.parse_served(e.message, e.timestamp)) is not None]
    totals = metering.tally(lines, group_of)
    if not totals:
        return 0
    repo = UsageRepo(table)
    added = 0
    for attempt in range(ATTEMPTS):
        try:
            added = repo.add_batch(batch.batch_id, totals)
            break
        except ConcurrentWriteError:
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.05 * 2**attempt)
    if not added:
        log.info("usage batch counted before", extra={"batch": batch.batch_id})
        return 0
    log.info("usage metered", extra={"requests": len(lines), "counters": len(totals)})
    return len(lines)


def month_usage(ctx: Ctx, month: str | None) -> UsageOut:
    """The firm's use of ``month`` (owner, admin)."""
    checked = metering.parse_month(month)
    if not access.sees_usage(ctx.member):
        raise ForbiddenError("The firm's usage is for the owner and admins.")
    rows = UsageRepo(ctx.table).month(ctx.firm_id, checked)
    by_group: dict[str, int] = {}
    by_class: dict[str, int] = {}
    read = write = Decimal(0)
    billed_ms = 0
    for row in rows:
        by_group[row.route_group] = by_group.get(row.route_group, 0) + row.requests
        by_class[row.status_class] = by_class.get(row.status_class, 0) + row.requests
        read += row.read_units
        write += row.write_units
        billed_ms += row.billed_ms
    total = sum(by_group.values())
    price = metering.estimated_price(total, read, write, billed_ms)
    return UsageOut(
        month=checked,
        requests=UsageRequestsOut(
            total=total, by_route_group=dict(sorted(by_group.items())), by_status_class=dict(sorted(by_class.items()))
        ),
        read_units=float(read),
        write_units=float(write),
        estimated_price=PriceOut(amount=str(price), currency=prices.CURRENCY),
    )
