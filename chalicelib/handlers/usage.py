"""Metering per firm (issue 20): ``GET /firm/usage``, and ``meter_usage``,
the function the API function's log group is subscribed to (infra/template.json:
a subscription filter on the "request served" lines). CloudWatch Logs invokes
it asynchronously with batches of those lines; a failed invocation is retried
by Lambda, and a batch counted before is not counted again
(services/usage.py, repo/usage.py). Locally devtools/usage_poller.py ships
``make run``'s access log to it in the same format."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.adapters import log_subscription
from chalicelib.domain import audit
from chalicelib.domain.models.usage import UsageOut
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.handlers.http.operations import OPERATIONS
from chalicelib.services import usage
from chalicelib.services.context import Ctx

OTHER_GROUP = "other"  # a route the table does not name (none of a firm's requests, so far)


def route_group(route: str) -> str:
    """A logged route ("GET /accounts/{account_id}") → its group: the operation's tag (handlers/http/operations.py)."""
    found = OPERATIONS.get(route)
    return found.tag if found is not None else OTHER_GROUP


def meter_usage(event: dict[str, Any], context: Any) -> dict[str, int]:
    batch = log_subscription.decode(event)
    if batch is None:  # CloudWatch Logs' control message when the subscription is made
        return {"metered": 0}
    with audit.acting_as(audit.DERIVED_ACTOR):  # bookkeeping, never audited
        return {"metered": usage.meter(Ctx.table_from_settings(), batch, route_group)}


@endpoint(
    "/firm/usage",
    "GET",
    summary=(
        "The firm's metered use of a month (owner, admin; employees 403): requests by route group and status "
        "class, DynamoDB read and write units, and the estimated price in USD. Counted from the API's access "
        "log, at most 5 minutes behind. `month` is YYYY-MM (UTC), required; anything else → 400 "
        "(`invalid_month`). A month without requests answers zeros."
    ),
    response=UsageOut,
    query=("month",),
    errors=(403, "invalid_month"),
)
def get_usage(call: Call) -> Response:
    return reply(usage.month_usage(call.ctx, call.query().get("month")))
