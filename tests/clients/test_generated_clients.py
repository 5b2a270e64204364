"""What app developers do with GET /openapi.json (docs/api.md, "Generating a client"): generate a Python
client with openapi-python-client and TypeScript types with openapi-typescript, each without a single
warning, the Python client's modules named by resource and verb (api/accounts/create_account.py), the
types compiling under tsc --strict; then drive a few calls through the generated Python client against
the API served on DynamoDB Local. One worker runs this file (tests/conftest.py GROUPS): the client is
generated once."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.handlers.http.examples import EXAMPLES
from chalicelib.handlers.http.operations import OPERATIONS
from chalicelib.repo.table import Table
from devtools.api_server import ApiServer
from devtools.dynamodb_local import ROOT, DynamoDBLocal
from devtools.stack import local_env
from tests.support import tokens
from tests.support.api import make_firm

NODE_BIN = ROOT / "devtools" / "node_modules" / ".bin"
PACKAGE = "dossier_client"
# what either generator says when it leaves something out or guesses (it still exits 0)
WARNING = re.compile(r"warn|error|skipp|⚠", re.IGNORECASE)


def _run(args: list[str], cwd: Path) -> str:
    # the venv's tools first: openapi-python-client formats what it writes with ruff, and warns without it
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@pytest.fixture(scope="module")
def document_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The document as served."""
    from app import app

    with Client(app) as client:
        response = client.http.get("/openapi.json")
    assert response.status_code == 200
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_bytes(response.body)
    return path


@pytest.fixture(scope="module")
def python_client(document_file: Path) -> tuple[Path, str]:
    """The generated package's folder, and what the generator said."""
    out = document_file.parent / "python"
    out.mkdir()
    generator = str(Path(sys.executable).with_name("openapi-python-client"))
    args = [generator, "generate", "--path", str(document_file), "--meta", "none", "--output-path", PACKAGE]
    return out / PACKAGE, _run(args, out)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_the_python_client_is_generated_without_a_warning(python_client: tuple[Path, str]) -> None:
    _, said = python_client
    assert not WARNING.search(said), said


def test_the_python_client_modules_read_as_resource_and_verb(python_client: tuple[Path, str]) -> None:
    package, _ = python_client
    modules = {p.relative_to(package / "api").as_posix() for p in (package / "api").glob("*/*.py")}
    modules -= {m for m in modules if m.endswith("/__init__.py")}
    expected = {f"{op.tag.replace('-', '_')}/{_snake(op.operation_id)}.py" for op in OPERATIONS.values()}
    assert modules == expected
    assert {"accounts/create_account.py", "tasks/list_tasks.py", "invoices/apply_credit_to_invoice.py"} <= modules
    # one model class per schema, by its own name (not one per operation)
    assert (package / "models" / "account_out.py").is_file()
    assert not list((package / "models").glob("create_account_*.py"))


def test_typescript_types_are_generated_without_a_warning_and_compile(document_file: Path) -> None:
    out = document_file.parent / "dossier-api.d.ts"
    said = _run([str(NODE_BIN / "openapi-typescript"), str(document_file), "-o", str(out)], document_file.parent)
    assert not WARNING.search(said), said
    types = out.read_text()
    assert "createAccount: {" in types and '"application/octet-stream": string' in types  # the photo's body
    _run([str(NODE_BIN / "tsc"), "--noEmit", "--strict", str(out)], document_file.parent)


@pytest.fixture
def served(dynamodb_local: DynamoDBLocal, local_table: Table, tmp_path: Path) -> Iterator[str]:
    """The API's local server on the test session's DynamoDB Local, trusting the tests' tokens."""
    env = {**local_env(dynamodb_local.endpoint, "http://127.0.0.1:9", tmp_path / "outbox", table=local_table.name)}
    env.update(tokens.environment())
    with (tmp_path / "api.log").open("ab") as log, ApiServer(env, log=log) as api:
        yield api.endpoint


@pytest.fixture
def generated(python_client: tuple[Path, str]) -> Iterator[Any]:
    """The generated package, imported."""
    package, _ = python_client
    sys.path.insert(0, str(package.parent))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(package.parent))


@pytest.mark.integration
def test_the_generated_client_drives_the_api(served: str, local_table: Table, generated: Any) -> None:
    firm = make_firm(local_table)
    with generated.AuthenticatedClient(base_url=served, token=firm.owner_token) as client:
        _drive(generated, client)


def _drive(generated: Any, client: Any) -> None:
    api = f"{PACKAGE}.api"
    create_account = importlib.import_module(f"{api}.accounts.create_account")
    list_accounts = importlib.import_module(f"{api}.accounts.list_accounts")
    get_account = importlib.import_module(f"{api}.accounts.get_account")
    models = importlib.import_module(f"{PACKAGE}.models")

    body = models.AccountCreate.from_dict(EXAMPLES["POST /accounts"]["company"])
    created = create_account.sync_detailed(client=client, body=body, idempotency_key="example-1")
    assert created.status_code == 201
    account = created.parsed
    assert isinstance(account, models.AccountOut) and account.name == "De Vries Bouw B.V."
    assert created.headers["location"] == f"/accounts/{account.id}" and created.headers["etag"] == '"1"'

    page = list_accounts.sync(client=client, limit=10)
    assert isinstance(page, models.AccountSummaryOutPage)
    assert [a.id for a in page.items] == [account.id] and page.next_cursor is None

    info = get_account.sync(account_id=account.id, client=client)
    assert isinstance(info, models.AccountOut)
    assert info.contacts[0].first_name == "Jan" and info.address.city == "Amsterdam"

    missing = get_account.sync_detailed(account_id="01NOSUCHACCOUNT", client=client)
    assert missing.status_code == 404
    problem = missing.parsed
    assert isinstance(problem, models.Problem) and problem.status == 404 and problem.type_.endswith("/not-found")
