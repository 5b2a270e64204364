"""Test backends: moto (in-process, fast) and DynamoDB Local (the real engine).

Functional tests take the ``table`` fixture and run on both; the DynamoDB
Local runs are marked ``integration``, the moto runs ``moto_twin``: `make check`
(the edit loop) runs the moto twins, `make test` (CI) the DynamoDB Local runs
only, the real engine, where the same tests take about half the time. Each test gets its own firm, so tests
on the shared DynamoDB Local table never see each other's data.
"""

from __future__ import annotations

import logging
import os
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from tests.support import tokens

# Settings for the whole test session, before chalicelib reads them.
os.environ.update(
    **tokens.environment(),
    AWS_DEFAULT_REGION="us-east-1",
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    # Mail goes to a per-process outbox folder; tests read invitations from it.
    MAIL_MODE="outbox",
    MAIL_OUTBOX_DIR=tempfile.mkdtemp(prefix="dossier-outbox-"),
    PORTAL_URL="https://portal.test.example",
    PHOTOS_BUCKET="dossier-photos-test",
    # DynamoDB Local's JVM (here, in the fuzzing's and in the end-to-end stack's) with its full JIT: over a
    # whole run it beats "-XX:TieredStopAtLevel=1" (docs/performance.md, "Test time").
    DYNAMODB_LOCAL_JAVA_OPTIONS="",
)
os.environ.pop("DYNAMODB_ENDPOINT", None)

import boto3
from moto import mock_aws
from xdist.scheduler import LoadScopeScheduling

from chalicelib.adapters.config import reset_settings
from chalicelib.repo.schema import ensure_table
from chalicelib.repo.table import Table
from devtools.dynamodb_local import DynamoDBLocal
from devtools.s3_local import S3Local
from devtools.sqs_local import SqsLocal, ensure_queues
from tests.support.api import Api, TestFirm, make_firm
from tests.support.endpoints import use_moto_endpoints
from tests.support.moto_streams import number_records_safely

LOCAL_TABLE = "dossier-test"


# moto keeps boto3's default session: a new one per test (moto's default) loads every service's model again,
# ~0.3 s a test. The data is still reset for each test (mock_aws starts empty).
MOTO_CONFIG: Any = {"core": {"reset_boto3_session": False}}
number_records_safely()


def _configure(endpoint: str | None, table: str) -> Table:
    """Point the settings at ``endpoint`` (None: moto) and ``table``, created if need be. The clients are
    kept: they are cached per endpoint, and building them again for each test costs more than most tests."""
    if endpoint:
        os.environ["DYNAMODB_ENDPOINT"] = endpoint
    else:
        use_moto_endpoints()
        # moto's SQS for the background jobs (tests/support/jobs.py drains it)
        queues = ensure_queues(boto3.client("sqs", region_name="us-east-1"), "dossier-jobs-test")
        os.environ["JOBS_QUEUE_URL"] = queues.url
    os.environ["DOSSIER_TABLE"] = table
    reset_settings()
    t = Table.from_settings()
    ensure_table(t.client, table)
    if not endpoint:
        # moto's S3 for files (the runs on DynamoDB Local use s3rver)
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=os.environ["PHOTOS_BUCKET"])
    return t


TESTS = Path(__file__).resolve().parent
# `pytest -n 2 --dist loadgroup` (`make test`): tests are handed out one at a time, except these groups, each
# run by one worker: the end-to-end tests (one stack, its start-up paid once), the packaged template (one
# package build, the module fixture `packaged`), the fuzzing (one served stack, its module fixture `stack`) and
# the generated clients.
# xdist hands out the largest groups first, then the single tests in the order below: the slow ones first, so
# that the short unit tests fill the end.
GROUPS = {
    "tests/e2e/": "e2e",
    "tests/package/": "package",
    "tests/integration/test_fuzz.py": "fuzz",
    "tests/clients/": "clients",  # the generated clients (one generation, its module fixture `python_client`)
}
ORDER = ("integration/test_fuzz.py", "clients", "integration", "functional", "unit")
DYNAMODB_LOCAL_START_SECONDS = 120.0


class _GroupScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist has no types
    """xdist's own loadgroup groups by ``xdist_group`` marks through a suffix it writes to ``item._nodeid``,
    which pytest 9 no longer reads (the node id is ``item._id``): the marks have no effect. This groups by
    GROUPS' paths."""

    def _split_scope(self, nodeid: str) -> str:
        return next((group for prefix, group in GROUPS.items() if nodeid.startswith(prefix)), nodeid)

    def mark_test_complete(self, node: Any, item_index: int, duration: float = 0) -> None:
        super().mark_test_complete(node, item_index, duration)
        # forget the node's finished units: xdist counts what a node has pending over all it was ever given
        work = self.assigned_work[node]
        for scope in [scope for scope, tests in work.items() if all(tests.values())]:
            del work[scope]


@pytest.hookimpl(tryfirst=True)  # before xdist's own
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    return _GroupScheduling(config, log) if config.getvalue("dist") == "loadgroup" else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        where = item.path.relative_to(TESTS).as_posix() if item.path.is_relative_to(TESTS) else ""
        return next((i for i, prefix in enumerate(ORDER) if where.startswith(prefix)), len(ORDER))

    items.sort(key=rank)  # stable: each file keeps its order


class _Early:
    """This process's DynamoDB Local, spawned when collection ends if a selected test will need it, so that
    the JVM boots while the first tests run; the ``dynamodb_local`` fixture waits for it."""

    server: DynamoDBLocal | None = None


def _needs_dynamodb_local(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    callspec = getattr(item, "callspec", None)
    return "local_table" in names or (callspec is not None and callspec.params.get("table") == "local")


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly or _Early.server is not None:
        return
    if any(_needs_dynamodb_local(item) for item in session.items):
        _Early.server = DynamoDBLocal().spawn()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _Early.server is not None:  # spawned, and maybe never used (another worker ran those tests)
        _Early.server.stop()
        _Early.server = None


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    server = _Early.server or DynamoDBLocal().spawn()
    _Early.server = server
    server.wait_ready(DYNAMODB_LOCAL_START_SECONDS)
    yield server
    server.stop()


@pytest.fixture
def moto_table() -> Iterator[Table]:
    with mock_aws(config=MOTO_CONFIG):
        yield _configure(None, "dossier-moto")


@pytest.fixture(scope="session")
def sqs_local() -> Iterator[SqsLocal]:
    """The jobs queue of the tests on DynamoDB Local: moto's server, as ``make run`` starts it (~1 s)."""
    with SqsLocal() as server:
        yield server


@pytest.fixture(scope="session")
def s3_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Local]:
    """The S3 of the tests on DynamoDB Local: s3rver, as ``make run`` starts it, with the files bucket."""
    with S3Local(tmp_path_factory.mktemp("s3"), os.environ["PHOTOS_BUCKET"]) as server:
        yield server


@pytest.fixture
def local_table(
    dynamodb_local: DynamoDBLocal, sqs_local: SqsLocal, s3_local: S3Local, request: pytest.FixtureRequest
) -> Table:
    # A table per test module: the tests' "nothing written" checks scan the table, and its stream is read by
    # the tests' pollers, so one table shared by the whole run made both slower with every test before.
    # The jobs queue goes with it, so that a module drains only its own jobs.
    name = f"{LOCAL_TABLE}-{zlib.crc32(request.node.nodeid.split('::')[0].encode()):08x}"
    os.environ["SQS_ENDPOINT"] = sqs_local.endpoint
    os.environ["S3_ENDPOINT"] = s3_local.endpoint
    os.environ["JOBS_QUEUE_URL"] = ensure_queues(sqs_local.client(), name).url
    return _configure(dynamodb_local.endpoint, name)


@pytest.fixture(
    params=[pytest.param("moto", marks=pytest.mark.moto_twin), pytest.param("local", marks=pytest.mark.integration)]
)
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
