"""Which AWS failures the API answers with 503 (adapters/outages.py)."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)

from chalicelib.adapters.outages import is_outage


def _client_error(code: str, status: int) -> ClientError:
    response = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "Query")


@pytest.mark.parametrize(
    "exc",
    [
        EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
        ConnectTimeoutError(endpoint_url="http://127.0.0.1:1"),
        ReadTimeoutError(endpoint_url="http://127.0.0.1:1"),
        ConnectionClosedError(endpoint_url="http://127.0.0.1:1"),
        _client_error("ProvisionedThroughputExceededException", 400),
        _client_error("ThrottlingException", 400),
        _client_error("RequestLimitExceeded", 400),
        _client_error("InternalServerError", 500),
        _client_error("ServiceUnavailable", 503),
        _client_error("SlowDown", 503),
    ],
)
def test_unreachable_throttled_or_failing_services_are_outages(exc: Exception) -> None:
    assert is_outage(exc)


@pytest.mark.parametrize(
    "exc",
    [
        _client_error("ValidationException", 400),
        _client_error("ConditionalCheckFailedException", 400),
        _client_error("ResourceNotFoundException", 400),
        _client_error("AccessDeniedException", 400),
        ParamValidationError(report="bad"),
        ValueError("ours"),
        RecursionError(),
    ],
)
def test_our_own_defects_are_not_outages(exc: Exception) -> None:
    assert not is_outage(exc)
