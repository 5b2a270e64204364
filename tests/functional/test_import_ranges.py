"""Each import chunk reads only its own rows (a ranged GET from the offsets its start recorded): files whose
quoted cells hold line breaks and delimiters across chunk boundaries, Windows-1252 with ``;``, a BOM, a file
replaced by another of the same length mid-import, an external account_id whose rows span chunks, and the
job item's size at 50,000 rows. Both engines (conftest)."""

from __future__ import annotations

import codecs
import hashlib
import json
from typing import Any

import pytest

from chalicelib.adapters.document_store import DocumentStore
from chalicelib.domain import csv_import
from chalicelib.domain.ids import new_id
from chalicelib.repo import keys
from chalicelib.repo.table import Table, set_fields
from chalicelib.services import imports
from tests.functional.test_imports import Importer, counts, csv_rows, drain
from tests.support.api import Api, TestFirm
from tests.support.factories import list_all

DESCRIBED = "account_name;contact_first_name;contact_email;contact_description"


@pytest.fixture
def importer(api: Api, firm: TestFirm) -> Importer:
    return Importer(api, firm)


def described(api: Api) -> dict[str, tuple[str, ...]]:
    """Each account's name with its contacts' descriptions."""
    out: dict[str, tuple[str, ...]] = {}
    for account in list_all(api, "/accounts"):
        info = api.get(f"/accounts/{account['id']}").body
        out[info["name"]] = tuple(sorted(c["description"] or "" for c in info["contacts"]))
    return out


def test_quoted_line_breaks_and_delimiters_across_chunk_boundaries(
    importer: Importer, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    rows = [f'"Klant {i}; B.V.";P{i};k{i}@klant.example;"regel {i}\r\nmet ; en , en ""quotes""\n"' for i in range(1, 8)]
    rows.insert(4, ";;;")  # a blank line at a chunk boundary: no row
    out = importer.run(csv_rows(*rows, header=DESCRIBED))
    assert out["status"] == "completed" and out["total_rows"] == 7
    assert out["counts"] == counts(rows=7, created=7)
    assert described(api) == {f"Klant {i}; B.V.": (f'regel {i}\r\nmet ; en , en "quotes"',) for i in range(1, 8)}


def test_a_windows_1252_semicolon_file_over_several_chunks(
    importer: Importer, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "CHUNK_ROWS", 3)
    rows = [f'Café Zoë {i};Zoë;z{i}@cafe.example;"Müller;\nstraße {i}"' for i in range(1, 9)]
    data = ("\r\n".join([DESCRIBED, *rows]) + "\r\n").encode("cp1252")
    out = importer.run(data, dry_run=True)
    assert out["counts"] == counts(rows=8, created=8)
    out = importer.run(data)
    assert out["status"] == "completed" and out["counts"] == counts(rows=8, created=8)
    assert described(api) == {f"Café Zoë {i}": (f"Müller;\nstraße {i}",) for i in range(1, 9)}


def test_a_utf8_file_with_a_bom_over_several_chunks(
    importer: Importer, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    rows = [f'"Jansen, {i}",Ëva,e{i}@jansen.example,"één, twee"' for i in range(1, 6)]
    data = codecs.BOM_UTF8 + "\n".join([DESCRIBED.replace(";", ","), *rows]).encode()  # no final line break
    out = importer.run(data)
    assert out["status"] == "completed" and out["counts"] == counts(rows=5, created=5)
    assert described(api) == {f"Jansen, {i}": ("één, twee",) for i in range(1, 6)}


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_file_replaced_by_one_of_the_same_length_mid_import_fails_the_job(
    importer: Importer, api: Api, monkeypatch: pytest.MonkeyPatch, dry_run: bool
) -> None:
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    rows = [f"Klant {i};P{i};k{i}@klant.example;" for i in range(1, 7)]
    data = csv_rows(*rows, header=DESCRIBED)
    import_id = importer.create()["id"]
    importer.upload(import_id, data)
    importer.start(import_id, dry_run=dry_run)
    drain(once=True)
    assert importer.get(import_id)["counts"]["rows"] == 2
    other = data.replace(b"Klant 1;", b"Klant X;")  # same length; the rows still to run are the same bytes
    assert len(other) == len(data) and other != data
    importer.upload(import_id, other)
    drain()
    out = importer.get(import_id)
    assert out["status"] == "failed" and out["error"] == imports.FILE_GONE
    assert out["counts"]["rows"] == 2
    # the failed import's file (people's data) is deleted at once, not left to the bucket's expiry
    assert DocumentStore.from_settings().size(imports.file_key(importer.firm.firm_id, import_id)) is None


def test_an_external_account_ids_rows_make_one_account_across_chunks(
    importer: Importer, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another system's account_id (unknown here): a row finds the account an earlier row made through that
    row's contact, also when the earlier row is in a chunk before (the references its start carries)."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    reference = new_id()
    header = "account_id;account_name;contact_first_name;contact_email"
    rows = [f"{reference};Extern BV;P{i};p{i}@extern.example" for i in range(1, 6)]
    rows.insert(2, f"{new_id()};Ander BV;Q;q@ander.example")
    out = importer.run(csv_rows(*rows, header=header))
    assert out["status"] == "completed" and out["counts"] == counts(rows=6, created=6)
    accounts = list_all(api, "/accounts")
    assert sorted(a["name"] for a in accounts) == ["Ander BV", "Extern BV"]
    extern = next(a for a in accounts if a["name"] == "Extern BV")
    contacts = api.get(f"/accounts/{extern['id']}").body["contacts"]
    assert sorted(c["first_name"] for c in contacts) == [f"P{i}" for i in range(1, 6)]


def test_the_job_item_stays_small_at_the_most_rows(importer: Importer, api: Api, firm: TestFirm, table: Table) -> None:
    data = ("account_name\r\n" + "".join(f"Klant {i}\r\n" for i in range(csv_import.MAX_ROWS))).encode()
    import_id = importer.create()["id"]
    importer.upload(import_id, data)
    started = importer.start(import_id, dry_run=True)
    assert started["total_rows"] == csv_import.MAX_ROWS
    item: Any = table.get(keys.job(firm.firm_id, import_id), consistent=True)
    size = len(json.dumps(item, default=str))
    assert size < 8_000, size  # DynamoDB's limit is 400 KB an item
    assert api.delete(f"/imports/{import_id}").status == 200


def test_a_job_started_before_offsets_were_recorded_still_reads_its_whole_file(
    importer: Importer, api: Api, firm: TestFirm, table: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job queued by the version before (its params: the file's SHA-256, no layout) runs as it did then."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    data = csv_rows(*[f"Klant {i};P{i};k{i}@klant.example;" for i in range(1, 6)], header=DESCRIBED)
    import_id = importer.create()["id"]
    importer.upload(import_id, data)
    importer.start(import_id)
    key = keys.job(firm.firm_id, import_id)
    run = (table.get(key, consistent=True) or {})["params"]["run"]
    legacy = {"dry_run": False, "run": run, "rows": 5, "sha256": hashlib.sha256(data).hexdigest()}
    table.write([set_fields(key, {"params": legacy}, bump_version=False)])
    drain()
    out = importer.get(import_id)
    assert out["status"] == "completed" and out["counts"] == counts(rows=5, created=5)
    assert sorted(described(api)) == [f"Klant {i}" for i in range(1, 6)]
