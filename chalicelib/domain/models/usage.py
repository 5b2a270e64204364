"""GET /firm/usage: a firm's metered use of one month (domain/metering.py)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.domain.models.base import OutputModel


class UsageRequestsOut(OutputModel):
    total: int
    by_route_group: dict[str, int] = Field(
        description="Requests per route group: the routes' OpenAPI tags (accounts, contacts, tasks, firm, ...)."
    )
    by_status_class: dict[str, int] = Field(description="Requests per status class: 2xx, 3xx, 4xx, 5xx.")


class PriceOut(OutputModel):
    amount: str = Field(description="A decimal string, to 6 decimals (a month may cost fractions of a cent).")
    currency: str


class UsageOut(OutputModel):
    """What the firm's requests used in a month (UTC), from the API's access log, at most 5 minutes behind."""

    month: str = Field(description="YYYY-MM, UTC.")
    requests: UsageRequestsOut
    read_units: float = Field(description="DynamoDB read request units the requests consumed.")
    write_units: float = Field(description="DynamoDB write request units the requests consumed.")
    estimated_price: PriceOut = Field(
        description="What AWS bills for these requests: the API front door, the API function (requests and "
        "duration) and DynamoDB's units; not the stream functions' work, CloudWatch, S3 or SES."
    )
