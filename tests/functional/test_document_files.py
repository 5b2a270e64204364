"""Documents with files (issue 18): POST …/documents with content_type and
size answers a presigned upload URL, POST …/complete checks the object
(chalicelib/domain/files.py), GET …/download answers a presigned link and
counts as opening, deleting the document deletes its object.

moto only: the conftest creates the files bucket in moto's S3, and the test
puts the bytes with boto3 where the presigned PUT would (moto serves no
HTTP); tests/integration/test_documents_s3rver.py does the real round trip.
"""

from __future__ import annotations

import io
import os
import zipfile
from functools import partial
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest
from chalice.test import Client

from chalicelib.domain import files
from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, make_firm
from tests.support.factories import create_account
from tests.support.problems import assert_problem, assert_refused

pytestmark = pytest.mark.parametrize("table", ["moto"], indirect=True)

BUCKET = os.environ["PHOTOS_BUCKET"]
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40
MEMBER_NAME = "Erin Employee"


def office(kind: str) -> bytes:
    """A minimal OOXML package (the parts that name its kind)."""
    part = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr(part, "<x/>")
    return buf.getvalue()


def s3() -> Any:
    return boto3.client("s3", region_name="us-east-1")


def stored_keys(prefix: str) -> list[str]:
    return [o["Key"] for o in s3().list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


class Docs:
    def __init__(self, api: Api, firm: TestFirm, account_id: str) -> None:
        self.api, self.firm, self.account_id = api, firm, account_id
        self.base = f"/accounts/{account_id}/documents"

    def key(self, doc_id: str) -> str:
        return files.object_key(self.firm.firm_id, self.account_id, doc_id)

    def upload_key(self, doc_id: str) -> str:
        return files.upload_key(self.firm.firm_id, self.account_id, doc_id)

    def start(self, data: bytes, content_type: str = "application/pdf", *, size: int | None = None, **kw: Any) -> Any:
        body = {"name": "Jaarrekening 2025.pdf", "uploaded_by": "client", "content_type": content_type}
        r = self.api.post(self.base, {**body, "size": len(data) if size is None else size, **kw})
        assert r.status == 201, r.body
        return r.body

    def upload(self, doc: dict[str, Any], data: bytes) -> None:
        """What the client's PUT to upload_url does."""
        s3().put_object(Bucket=BUCKET, Key=self.upload_key(doc["id"]), Body=data, ContentType=doc["content_type"])

    def complete(self, doc_id: str) -> Any:
        return self.api.post(f"{self.base}/{doc_id}/complete")


@pytest.fixture
def docs(api: Api, firm: TestFirm) -> Docs:
    return Docs(api, firm, create_account(api, "Bakkerij de Vries")["id"])


def test_upload_complete_download_and_the_new_label(docs: Docs, client: Client, firm: TestFirm) -> None:
    doc = docs.start(PDF)
    assert doc["file_status"] == "pending" and doc["content_type"] == "application/pdf" and doc["size"] == len(PDF)
    url = urlsplit(doc["upload_url"])
    assert unquote(url.path).endswith(docs.upload_key(doc["id"]))  # the upload is staged, the file is a checked copy
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == [str(files.UPLOAD_URL_SECONDS)]
    assert query["X-Amz-SignedHeaders"] == ["content-length;content-type;host"]  # bound to the declared file
    # pending: GET by id shows it, "show all" does not
    assert docs.api.get(f"{docs.base}/{doc['id']}").body["file_status"] == "pending"
    assert docs.api.get(docs.base).body["items"] == []
    assert assert_problem(docs.api.get(f"{docs.base}/{doc['id']}/download"), 409)["code"] == "upload_pending"
    assert assert_problem(docs.api.post(f"{docs.base}/{doc['id']}/view"), 409)["code"] == "upload_pending"

    docs.upload(doc, PDF)
    r = docs.complete(doc["id"])

    assert r.status == 200, r.body
    done = r.body
    assert done["file_status"] == "stored" and done["new"] is True and done["opened_by"] is None
    assert [d["id"] for d in docs.api.get(docs.base).body["items"]] == [doc["id"]]
    again = docs.complete(doc["id"])
    assert again.status == 200 and again.body == done  # idempotent: nothing changes

    member_id, token = firm.add_member(view_all=True, name=MEMBER_NAME)
    r = Api(client, token).get(f"{docs.base}/{doc['id']}/download")

    assert r.status == 200, r.body
    link = urlsplit(r.body["download_url"])
    assert unquote(link.path).endswith(docs.key(doc["id"]))
    link_query = parse_qs(link.query)
    assert link_query["X-Amz-Expires"] == [str(files.DOWNLOAD_URL_SECONDS)]
    assert link_query["response-content-disposition"] == [
        "attachment; filename=\"Jaarrekening 2025.pdf\"; filename*=UTF-8''Jaarrekening%202025.pdf"
    ]
    opened = docs.api.get(f"{docs.base}/{doc['id']}").body
    assert opened["new"] is False
    assert opened["opened_by"] == {"id": member_id, "name": MEMBER_NAME} == opened["viewed_by"]
    assert opened["opened_at"] is not None
    # a later download is not a first opening
    assert docs.api.get(f"{docs.base}/{doc['id']}/download").status == 200
    assert docs.api.get(f"{docs.base}/{doc['id']}").body["opened_by"]["id"] == member_id


def test_a_firm_upload_is_never_new_and_office_and_csv_files_are_recognised(docs: Docs) -> None:
    for data, content_type in ((office("docx"), files.DOCX), (office("xlsx"), files.XLSX), (b"a;b\n1;2\n", "text/csv")):
        doc = docs.start(data, content_type, uploaded_by="firm")
        docs.upload(doc, data)
        r = docs.complete(doc["id"])
        assert r.status == 200, r.body
        assert r.body["new"] is False and r.body["opened_by"]["id"] == docs.firm.owner_id


@pytest.mark.parametrize(
    ("declared", "data", "size", "code"),
    [
        ("application/pdf", PNG, None, "file_type_mismatch"),  # a PNG named .pdf
        (files.DOCX, office("xlsx"), None, "file_type_mismatch"),
        ("application/pdf", b"\x00\x01binary\xff" * 10, None, "unsupported_file_type"),
        ("text/plain", b"MZ\x90\x00\x03\x00\x00\x00", None, "unsupported_file_type"),  # an .exe
        ("application/pdf", PDF, len(PDF) + 1, "size_mismatch"),
    ],
)
def test_a_failed_check_is_422_and_deletes_the_upload(
    docs: Docs, declared: str, data: bytes, size: int | None, code: str
) -> None:
    doc = docs.start(data, declared, size=size)
    docs.upload(doc, data)

    r = docs.complete(doc["id"])

    assert assert_problem(r, 422)["code"] == code
    assert stored_keys(docs.upload_key(doc["id"])) == [] and stored_keys(docs.key(doc["id"])) == []
    after = docs.api.get(f"{docs.base}/{doc['id']}").body
    assert after["file_status"] == "pending" and after["version"] == doc["version"]  # upload again, or delete
    assert docs.api.get(docs.base).body["items"] == []


def test_completing_before_the_upload_is_409_and_writes_nothing(docs: Docs, table: Table) -> None:
    doc = docs.start(PDF)
    body = assert_refused(table, 409, lambda: docs.complete(doc["id"]))
    assert body["code"] == "not_uploaded"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"size": files.MAX_BYTES + 1}, "size"),  # too big
        ({"size": 0}, "size"),
        ({"content_type": "application/x-msdownload"}, "content_type"),
        ({"uploaded_at": "2026-01-02T03:04:05Z"}, "uploaded_at"),
    ],
)
def test_a_bad_declaration_is_400(docs: Docs, table: Table, extra: dict[str, Any], field: str) -> None:
    body = {"name": "x.pdf", "uploaded_by": "firm", "content_type": "application/pdf", "size": 10, **extra}
    assert_refused(table, 400, lambda: docs.api.post(docs.base, body), field=field)


def test_a_record_without_file_still_works_and_has_nothing_to_download(docs: Docs, table: Table) -> None:
    r = docs.api.post(docs.base, {"name": "Paper copy", "uploaded_by": "client"})
    assert r.status == 201, r.body
    assert "upload_url" not in r.body and r.body["file_status"] is None and r.body["content_type"] is None
    doc_id = r.body["id"]
    assert assert_refused(table, 409, lambda: docs.api.get(f"{docs.base}/{doc_id}/download"))["code"] == "no_file"
    assert assert_refused(table, 409, lambda: docs.complete(doc_id))["code"] == "no_file"
    assert docs.api.get(f"{docs.base}/{doc_id}").body["new"] is True  # a refused download opens nothing


def test_other_firms_and_members_without_access_get_404(docs: Docs, table: Table, client: Client) -> None:
    doc = docs.start(PDF)
    docs.upload(doc, PDF)
    assert docs.complete(doc["id"]).status == 200
    one = f"{docs.base}/{doc['id']}"
    stranger = Api(client, make_firm(table).owner_token)
    employee = Api(client, docs.firm.add_member()[1])  # not on the account's team, no rights
    body = {"name": "x.pdf", "uploaded_by": "firm", "content_type": "application/pdf", "size": 10}
    for api in (stranger, employee):
        assert_refused(table, 404, partial(api.post, docs.base, body))
        assert_refused(table, 404, partial(api.post, f"{one}/complete"))
        assert_refused(table, 404, partial(api.get, f"{one}/download"))
    assert docs.api.get(one).body["new"] is True


def test_deleting_a_document_deletes_its_file(docs: Docs) -> None:
    doc = docs.start(PDF)
    docs.upload(doc, PDF)
    assert docs.complete(doc["id"]).status == 200
    assert stored_keys(docs.key(doc["id"])) == [docs.key(doc["id"])]

    assert docs.api.delete(f"{docs.base}/{doc['id']}").status == 204

    assert stored_keys(docs.key(doc["id"])) == []


def test_a_replayed_create_answers_the_same_document_with_an_upload_url(docs: Docs) -> None:
    body = {"name": "scan.pdf", "uploaded_by": "firm", "content_type": "application/pdf", "size": len(PDF)}
    first = docs.api.post(docs.base, body, headers={"Idempotency-Key": "upload-1"})
    again = docs.api.post(docs.base, body, headers={"Idempotency-Key": "upload-1"})
    assert first.status == again.status == 201, (first.body, again.body)
    assert again.body["id"] == first.body["id"] and again.body["upload_url"]
    docs.upload(again.body, PDF)
    assert docs.complete(first.body["id"]).body["file_status"] == "stored"


def test_a_second_put_to_the_upload_url_never_replaces_a_checked_file(docs: Docs) -> None:
    """The upload URL stays valid for 15 minutes after complete: what it receives then is never served."""
    doc = docs.start(PDF)
    docs.upload(doc, PDF)
    assert docs.complete(doc["id"]).status == 200
    assert stored_keys(docs.upload_key(doc["id"])) == [], "the staged upload is removed once copied"
    assert stored_keys(docs.key(doc["id"])) == [docs.key(doc["id"])]

    docs.upload(doc, b"%PDF-" + b"\0" * (len(PDF) - 5))  # other bytes of the same size and type, afterwards

    got = s3().get_object(Bucket=BUCKET, Key=docs.key(doc["id"]))["Body"].read()
    assert got == PDF
    assert docs.complete(doc["id"]).status == 200, "complete again: the stored document, unchanged"
    assert s3().get_object(Bucket=BUCKET, Key=docs.key(doc["id"]))["Body"].read() == PDF
