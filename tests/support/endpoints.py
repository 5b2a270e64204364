"""The local stand-ins' endpoints a test on DynamoDB Local sets (tests/conftest.py, ``local_table``): a test on
moto must not inherit them from the test its worker ran before."""

from __future__ import annotations

import os

LOCAL_ENDPOINTS = ("DYNAMODB_ENDPOINT", "SQS_ENDPOINT", "S3_ENDPOINT")


def use_moto_endpoints() -> None:
    for name in LOCAL_ENDPOINTS:
        os.environ.pop(name, None)
