"""A document's file end to end on the local stack (DynamoDB Local and
s3rver): the bytes go to the presigned upload URL with a plain HTTP PUT,
…/complete checks them, and the presigned download serves them as a named
attachment; a member's download clears the New label and records who opened
the document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from chalice.test import Client

from chalicelib.adapters.config import reset_settings, settings
from chalicelib.adapters.photo_store import reset_clients
from chalicelib.repo.table import Table
from devtools.s3_local import S3Local
from tests.support.api import Api, TestFirm, make_firm
from tests.support.factories import create_account
from tests.support.problems import assert_problem

pytestmark = pytest.mark.integration

BUCKET = "dossier-files-s3rver"
PDF = b"%PDF-1.7\n" + b"0123456789abcdef\n" * 4000 + b"%%EOF\n"


@pytest.fixture
def s3rver(
    local_table: Table, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[S3Local]:
    server = S3Local(tmp_path / "s3", BUCKET)

    def restore() -> None:
        server.stop()
        monkeypatch.undo()
        reset_settings()
        reset_clients()

    request.addfinalizer(restore)
    server.start()
    monkeypatch.setenv("S3_ENDPOINT", server.endpoint)
    monkeypatch.setenv("PHOTOS_BUCKET", BUCKET)
    reset_settings()
    reset_clients()
    assert settings().s3_endpoint == server.endpoint
    yield server


@pytest.fixture
def firm(local_table: Table) -> TestFirm:
    return make_firm(local_table)


@pytest.fixture
def client(s3rver: S3Local) -> Iterator[Client]:
    from app import app

    with Client(app) as c:
        yield c


def http() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # straight to 127.0.0.1, whatever proxy the environment names
    return session


def test_upload_complete_and_download_through_s3rver(client: Client, firm: TestFirm, s3rver: S3Local) -> None:
    owner = Api(client, firm.owner_token)
    member_id, token = firm.add_member(name="Erin Employee")
    account = create_account(owner, "Bakkerij de Vries", team=[member_id])
    base = f"/accounts/{account['id']}/documents"
    r = owner.post(
        base,
        {"name": "Jaarrekening 2025.pdf", "uploaded_by": "client", "content_type": "application/pdf", "size": len(PDF)},
    )
    assert r.status == 201, r.body
    doc = r.body
    upload = urlsplit(doc["upload_url"])
    assert f"{upload.scheme}://{upload.netloc}" == s3rver.endpoint
    assert upload.path == f"/{BUCKET}/uploads/{firm.firm_id}/{account['id']}/{doc['id']}"

    with http() as session:
        put = session.put(doc["upload_url"], data=PDF, headers={"Content-Type": "application/pdf"}, timeout=10)
    assert put.status_code == 200, put.text
    done = owner.post(f"{base}/{doc['id']}/complete")
    assert done.status == 200, done.body
    assert done.body["file_status"] == "stored" and done.body["new"] is True

    employee = Api(client, token)
    r = employee.get(f"{base}/{doc['id']}/download")

    assert r.status == 200, r.body
    with http() as session:
        got = session.get(r.body["download_url"], timeout=10)
    assert got.status_code == 200, got.text
    assert got.content == PDF
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"].startswith('attachment; filename="Jaarrekening 2025.pdf"')
    seen = owner.get(f"{base}/{doc['id']}").body
    assert seen["new"] is False
    assert seen["opened_by"] == {"id": member_id, "name": "Erin Employee"}
    assert seen["opened_at"] >= done.body["uploaded_at"]

    # deleting the document deletes the file
    assert owner.delete(f"{base}/{doc['id']}").status == 204
    with http() as session:
        assert session.get(r.body["download_url"], timeout=10).status_code == 404


def test_a_png_uploaded_as_a_pdf_is_refused_and_deleted(client: Client, firm: TestFirm) -> None:
    owner = Api(client, firm.owner_token)
    account = create_account(owner, "Renamed Files BV")
    base = f"/accounts/{account['id']}/documents"
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    doc = owner.post(
        base, {"name": "scan.pdf", "uploaded_by": "firm", "content_type": "application/pdf", "size": len(png)}
    ).body
    with http() as session:
        assert session.put(doc["upload_url"], data=png, headers={"Content-Type": "application/pdf"}, timeout=10).ok

    r = owner.post(f"{base}/{doc['id']}/complete")

    assert assert_problem(r, 422)["code"] == "file_type_mismatch"
    again = owner.post(f"{base}/{doc['id']}/complete")  # the object is gone: nothing uploaded any more
    assert assert_problem(again, 409)["code"] == "not_uploaded"
