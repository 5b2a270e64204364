"""AWS unit prices: one source for the cost table (bench/cost.py) and the firm's usage estimate
(GET /firm/usage, domain/metering.py). USD, us-east-1, as of 2026-11, free tiers left out, from:

- https://aws.amazon.com/api-gateway/pricing/ (first 300 million requests a month: REST, HTTP APIs)
- https://aws.amazon.com/lambda/pricing/ (x86; requests, and duration per GB-second)
- https://aws.amazon.com/dynamodb/pricing/on-demand/ (on-demand read and write request units)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

API_GATEWAY_REST_PER_MILLION: Final = Decimal("3.50")
API_GATEWAY_HTTP_PER_MILLION: Final = Decimal("1.00")
# The front door a firm's requests are estimated at: the HTTP API (issue 20, goal 1).
FRONT_DOOR_PER_MILLION: Final = API_GATEWAY_HTTP_PER_MILLION
LAMBDA_REQUESTS_PER_MILLION: Final = Decimal("0.20")
LAMBDA_PER_GB_SECOND: Final = Decimal("0.0000166667")
API_LAMBDA_MEMORY_MB: Final = 1024  # the API function's memory (.chalice/config.json, api_handler)
DYNAMODB_PER_MILLION_RRU: Final = Decimal("0.125")
DYNAMODB_PER_MILLION_WRU: Final = Decimal("0.625")
CURRENCY: Final = "USD"
