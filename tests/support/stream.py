"""Running the stream projection in tests: the local poller over the test
table's stream (moto's or DynamoDB Local's), invoking the deployed handler."""

from __future__ import annotations

from typing import Any

import boto3

from chalicelib.adapters.config import settings
from chalicelib.repo.schema import TEMPLATE
from chalicelib.repo.table import Table
from devtools.stream_poller import Handler, StreamPoller, mapping_filters, table_stream_arn


def streams_client() -> Any:
    s = settings()
    kwargs: dict[str, Any] = {"region_name": s.region}
    if s.dynamodb_endpoint:
        kwargs.update(endpoint_url=s.dynamodb_endpoint, aws_access_key_id="local", aws_secret_access_key="local")
    else:
        # moto routes only the classic host; botocore now defaults to an account-based one.
        kwargs["endpoint_url"] = f"https://streams.dynamodb.{s.region}.amazonaws.com"
    return boto3.client("dynamodbstreams", **kwargs)


def poller(table: Table, handler: Handler | None = None, **kwargs: Any) -> StreamPoller:
    """An overview poller from the stream's current end, so earlier tests' records are skipped."""
    if handler is None:
        from app import project_overview

        handler = project_overview
    kwargs.setdefault("filters", mapping_filters(TEMPLATE))
    p = StreamPoller(streams_client(), table_stream_arn(table.client, table.name), handler, **kwargs)
    p.skip_to_end()
    return p


def search_poller(table: Table, **kwargs: Any) -> StreamPoller:
    """The search indexer's poller (its own mapping filters), from the stream's current end."""
    from app import index_search

    kwargs.setdefault("filters", mapping_filters(TEMPLATE, "IndexSearch"))
    return poller(table, index_search, **kwargs)


def notify_poller(table: Table, **kwargs: Any) -> StreamPoller:
    """The poller of the function that mails notifications: the overview's
    (one stream reader for both), from the stream's current end."""
    return poller(table, **kwargs)
