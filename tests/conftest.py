"""Test backends: moto (in-process, fast) and DynamoDB Local (the real engine).

Functional tests take the ``backend`` fixture and run on both; the DynamoDB
Local runs are marked ``integration``. Each test gets its own firm, so tests
on the shared DynamoDB Local table never see each other's data.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator

import pytest
from chalice.test import Client

# Settings for the whole test session, before chalicelib reads them.
os.environ.update(
    AUTH_MODE="hs256",
    JWT_SECRET="test-secret-0123456789-0123456789-0123456789",
    JWT_ISSUER="dossier-test",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    # Mail goes to a per-process outbox folder; tests read invitations from it.
    MAIL_MODE="outbox",
    MAIL_OUTBOX_DIR=tempfile.mkdtemp(prefix="dossier-outbox-"),
    PORTAL_URL="https://portal.test.example",
    PHOTOS_BUCKET="dossier-photos-test",
)
os.environ.pop("DYNAMODB_ENDPOINT", None)
os.environ.pop("JWT_AUDIENCE", None)

import boto3
from moto import mock_aws

from chalicelib.adapters.config import reset_settings
from chalicelib.adapters.photo_store import reset_clients as reset_photo_clients
from chalicelib.repo.schema import ensure_table
from chalicelib.repo.table import Table, reset_clients
from devtools.dynamodb_local import DynamoDBLocal
from tests.support.api import Api, TestFirm, make_firm

LOCAL_TABLE = "dossier-test"


def _configure(endpoint: str | None, table: str) -> Table:
    if endpoint:
        os.environ["DYNAMODB_ENDPOINT"] = endpoint
    else:
        os.environ.pop("DYNAMODB_ENDPOINT", None)
    os.environ["DOSSIER_TABLE"] = table
    reset_settings()
    reset_clients()
    reset_photo_clients()
    t = Table.from_settings()
    ensure_table(t.client, table)
    if not endpoint:
        # moto's S3 for photos (DynamoDB Local runs have no S3: photo tests use moto)
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=os.environ["PHOTOS_BUCKET"])
    return t


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    with DynamoDBLocal() as server:
        yield server


@pytest.fixture
def moto_table() -> Iterator[Table]:
    with mock_aws():
        yield _configure(None, "dossier-moto")
    reset_clients()


@pytest.fixture
def local_table(dynamodb_local: DynamoDBLocal) -> Iterator[Table]:
    yield _configure(dynamodb_local.endpoint, LOCAL_TABLE)
    reset_clients()


@pytest.fixture(params=["moto", pytest.param("local", marks=pytest.mark.integration)])
def table(request: pytest.FixtureRequest) -> Table:
    name = "moto_table" if request.param == "moto" else "local_table"
    t: Table = request.getfixturevalue(name)
    return t


@pytest.fixture
def client(table: Table) -> Iterator[Client]:
    from app import app

    with Client(app) as c:
        yield c


@pytest.fixture
def firm(table: Table) -> TestFirm:
    return make_firm(table)


@pytest.fixture
def api(client: Client, firm: TestFirm) -> Api:
    """The API as the firm's owner."""
    return Api(client, firm.owner_token)


@pytest.fixture
def app_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog at DEBUG, also for the app's loggers: Chalice gives the "dossier"
    logger its own handler and no propagation, so the root's capture alone
    never sees a record of the app."""
    logger = logging.getLogger("dossier")
    level = logger.level
    caplog.set_level(logging.DEBUG)
    logger.addHandler(caplog.handler)
    logger.setLevel(logging.DEBUG)
    yield caplog
    logger.removeHandler(caplog.handler)
    logger.setLevel(level)
