"""GDPR/AVG erasure and files (issue 19): exports made before an erasure, uploaded import files and the
import cell errors that quote the person are deleted by it (services/gdpr_files.py), and an import's file
is deleted once its real run completes (a dry run keeps it for the real run). Both engines: moto, and
DynamoDB Local with s3rver and moto's SQS server. After each erasure the firm's raw table items and its S3
objects are searched for every field the person had."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.config import reset_settings, settings
from chalicelib.adapters.photo_store import s3_client
from chalicelib.domain.ids import new_id
from chalicelib.repo import keys
from chalicelib.repo.table import Table, set_fields
from chalicelib.services import exports, imports
from tests.functional.test_imports import Importer, counts, csv_rows
from tests.support.api import Api, Reply, TestFirm, snapshot
from tests.support.factories import contact_spec, new_account
from tests.support.jobs import crashing_once, drain_jobs, poller

BUCKET = os.environ["PHOTOS_BUCKET"]
HEADER = "account_name;team_member_emails;contact_first_name;contact_last_name;contact_email;contact_phone"


@dataclass
class Person:
    id: str
    first: str
    last: str
    address: str
    digits: str

    @property
    def words(self) -> list[str]:
        return [self.first, self.last, self.address, self.digits]

    def row(self, account: str, team: str = "") -> str:
        """The person as an import row of ``HEADER``."""
        return f"{account};{team};{self.first};{self.last};{self.address};+31 6 {self.digits}"


def ok(r: Reply, status: int = 200) -> Any:
    assert r.status == status, (r.status, r.body)
    return r.body


def _unique(word: str) -> str:
    """A word no id or other test's data contains (letters only)."""
    return word + "".join(chr(ord("a") + ord(c) % 26) for c in new_id()[-6:])


@pytest.fixture
def person(api: Api) -> Person:
    """A contact on an account (first by name) with another contact, so that it may be erased."""
    first, last = _unique("Walburga"), _unique("Terpstra")
    address, digits = f"{first.lower()}@{last.lower()}.example", str(random.randrange(10_000_000, 99_999_999))
    spec = contact_spec(first, last, emails=[address], phones=[{"number": f"+31 6 {digits}", "label": "mobile"}])
    account = new_account(api, "Aaa Holding", contacts=[spec, contact_spec("Frank", "Filler")])
    contact_id = next(c["id"] for c in account["contacts"] if c["first_name"] == first)
    return Person(contact_id, first, last, address, digits)


def erase(api: Api, person: Person) -> dict[str, Any]:
    out: dict[str, Any] = ok(api.post(f"/contacts/{person.id}/erase"))
    return out


def objects(firm: TestFirm) -> dict[str, bytes]:
    """The firm's export and import objects in S3, by key."""
    s3 = s3_client()
    found: dict[str, bytes] = {}
    for prefix in (f"exports/{firm.firm_id}/", f"imports/{firm.firm_id}/"):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
            for o in page.get("Contents", []):
                found[o["Key"]] = s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()
    return found


def naming(person: Person, firm: TestFirm, table: Table) -> list[str]:
    """Where any field of the person still is: the firm's S3 objects and raw table items (the notification
    marks aside, which expire in 14 days)."""
    seen = [
        f"s3 {key}: {w}"
        for key, data in objects(firm).items()
        for w in person.words
        if w.lower() in data.decode("utf-8", "replace").lower()
    ]
    mine = f"FIRM#{firm.firm_id}"
    for item in snapshot(table):
        if str(item["PK"]).startswith(mine) and item.get("entity") != "notified":
            text = json.dumps(item, default=str).lower()
            seen += [f"{item['PK']} {item['SK']}: {w}" for w in person.words if w.lower() in text]
    return seen


def start_export(api: Api) -> str:
    r = api.post("/exports", {"kind": "accounts", "format": "csv"})
    assert r.status == 201, r.body
    export_id: str = r.body["id"]
    return export_id


# --- exports ------------------------------------------------------------------------------------------


def test_an_export_made_before_the_erasure_is_deleted_and_reads_expired(
    api: Api, firm: TestFirm, table: Table, person: Person
) -> None:
    export_id = start_export(api)
    drain_jobs()
    before = ok(api.get(f"/exports/{export_id}"))
    assert before["status"] == "completed" and before["download_url"], before
    assert any(person.address in data.decode() for data in objects(firm).values()), "the file holds the person"

    got = erase(api, person)
    assert got["export_files_deleted"] == 1 and got["import_files_deleted"] == 0
    after = ok(api.get(f"/exports/{export_id}"))
    assert after["status"] == "expired" and after["download_url"] is None and after["filename"] is None
    assert after["error"] == exports.ERASED and after["counts"] == before["counts"]
    assert objects(firm) == {}
    assert naming(person, firm, table) == []
    # An export made after the erasure is not touched by the next one (of another person).
    later = start_export(api)
    drain_jobs()
    other = new_account(api, "Bbb Holding", contacts=[contact_spec("Otto", "Other"), contact_spec("Ida", "Idle")])
    again = ok(api.post(f"/contacts/{other['contacts'][0]['id']}/erase"))
    assert again["export_files_deleted"] == 1, "only the later export: the first one's files are gone already"
    assert ok(api.get(f"/exports/{later}"))["status"] == "expired"


def test_an_export_older_than_the_bucket_keeps_files_reads_expired(api: Api, firm: TestFirm, table: Table) -> None:
    export_id = start_export(api)
    drain_jobs()
    assert ok(api.get(f"/exports/{export_id}"))["download_url"]
    # As if it finished FILE_DAYS days and a minute ago (the bucket's rule has deleted the file by then).
    long_ago = (datetime.now(UTC) - timedelta(days=exports.FILE_DAYS, minutes=1)).isoformat(timespec="seconds")
    table.write([set_fields(keys.job(firm.firm_id, export_id), {"finished_at": long_ago}, bump_version=False)])
    out = ok(api.get(f"/exports/{export_id}"))
    assert out["status"] == "expired" and out["download_url"] is None and out["error"] == exports.KEPT_DAYS


@pytest.fixture
def one_account_a_chunk(table: Table, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Export chunks of one account, so that an export is mid-way after one chunk (its tail object written).
    Read before the app's test client starts (which sets its stage's environment, not to be seen here)."""
    monkeypatch.setenv("EXPORT_CHUNK_RECORDS", "1")
    reset_settings()
    assert settings().export_chunk_records == 1
    yield
    monkeypatch.undo()
    reset_settings()


def test_an_export_running_during_the_erasure_is_stopped_and_its_objects_deleted(
    one_account_a_chunk: None, api: Api, firm: TestFirm, table: Table, person: Person
) -> None:
    new_account(api, "Zzz Other", contacts=[contact_spec("Zed", "Other")])
    export_id = start_export(api)
    assert poller().poll_once(0) == 1  # the first chunk: the person's account, in the tail object
    mid = ok(api.get(f"/exports/{export_id}"))
    assert mid["status"] == "running" and mid["counts"]["accounts"] == 1, mid
    assert any(person.address in data.decode() for data in objects(firm).values()), "the tail holds the person"

    assert erase(api, person)["export_files_deleted"] == 1
    drain_jobs()  # the next chunk's message finds the export stopped
    out = ok(api.get(f"/exports/{export_id}"))
    assert out["status"] == "failed" and out["error"] == exports.STOPPED and out["download_url"] is None
    assert out["counts"]["accounts"] == 1, "no chunk ran after the erasure"
    assert objects(firm) == {}
    assert naming(person, firm, table) == []


# --- imports ------------------------------------------------------------------------------------------


@pytest.fixture
def importer(api: Api, firm: TestFirm) -> Importer:
    return Importer(api, firm)


def test_an_import_file_and_the_errors_quoting_the_person_are_deleted(
    api: Api, firm: TestFirm, table: Table, person: Person, importer: Importer
) -> None:
    # The person's row fails with an error quoting their address (as an unknown team member); another row's
    # error quotes nobody and stays.
    data = csv_rows(
        person.row("Aaa Holding", team=person.address),
        "Ccc Holding;;Cees;=Formula;cees@ccc.example;",
        header=HEADER,
    )
    dry = importer.run(data, dry_run=True)
    assert dry["status"] == "completed" and dry["counts"] == counts(rows=2, failed=2), dry
    assert {e["code"] for e in dry["errors"]} == {"unknown_member", "formula_cell"}
    assert any(person.address in e["msg"] for e in dry["errors"]), "an error quotes the person (else no proof)"
    key = imports.file_key(firm.firm_id, dry["id"])
    assert key in objects(firm), "a dry run keeps its file for the real run"

    got = erase(api, person)
    assert got["import_files_deleted"] == 1 and got["import_errors_deleted"] == 1, got
    after = importer.get(dry["id"])
    assert [e["code"] for e in after["errors"]] == ["formula_cell"]
    assert after["counts"] == dry["counts"] and after["status"] == "completed"
    assert objects(firm) == {}
    assert naming(person, firm, table) == []
    # The real run cannot start without its file, and says why.
    r = api.post(f"/imports/{dry['id']}/start", {"dry_run": False})
    assert r.status == 409 and r.body["code"] == "import_file_missing" and "erasure" in r.body["detail"], r.body


def test_an_import_running_during_the_erasure_is_stopped(
    api: Api, firm: TestFirm, table: Table, person: Person, importer: Importer
) -> None:
    import_id = importer.create()["id"]
    importer.upload(import_id, csv_rows(person.row("Aaa Holding"), header=HEADER))
    importer.start(import_id)  # queued: its rows would update (or, once the address is free, recreate) them

    got = erase(api, person)
    assert got["import_files_deleted"] == 1
    drain_jobs()
    out = importer.get(import_id)
    assert out["status"] == "failed" and out["error"] == imports.STOPPED, out
    assert out["counts"]["rows"] == 0
    assert naming(person, firm, table) == []


# --- an import's file after its real run -------------------------------------------------------------------


def test_the_real_run_deletes_its_file_and_the_dry_run_keeps_it(firm: TestFirm, importer: Importer) -> None:
    data = csv_rows("Ddd Holding;;Dora;Dekker;dora@ddd.example;", header=HEADER)
    import_id = importer.create()["id"]
    importer.upload(import_id, data)
    key = imports.file_key(firm.firm_id, import_id)
    importer.start(import_id, dry_run=True)
    drain_jobs()
    assert importer.get(import_id)["counts"] == counts(rows=1, created=1)
    assert key in objects(firm)
    importer.start(import_id)
    drain_jobs()
    out = importer.get(import_id)
    assert out["status"] == "completed" and out["dry_run"] is False and out["counts"] == counts(rows=1, created=1)
    assert key not in objects(firm)


def test_the_last_chunk_run_again_after_deleting_its_file_finishes(
    firm: TestFirm, table: Table, importer: Importer
) -> None:
    """The last chunk deletes the file, then its advance is lost (a crash): SQS delivers the message again,
    and the chunk finishes from the row outcomes it recorded."""
    crash_after_work, crashed = crashing_once(imports.run_import_chunk, lambda _, step: step.cursor is None)

    data = csv_rows(
        "Eee Holding;;Eva;Egbers;eva@eee.example;", "Fff Holding;;Fem;Fokker;fem@fff.example;", header=HEADER
    )
    import_id = importer.create()["id"]
    importer.upload(import_id, data)
    importer.start(import_id)
    drain_jobs(table, chunks={"import": crash_after_work})
    assert [job.id for job in crashed] == [import_id]
    out = importer.get(import_id)
    assert out["status"] == "completed" and out["counts"] == counts(rows=2, created=2), out
    assert imports.file_key(firm.firm_id, import_id) not in objects(firm)


def test_a_cancelled_import_loses_its_file(firm: TestFirm, importer: Importer, api: Api) -> None:
    import_id = importer.create()["id"]
    importer.upload(import_id, csv_rows("Ggg Holding;;Gijs;Gort;gijs@ggg.example;", header=HEADER))
    assert ok(api.delete(f"/imports/{import_id}"))["status"] == "cancelled"
    assert imports.file_key(firm.firm_id, import_id) not in objects(firm)


def test_an_imports_carried_references_go_with_its_file(
    api: Api, firm: TestFirm, table: Table, person: Person, importer: Importer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An account_id whose rows span chunks carries its rows' addresses in an object beside the file: the
    erasure deletes it with the file, and so do the real run's end and a cancellation."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 1)
    reference, header = new_id(), "account_id;account_name;contact_first_name;contact_last_name;contact_email"
    data = csv_rows(
        f"{reference};Eee BV;{person.first};{person.last};{person.address}",
        f"{reference};Eee BV;Els;Eerdmans;els@eee.example",
        header=header,
    )
    dry = importer.run(data, dry_run=True)
    assert dry["counts"] == counts(rows=2, created=2)
    carried = imports.references_key(firm.firm_id, dry["id"])
    assert person.address.encode() in objects(firm)[carried]
    got = erase(api, person)
    assert got["import_files_deleted"] == 1
    assert objects(firm) == {} and naming(person, firm, table) == []

    done = importer.run(data.replace(person.address.encode(), b"eva@eee.example"))
    assert done["status"] == "completed" and done["counts"] == counts(rows=2, created=2)
    cancelled = importer.create()["id"]
    importer.upload(cancelled, data)
    importer.start(cancelled, dry_run=True)
    assert imports.references_key(firm.firm_id, cancelled) in objects(firm)
    ok(api.delete(f"/imports/{cancelled}"))
    assert objects(firm) == {}
