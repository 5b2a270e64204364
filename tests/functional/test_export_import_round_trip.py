"""Export → import round trip (issue 19): a firm's accounts CSV imports back into an empty firm (same custom
field definitions, members with the same addresses) with the same data, and into the firm itself as no change.

Both engines, like test_imports.py and test_exports.py: moto in process, and DynamoDB Local with s3rver and
moto's SQS server; the worker runs the chunks (tests/support/jobs.py); the download is read at the presigned
URL's key.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from chalicelib.adapters.photo_store import s3_client
from chalicelib.domain import csv_import
from chalicelib.domain.entities import Member
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.identities import IdentityRepo
from chalicelib.repo.table import Table
from chalicelib.services import imports
from tests.support import tokens
from tests.support.api import Api, TestFirm, make_firm
from tests.support.factories import created, list_all, new_tag
from tests.support.jobs import drain_jobs

# both engines: moto in process, and DynamoDB Local with s3rver and moto's SQS server

BUCKET = os.environ["PHOTOS_BUCKET"]
FIELDS = (("Fiscal year", "text"), ("KvK", "number"), ("Klant sinds", "date"), ("Vestiging", "address"))


def s3() -> Any:
    return s3_client()


def exported(api: Api) -> bytes:
    """The firm's accounts as CSV: POST /exports, the worker, the file behind the download URL."""
    started = created(api, "/exports", {"kind": "accounts", "format": "csv"})
    drain_jobs()
    out = api.get(f"/exports/{started['id']}").body
    assert out["status"] == "completed", out
    key = unquote(urlsplit(out["download_url"]).path).split(f"/{BUCKET}/", 1)[-1].lstrip("/")
    data: bytes = s3().get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return data


def imported(api: Api, firm: TestFirm, data: bytes) -> dict[str, Any]:
    """POST /imports, the upload (where the presigned PUT puts it), a real run, the worker; the import."""
    import_id = created(api, "/imports", {"kind": "accounts", "format": "csv"})["id"]
    s3().put_object(Bucket=BUCKET, Key=imports.file_key(firm.firm_id, import_id), Body=data)
    assert api.post(f"/imports/{import_id}/start", {"dry_run": False}).status == 202
    drain_jobs()
    out: dict[str, Any] = api.get(f"/imports/{import_id}").body
    assert out["status"] == "completed", out
    return out


def counts(**given: int) -> dict[str, int]:
    return {name: given.get(name, 0) for name in csv_import.OUTCOME_COUNTS}


def add_member(firm: TestFirm, email: str, name: str) -> str:
    """A member with a given address (TestFirm.add_member draws one), signed in already."""
    member = Member(firm.firm_id, new_id(), name, email, "employee", False, False, now_iso())
    member.identity_issuer = tokens.ISSUER
    member.identity_subject = tokens.subject_of(member.id)
    FirmRepo(firm.table).add_member(member, IdentityRepo(firm.table).bind_with_member(member))
    return member.id


def view(api: Api) -> dict[str, Any]:
    """The firm's accounts and contacts without ids: accounts by name (type, tag names, team members'
    addresses, custom values by label), contacts by address (names, phones, accounts with descriptions)."""
    emails = {m["id"]: m["email"] for m in api.get("/members").body["items"]}
    accounts: dict[str, Any] = {}
    contacts: dict[str, Any] = {}
    for item in list_all(api, "/accounts"):
        a = api.get(f"/accounts/{item['id']}").body
        assert a["name"] not in accounts, "two accounts with one name"
        accounts[a["name"]] = {
            "type": a["type"],
            "tags": sorted(t["name"] for t in a["tags"]),
            "team": sorted(emails[m["id"]] for m in a["team_members"]),
            "custom": {v["label"]: v["value"] for v in a["custom_field_values"] if v["value"] is not None},
        }
        for c in a["contacts"]:
            key = c["emails"][0]["address"].lower()
            person = contacts.setdefault(
                key,
                {
                    "names": (c["first_name"], c["last_name"]),
                    "phones": [p["number"] for p in c["phones"]],
                    "emails": [e["address"] for e in c["emails"]],
                    "links": {},
                },
            )
            person["links"][a["name"]] = c["description"]
    assert len(contacts) == len(list_all(api, "/contacts"))  # no contact without an account, none twice
    return {"accounts": accounts, "contacts": contacts}


@pytest.fixture
def firm_a(api: Api, firm: TestFirm) -> dict[str, Any]:
    """Three accounts: Acme (company, two contacts, two tags, two team members, every custom kind, cells
    that start like formulas), Beta (individual, one contact who is also Acme's bookkeeper), Gamma (no tags,
    no team, a negative number)."""
    erin = add_member(firm, "erin@staff.example", "Erin Employee")
    finn = add_member(firm, "finn@staff.example", "Finn Fixer")
    vip, btw = new_tag(api, "VIP"), new_tag(api, "btw-plicht")
    field = {
        label: created(api, "/custom-fields", {"target": "account", "label": label, "kind": kind})["id"]
        for label, kind in FIELDS
    }
    anna = {
        "first_name": "Anna",
        "last_name": "Smit",
        "emails": ["anna@acme.example"],
        "phones": [{"number": "+31 20 123 4567"}],
        "description": "=Directeur",
    }
    acme = created(
        api,
        "/accounts",
        {
            "name": "Acme Ltd",
            "type": "company",
            "contacts": [anna],
            "team_member_ids": [erin, finn],
            "tags": [vip, btw],
            "custom_fields": {
                field["Fiscal year"]: "-2026",
                field["KvK"]: 12345678,
                field["Klant sinds"]: "2024-03-31",
                field["Vestiging"]: {"line1": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam"},
            },
        },
    )
    cees = {
        "first_name": "Cees",
        "last_name": "Berg",
        "emails": ["Cees@Beta.example"],
        "phones": [{"number": "06-12345678"}],
        "description": "Eigenaar",
    }
    beta = created(api, "/accounts", {"name": "Beta BV", "type": "individual", "contacts": [cees]})
    cees_id = api.get(f"/accounts/{beta['id']}").body["contacts"][0]["id"]
    bert = {"first_name": "Bert", "last_name": "@Home", "emails": ["bert@acme.example"], "description": "Boekhouding"}
    assert api.post(f"/accounts/{acme['id']}/contacts", bert).status == 201
    assert (
        api.post(f"/accounts/{acme['id']}/contacts", {"contact_id": cees_id, "description": "Adviseur"}).status == 201
    )
    gamma = {"first_name": "Gijs", "last_name": "de Groot", "emails": ["gijs@gamma.example"], "description": ""}
    created(
        api,
        "/accounts",
        {"name": "Gamma & Zn", "type": "company", "contacts": [gamma], "custom_fields": {field["KvK"]: -12.5}},
    )
    return {"acme": acme["id"]}


def test_an_export_imports_back_into_an_empty_firm_with_the_same_data(
    api: Api, client: Any, table: Table, firm_a: dict[str, Any]
) -> None:
    before = view(api)
    assert before["contacts"]["cees@beta.example"]["links"] == {"Beta BV": "Eigenaar", "Acme Ltd": "Adviseur"}
    data = exported(api)
    b = make_firm(table, "Empty & Co")
    api_b = Api(client, b.owner_token)
    for label, kind in FIELDS:
        created(api_b, "/custom-fields", {"target": "account", "label": label, "kind": kind})
    add_member(b, "erin@staff.example", "Erin")
    add_member(b, "finn@staff.example", "Finn")
    out = imported(api_b, b, data)
    assert out["errors"] == []
    assert out["counts"]["failed"] == 0 and out["counts"]["rows"] == 5, out["counts"]
    assert view(api_b) == before
    again = imported(api_b, b, data)  # the same export again: the external ids match what the first run made
    assert again["counts"] == counts(rows=5, unchanged=5), again
    assert view(api_b) == before
    assert view(api) == before  # firm A untouched


def test_an_export_imported_into_its_own_firm_changes_nothing(api: Api, firm: TestFirm, firm_a: dict[str, Any]) -> None:
    before = view(api)
    versions = {a["id"]: api.get(f"/accounts/{a['id']}").body["version"] for a in list_all(api, "/accounts")}
    out = imported(api, firm, exported(api))
    assert out["counts"] == counts(rows=5, unchanged=5), out
    assert view(api) == before
    assert {a["id"]: api.get(f"/accounts/{a['id']}").body["version"] for a in list_all(api, "/accounts")} == versions


def test_an_external_account_id_never_reaches_another_firms_account(
    api: Api, client: Any, table: Table, firm_a: dict[str, Any]
) -> None:
    """Firm B's file names firm A's account by its id: B gets a new account of its own; A is untouched."""
    before = view(api)
    b = make_firm(table, "Other & Co")
    api_b = Api(client, b.owner_token)
    header = "account_id;account_name;contact_email;contact_first_name"
    data = f"{header}\r\n{firm_a['acme']};Overname;o@other.example;Olga\r\n".encode()
    out = imported(api_b, b, data)
    assert out["counts"] == counts(rows=1, created=1), out
    assert [a["name"] for a in list_all(api_b, "/accounts")] == ["Overname"]
    assert view(api) == before
    bad = imported(api_b, b, f"{header}\r\nnot an id!;X;x@other.example;X\r\n".encode())
    assert [(e["column"], e["code"]) for e in bad["errors"]] == [("account_id", "invalid_format")]
