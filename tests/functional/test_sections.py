"""The thirteen activity sections through the HTTP API (docs/api.md "Activity sections"):
record, read, "show all" (newest first, paged, ``?status=``), change, delete,
refused input (400) and broken rules (422) that write nothing, and who may
reach an item (404 for an account the caller may not open, 409 once archived).

Table-driven: ``SPECS`` holds, per section, a valid create body, a valid
change, its time field and statuses, and bodies that must be refused.
Every test runs on moto and on DynamoDB Local (the ``table`` fixture).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.domain.ids import new_id
from chalicelib.domain.sections import SECTIONS
from chalicelib.repo.table import Table
from tests.support.api import Api, Reply, TestFirm, ids, make_firm, nothing_written, snapshot
from tests.support.factories import create_account, created
from tests.support.portal import activate
from tests.support.problems import assert_problem

# The addresses of the test account's contact (logins are recorded for them once active).
PORTAL_ADDRESSES = ("anna@client.example", "bob@client.example")

Body = dict[str, Any]
OWNER_NAME = "Olivia Owner"
MEMBER_NAME = "Erin Employee"
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# Input fields that reference another resource and come back as {"id", "name"}.
REFS = {"assignee_id": "assignee", "member_id": "member", "pipeline_id": "pipeline", "stage_id": "stage"}


# --- the world one test works in --------------------------------------------------------


@dataclass
class Env:
    """A firm's owner, an employee on the team of one account, and lazily a
    pipeline (for jobs) and a client document (for approvals)."""

    api: Api
    client: Client
    firm: TestFirm
    account_id: str
    member_id: str
    member_token: str
    names: dict[str, str] = field(default_factory=dict)
    contact_id: str = ""
    _pipeline: Body | None = None
    _document_id: str | None = None
    _active: set[str] = field(default_factory=set)

    def path(self, section: str, item_id: str | None = None, *, account_id: str | None = None) -> str:
        base = f"/accounts/{account_id or self.account_id}/{section}"
        return f"{base}/{item_id}" if item_id else base

    def as_member(self, token: str) -> Api:
        return Api(self.client, token)

    @property
    def pipeline(self) -> Body:
        if self._pipeline is None:
            self._pipeline = new_pipeline(self.api, "Tax returns", ["Intake", "Review", "Filed"])
            self.names[self._pipeline["id"]] = "Tax returns"
            self.names.update({s["id"]: s["name"] for s in self._pipeline["stages"]})
        return self._pipeline

    def stage(self, index: int) -> str:
        stage_id: str = self.pipeline["stages"][index]["id"]
        return stage_id

    def portal_user(self, address: str) -> str:
        """``address`` (of the account's contact) with active portal access, as logins need."""
        if address not in self._active:
            activate(self.api, self.contact_id, address)
            self._active.add(address)
        return address

    @property
    def document_id(self) -> str:
        if self._document_id is None:
            doc = created(self.api, self.path("documents"), {"name": "Signed letter.pdf", "uploaded_by": "client"})
            self._document_id = doc["id"]
        return self._document_id


def new_pipeline(api: Api, name: str, stages: list[str]) -> Body:
    return created(api, "/pipelines", {"name": name, "stages": [{"name": s} for s in stages]})


@pytest.fixture
def env(api: Api, client: Client, firm: TestFirm) -> Env:
    member_id, token = firm.add_member(name=MEMBER_NAME)
    client_contact = {"first_name": "Anna", "last_name": "Client", "emails": list(PORTAL_ADDRESSES)}
    account = create_account(api, "Acme Ltd", team=[member_id], new_contact=client_contact)
    return Env(
        api,
        client,
        firm,
        account["id"],
        member_id,
        token,
        names={firm.owner_id: OWNER_NAME, member_id: MEMBER_NAME},
        contact_id=account["contacts"][0]["id"],
    )


def moment(time_field: str, day: int) -> str:
    """A value for a section's time input: a calendar day or a UTC timestamp."""
    return f"2001-01-{day:02d}" if time_field == "date" else f"2001-01-{day:02d}T10:00:00Z"


# --- the sections, table-driven ---------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    create: Callable[[Env], Body]  # every field set, canonical values (echoed unchanged)
    minimal: Callable[[Env], Body]  # only the required fields
    defaults: Body  # what ``minimal`` gets for the rest; the string "<created_at>" means the creation time
    change: Callable[[Env], Body]  # a valid PATCH that changes something ({} for logins)
    after_change: Body  # derived fields after ``change`` ("<stamp>": some UTC timestamp)
    required: str  # a field that PATCH may not null
    time_field: str | None  # the input that orders "show all"; None: the creation time
    statuses: tuple[str, str] | None  # two statuses for ?status= (as create-body overrides)
    bad: tuple[tuple[str, Any], ...]  # (field, value) overrides that make a create body a 400
    bad_change: tuple[tuple[str, Any], ...]  # (field, value) PATCH bodies that are a 400


def _job(env: Env) -> Body:
    return {
        "name": "2025 tax return",
        "pipeline_id": env.pipeline["id"],
        "stage_id": env.stage(0),
        "status": "active",
        "due_date": "2026-04-15",
        "assignee_id": env.member_id,
    }


LONG_NAME = "x" * 201

SPECS: dict[str, Spec] = {
    "documents": Spec(
        create=lambda e: {
            "name": "Tax return 2025.pdf",
            "uploaded_by": "client",
            "uploaded_at": "2026-03-01T09:00:00Z",
        },
        minimal=lambda e: {"name": "Scan.pdf", "uploaded_by": "client"},
        defaults={"uploaded_at": "<created_at>", "new": True, "viewed_at": None, "viewed_by": None},
        change=lambda e: {"name": "Tax return 2025 (final).pdf"},
        after_change={"new": True},
        required="name",
        time_field="uploaded_at",
        statuses=None,
        bad=(
            ("uploaded_by", "robot"),
            ("name", LONG_NAME),
            ("name", "   "),
            ("name", 12),
            ("uploaded_at", "2026-02-30T10:00:00Z"),
            ("uploaded_at", "2026-03-01T09:00:00"),
            ("uploaded_at", "yesterday"),
            ("size", 1024),  # without content_type
            ("content_type", "application/pdf"),  # without size
            ("content_type", "application/zip"),
            ("file_size", 1024),
        ),
        bad_change=(("name", ""), ("uploaded_by", "firm"), ("name", ["a"])),
    ),
    "tasks": Spec(
        create=lambda e: {
            "title": "File the VAT return",
            "status": "in_progress",
            "due_date": "2026-04-30",
            "assignee_id": e.member_id,
            "description": "Q1, with the new rates",
        },
        minimal=lambda e: {"title": "Call back"},
        defaults={"status": "planned", "due_date": None, "assignee": None, "description": ""},
        change=lambda e: {"status": "done", "title": "VAT return filed", "due_date": None},
        after_change={},
        required="title",
        time_field=None,
        statuses=("in_progress", "done"),
        bad=(
            ("status", "later"),
            ("status", "DONE"),
            ("due_date", "2026-13-01"),
            ("due_date", "30/04/2026"),
            ("description", "d" * 10_001),
            ("assignee_id", 7),
            ("title", None),
        ),
        bad_change=(("status", "finished"), ("due_date", "2026-02-30"), ("assignee", "x")),
    ),
    "emails": Spec(
        create=lambda e: {
            "subject": "Your documents",
            "direction": "outbound",
            "status": "sent",
            "from_address": "olivia@firm.example",
            "to_addresses": ["anna@client.example", "bob@client.example"],
            "at": "2026-03-02T08:30:00Z",
            "snippet": "Please find attached",
        },
        minimal=lambda e: {"subject": "Question", "direction": "inbound"},
        defaults={"status": "received", "at": "<created_at>", "from_address": None, "to_addresses": [], "snippet": ""},
        change=lambda e: {"status": "opened", "subject": "Your documents (2)"},
        after_change={},
        required="status",
        time_field="at",
        statuses=("sent", "draft"),
        bad=(
            ("direction", "sideways"),
            ("status", "lost"),
            ("to_addresses", "anna@client.example"),
            ("to_addresses", ["not-an-address"]),
            ("from_address", "nobody"),
            ("subject", "s" * 301),
            ("snippet", "s" * 501),
            ("at", "2026-03-02 08:30"),
        ),
        bad_change=(("direction", "inbound"), ("status", "spam"), ("subject", 5)),
    ),
    "jobs": Spec(
        create=_job,
        minimal=lambda e: {"name": "Bookkeeping", "pipeline_id": e.pipeline["id"], "stage_id": e.stage(0)},
        defaults={"status": "active", "due_date": None, "assignee": None},
        change=lambda e: {"stage_id": e.stage(1), "name": "2025 tax return (amended)"},
        after_change={},
        required="name",
        time_field=None,
        statuses=("active", "completed"),
        bad=(
            ("status", "paused"),
            ("pipeline_id", ""),
            ("stage_id", "no spaces allowed"),
            ("due_date", "2026-04-31"),
            ("name", LONG_NAME),
            ("stage", "Intake"),
        ),
        bad_change=(("status", "done"), ("stage_id", 3), ("pipeline", "x")),
    ),
    "chats": Spec(
        create=lambda e: {"subject": "Question about the invoice", "status": "open"},
        minimal=lambda e: {"subject": "Hello"},
        defaults={
            "status": "open",
            "last_message": None,
            "last_author": None,
            "last_at": "<created_at>",
            "message_count": 0,
        },
        change=lambda e: {"status": "closed"},
        after_change={"message_count": 0},
        required="subject",
        time_field=None,
        statuses=("open", "closed"),
        bad=(("status", "archived"), ("subject", ""), ("subject", LONG_NAME), ("message_count", 3)),
        bad_change=(("status", "locked"), ("last_message", "hi"), ("subject", True)),
    ),
    "invoices": Spec(
        create=lambda e: {
            "number": "INV-2026-001",
            "amount": "120.50",
            "currency": "USD",
            "due_date": "2026-04-01",
            "issued_at": "2026-03-01T12:00:00Z",
            "status": "unpaid",
        },
        minimal=lambda e: {"number": "INV-7", "amount": "10"},
        defaults={
            "amount": "10.00",
            "amount_due": "10.00",
            "currency": "USD",
            "due_date": None,
            "issued_at": "<created_at>",
            "status": "unpaid",
            "paid_at": None,
            "paid_with_credit": False,
            "payable_with_credit": False,
        },
        change=lambda e: {"amount": "99.99", "due_date": None},
        after_change={"amount_due": "99.99", "paid_at": None, "payable_with_credit": False},
        required="amount",
        time_field="issued_at",
        statuses=("unpaid", "void"),
        bad=(
            ("amount", "1.234"),
            ("amount", 12.5),
            ("amount", "-5.00"),
            ("amount", "12,50"),
            ("amount", "1e3"),
            ("currency", "usd"),
            ("currency", "EURO"),
            ("status", "overdue"),
            ("number", ""),
            ("issued_at", "2026-03-01T12:00:00+25:00"),
        ),
        bad_change=(("amount", "0.001"), ("status", "refunded"), ("currency", "EUR"), ("amount_due", "0")),
    ),
    "approvals": Spec(
        create=lambda e: {
            "document_name": "Engagement letter",
            "document_id": e.document_id,
            "status": "pending",
            "requested_at": "2026-03-03T10:00:00Z",
        },
        minimal=lambda e: {"document_name": "Balance sheet"},
        defaults={"document_id": None, "status": "pending", "requested_at": "<created_at>", "decided_at": None},
        change=lambda e: {"status": "approved"},
        after_change={"decided_at": "<stamp>"},
        required="status",
        time_field="requested_at",
        statuses=("pending", "approved"),
        bad=(("status", "maybe"), ("document_name", ""), ("document_id", "has spaces"), ("requested_at", 20260303)),
        bad_change=(("status", "ok"), ("document_id", "01X"), ("decided_at", "2026-03-03T10:00:00Z")),
    ),
    "signatures": Spec(
        create=lambda e: {"document_name": "Form 8879", "status": "pending", "sent_at": "2026-03-04T10:00:00Z"},
        minimal=lambda e: {"document_name": "Form 8821"},
        defaults={"status": "pending", "sent_at": "<created_at>", "completed_at": None},
        change=lambda e: {"status": "signed"},
        after_change={"completed_at": "<stamp>"},
        required="status",
        time_field="sent_at",
        statuses=("pending", "signed"),
        bad=(("status", "sealed"), ("document_name", LONG_NAME), ("sent_at", "2026-03-04")),
        bad_change=(("status", "void"), ("sent_at", "2026-03-04T10:00:00Z")),
    ),
    "organizers": Spec(
        create=lambda e: {"name": "2025 tax organizer", "status": "sent", "sent_at": "2026-03-05T10:00:00Z"},
        minimal=lambda e: {"name": "Payroll organizer"},
        defaults={"status": "sent", "sent_at": "<created_at>"},
        change=lambda e: {"status": "in_progress", "name": "2025 organizer"},
        after_change={},
        required="name",
        time_field="sent_at",
        statuses=("sent", "completed"),
        bad=(("status", "draft"), ("name", ""), ("sent_at", "1999-12-31T23:00:00Z")),
        bad_change=(("status", "done"), ("name", {"x": 1})),
    ),
    "logins": Spec(
        create=lambda e: {"email": e.portal_user("anna@client.example"), "at": "2026-03-06T07:00:00Z"},
        minimal=lambda e: {"email": e.portal_user("bob@client.example")},
        defaults={"at": "<created_at>"},
        change=lambda e: {},
        after_change={},
        required="email",
        time_field="at",
        statuses=None,
        bad=(("email", "not an email"), ("email", None), ("at", "2026-03-06T07:00:00"), ("ip", "10.0.0.1")),
        bad_change=(("email", "x@client.example"), ("at", "2026-03-06T07:00:00Z")),
    ),
    "notes": Spec(
        create=lambda e: {
            "title": "Call with the client",
            "body": "Discussed the 2025 return.",
            "at": "2026-03-07T15:00:00Z",
        },
        minimal=lambda e: {"title": "Reminder"},
        defaults={"body": "", "excerpt": "", "author": {"id": "<owner>", "name": OWNER_NAME}, "at": "<created_at>"},
        change=lambda e: {"body": "Discussed   the\n2026 return."},
        after_change={"excerpt": "Discussed the 2026 return."},
        required="title",
        time_field="at",
        statuses=None,
        bad=(("title", ""), ("body", "b" * 10_001), ("body", 42), ("author", "me")),
        bad_change=(("title", LONG_NAME), ("at", "2026-03-07T15:00:00Z"), ("excerpt", "x")),
    ),
    "time_entries": Spec(
        create=lambda e: {
            "minutes": 90,
            "date": "2026-03-02",
            "member_id": e.member_id,
            "description": "Bookkeeping",
            "billable": False,
        },
        minimal=lambda e: {"minutes": 15},
        defaults={
            "member": {"id": "<owner>", "name": OWNER_NAME},
            "date": "<today>",
            "description": "",
            "billable": True,
        },
        change=lambda e: {"minutes": 30, "billable": True, "date": "2026-03-03"},
        after_change={},
        required="minutes",
        time_field="date",
        statuses=None,
        bad=(
            ("minutes", 0),
            ("minutes", 1441),
            ("minutes", "90"),
            ("minutes", 1.5),
            ("billable", "yes"),
            ("date", "2026-02-30"),
            ("date", "2026-03-02T10:00:00Z"),
            ("description", "d" * 501),
        ),
        bad_change=(("minutes", -1), ("billable", 1), ("member", "x")),
    ),
    "proposals": Spec(
        create=lambda e: {
            "name": "2026 engagement letter",
            "kind": "engagement_letter",
            "status": "sent",
            "sent_at": "2026-03-08T10:00:00Z",
        },
        minimal=lambda e: {"name": "Advisory proposal", "kind": "proposal"},
        defaults={"status": "draft", "sent_at": None},
        change=lambda e: {"status": "viewed", "name": "2026 engagement letter (viewed)"},
        after_change={"sent_at": "2026-03-08T10:00:00Z"},
        required="status",
        time_field=None,
        statuses=("sent", "declined"),
        bad=(("kind", "contract"), ("status", "accepted"), ("name", ""), ("sent_at", "2026-03-08")),
        bad_change=(("kind", "proposal"), ("status", "withdrawn"), ("sent_at", "2026-03-08T10:00:00Z")),
    ),
}

SECTION_KEYS = list(SPECS)

# docs/api.md, "Activity sections": statuses and other fixed values per section.
API_STATUSES: dict[str, tuple[str, ...]] = {
    "documents": (),
    "tasks": ("planned", "in_progress", "done"),
    "emails": ("draft", "sent", "delivered", "opened", "bounced", "received"),
    "jobs": ("active", "completed", "archived"),
    "chats": ("open", "closed"),
    "invoices": ("unpaid", "paid", "void"),
    "approvals": ("pending", "approved", "rejected"),
    "signatures": ("pending", "signed", "declined"),
    "organizers": ("sent", "in_progress", "completed"),
    "logins": (),
    "notes": (),
    "time_entries": (),
    "proposals": ("draft", "sent", "viewed", "signed", "declined"),
}


def test_every_section_is_covered() -> None:
    assert list(SPECS) == list(API_STATUSES)
    assert set(SPECS) == set(SECTIONS)
    for key, spec in SPECS.items():
        assert set(SECTIONS[key].statuses) == set(API_STATUSES[key]), key
        assert (spec.statuses is not None) == bool(API_STATUSES[key]), key


# --- helpers -------------------------------------------------------------------------------


def _resolve(expected: Any, env: Env, item: Body) -> Any:
    if expected == "<created_at>":
        return item["created_at"]
    if expected == "<today>":
        return item["created_at"][:10]
    if isinstance(expected, dict):
        return {k: env.firm.owner_id if v == "<owner>" else v for k, v in expected.items()}
    return expected


def assert_echoes(env: Env, item: Body, body: Body) -> None:
    """Every input field comes back: as sent, or as a named reference."""
    for name, value in body.items():
        if name in REFS:
            ref = REFS[name]
            assert item[ref] == {"id": value, "name": env.names[value]}, (name, item)
        else:
            assert item[name] == value, (name, item)


def assert_common(env: Env, section: str, item: Body, *, version: int) -> None:
    assert set(item) == set(SECTIONS[section].out.model_fields), sorted(item)
    assert isinstance(item["id"], str) and item["id"]
    assert item["account_id"] == env.account_id
    assert item["version"] == version
    assert STAMP.match(item["created_at"]) and STAMP.match(item["updated_at"]), item
    assert item["created_by"] == {"id": env.firm.owner_id, "name": OWNER_NAME}


def listed(api: Api, path: str) -> Reply:
    r = api.get(path)
    assert r.status == 200, r.body
    assert set(r.body) == {"items", "next_cursor"}, r.body
    return r


def next_cursor(api: Api, path: str) -> str:
    cursor = listed(api, path).body["next_cursor"]
    assert isinstance(cursor, str) and cursor
    return cursor


# --- record, read, change, delete; refused input ------------------------------------------------


def _refused_input(env: Env, section: str, item: Body) -> None:
    """Bad bodies for POST and PATCH: 400 naming the field (malformed JSON: the body)."""
    spec, api = SPECS[section], env.api
    good = spec.create(env)
    first_required = next(iter(spec.minimal(env)))
    creates: list[tuple[Body, str]] = [
        *(({**good, name: value}, name) for name, value in spec.bad),
        ({**good, "nickname": "Acme"}, "nickname"),
        ({**good, "id": new_id()}, "id"),
        ({**good, "version": 3}, "version"),
        ({k: v for k, v in good.items() if k != first_required}, first_required),
    ]
    for body, name in creates:
        assert_problem(api.post(env.path(section), body), 400, loc=("body", name))
    too_large = json.dumps({**good, "padding": "x" * 300_000})
    for raw in ('{"name": ', "not json", "", "[]", "null", b"\xff\xfe{}", too_large):
        assert_problem(api.post(env.path(section), raw=raw), 400, loc=("body",))
    one = env.path(section, item["id"])
    changes = [
        *spec.bad_change,
        ("nickname", "Acme"),
        ("version", 5),
        ("id", new_id()),
        ("created_at", item["created_at"]),
    ]
    for name, value in changes:
        assert_problem(api.patch(one, {name: value}), 400, loc=("body", name))
    for raw in ("{not json", "[1, 2]", ""):
        assert_problem(api.patch(one, raw=raw), 400, loc=("body",))
    for if_match in ("1", '"abc"', "W/", '"1'):
        assert_problem(api.patch(one, spec.change(env), headers={"If-Match": if_match}), 400, loc=("header",))
    assert_problem(api.patch(one, {spec.required: None}), 400, loc=("body", spec.required))


@pytest.mark.parametrize("section", SECTION_KEYS)
def test_item_lifecycle_and_show_all(env: Env, table: Table, section: str) -> None:
    spec, api, base = SPECS[section], env.api, env.path(section)

    # POST: 201, Location, ETag, and every field echoed
    body = spec.create(env)
    r = api.post(base, body)
    assert r.status == 201, r.body
    item = r.body
    path = env.path(section, item["id"])
    assert r.headers["location"] == path
    assert r.etag == '"1"'
    assert_common(env, section, item, version=1)
    assert_echoes(env, item, body)
    assert item["created_at"] == item["updated_at"]

    # GET one
    got = api.get(path)
    assert (got.status, got.etag) == (200, '"1"'), got.body
    assert got.body == item

    # defaults of a minimal item
    minimal = created(api, base, spec.minimal(env))
    assert_common(env, section, minimal, version=1)
    assert_echoes(env, minimal, {k: v for k, v in spec.minimal(env).items() if k not in spec.defaults})
    for name, expected in spec.defaults.items():
        assert minimal[name] == _resolve(expected, env, minimal), (name, minimal)

    # refused input: 400 and nothing written
    with nothing_written(table):
        _refused_input(env, section, item)

    # PATCH: the given fields change, the rest is kept, the version goes up
    change = spec.change(env)
    p = api.patch(path, change, headers={"If-Match": '"1"'})
    assert p.status == 200, p.body
    version = 2 if change else 1
    assert p.etag == f'"{version}"'
    assert_common(env, section, p.body, version=version)
    assert p.body["id"] == item["id"]
    assert p.body["created_at"] == item["created_at"]
    assert_echoes(env, p.body, {k: v for k, v in {**body, **change}.items() if v is not None})
    for name in (k for k, v in change.items() if v is None):
        assert p.body[name] is None, (name, p.body)
    for name, expected in spec.after_change.items():
        if expected == "<stamp>":
            assert isinstance(p.body[name], str) and STAMP.match(p.body[name]), (name, p.body)
        else:
            assert p.body[name] == expected, (name, p.body)
    assert api.get(path).body == p.body

    # a stale If-Match writes nothing
    stale = '"1"' if change else '"2"'
    with nothing_written(table):
        assert_problem(api.patch(path, change, headers={"If-Match": stale}), 412)
        assert_problem(api.delete(path, headers={"If-Match": stale}), 412)

    # DELETE: 204, then it is gone
    d = api.delete(path, headers={"If-Match": f'"{version}"'})
    assert (d.status, d.body) == (204, None)
    with nothing_written(table):
        assert_problem(api.get(path), 404)
        assert_problem(api.delete(path), 404)

    # show all: the minimal item and three more, newest first (by the section's
    # time field when it has an input: b < a < c; else by creation), paged
    made = {minimal["id"]: minimal}
    for day in (2, 1, 3):
        extra = spec.create(env)
        if spec.time_field:
            extra[spec.time_field] = moment(spec.time_field, day)
        if spec.statuses and day == 1:
            extra["status"] = spec.statuses[1]
        new = created(api, base, extra)
        made[new["id"]] = new
    m, a, b, c = made
    # the minimal item's time is now, after the others' (2001); without a time input it was created first
    order = [m, c, a, b] if spec.time_field else [c, b, a, m]

    whole = listed(api, base)
    assert whole.body == {"items": [made[i] for i in order], "next_cursor": None}
    first = listed(api, base + "?limit=2")
    assert ids(first.body["items"]) == order[:2]
    cursor = first.body["next_cursor"]
    assert cursor
    second = listed(api, base + f"?limit=2&cursor={cursor}")
    assert ids(second.body["items"]) == order[2:]
    assert second.body["next_cursor"] is None

    # ?status=, where the section has statuses
    if spec.statuses is None:
        assert_problem(api.get(base + "?status=done"), 400, loc=("query", "status"))
        return
    assert len({made[i]["status"] for i in order}) >= 2
    for status in API_STATUSES[section]:
        expected = [i for i in order if made[i]["status"] == status]
        assert ids(listed(api, base + f"?status={status}").body["items"]) == expected, status
    common = made[c]["status"]
    for bad_status in ("bogus", common.upper(), f"{common},{spec.statuses[1]}"):
        assert_problem(api.get(base + f"?status={bad_status}"), 400, loc=("query", "status"))


def test_idempotent_create_returns_the_first_item(env: Env, table: Table) -> None:
    for section in ("notes", "invoices"):
        body = SPECS[section].create(env)
        key = {"Idempotency-Key": f"create-{new_id()}"}
        first = env.api.post(env.path(section), body, headers=key)
        assert first.status == 201, first.body
        after_first = snapshot(table)

        retry = env.api.post(env.path(section), body, headers=key)

        assert retry.status == 201, retry.body
        assert retry.body == first.body
        assert retry.headers["location"] == first.headers["location"]
        assert snapshot(table) == after_first
        assert ids(listed(env.api, env.path(section)).body["items"]) == [first.body["id"]]
        name = next(iter(body))
        with nothing_written(table):
            other = {**body, name: body[name] + " (other)"}
            assert_problem(env.api.post(env.path(section), other, headers=key), 422)


def test_timestamps_are_stored_in_utc(env: Env) -> None:
    for section, spec in SPECS.items():
        if spec.time_field is None or spec.time_field == "date":
            continue
        body = {**spec.minimal(env), spec.time_field: "2026-03-01T10:15:00.250+02:00"}
        item = created(env.api, env.path(section), body)
        assert item[spec.time_field] == "2026-03-01T08:15:00Z", section


# --- cursors ----------------------------------------------------------------------------------


def test_a_cursor_only_works_for_the_list_it_came_from(env: Env) -> None:
    api, tasks = env.api, env.path("tasks")
    for status in ("planned", "done", "planned", "planned"):
        created(api, tasks, {"title": "Task", "status": status})
    cursor = next_cursor(api, tasks + "?limit=2")
    assert len(listed(api, tasks + f"?limit=2&cursor={cursor}").body["items"]) == 2
    planned = next_cursor(api, tasks + "?status=planned&limit=2")
    rest = listed(api, tasks + f"?status=planned&limit=2&cursor={planned}")
    assert (len(rest.body["items"]), rest.body["next_cursor"]) == (1, None)

    # tampered, truncated or made up
    payload, mac = cursor.rsplit(".", 1)
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    for bad in (f"{flipped}.{mac}", f"{payload}.{'0' * len(mac)}", cursor[:-4], "not-a-cursor", "e30.abc"):
        assert_problem(api.get(tasks + f"?limit=2&cursor={bad}"), 400, loc=("query", "cursor"))
    # another filter of the same list
    assert_problem(api.get(tasks + f"?limit=2&cursor={planned}"), 400, loc=("query", "cursor"))
    assert_problem(api.get(tasks + f"?status=done&cursor={planned}"), 400, loc=("query", "cursor"))
    assert_problem(api.get(tasks + f"?status=planned&cursor={cursor}"), 400, loc=("query", "cursor"))
    # another section, another account, another kind of list
    for section in SECTION_KEYS:
        if section != "tasks":
            assert_problem(api.get(env.path(section) + f"?cursor={cursor}"), 400, loc=("query", "cursor"))
    other = create_account(api, "Other Ltd")["id"]
    assert_problem(api.get(env.path("tasks", account_id=other) + f"?cursor={cursor}"), 400, loc=("query", "cursor"))
    assert_problem(api.get(f"/accounts?cursor={cursor}"), 400, loc=("query", "cursor"))
    # and the query itself
    for query, name in (("limit=0", "limit"), ("limit=101", "limit"), ("limit=two", "limit"), ("sort=asc", "sort")):
        assert_problem(api.get(tasks + f"?{query}"), 400, loc=("query", name))


# --- broken rules: 422, nothing written ---------------------------------------------------------


@dataclass(frozen=True)
class RuleCase:
    section: str
    body: Callable[[Env], Body]  # the create body (itself refused when ``change`` is None)
    change: Callable[[Env], Body] | None
    field: str


def _other_pipeline_stage(env: Env) -> str:
    other = new_pipeline(env.api, "Payroll", ["Collect", "Run"])
    stage_id: str = other["stages"][0]["id"]
    return stage_id


def _document_of_another_account(env: Env) -> str:
    other = create_account(env.api, "Other Ltd")
    doc = created(env.api, env.path("documents", account_id=other["id"]), {"name": "x.pdf", "uploaded_by": "client"})
    doc_id: str = doc["id"]
    return doc_id


def _a_task(env: Env) -> str:
    task_id: str = created(env.api, env.path("tasks"), {"title": "Not a document"})["id"]
    return task_id


def _member_of_another_firm(env: Env) -> str:
    return make_firm(env.firm.table).owner_id


def _invoice(status: str = "unpaid") -> Callable[[Env], Body]:
    return lambda e: {"number": "INV-1", "amount": "5.00", "status": status}


RULES: dict[str, RuleCase] = {
    "inbound email with status sent": RuleCase(
        "emails", lambda e: {"subject": "Hi", "direction": "inbound", "status": "sent"}, None, "status"
    ),
    "outbound email with status received": RuleCase(
        "emails", lambda e: {"subject": "Hi", "direction": "outbound", "status": "received"}, None, "status"
    ),
    "inbound email changed to delivered": RuleCase(
        "emails", lambda e: {"subject": "Hi", "direction": "inbound"}, lambda e: {"status": "delivered"}, "status"
    ),
    "task assigned to an unknown member": RuleCase(
        "tasks", lambda e: {"title": "T", "assignee_id": new_id()}, None, "assignee_id"
    ),
    "task assigned to another firm's member": RuleCase(
        "tasks", lambda e: {"title": "T"}, lambda e: {"assignee_id": _member_of_another_firm(e)}, "assignee_id"
    ),
    "time entry of an unknown member": RuleCase(
        "time_entries", lambda e: {"minutes": 5, "member_id": new_id()}, None, "member_id"
    ),
    "time entry changed to an unknown member": RuleCase(
        "time_entries", lambda e: {"minutes": 5}, lambda e: {"member_id": new_id()}, "member_id"
    ),
    "job assigned to an unknown member": RuleCase(
        "jobs", lambda e: {**_job(e), "assignee_id": new_id()}, None, "assignee_id"
    ),
    "job in an unknown pipeline": RuleCase("jobs", lambda e: {**_job(e), "pipeline_id": new_id()}, None, "pipeline_id"),
    "job with a stage of another pipeline": RuleCase(
        "jobs", lambda e: {**_job(e), "stage_id": _other_pipeline_stage(e)}, None, "stage_id"
    ),
    "job moved to a stage of another pipeline": RuleCase(
        "jobs", _job, lambda e: {"stage_id": _other_pipeline_stage(e)}, "stage_id"
    ),
    "job moved to an unknown pipeline": RuleCase(
        "jobs", _job, lambda e: {"pipeline_id": new_id(), "stage_id": e.stage(1)}, "pipeline_id"
    ),
    "job moved to another pipeline without a stage": RuleCase(
        "jobs", _job, lambda e: {"pipeline_id": new_pipeline(e.api, "Payroll", ["Run"])["id"]}, "stage_id"
    ),
    "invoice of zero": RuleCase("invoices", lambda e: {"number": "1", "amount": "0.00"}, None, "amount"),
    "invoice changed to zero": RuleCase("invoices", _invoice(), lambda e: {"amount": "0"}, "amount"),
    "paid invoice changed to unpaid": RuleCase("invoices", _invoice("paid"), lambda e: {"status": "unpaid"}, "status"),
    "paid invoice voided": RuleCase("invoices", _invoice("paid"), lambda e: {"status": "void"}, "status"),
    "void invoice paid": RuleCase("invoices", _invoice("void"), lambda e: {"status": "paid"}, "status"),
    "paid invoice's amount changed": RuleCase("invoices", _invoice("paid"), lambda e: {"amount": "6"}, "amount"),
    "sent proposal back to draft": RuleCase(
        "proposals",
        lambda e: {"name": "P", "kind": "proposal", "status": "sent"},
        lambda e: {"status": "draft"},
        "status",
    ),
    "declined proposal back to draft": RuleCase(
        "proposals",
        lambda e: {"name": "P", "kind": "proposal", "status": "declined"},
        lambda e: {"status": "draft"},
        "status",
    ),
    "proposal created as signed": RuleCase(
        "proposals", lambda e: {"name": "P", "kind": "proposal", "status": "signed"}, None, "status"
    ),
    "proposal marked signed by the firm": RuleCase(
        "proposals",
        lambda e: {"name": "P", "kind": "proposal", "status": "sent"},
        lambda e: {"status": "signed"},
        "status",
    ),
    "login of an address without portal access": RuleCase(
        "logins", lambda e: {"email": "anna@client.example"}, None, "email"
    ),
    "login of an address of no contact of the account": RuleCase(
        "logins", lambda e: {"email": "stranger@client.example"}, None, "email"
    ),
    "approval of an unknown document": RuleCase(
        "approvals", lambda e: {"document_name": "D", "document_id": new_id()}, None, "document_id"
    ),
    "approval of another account's document": RuleCase(
        "approvals",
        lambda e: {"document_name": "D", "document_id": _document_of_another_account(e)},
        None,
        "document_id",
    ),
    "approval of a task, not a document": RuleCase(
        "approvals", lambda e: {"document_name": "D", "document_id": _a_task(e)}, None, "document_id"
    ),
}


def test_broken_rules_are_422_and_write_nothing(env: Env, table: Table) -> None:
    creates = [(case, rule, rule.body(env)) for case, rule in RULES.items() if rule.change is None]
    changes = [
        (case, rule, created(env.api, env.path(rule.section), rule.body(env)), rule.change(env))
        for case, rule in RULES.items()
        if rule.change is not None
    ]
    with nothing_written(table):
        for case, rule, body in creates:
            r = env.api.post(env.path(rule.section), body)
            assert r.status == 422, (case, r.status, r.body)
            assert_problem(r, 422, loc=("body", rule.field))
        for case, rule, item, change in changes:
            r = env.api.patch(env.path(rule.section, item["id"]), change)
            assert r.status == 422, (case, r.status, r.body)
            assert_problem(r, 422, loc=("body", rule.field))
    for case, rule, item, _ in changes:
        assert env.api.get(env.path(rule.section, item["id"])).body == item, case


def test_changes_keep_derived_fields_right(env: Env) -> None:
    api = env.api
    # a null clears a nullable field
    task = created(api, env.path("tasks"), SPECS["tasks"].create(env))
    r = api.patch(env.path("tasks", task["id"]), {"assignee_id": None, "due_date": None})
    assert r.status == 200, r.body
    assert (r.body["assignee"], r.body["due_date"], r.body["title"]) == (None, None, task["title"])
    # a paid invoice may be renumbered and keeps its payment
    paid = created(api, env.path("invoices"), {"number": "1", "amount": "5.00", "status": "paid"})
    assert (paid["amount_due"], paid["paid_with_credit"]) == ("0.00", False)
    assert STAMP.match(paid["paid_at"])
    r = api.patch(env.path("invoices", paid["id"]), {"number": "1A", "status": "paid", "amount": "5"})
    assert r.status == 200, r.body
    assert (r.body["number"], r.body["status"], r.body["amount"], r.body["version"]) == ("1A", "paid", "5.00", 2)
    assert (r.body["paid_at"], r.body["amount_due"]) == (paid["paid_at"], "0.00")
    # an unpaid invoice paid by a change
    unpaid = created(api, env.path("invoices"), {"number": "9", "amount": "40"})
    r = api.patch(env.path("invoices", unpaid["id"]), {"status": "paid"})
    assert r.status == 200, r.body
    assert (r.body["status"], r.body["amount_due"], r.body["amount"]) == ("paid", "0.00", "40.00")
    assert STAMP.match(r.body["paid_at"]) and r.body["paid_with_credit"] is False
    # a draft proposal gets its sent_at when sent
    draft = created(api, env.path("proposals"), {"name": "P", "kind": "proposal"})
    r = api.patch(env.path("proposals", draft["id"]), {"status": "sent"})
    assert r.status == 200, r.body
    assert STAMP.match(r.body["sent_at"]) and r.body["sent_at"] >= draft["created_at"]
    # a decided approval reopened loses its decision time
    approval = created(api, env.path("approvals"), {"document_name": "D", "status": "rejected"})
    assert STAMP.match(approval["decided_at"])
    r = api.patch(env.path("approvals", approval["id"]), {"status": "pending"})
    assert r.status == 200, r.body
    assert r.body["decided_at"] is None
    # a change that changes nothing keeps the version
    note = created(api, env.path("notes"), {"title": "Same"})
    r = api.patch(env.path("notes", note["id"]), {"title": "Same"})
    assert (r.status, r.body, r.etag) == (200, note, '"1"')


def test_invoice_currency_is_an_iso_4217_code_and_the_accounts(env: Env, table: Table) -> None:
    # issue 18: an invoice is in its account's currency (given or not); another known code is a conflict
    assert (
        created(env.api, env.path("invoices"), {"number": "1", "amount": "5", "currency": "USD"})["currency"] == "USD"
    )
    with nothing_written(table):
        for code in ("EUR", "GBP", "JPY"):
            r = env.api.post(env.path("invoices"), {"number": code, "amount": "5", "currency": code})
            assert assert_problem(r, 409, loc=("body", "currency"))["code"] == "currency_mismatch"
        for code in ("ABC", "QQQ", "ZZZ"):
            r = env.api.post(env.path("invoices"), {"number": code, "amount": "5", "currency": code})
            assert_problem(r, 400, loc=("body", "currency"))


# --- who may reach an item ---------------------------------------------------------------------


def test_items_are_reached_only_by_members_who_may_open_their_active_account(env: Env, table: Table) -> None:
    api = env.api
    items = {section: created(api, env.path(section), spec.create(env)) for section, spec in SPECS.items()}
    other = create_account(api, "Other Ltd")["id"]
    outsider = env.as_member(env.firm.add_member()[1])
    manager = env.as_member(env.firm.add_member(manage=True)[1])
    some = ("notes", "invoices", "jobs")

    def refused(status: int, r: Reply, where: str) -> None:
        assert r.status == status, (where, r.status, r.body)
        assert_problem(r, status)

    with nothing_written(table):
        for section, item in items.items():
            spec, one = SPECS[section], env.path(section, item["id"])
            # an unknown id, and an item of this account under another account: 404
            unknown, elsewhere = env.path(section, new_id()), env.path(section, item["id"], account_id=other)
            refused(404, api.get(unknown), unknown)
            refused(404, api.delete(unknown), unknown)
            refused(404, api.get(elsewhere), elsewhere)
            refused(404, api.patch(elsewhere, spec.change(env)), elsewhere)
            # an employee not on the team (even one who manages accounts): as if it did not exist
            for r in (
                outsider.get(env.path(section)),
                outsider.post(env.path(section), spec.create(env)),
                outsider.get(one),
                outsider.patch(one, spec.change(env)),
                outsider.delete(one),
            ):
                refused(404, r, f"{section} outsider")
        for section in some:
            refused(404, manager.get(env.path(section, items[section]["id"])), f"{section} manager")
            refused(404, manager.delete(env.path(section, items[section]["id"])), f"{section} manager")
        # an unknown account, and an item id under another section
        refused(404, api.get(env.path("notes", account_id=new_id())), "unknown account")
        refused(404, api.post(env.path("notes", account_id=new_id()), {"title": "N"}), "unknown account")
        refused(404, api.get(env.path("notes", items["tasks"]["id"])), "another section")
        refused(404, api.delete(env.path("notes", items["tasks"]["id"])), "another section")
        refused(404, api.get(env.path("notes", "bad$id")), "not an id")
        refused(404, api.patch(env.path("notes", "x" * 65), {"title": "N"}), "not an id")

    # those who may open the account read everything: a teammate, an employee viewing all accounts
    teammate = env.as_member(env.member_token)
    viewer = env.as_member(env.firm.add_member(view_all=True)[1])
    for section, item in items.items():
        assert teammate.get(env.path(section, item["id"])).body == item, section
    for section in some:
        assert viewer.get(env.path(section, items[section]["id"])).body == items[section], section

    # an archived account is read-only: 409 for every write, reads still answer
    assert api.delete(f"/accounts/{env.account_id}").status == 204
    with nothing_written(table):
        for section, item in items.items():
            spec, one = SPECS[section], env.path(section, item["id"])
            refused(409, api.post(env.path(section), spec.create(env)), section)
            refused(409, api.patch(one, spec.change(env)), section)
            refused(409, api.delete(one), section)
    for section in some:
        assert api.get(env.path(section, items[section]["id"])).body == items[section], section
    assert api.post(f"/accounts/{env.account_id}/restore").status == 200
    assert api.delete(env.path("notes", items["notes"]["id"])).status == 204
