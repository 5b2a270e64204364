"""Which failures of an AWS call are an outage (the service unreachable,
throttling, timing out or failing on its side) rather than a defect of ours:
the API answers those with 503 and Retry-After, after botocore's own retries
(``standard`` mode) gave up."""

from __future__ import annotations

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

# Error codes that mean "not now" whatever the service (DynamoDB, S3, SES).
_TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "SlowDown",
        "RequestTimeout",
        "Throttling",
    }
)


def is_outage(exc: BaseException) -> bool:
    # ConnectionError covers refused connections and connect timeouts; HTTPClientError read
    # timeouts and connections closed mid-answer.
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return exc.response.get("Error", {}).get("Code", "") in _TRANSIENT_CODES or status >= 500
    return False
