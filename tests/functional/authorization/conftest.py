"""The authorization tests' fixtures: one moto for each module, a fresh table per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib.adapters.config import reset_settings
from chalicelib.adapters.photo_store import reset_clients as reset_photo_clients
from chalicelib.domain.ids import new_id
from chalicelib.repo.schema import create_table_args
from chalicelib.repo.table import Table, reset_clients
from devtools.sqs_local import ensure_queues
from tests.support.authz.world import World
from tests.support.endpoints import use_moto_endpoints


@pytest.fixture(scope="module")
def _aws() -> Iterator[None]:
    """One moto for the module, so botocore's clients are built once (building
    them per test, as ``moto_table`` does, costs ~0.5 s a test); each test still
    gets its own table below."""
    use_moto_endpoints()  # a test on DynamoDB Local before this module on the worker left its endpoints set
    with mock_aws():
        os.environ["JOBS_QUEUE_URL"] = ensure_queues(boto3.client("sqs", region_name="us-east-1"), "matrix-jobs").url
        reset_settings()
        reset_clients()
        reset_photo_clients()
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=os.environ["PHOTOS_BUCKET"])
        yield
    reset_clients()
    reset_photo_clients()
    reset_settings()


@pytest.fixture
def table(_aws: None) -> Iterator[Table]:
    """A fresh, empty moto table for this test (overrides conftest's ``table``)."""
    name = f"matrix-{new_id().lower()}"
    os.environ["DOSSIER_TABLE"] = name
    reset_settings()
    t = Table.from_settings()
    t.client.create_table(**create_table_args(name))  # what ensure_table does, minus its waits
    yield t
    t.client.delete_table(TableName=name)


@pytest.fixture
def world(client: Client, table: Table) -> World:
    return World.build(client, table)
