"""Account photos end to end on the local stack: DynamoDB Local and s3rver
(devtools/s3_local.py, the S3 that ``make run`` starts). A photo uploaded
through the API is served by its presigned URL, survives an s3rver restart
on the same folder, and a URL whose signature was tampered with is refused."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from chalice.test import Client
from PIL import Image

from chalicelib.adapters.config import reset_settings, settings
from chalicelib.adapters.photo_store import reset_clients as reset_photo_clients
from chalicelib.repo.table import Table
from devtools.s3_local import S3Local
from tests.support.api import Api, TestFirm, make_firm
from tests.support.factories import new_account

pytestmark = pytest.mark.integration

BUCKET = "dossier-photos-s3rver"


@pytest.fixture
def s3rver(
    local_table: Table, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[S3Local]:
    """s3rver on a tmp folder and a free port; the app's settings point at it
    for the test and are restored (and their caches dropped) afterwards."""
    server = S3Local(tmp_path / "s3", BUCKET)

    def restore() -> None:
        server.stop()
        monkeypatch.undo()
        reset_settings()
        reset_photo_clients()

    request.addfinalizer(restore)
    server.start()
    monkeypatch.setenv("S3_ENDPOINT", server.endpoint)
    monkeypatch.setenv("PHOTOS_BUCKET", BUCKET)
    reset_settings()
    reset_photo_clients()
    assert settings().s3_endpoint == server.endpoint and settings().photos_bucket == BUCKET
    yield server


@pytest.fixture
def firm(local_table: Table) -> TestFirm:
    return make_firm(local_table)


@pytest.fixture
def owner(s3rver: S3Local, firm: TestFirm) -> Iterator[Api]:
    from app import app

    with Client(app) as client:
        yield Api(client, firm.owner_token)


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (48, 32), "orange").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def fetch(url: str) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False  # straight to 127.0.0.1, whatever proxy the environment names
        return session.get(url, timeout=10)


def photo_url(api: Api, account_id: str) -> str:
    r = api.get(f"/accounts/{account_id}")
    assert r.status == 200, r.body
    url: str = r.body["photo_url"]
    assert url, r.body
    return url


def test_upload_serve_and_survive_a_restart(owner: Api, firm: TestFirm, s3rver: S3Local) -> None:
    account = new_account(owner, "Local Photo Ltd")
    data = jpeg()

    r = owner.put(f"/accounts/{account['id']}/photo", raw=data, headers={"Content-Type": "image/jpeg"})

    assert r.status == 200, r.body
    url = r.body["photo_url"]
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == s3rver.endpoint  # path-style on the local endpoint
    assert parts.path.startswith(f"/{BUCKET}/{firm.firm_id}/{account['id']}/photo-") and parts.path.endswith(".jpg")
    assert parse_qs(parts.query)["X-Amz-Expires"] == ["3600"]
    got = fetch(url)
    assert got.status_code == 200, got.text
    assert got.content == data
    assert got.headers["Content-Type"] == "image/jpeg"

    # the objects are files in s3rver's folder: a restart on the same folder and port still serves them
    port = s3rver.port
    s3rver.stop()
    with pytest.raises(requests.ConnectionError):
        fetch(url)
    s3rver.port = port
    s3rver.start()

    fresh = photo_url(owner, account["id"])
    assert urlsplit(fresh).path == parts.path
    again = fetch(fresh)
    assert again.status_code == 200, again.text
    assert again.content == data
    assert fetch(url).content == data  # the first link is still within its hour


def _tampered(url: str, param: str, change: Any) -> str:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query[param] = [change(query[param][0])]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


def _flip_first(text: str) -> str:
    return ("0" if text[0] != "0" else "1") + text[1:]


@pytest.mark.xfail(
    strict=True,
    reason="LIMITATION of s3rver 3.7.1, not of the app: it does not verify SigV4 signatures at all "
    "(devtools/node_modules/s3rver/lib/middleware/authentication.js:184 accepts any V4 signature, and a request "
    "with no signature at all), so a tampered signature is served with 200",
)
def test_a_tampered_signature_is_403(owner: Api) -> None:
    account = new_account(owner, "Local Photo Ltd")
    data = jpeg()
    assert owner.put(f"/accounts/{account['id']}/photo", raw=data, headers={"Content-Type": "image/jpeg"}).status == 200
    url = photo_url(owner, account["id"])
    assert fetch(url).content == data

    r = fetch(_tampered(url, "X-Amz-Signature", _flip_first))

    assert r.status_code == 403, r.status_code
    assert data not in r.content


def test_a_tampered_credential_is_403(owner: Api) -> None:
    """What s3rver does check of a presigned URL: the access key it names."""
    account = new_account(owner, "Local Photo Ltd")
    data = jpeg()
    assert owner.put(f"/accounts/{account['id']}/photo", raw=data, headers={"Content-Type": "image/jpeg"}).status == 200
    url = photo_url(owner, account["id"])
    assert parse_qs(urlsplit(url).query)["X-Amz-Credential"][0].startswith("S3RVER/")

    r = fetch(_tampered(url, "X-Amz-Credential", lambda c: "INTRUDER/" + c.split("/", 1)[1]))

    assert r.status_code == 403, r.text
    assert "InvalidAccessKeyId" in r.text
    assert data not in r.content
    assert fetch(url).content == data  # the untouched URL still works


def test_replaced_and_deleted_photos_are_gone_from_s3rver(owner: Api) -> None:
    account = new_account(owner, "Local Photo Ltd")
    first = jpeg()
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buf, "PNG")
    second = buf.getvalue()
    path = f"/accounts/{account['id']}/photo"
    assert owner.put(path, raw=first, headers={"Content-Type": "image/jpeg"}).status == 200
    old_url = photo_url(owner, account["id"])

    assert owner.put(path, raw=second, headers={"Content-Type": "image/png"}).status == 200

    new_url = photo_url(owner, account["id"])
    assert fetch(old_url).status_code == 404  # the old object was deleted
    got = fetch(new_url)
    assert got.status_code == 200 and got.content == second
    assert got.headers["Content-Type"] == "image/png"

    assert owner.delete(path).status == 204
    assert fetch(new_url).status_code == 404
    r = owner.get(f"/accounts/{account['id']}")
    assert r.body["photo_url"] is None
