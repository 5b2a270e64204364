"""CSV imports (issue 19): POST /imports, the upload, POST …/start (dry run or real), the chunks through
the jobs queue and the app's worker, GET /imports/{id} and …/errors, DELETE, and the CLI. Both engines:
moto in process, and DynamoDB Local with s3rver and moto's SQS server (conftest); the file is put where the
presigned PUT would put it. tests/integration/test_imports_local.py runs 1,000 rows on DynamoDB Local."""

from __future__ import annotations

import os
from typing import Any

import pytest

from chalicelib.adapters.photo_store import s3_client
from chalicelib.domain import csv_import
from chalicelib.repo.table import Table
from chalicelib.services import import_rows, imports
from tests.support.api import Api, TestFirm, make_firm, snapshot
from tests.support.factories import list_all, new_account, new_tag
from tests.support.jobs import drain_jobs, poller
from tests.support.problems import assert_problem, assert_refused
from tests.support.stream import poller as overview_poller

# both engines: moto in process, and DynamoDB Local with s3rver and moto's SQS server

BUCKET = os.environ["PHOTOS_BUCKET"]
HEADER = "account_name;account_type;tags;contact_first_name;contact_last_name;contact_email;contact_phone"
IMPORT_ENTITIES = {"job", "import_row", "import_error"}


def drain(*, once: bool = False) -> int:
    """The app's worker (run_jobs) runs the queued chunks from moto's SQS until the queue is empty, or
    ``once``: one message."""
    return poller().poll_once(0) if once else drain_jobs()


class Importer:
    def __init__(self, api: Api, firm: TestFirm) -> None:
        self.api, self.firm = api, firm

    def create(self) -> dict[str, Any]:
        r = self.api.post("/imports", {"kind": "accounts", "format": "csv"})
        assert r.status == 201, r.body
        assert r.body["status"] == "waiting_for_file" and r.body["upload_url"], r.body
        out: dict[str, Any] = r.body
        return out

    def upload(self, import_id: str, data: bytes) -> None:
        """What the client's PUT to upload_url does."""
        key = imports.file_key(self.firm.firm_id, import_id)
        s3_client().put_object(Bucket=BUCKET, Key=key, Body=data)

    def start(self, import_id: str, *, dry_run: bool = False) -> dict[str, Any]:
        r = self.api.post(f"/imports/{import_id}/start", {"dry_run": dry_run})
        assert r.status == 202, r.body
        out: dict[str, Any] = r.body
        return out

    def run(self, data: bytes, *, dry_run: bool = False) -> dict[str, Any]:
        import_id = self.create()["id"]
        self.upload(import_id, data)
        self.start(import_id, dry_run=dry_run)
        drain()
        return self.get(import_id)

    def get(self, import_id: str) -> dict[str, Any]:
        r = self.api.get(f"/imports/{import_id}")
        assert r.status == 200, r.body
        out: dict[str, Any] = r.body
        return out


@pytest.fixture
def importer(api: Api, firm: TestFirm) -> Importer:
    return Importer(api, firm)


def csv_rows(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def counts(**given: int) -> dict[str, int]:
    return {name: given.get(name, 0) for name in csv_import.OUTCOME_COUNTS}


def entities(table: Table) -> list[dict[str, Any]]:
    return [i for i in snapshot(table) if i.get("entity") not in IMPORT_ENTITIES]


THREE = csv_rows(
    "Bakkerij Jansen;company;vip;Jan;Jansen;jan@bakkerij.example;+31 6 12345678",
    "De Vries;individual;;Eva;de Vries;eva@devries.example;",
    "Smit Advies;;vip|btw;Piet;Smit;piet@smit.example;020-1234567",
)


def test_a_dry_run_reports_and_writes_only_its_row_results(importer: Importer, table: Table) -> None:
    before = entities(table)
    out = importer.run(THREE, dry_run=True)
    assert out["status"] == "completed" and out["dry_run"] is True
    assert out["counts"] == counts(rows=3, created=3) and out["total_rows"] == 3
    assert entities(table) == before  # no account, contact or tag (the 'btw' tag is new)


def test_the_real_run_then_the_same_file_again_creates_nothing(importer: Importer, api: Api, table: Table) -> None:
    out = importer.run(THREE)
    assert out["status"] == "completed" and out["dry_run"] is False
    assert out["counts"] == counts(rows=3, created=3)
    accounts = {a["name"]: a for a in list_all(api, "/accounts")}
    assert set(accounts) == {"Bakkerij Jansen", "De Vries", "Smit Advies"}
    assert accounts["Smit Advies"]["type"] == "other"  # no account_type: other
    smit = api.get(f"/accounts/{accounts['Smit Advies']['id']}").body
    assert sorted(t["name"] for t in smit["tags"]) == ["btw", "vip"]
    assert smit["contacts"][0]["phones"][0]["number"] == "020-1234567"
    contacts_before = len(list_all(api, "/contacts"))
    again = importer.run(THREE)
    assert again["counts"] == counts(rows=3, unchanged=3)
    assert len(list_all(api, "/accounts")) == 3 and len(list_all(api, "/contacts")) == contacts_before
    assert sorted(t["name"] for t in api.get("/tags").body["items"]) == ["btw", "vip"]


def test_a_known_address_updates_its_contact_whatever_its_case(importer: Importer, api: Api) -> None:
    account = new_account(api, "Bakkerij Jansen", contacts=[{"first_name": "J", "emails": ["Jan@Bakkerij.example"]}])
    out = importer.run(csv_rows("Bakkerij Jansen;company;;Jan;Jansen;JAN@bakkerij.EXAMPLE;"))
    assert out["counts"] == counts(rows=1, updated=1)
    info = api.get(f"/accounts/{account['id']}").body
    assert [(c["first_name"], c["last_name"]) for c in info["contacts"]] == [("Jan", "Jansen")]
    assert len(list_all(api, "/accounts")) == 1 and len(list_all(api, "/contacts")) == 1


def test_account_id_updates_that_account_and_links_a_new_contact(importer: Importer, api: Api) -> None:
    account = new_account(api, "Old name")
    header = "account_id;account_name;contact_first_name;contact_email;contact_description"
    out = importer.run(csv_rows(f"{account['id']};New name;Nina;nina@new.example;bookkeeper", header=header))
    assert out["counts"] == counts(rows=1, created=1)
    info = api.get(f"/accounts/{account['id']}").body
    assert info["name"] == "New name"
    assert {(c["first_name"], c["description"]) for c in info["contacts"]} >= {("Nina", "bookkeeper")}
    again = importer.run(csv_rows(f"{account['id']};New name;Nina;nina@new.example;bookkeeper", header=header))
    assert again["counts"] == counts(rows=1, unchanged=1)


def test_a_semicolon_windows_1252_file_with_accents_is_read_right(importer: Importer, api: Api) -> None:
    data = csv_rows("Café Zoë;company;;Zoë;Müller;zoe@cafe.example;").decode().encode("cp1252")
    assert importer.run(data)["counts"] == counts(rows=1, created=1)
    [account] = list_all(api, "/accounts")
    assert account["name"] == "Café Zoë"
    info = api.get(f"/accounts/{account['id']}").body
    assert (info["contacts"][0]["first_name"], info["contacts"][0]["last_name"]) == ("Zoë", "Müller")


def test_a_utf8_file_with_a_bom_and_commas(importer: Importer, api: Api) -> None:
    data = b"\xef\xbb\xbf" + 'account_name,contact_email\r\n"Ünal, B.V.",u@unal.example\r\n'.encode()
    assert importer.run(data)["counts"] == counts(rows=1, created=1)
    assert [a["name"] for a in list_all(api, "/accounts")] == ["Ünal, B.V."]


def test_bad_cells_and_formulas_fail_their_rows_only(importer: Importer, api: Api, firm: TestFirm) -> None:
    header = HEADER + ";team_member_emails"
    data = csv_rows(
        '=HYPERLINK("http://evil.example");company;;A;B;a@x.example;;',
        "Good;company;;C;D;c@x.example;;",
        "Bad type;bakery;;E;F;e@x.example;;",
        "Nobody;company;;G;H;g@x.example;;ghost@staff.example",
        "No mail;company;;I;J;;;",
        "@SUM(1);company;;K;L;k@x.example;;",
        header=header,
    )
    out = importer.run(data)
    assert out["counts"] == counts(rows=6, created=1, failed=5)
    assert [(e["row"], e["column"], e["code"]) for e in out["errors"]] == [
        (1, "account_name", "formula_cell"),
        (3, "account_type", "invalid_choice"),
        (4, "team_member_emails", "unknown_member"),
        (5, "contact_email", "contact_email_required"),
        (6, "account_name", "formula_cell"),
    ]
    assert [a["name"] for a in list_all(api, "/accounts")] == ["Good"]
    page = api.get(f"/imports/{out['id']}/errors?limit=2").body
    assert [e["row"] for e in page["items"]] == [1, 3] and page["next_cursor"]
    rest = api.get(f"/imports/{out['id']}/errors?limit=10&cursor={page['next_cursor']}").body
    assert [e["row"] for e in rest["items"]] == [4, 5, 6] and rest["next_cursor"] is None


def test_custom_fields_by_label_and_team_members_by_email(importer: Importer, api: Api, firm: TestFirm) -> None:
    field = api.post("/custom-fields", {"target": "account", "label": "KvK nummer", "kind": "number"}).body
    flag = api.post("/custom-fields", {"target": "contact", "label": "Nieuwsbrief", "kind": "checkbox"}).body
    _, _ = firm.add_member("admin", name="Ada Admin")
    member = api.get("/members").body["items"]
    ada = next(m for m in member if m["name"] == "Ada Admin")
    header = "account_name;contact_email;team_member_emails;custom:kvk nummer;custom:Nieuwsbrief"
    out = importer.run(csv_rows(f"Bakker;b@bakker.example;{ada['email'].upper()};12345678;ja", header=header))
    assert out["counts"] == counts(rows=1, created=1), out
    [account] = list_all(api, "/accounts")
    info = api.get(f"/accounts/{account['id']}").body
    assert [m["id"] for m in info["team_members"]] == [ada["id"]]
    assert info["custom_fields"] == {field["id"]: 12345678}
    contact = api.get(f"/contacts/{info['contacts'][0]['id']}").body
    assert contact["custom_fields"] == {flag["id"]: True}
    bad = importer.run(csv_rows("Bakker;b@bakker.example;;twelve;misschien", header=header))
    assert [(e["column"], e["code"]) for e in bad["errors"]] == [
        ("custom:kvk nummer", "invalid_value"),
        ("custom:Nieuwsbrief", "invalid_value"),
    ]


def test_a_chunk_that_crashes_once_resumes_with_the_right_counts(
    importer: Importer, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "CHUNK_ROWS", 4)
    real_apply = import_rows.apply
    crashed: list[int] = []

    def crash_once(ctx: Any, cat: Any, job_id: str, run: int, plan: import_rows.Plan) -> None:
        real_apply(ctx, cat, job_id, run, plan)
        if plan.row == 6 and not crashed:
            crashed.append(plan.row)
            raise RuntimeError("the Lambda died after row 6's writes")

    monkeypatch.setattr(imports, "apply", crash_once)
    rows = [f"Klant {i:02d};company;;P{i};Q{i};k{i}@klant.example;" for i in range(1, 11)]
    out = importer.run(csv_rows(*rows))
    assert crashed == [6]
    assert out["status"] == "completed"
    assert out["counts"] == counts(rows=10, created=10)
    assert len(list_all(api, "/accounts")) == 10 and len(list_all(api, "/contacts")) == 10


def test_cancel(importer: Importer, api: Api) -> None:
    created = importer.create()
    r = api.delete(f"/imports/{created['id']}")
    assert r.status == 200 and r.body["status"] == "cancelled"
    assert_problem(api.delete(f"/imports/{created['id']}"), 409)
    importer.upload(created["id"], THREE)
    assert_problem(api.post(f"/imports/{created['id']}/start", {"dry_run": False}), 409)


def test_a_dry_run_then_the_real_run(importer: Importer, api: Api) -> None:
    import_id = importer.create()["id"]
    importer.upload(import_id, THREE)
    importer.start(import_id, dry_run=True)
    drain()
    assert importer.get(import_id)["counts"] == counts(rows=3, created=3)
    importer.start(import_id, dry_run=False)
    drain()
    out = importer.get(import_id)
    assert out["dry_run"] is False and out["counts"] == counts(rows=3, created=3)
    assert len(list_all(api, "/accounts")) == 3
    assert_problem(api.post(f"/imports/{import_id}/start", {"dry_run": False}), 409)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not_csv"),
        (b"", "not_csv"),  # S3 answers a ranged GET of an empty object with 416
        (b"account_name;colour\nA;red\n", "unknown_column"),
        (b"account_name;custom:No such field\nA;1\n", "unknown_column"),
        (b"contact_email\na@b.example\n", "missing_column"),
    ],
)
def test_a_bad_file_is_refused_as_a_whole(importer: Importer, table: Table, data: bytes, code: str) -> None:
    import_id = importer.create()["id"]
    importer.upload(import_id, data)
    body = assert_refused(table, 422, lambda: importer.api.post(f"/imports/{import_id}/start", {"dry_run": True}))
    assert body["code"] == code


def test_too_many_rows_or_bytes_are_refused(importer: Importer, table: Table, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_import, "MAX_ROWS", 2)
    import_id = importer.create()["id"]
    importer.upload(import_id, THREE)
    start = lambda: importer.api.post(f"/imports/{import_id}/start", {"dry_run": False})  # noqa: E731
    assert assert_refused(table, 422, start)["code"] == "too_many_rows"
    monkeypatch.setattr(csv_import, "MAX_FILE_BYTES", 100)
    assert assert_refused(table, 422, start)["code"] == "file_too_large"


def test_starting_before_the_upload(importer: Importer, table: Table) -> None:
    import_id = importer.create()["id"]
    body = assert_refused(table, 409, lambda: importer.api.post(f"/imports/{import_id}/start", {}))
    assert body["code"] == "import_file_missing"


def test_only_the_owner_and_admins_import(importer: Importer, client: Any, firm: TestFirm, table: Table) -> None:
    import_id = importer.create()["id"]
    _, token = firm.add_member("employee", view_all=True, manage=True)
    employee = Api(client, token)
    assert_refused(table, 403, lambda: employee.post("/imports", {"kind": "accounts", "format": "csv"}))
    assert_refused(table, 403, lambda: employee.post(f"/imports/{import_id}/start", {"dry_run": True}))
    assert_problem(employee.get(f"/imports/{import_id}"), 403)
    assert_problem(employee.get(f"/imports/{import_id}/errors"), 403)
    assert_refused(table, 403, lambda: employee.delete(f"/imports/{import_id}"))
    _, admin = firm.add_member("admin")
    assert Api(client, admin).get(f"/imports/{import_id}").status == 200


def test_another_firms_import_is_not_found(importer: Importer, client: Any, table: Table) -> None:
    import_id = importer.create()["id"]
    other = Api(client, make_firm(table, "Other & Co").owner_token)
    for send in (
        lambda: other.get(f"/imports/{import_id}"),
        lambda: other.get(f"/imports/{import_id}/errors"),
        lambda: other.post(f"/imports/{import_id}/start", {"dry_run": True}),
        lambda: other.delete(f"/imports/{import_id}"),
    ):
        assert assert_refused(table, 404, send)["code"] == "job_not_found"


def test_bad_requests(api: Api, table: Table) -> None:
    for body in ({"kind": "contacts", "format": "csv"}, {"kind": "accounts", "format": "xlsx"}, {"kind": "accounts"}):
        assert_refused(table, 400, lambda: api.post("/imports", body))  # noqa: B023
    assert_refused(table, 400, lambda: api.post("/imports", {"kind": "accounts", "format": "csv", "size": 10**9}))


def test_new_tags_need_no_catalogue_entry_beforehand(importer: Importer, api: Api) -> None:
    new_tag(api, "VIP")
    out = importer.run(csv_rows("A;company;vip|Nieuw;A;A;a@a.example;"))
    assert out["counts"] == counts(rows=1, created=1)
    assert sorted(t["name"] for t in api.get("/tags").body["items"]) == ["Nieuw", "VIP"]


def test_the_cli_imports_with_a_progress_bar(
    importer: Importer, api: Api, firm: TestFirm, table: Table, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``python -m chalicelib.cli import``: the worker runs between the CLI's progress reads."""
    import argparse
    import io

    from chalicelib.admin import imports as cli_imports

    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    path = tmp_path / "klanten.csv"
    path.write_bytes(THREE)
    err = io.StringIO()
    args = argparse.Namespace(firm=firm.firm_id, file=path, dry_run=False, member=None, poll=0)
    out = cli_imports.run(table, args, err, sleep=lambda _: drain(once=True))
    assert out["status"] == "completed" and out["counts"] == counts(rows=3, created=3)
    assert "[" + "#" * cli_imports.BAR_WIDTH + "] 3/3 rows" in err.getvalue()
    assert "] 2/3 rows" in err.getvalue()  # after the first chunk
    assert len(list_all(api, "/accounts")) == 3


def test_the_rows_writes_are_the_importers_in_the_audit_trail(
    importer: Importer, api: Api, firm: TestFirm, table: Table
) -> None:
    recorder = overview_poller(table)  # the overview function records the audit trail
    importer.run(THREE)
    recorder.drain()
    entries = list_all(api, "/audit")
    created = [e for e in entries if e["resource"]["type"] == "account" and e["action"] == "create"]
    assert len(created) == 3
    assert {(e["actor"]["kind"], e["actor"]["id"]) for e in created} == {("member", firm.owner_id)}


def test_the_trail_records_a_jobs_start_and_end_not_each_chunk(
    importer: Importer, api: Api, table: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "CHUNK_ROWS", 1)  # THREE's rows: three chunks
    recorder = overview_poller(table)
    out = importer.run(THREE)
    assert out["status"] == "completed" and out["counts"]["rows"] == 3
    recorder.drain()
    entries = list_all(api, "/audit")
    job = [e for e in entries if (e["resource"]["type"], e["resource"]["id"]) == ("job", out["id"])]
    statuses = [dict((c["field"], c["new"]) for c in e["changes"]).get("status") for e in reversed(job)]
    # created by the member (waiting for the file), queued by the start, started, completed: no chunk between
    assert statuses == ["waiting_for_file", "queued", "running", "completed"], [e["changes"] for e in job]
    assert [e["actor"]["kind"] for e in reversed(job)][2:] == ["system", "system"]


def test_the_list_is_the_firms_imports_newest_first_paged(importer: Importer, api: Api, table: Table) -> None:
    ran = importer.run(csv_rows("Bakkerij Jansen;company;;Jan;Jansen;jan@bakkerij.example;", "Bad;alien;;;;;"))
    waiting = importer.create()
    Importer(api.as_(make_firm(table, "Other & Co").owner_token), importer.firm).create()  # never listed
    first = api.get("/imports?limit=1")
    assert first.status == 200 and first.body["next_cursor"], first.body
    assert [(i["id"], i["status"], i["dry_run"]) for i in first.body["items"]] == [
        (waiting["id"], "waiting_for_file", None)
    ]
    rest = api.get(f"/imports?limit=1&cursor={first.body['next_cursor']}").body
    (older,) = rest["items"]
    assert rest["next_cursor"] is None and older["id"] == ran["id"]
    assert older["status"] == "completed" and older["counts"] == ran["counts"] and older["total_rows"] == 2
    assert older["created_by"] == importer.firm.owner_id and "errors" not in older  # its errors: GET it
    assert ran["counts"]["failed"] == 1 and ran["errors"]
    assert_problem(api.get("/imports?limit=101"), 400)
