"""Exports (issue 19): POST /exports queues a job, the worker writes the file
to S3 in chunks (services/exports.py), GET /exports/{id} answers the status,
the counts and, once completed, a presigned download.

Both engines: moto in process, and DynamoDB Local with s3rver and moto's SQS
server (conftest). The chain runs through tests/support/jobs.py, the worker as
Lambda would call it. The download is read with boto3 at the presigned URL's
key (moto serves no HTTP); tests/integration/test_jobs_queue.py runs the chain
with the poller of make run.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from chalicelib.adapters.config import reset_settings, settings
from chalicelib.adapters.photo_store import s3_client
from chalicelib.repo.table import Table
from chalicelib.services import exports
from tests.support.api import Api, TestFirm, make_firm
from tests.support.factories import create_account, created, new_tag
from tests.support.jobs import crashing_once, drain_jobs
from tests.support.problems import assert_problem, assert_refused

# both engines: moto in process, and DynamoDB Local with s3rver and moto's SQS server

BUCKET = os.environ["PHOTOS_BUCKET"]


def s3() -> Any:
    return s3_client()


def export(api: Api, kind: str = "accounts", fmt: str = "csv") -> dict[str, Any]:
    r = api.post("/exports", {"kind": kind, "format": fmt})
    assert r.status == 201, r.body
    assert r.headers["location"] == f"/exports/{r.body['id']}"
    assert r.body["status"] == "queued" and r.body["download_url"] is None
    body: dict[str, Any] = r.body
    return body


def finished(api: Api, export_id: str) -> dict[str, Any]:
    r = api.get(f"/exports/{export_id}")
    assert r.status == 200, r.body
    body: dict[str, Any] = r.body
    return body


def download(out: dict[str, Any]) -> bytes:
    """The file behind the presigned URL (moto: read at its key), after checking what the URL asks S3 for."""
    url = urlsplit(out["download_url"])
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["300"]
    assert query["response-content-disposition"] == [f'attachment; filename="{out["filename"]}"']
    key = unquote(url.path).split(f"/{BUCKET}/", 1)[-1].lstrip("/")
    data: bytes = s3().get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return data


def rows_of(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, for Excel
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def run_export(api: Api, kind: str = "accounts", fmt: str = "csv") -> tuple[dict[str, Any], bytes]:
    started = export(api, kind, fmt)
    drain_jobs()
    out = finished(api, started["id"])
    assert out["status"] == "completed", out
    return out, download(out)


@pytest.fixture
def firm_data(api: Api, firm: TestFirm) -> dict[str, Any]:
    """Two accounts: Acme with two contacts (formula-like cells), a tag, a team member and a custom value;
    Beta with one contact."""
    firm.add_member("employee", name="Erin Employee")
    erin = next(m for m in api.get("/members").body["items"] if m["name"] == "Erin Employee")
    tag = new_tag(api, "VIP")
    field_id = created(api, "/custom-fields", {"target": "account", "label": "Fiscal year", "kind": "text"})["id"]
    anna = {
        "first_name": "Anna",
        "last_name": "Smit",
        "emails": ["anna@acme.example"],
        "phones": [{"number": "+31 20 123 4567"}],
        "description": '=HYPERLINK("http://evil")',
    }
    acme = created(
        api,
        "/accounts",
        {
            "name": "Acme Ltd",
            "type": "company",
            "contacts": [anna],
            "team_member_ids": [erin["id"]],
            "tags": [tag],
            "custom_fields": {field_id: "-2026"},
        },
    )
    bert = {"first_name": "Bert", "last_name": "@Home", "emails": ["bert@acme.example"], "description": "Books"}
    second = api.post(f"/accounts/{acme['id']}/contacts", bert)
    assert second.status == 201, second.body
    beta = create_account(
        api, "Beta BV", new_contact={"first_name": "Cees", "last_name": "Berg", "emails": ["cees@beta.example"]}
    )
    return {"acme": acme["id"], "beta": beta["id"], "erin": erin, "field_id": field_id}


def test_accounts_csv_has_the_import_columns_one_row_per_link_escaped(api: Api, firm_data: dict[str, Any]) -> None:
    out, data = run_export(api)
    assert out["counts"] == {"accounts": 2, "rows": 3, "bytes": len(data)}
    assert out["filename"].startswith("dossier-accounts-") and out["filename"].endswith(".csv")
    rows = rows_of(data)
    assert list(rows[0]) == [
        "account_id",
        "account_name",
        "account_type",
        "tags",
        "team_member_emails",
        "contact_first_name",
        "contact_last_name",
        "contact_email",
        "contact_phone",
        "contact_description",
        "custom:Fiscal year",
    ]
    by_email = {r["contact_email"]: r for r in rows}
    assert set(by_email) == {"anna@acme.example", "bert@acme.example", "cees@beta.example"}
    anna, bert, cees = by_email["anna@acme.example"], by_email["bert@acme.example"], by_email["cees@beta.example"]
    assert anna["account_id"] == bert["account_id"] == firm_data["acme"]
    assert (anna["account_name"], anna["account_type"], anna["tags"]) == ("Acme Ltd", "company", "VIP")
    assert anna["team_member_emails"] == firm_data["erin"]["email"]
    assert anna["contact_phone"] == "'+31 20 123 4567"  # a leading + is a formula to a spreadsheet
    assert anna["contact_description"] == '\'=HYPERLINK("http://evil")'
    assert anna["custom:Fiscal year"] == bert["custom:Fiscal year"] == "'-2026"
    assert bert["contact_last_name"] == "'@Home" and bert["contact_description"] == "Books"
    assert (cees["account_id"], cees["account_name"], cees["tags"], cees["custom:Fiscal year"]) == (
        firm_data["beta"],
        "Beta BV",
        "",
        "",
    )


def test_accounts_json_is_one_document_with_the_details(api: Api, firm_data: dict[str, Any]) -> None:
    out, data = run_export(api, "accounts", "json")
    assert out["counts"]["accounts"] == 2 and out["filename"].endswith(".json")
    doc = json.loads(data)
    assert doc["kind"] == "accounts" and doc["exported_at"].endswith("Z")
    by_id = {a["id"]: a for a in doc["items"]}
    acme = by_id[firm_data["acme"]]
    assert (acme["name"], acme["tags"], acme["team_member_emails"]) == (
        "Acme Ltd",
        ["VIP"],
        [firm_data["erin"]["email"]],
    )
    assert acme["custom_fields"] == {"Fiscal year": "-2026"}  # JSON needs no escaping: values as they are
    contacts = {c["emails"][0]: c for c in acme["contacts"]}
    assert contacts["anna@acme.example"]["description"] == '=HYPERLINK("http://evil")'
    assert contacts["anna@acme.example"]["phones"] == [{"number": "+31 20 123 4567", "label": ""}]
    assert [c["first_name"] for c in by_id[firm_data["beta"]]["contacts"]] == ["Cees"]


def test_contacts_csv_and_json(api: Api, firm_data: dict[str, Any]) -> None:
    out, data = run_export(api, "contacts", "csv")
    assert out["counts"]["contacts"] == 3
    rows = {r["contact_emails"]: r for r in rows_of(data)}
    assert rows["bert@acme.example"]["contact_last_name"] == "'@Home"
    assert rows["bert@acme.example"]["account_ids"] == firm_data["acme"]
    out, data = run_export(api, "contacts", "json")
    items = json.loads(data)["items"]
    assert sorted(c["emails"][0] for c in items) == ["anna@acme.example", "bert@acme.example", "cees@beta.example"]


def test_an_empty_firm_exports_a_header_or_an_empty_list(api: Api) -> None:
    out, data = run_export(api, "contacts", "csv")
    assert out["counts"] == {"contacts": 0, "rows": 0, "bytes": len(data)}
    assert rows_of(data) == [] and data.decode("utf-8-sig").startswith("contact_id,")
    _, data = run_export(api, "accounts", "json")
    assert json.loads(data)["items"] == []


@pytest.fixture
def small_parts(table: Table, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Parts of 2 KB and chunks of 7 accounts, so a few dozen accounts take the multipart path (S3's
    5 MB minimum is moto's setting, lowered to match). Set before the app's test client starts (it sets
    its stage's environment, which the settings read here must not see)."""
    import moto.s3.models

    monkeypatch.setenv("EXPORT_PART_BYTES", "2048")
    monkeypatch.setenv("EXPORT_CHUNK_RECORDS", "7")
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 2048)
    reset_settings()
    assert settings().export_part_bytes == 2048
    yield
    monkeypatch.undo()
    reset_settings()


def _many_accounts(api: Api, n: int) -> None:
    for i in range(n):
        contact = {"first_name": f"P{i:03}", "last_name": "x" * 60, "emails": [f"p{i:03}@many.example"]}
        create_account(api, f"Account {i:03} " + "y" * 60, new_contact=contact)


# moto only: the parts are counted in the object's multipart ETag ("<md5>-<parts>"), which s3rver does not write
@pytest.mark.parametrize("table", ["moto"], indirect=True)
def test_a_big_export_goes_up_in_parts_and_a_crashed_chunk_duplicates_none(
    small_parts: None, api: Api, table: Table
) -> None:
    _many_accounts(api, 40)
    clean, clean_data = run_export(api)
    assert clean["counts"]["accounts"] == 40 and clean["counts"]["rows"] == 40
    parts = s3().head_object(Bucket=BUCKET, Key=_key(clean))["ETag"].strip('"').split("-")
    assert len(parts) == 2 and int(parts[1]) >= 3, parts  # a multipart object of several parts
    assert sorted(r["contact_first_name"] for r in rows_of(clean_data)) == [f"P{i:03}" for i in range(40)]

    # The real chunk, crashing once at its third chunk: its parts and tail are written, its advance is not.
    crash_after_work, crashed = crashing_once(exports.run_export_chunk, lambda job, _: job.chunk == 2)

    started = export(api)
    drain_jobs(table, chunks={"export": crash_after_work})
    assert crashed
    out = finished(api, started["id"])
    assert out["status"] == "completed" and out["counts"] == clean["counts"]
    assert download(out) == clean_data  # the same file: no part twice, none missing
    tails = s3().list_objects_v2(Bucket=BUCKET, Prefix=f"exports/{_firm(out)}/{out['id']}/tails/")
    assert tails.get("KeyCount", 0) == 0  # the tails are gone once the file is complete


def test_a_last_chunk_whose_advance_was_lost_keeps_its_counts(small_parts: None, api: Api, table: Table) -> None:
    """The last chunk completes the file, then crashes before its advance: its rerun finds the file complete
    and must still add the accounts and rows it had written."""
    _many_accounts(api, 10)  # two chunks of 7
    clean, clean_data = run_export(api)
    crash_after_the_last, crashed = crashing_once(exports.run_export_chunk, lambda _, step: step.cursor is None)

    started = export(api)
    drain_jobs(table, chunks={"export": crash_after_the_last})
    out = finished(api, started["id"])
    assert [job.chunk for job in crashed] == [1]
    assert out["status"] == "completed" and out["counts"] == clean["counts"] == {
        "accounts": 10,
        "rows": 10,
        "bytes": len(clean_data),
    }
    assert download(out) == clean_data


def _key(out: dict[str, Any]) -> str:
    url = urlsplit(out["download_url"])
    return unquote(url.path).split(f"/{BUCKET}/", 1)[-1].lstrip("/")


def _firm(out: dict[str, Any]) -> str:
    return _key(out).split("/")[1]


# --- who may, and bad requests ---------------------------------------------------------------------


def test_employees_may_not_export(api: Api, firm: TestFirm, table: Table) -> None:
    _, token = firm.add_member("employee", view_all=True, manage=True)
    employee = api.as_(token)
    assert_refused(table, 403, lambda: employee.post("/exports", {"kind": "accounts", "format": "csv"}))
    started = export(api)
    assert_problem(employee.get(f"/exports/{started['id']}"), 403)
    admin = api.as_(firm.add_member("admin")[1])
    assert finished(admin, started["id"])["id"] == started["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "invoices", "format": "csv"}, "kind"),
        ({"kind": "accounts", "format": "xlsx"}, "format"),
        ({"kind": "accounts"}, "format"),
        ({"kind": "accounts", "format": "csv", "extra": 1}, "extra"),
        ({"kind": ["accounts"], "format": "csv"}, "kind"),
    ],
)
def test_bad_bodies_are_refused_and_write_nothing(api: Api, table: Table, body: dict[str, Any], field: str) -> None:
    assert_refused(table, 400, lambda: api.post("/exports", body), field=field)
    assert_refused(table, 400, lambda: api.post("/exports", raw=b"{not json"))


def test_another_firms_export_and_an_unknown_id_are_not_found(api: Api, table: Table) -> None:
    started = export(api)
    other = make_firm(table, "Other & Co")
    stranger = api.as_(other.owner_token)
    assert_problem(stranger.get(f"/exports/{started['id']}"), 404)
    body = assert_problem(api.get("/exports/01JAAAAAAAAAAAAAAAAAAAAAAA"), 404)
    assert body["code"] == "job_not_found"


def test_a_demoted_admins_export_fails(api: Api, firm: TestFirm) -> None:
    admin_id, token = firm.add_member("admin")
    started = export(api.as_(token))
    demoted = api.patch(f"/members/{admin_id}", {"role": "employee"})
    assert demoted.status == 200, demoted.body
    drain_jobs()
    out = finished(api, started["id"])
    assert out["status"] == "failed" and out["download_url"] is None
    assert out["error"] == "The member who started this job may no longer do it."


def test_the_list_is_the_firms_exports_newest_first_paged_without_links(api: Api, firm: TestFirm, table: Table) -> None:
    done, _ = run_export(api, "contacts", "json")
    admin_id, admin = firm.add_member("admin")
    waiting = export(api.as_(admin), "accounts", "csv")
    export(api.as_(make_firm(table, "Other & Co").owner_token))  # another firm's: never listed
    first = api.get("/exports?limit=1")
    assert first.status == 200 and first.body["next_cursor"], first.body
    (newest,) = first.body["items"]
    assert (newest["id"], newest["status"], newest["created_by"]) == (waiting["id"], "queued", admin_id)
    rest = api.get(f"/exports?limit=1&cursor={first.body['next_cursor']}").body
    assert [e["id"] for e in rest["items"]] == [done["id"]] and rest["next_cursor"] is None
    (older,) = rest["items"]
    assert older["status"] == "completed" and older["counts"] == done["counts"]
    assert older["download_url"] is None and older["created_by"] == firm.owner_id  # GET one for its link
    assert_problem(api.get("/exports?limit=0"), 400)
    assert_problem(api.get("/exports?cursor=not-a-cursor"), 400)
