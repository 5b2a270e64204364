"""What one request of each endpoint costs in AWS, from its DynamoDB units
on DynamoDB Local and its handler time, for every route in
``chalicelib.handlers.http.routing.load_all()``.

A firm is seeded through the API first, so reads are realistic: 4 members,
4 tags, 7 custom field definitions, a pipeline, QuickBooks connected, 30
other accounts, and one main account (2 tags, 2 team members, an address, 4
custom field values with history, 3 contacts with 2 addresses, a phone and
custom field values each, two of the addresses with active portal login,
credit) with 30 items in each of the 13 activity sections (10 messages in one
chat), its overview and search entries written by the real stream handlers
(the local pollers, drained). Then each route is called WARMUP + ROUNDS times
through chalice.test.Client as the firm's owner, each call metered on the
table's client: reads of the seeded resources first, then every mutating
route on a fresh resource per call (a new account shaped like the main one,
a new item of the main account, a new tag, ...), prepared and settled (the
pollers drained) before the calls are made. Photos go to moto's S3.

The handler time is the Lambda handler's (the Chalice app called with the API
Gateway event), timed in-process on this machine, DynamoDB Local round trips
over localhost included. The cold-start import ratio compares fresh
interpreters importing the app and importing boto3 alone.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import re
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, redirect_stdout
from dataclasses import dataclass
from typing import Any
from unittest import mock

import boto3
from chalice.app import Chalice
from chalice.test import Client
from moto import mock_aws

from bench.common import Usage, metered, ok, png
from chalicelib.adapters.config import reset_settings, settings
from chalicelib.adapters.photo_store import reset_clients as reset_photo_clients
from chalicelib.domain import prices
from chalicelib.domain.sections import SECTIONS as SECTION_DEFINITIONS
from chalicelib.handlers.http.endpoint import RouteDoc
from chalicelib.handlers.http.routing import load_all
from chalicelib.repo.table import Table
from devtools.stream_poller import StreamPoller
from tests.support.api import Api, Reply, make_firm
from tests.support.portal import activate, email_path, latest_token
from tests.support.stream import poller, search_poller

# --- prices -------------------------------------------------------------------------------
# One source for this table and the firms' usage estimate: chalicelib/domain/prices.py (sources there).
API_GATEWAY_REST_PER_MILLION = float(prices.API_GATEWAY_REST_PER_MILLION)  # the "REST total" column
HTTP_API_PER_MILLION = float(prices.API_GATEWAY_HTTP_PER_MILLION)  # the front door (infra/template.json's HttpApi)
HTTP_API_METERING_BYTES = 512 * 1024
LAMBDA_REQUESTS_PER_MILLION = float(prices.LAMBDA_REQUESTS_PER_MILLION)
LAMBDA_PER_GB_SECOND = float(prices.LAMBDA_PER_GB_SECOND)
LAMBDA_MEMORY_MB = prices.API_LAMBDA_MEMORY_MB
DYNAMODB_PER_MILLION_RRU = float(prices.DYNAMODB_PER_MILLION_RRU)
DYNAMODB_PER_MILLION_WRU = float(prices.DYNAMODB_PER_MILLION_WRU)

WARMUP = 1  # calls per route before the measured ones (lazy model builds, caches)
ROUNDS = 11  # measured calls per route: units of one call, median of the handler times
ITEMS_PER_SECTION = int(os.environ.get("BENCH_ITEMS_PER_SECTION", "30"))  # fewer: a quicker seed (lists read less)
OTHER_ACCOUNTS = 29

TRANSACTION_MARK = "†"
VARIED_MARK = "‡"

SECTION_KEYS = tuple(SECTION_DEFINITIONS)  # the thirteen section keys, in the contract's order
LOREM = (
    "Following up on our call: please upload the remaining 1099 forms, the year-end statements of both "
    "brokerage accounts and the property tax bill, so we can finish the draft return before the deadline. "
    "We also need the mileage log for the second vehicle and the receipts for the office equipment you "
    "bought in March; once those are in we will send the engagement letter for next year."
)
ADDRESS = {
    "line1": "1200 Harbor Boulevard",
    "line2": "Suite 400",
    "city": "Weehawken",
    "region": "NJ",
    "postal_code": "07086",
    "country": "US",
}
SENT_LETTER = {"name": "Engagement 2027", "kind": "engagement_letter", "status": "sent"}
CLIENT_DOCUMENT = {"name": "W-2 Margaret.pdf", "uploaded_by": "client"}
PEOPLE = (("Margaret", "Whitfield"), ("Jonathan", "Whitfield"), ("Alicia", "Fernandez-Ruiz"))
OTHER_NAMES = (
    "Anna Müller",
    "Bäckerei Nowak",
    "Castillo Family Trust",
    "Dunmore Dental Group PC",
    "Estate of Harold Greene",
    "Fairview Auto Body LLC",
    "Grace O'Brien",
    "Harborview Consulting Inc",
    "Isabel Kowalski",
    "Jade Garden Restaurant LLC",
    "Kim & Park Architects",
    "Lefèvre & Nowak SARL",
    "Martinez Household",
    "Northside Plumbing Co",
    "Olsen Brothers Farms",
    "Patel Pharmacy Inc",
)


@dataclass(frozen=True, slots=True)
class Req:
    """One call of a route: its concrete path and what it sends."""

    path: str
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] | None = None
    anonymous: bool = False


Prepare = Callable[[int], list[Req]]


@dataclass(frozen=True, slots=True)
class Scenario:
    prepare: Prepare  # n -> the n calls to make, their resources created
    s3: bool = False  # prepared and called with moto's S3 (photos)


@dataclass(frozen=True, slots=True)
class Row:
    route: RouteDoc
    usage: Usage
    varied: str  # "" or the spread of (requests, RRU, WRU) across rounds
    handler_ms: float
    payload_bytes: int = 0  # the request's body and the answer's, as the function received and returned them

    @property
    def transactional(self) -> bool:
        return self.usage.requests["TransactWriteItems"] > 0

    @property
    def billed_ms(self) -> int:
        return math.ceil(self.handler_ms)

    @property
    def metered_requests(self) -> int:
        """What the HTTP API bills one call as: one request per 512 KB started of its payload."""
        return max(1, math.ceil(self.payload_bytes / HTTP_API_METERING_BYTES))

    @property
    def api_gateway(self) -> float:
        return HTTP_API_PER_MILLION * self.metered_requests

    @property
    def rest_total(self) -> float:
        """The same call behind the REST API (before issue 20)."""
        return API_GATEWAY_REST_PER_MILLION + self.lambda_ + self.dynamodb

    @property
    def lambda_(self) -> float:
        gb_seconds = self.billed_ms / 1000 * LAMBDA_MEMORY_MB / 1024
        return LAMBDA_REQUESTS_PER_MILLION + gb_seconds * LAMBDA_PER_GB_SECOND * 1_000_000

    @property
    def dynamodb(self) -> float:
        return self.usage.rru * DYNAMODB_PER_MILLION_RRU + self.usage.wru * DYNAMODB_PER_MILLION_WRU

    @property
    def total(self) -> float:
        return self.api_gateway + self.lambda_ + self.dynamodb


class TimedHandler:
    """The Lambda handler as API Gateway invokes it (the Chalice app called
    with the event), timed; stands in for the app in the test client's gateway."""

    def __init__(self, app: Chalice) -> None:
        self.app = app
        self.seconds = 0.0
        self.route = ""
        self.payload_bytes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        request = event.get("requestContext", {})
        self.route = f"{request.get('httpMethod')} {request.get('resourcePath')}"
        start = time.perf_counter()
        answer: Any = None
        try:
            answer = self.app(event, context)
            return answer
        finally:
            self.seconds = time.perf_counter() - start
            sent = event.get("body") or ""
            returned = (answer or {}).get("body") or ""
            self.payload_bytes = len(sent) + len(returned)  # base64 text when binary, as the gateway sees it


def _read(req: Req) -> Scenario:
    return Scenario(lambda n: [req] * n)


def _each(make: Callable[[], Req], *, s3: bool = False) -> Scenario:
    return Scenario(lambda n: [make() for _ in range(n)], s3)


@contextmanager
def _photos() -> Iterator[None]:
    """moto's S3 for the photo routes, with the bucket (only DynamoDB is metered)."""
    with mock_aws():
        reset_photo_clients()
        boto3.client("s3", region_name=settings().region).create_bucket(Bucket=settings().photos_bucket)
        try:
            yield
        finally:
            reset_photo_clients()


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    reset_settings()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_settings()


# --- the firm ---------------------------------------------------------------------------


class Firm:
    """The seeded firm, and fresh resources shaped like its main account."""

    def __init__(self, api: Api, streams: list[StreamPoller]) -> None:
        self.api = api
        self.streams = streams
        self.seq = itertools.count(1)
        self.png = png()

    def settle(self) -> None:
        """Deliver the stream's records to the overview and search functions, as Lambda would."""
        for stream in self.streams:
            stream.drain()

    def next(self) -> int:
        return next(self.seq)

    # seeding -------------------------------------------------------------------------

    def seed(self) -> None:
        api = self.api
        members = [("Priya Raman", "employee"), ("Marcus O'Neill", "employee"), ("Hannah Becker", "admin")]
        ids = [
            ok(
                api.post(
                    "/members",
                    {
                        "name": name,
                        "email": f"{name.split()[0].lower()}@northwind-cpa.example",
                        "role": role,
                        "rights": {"view_all_accounts": False, "manage_accounts": True},
                    },
                ),
                201,
            )["id"]
            for name, role in members
        ]
        self.team, self.admin = ids[:2], ids[2]
        tags = (("VIP", "#E53935"), ("Monthly bookkeeping", "#1E88E5"), ("Payroll", "#43A047"), ("1040", "#FB8C00"))
        self.tags = [ok(api.post("/tags", {"name": n, "color": c}), 201)["id"] for n, c in tags]
        self.vat = self._field("account", "VAT number", "text")
        self.fye = self._field("account", "Fiscal year end", "dropdown", ["March", "June", "September", "December"])
        self.engaged = self._field("account", "Engagement date", "date")
        self.revenue = self._field("account", "Annual revenue", "number")
        self.payroll = self._field("account", "Runs payroll", "checkbox")
        self.role = self._field("contact", "Role", "text")
        self.birthday = self._field("contact", "Birthday", "date")
        stages = ["Documents requested", "In preparation", "Review", "Client signature", "Filed"]
        pipeline = ok(api.post("/pipelines", {"name": "Tax return 2026", "stages": [{"name": s} for s in stages]}), 201)
        self.pipeline, self.stages = pipeline["id"], [s["id"] for s in pipeline["stages"]]
        ok(api.put("/quickbooks/connection", {"connected": True, "company_name": "Northwind CPA"}))

        main = ok(api.post("/accounts", self.account_body("Northwind Landscaping LLC")), 201)
        self.main = main["id"]
        self.contacts = [(c["id"], [e["address"] for e in c["emails"]]) for c in main["contacts"]]
        for i, name in enumerate(itertools.islice(itertools.cycle(OTHER_NAMES), OTHER_ACCOUNTS)):
            self._other(f"{name} {i // len(OTHER_NAMES) + 1}" if i >= len(OTHER_NAMES) else name, i)
        # The first contact is also on another account (a household and its business).
        body = {"name": "Whitfield Household", "type": "individual", "contacts": [{"contact_id": self.contacts[0][0]}]}
        ok(api.post("/accounts", body), 201)
        self.signer = self.contacts[0][1][0]
        for contact_id, addresses in self.contacts[:2]:
            activate(api, contact_id, addresses[0])

        base = f"/accounts/{self.main}"
        for i in range(4):
            ok(api.patch(base, {"custom_fields": {self.vat: f"US-88{i:04d}", self.revenue: 1_250_000 + i}}))
        self.credit_entry = ok(api.post(f"{base}/credits", {"amount": "250000.00", "note": "Retainer"}), 201)["id"]
        for _ in range(2):
            ok(api.post(f"{base}/credits", {"amount": "1500.00", "note": "Overpayment, invoice 2026-0042"}), 201)
        self.items: dict[str, list[str]] = {}
        for section in SECTION_KEYS:
            self.items[section] = [self.item(section) for _ in range(ITEMS_PER_SECTION)]
        for chat in self.items["chats"]:
            self.message(chat)
        self.busy_chat = self.items["chats"][-1]
        for _ in range(9):
            self.message(self.busy_chat)
        self.settle()

    def _field(self, target: str, label: str, kind: str, options: list[str] | None = None) -> str:
        body = {"target": target, "label": label, "kind": kind, "options": options or []}
        field_id: str = ok(self.api.post("/custom-fields", body), 201)["id"]
        return field_id

    def _other(self, name: str, i: int) -> None:
        people = [{"first_name": name.split()[0], "last_name": f"Client{i}", "emails": [f"client{i}@gmail.com"]}]
        if i % 2:
            people.append({"first_name": "Sam", "last_name": f"Client{i}", "emails": [f"sam.client{i}@outlook.com"]})
        kind = "company" if any(w in name for w in ("LLC", "Inc", "Co", "PC", "SARL", "Group")) else "individual"
        body = {"name": name, "type": kind, "tags": self.tags[i % 4 : i % 4 + 1], "contacts": people}
        if i % 3 == 0:
            body["team_member_ids"] = [self.team[i % 2]]
        ok(self.api.post("/accounts", body), 201)

    # bodies ----------------------------------------------------------------------------

    def person(self, first: str, last: str, k: int) -> dict[str, Any]:
        return {
            "first_name": first,
            "last_name": last,
            "emails": [
                f"{first.lower()}.{last.lower()}{k}@gmail.com",
                f"{first[0].lower()}{last.lower()}{k}@work.example",
            ],
            "phones": [{"number": "+1 201 555 0147", "label": "mobile"}],
            "address": ADDRESS,
            "custom_fields": {self.role: "Managing member", self.birthday: "1971-05-19"},
            "description": "Owner; signs the returns",
        }

    def account_body(self, name: str) -> dict[str, Any]:
        k = self.next()
        return {
            "name": name,
            "type": "company",
            "tags": self.tags[:2],
            "team_member_ids": self.team,
            "address": ADDRESS,
            "custom_fields": {
                self.vat: f"US-77{k:04d}",
                self.fye: "December",
                self.engaged: "2024-02-01",
                self.payroll: True,
            },
            "contacts": [self.person(first, last, k) for first, last in PEOPLE],
        }

    def item_body(self, section: str) -> dict[str, Any]:
        i = self.next()
        member = self.team[i % 2]
        bodies: dict[str, Callable[[], dict[str, Any]]] = {
            "documents": lambda: {
                "name": f"2026 statement {i:04d} - Chase business checking.pdf",
                "uploaded_by": "client" if i % 2 else "firm",
            },
            "tasks": lambda: {
                "title": f"Reconcile Q3 payroll tax deposits {i:04d}",
                "status": ("planned", "in_progress", "done")[i % 3],
                "due_date": "2026-12-15",
                "assignee_id": member,
                "description": LOREM[:189],
            },
            "emails": lambda: (
                {
                    "subject": f"Re: documents for the 2026 return ({i:04d})",
                    "direction": "inbound",
                    "from_address": self.signer,
                    "to_addresses": ["priya@northwind-cpa.example"],
                    "snippet": LOREM[:191],
                }
                if i % 2
                else {
                    "subject": f"Your 2026 organizer is ready ({i:04d})",
                    "direction": "outbound",
                    "status": "sent",
                    "from_address": "priya@northwind-cpa.example",
                    "to_addresses": [self.signer],
                    "snippet": LOREM[:191],
                }
            ),
            "jobs": lambda: {
                "name": f"2026 Form 1065 partnership return {i:04d}",
                "pipeline_id": self.pipeline,
                "stage_id": self.stages[i % len(self.stages)],
                "status": "completed" if i % 4 == 0 else "active",
                "assignee_id": member,
            },
            "chats": lambda: {"subject": f"Question about estimated payments {i:04d}"},
            "invoices": lambda: {
                "number": f"INV-2026-{i:05d}",
                "amount": "1250.00",
                "due_date": "2026-12-31",
                "status": "paid" if i % 3 == 0 else "unpaid",
            },
            "approvals": lambda: {
                "document_name": f"Draft 2026 return for review {i:04d}.pdf",
                "status": "approved" if i % 3 == 0 else "pending",
            },
            "signatures": lambda: {
                "document_name": f"Form 8879 e-file authorization {i:04d}.pdf",
                "status": "signed" if i % 3 == 0 else "pending",
            },
            "organizers": lambda: {
                "name": f"2026 individual tax organizer {i:04d}",
                "status": ("sent", "in_progress", "completed")[i % 3],
            },
            "logins": lambda: {"email": self.signer},
            "notes": lambda: {"title": f"Call with Margaret about the S corp election {i:04d}", "body": LOREM[:405]},
            "time_entries": lambda: {
                "minutes": 15 + i % 90,
                "member_id": member,
                "description": "Bank reconciliation and categorising October transactions",
                "billable": i % 5 != 0,
            },
            "proposals": lambda: {
                "name": f"2027 bookkeeping and tax engagement {i:04d}",
                "kind": "engagement_letter" if i % 2 else "proposal",
                "status": "sent" if i % 3 else "draft",
            },
        }
        return bodies[section]()

    def sample_body(self, section: str) -> dict[str, Any]:
        """The item measured in a section: the same for every call (one that counts for the overview)."""
        samples: dict[str, dict[str, Any]] = {
            "documents": {"name": "2026 W-2 Margaret Whitfield.pdf", "uploaded_by": "client"},
            "tasks": {
                "title": "Reconcile Q3 payroll tax deposits",
                "status": "planned",
                "due_date": "2026-12-15",
                "assignee_id": self.team[0],
                "description": LOREM[:189],
            },
            "emails": {
                "subject": "Re: documents for the 2026 return",
                "direction": "inbound",
                "from_address": self.signer,
                "to_addresses": ["priya@northwind-cpa.example"],
                "snippet": LOREM[:191],
            },
            "jobs": {
                "name": "2026 Form 1065 partnership return",
                "pipeline_id": self.pipeline,
                "stage_id": self.stages[0],
                "assignee_id": self.team[0],
            },
            "chats": {"subject": "Question about estimated payments"},
            "invoices": {"number": "INV-2026-S", "amount": "1250.00", "due_date": "2026-12-31"},
            "approvals": {"document_name": "Draft 2026 return for review.pdf"},
            "signatures": {"document_name": "Form 8879 e-file authorization.pdf"},
            "organizers": {"name": "2026 individual tax organizer"},
            "logins": {"email": self.signer},
            "notes": {"title": "Call with Margaret about the S corp election", "body": LOREM[:405]},
            "time_entries": {
                "minutes": 45,
                "member_id": self.team[0],
                "description": "Bank reconciliation and categorising October transactions",
            },
            "proposals": {"name": "2027 bookkeeping engagement", "kind": "engagement_letter", "status": "sent"},
        }
        return samples[section]

    def item(self, section: str, body: dict[str, Any] | None = None) -> str:
        return self.created(f"/accounts/{self.main}/{section}", body or self.item_body(section))

    def message(self, chat: str) -> None:
        body = {"body": LOREM[:203], "author": "client" if self.next() % 2 else "firm"}
        ok(self.api.post(f"/accounts/{self.main}/chats/{chat}/messages", body), 201)

    # fresh resources ---------------------------------------------------------------------

    def account(self) -> dict[str, Any]:
        """A new account shaped like the main one (without its activity)."""
        body: dict[str, Any] = ok(
            self.api.post("/accounts", self.account_body(f"Fresh {self.next()} Holdings LLC")), 201
        )
        return body

    def archived_account(self) -> str:
        account_id: str = self.account()["id"]
        ok(self.api.delete(f"/accounts/{account_id}"), 204)
        return account_id

    def account_with_photo(self) -> str:
        account_id: str = self.account()["id"]
        ok(self.api.put(f"/accounts/{account_id}/photo", raw=self.png, headers={"Content-Type": "image/png"}))
        return account_id

    def address(self) -> tuple[str, str]:
        """(contact id, address) of a fresh account's first contact."""
        contact = self.account()["contacts"][0]
        return contact["id"], contact["emails"][0]["address"]

    def invitation(self) -> str:
        contact_id, address = self.address()
        ok(self.api.post(email_path(contact_id, address) + "/invite"))
        return latest_token(address)

    def created(self, path: str, body: dict[str, Any]) -> str:
        created_id: str = ok(self.api.post(path, body), 201)["id"]
        return created_id

    def tag(self) -> str:
        return self.created("/tags", {"name": f"Cohort {self.next()}", "color": "#8E24AA"})

    def definition(self) -> str:
        return self.created(
            "/custom-fields", {"target": "account", "label": f"Extension {self.next()}", "kind": "text"}
        )

    def member(self) -> str:
        k = self.next()
        return self.created("/members", {"name": f"Staff {k}", "email": f"staff{k}@northwind-cpa.example"})

    def pipeline_body(self) -> dict[str, Any]:
        stages = ["Intake", "Bookkeeping", "Review", "Sent to client", "Closed"]
        return {"name": f"Monthly close {self.next()}", "stages": [{"name": s} for s in stages]}

    # the calls -------------------------------------------------------------------------

    def scenarios(self) -> dict[str, Scenario]:
        a = f"/accounts/{self.main}"
        contact, addresses = self.contacts[0]
        photo = {"Content-Type": "image/png"}
        found: dict[str, Scenario] = {
            "GET /health": _read(Req("/health", anonymous=True)),
            "GET /openapi.json": _read(Req("/openapi.json", anonymous=True)),
            "GET /me": _read(Req("/me")),
            "GET /members": _read(Req("/members")),
            "GET /firm": _read(Req("/firm")),
            "PATCH /firm": _each(lambda: Req("/firm", {"name": f"Northwind CPA {self.next()}"})),
            "POST /members": _each(
                lambda: Req(
                    "/members", {"name": f"Staff {self.next()}", "email": f"new{self.next()}@northwind-cpa.example"}
                )
            ),
            "GET /members/{member_id}": _read(Req(f"/members/{self.team[0]}")),
            "PATCH /members/{member_id}": _each(
                lambda: Req(f"/members/{self.member()}", {"rights": {"view_all_accounts": True}})
            ),
            "GET /tags": _read(Req("/tags")),
            "POST /tags": _each(lambda: Req("/tags", {"name": f"Segment {self.next()}", "color": "#00897B"})),
            "GET /tags/{tag_id}": _read(Req(f"/tags/{self.tags[0]}")),
            "PATCH /tags/{tag_id}": _each(lambda: Req(f"/tags/{self.tag()}", {"name": f"Renamed {self.next()}"})),
            "DELETE /tags/{tag_id}": _each(lambda: Req(f"/tags/{self.tag()}")),
            "GET /custom-fields": _read(Req("/custom-fields")),
            "POST /custom-fields": _each(
                lambda: Req("/custom-fields", {"target": "account", "label": f"Code {self.next()}", "kind": "text"})
            ),
            "GET /custom-fields/{field_id}": _read(Req(f"/custom-fields/{self.fye}")),
            "PATCH /custom-fields/{field_id}": _each(
                lambda: Req(f"/custom-fields/{self.definition()}", {"label": f"Relabelled {self.next()}"})
            ),
            "DELETE /custom-fields/{field_id}": _each(lambda: Req(f"/custom-fields/{self.definition()}")),
            "GET /accounts/{account_id}/custom-fields/history": _read(Req(f"{a}/custom-fields/history")),
            "GET /pipelines": _read(Req("/pipelines")),
            "POST /pipelines": _each(lambda: Req("/pipelines", self.pipeline_body())),
            "GET /pipelines/{pipeline_id}": _read(Req(f"/pipelines/{self.pipeline}")),
            "PATCH /pipelines/{pipeline_id}": _each(
                lambda: Req(f"/pipelines/{self.created('/pipelines', self.pipeline_body())}", {"name": "Renamed"})
            ),
            "GET /quickbooks/connection": _read(Req("/quickbooks/connection")),
            "PUT /quickbooks/connection": _each(
                lambda: Req(
                    "/quickbooks/connection", {"connected": True, "company_name": f"Northwind CPA {self.next()}"}
                )
            ),
            "POST /accounts/{account_id}/quickbooks/sync-results": _each(
                lambda: Req(f"/accounts/{self.account()['id']}/quickbooks/sync-results", {"status": "synced"})
            ),
            "GET /search": _read(Req("/search?q=north")),
            "GET /accounts": _read(Req("/accounts")),
            "POST /accounts": _each(lambda: Req("/accounts", self.account_body(f"New {self.next()} Partners LLC"))),
            "GET /accounts/{account_id}": _read(Req(a)),
            "PATCH /accounts/{account_id}": _each(
                lambda: Req(f"/accounts/{self.account()['id']}", {"name": f"Renamed {self.next()} Holdings LLC"})
            ),
            "DELETE /accounts/{account_id}": _each(lambda: Req(f"/accounts/{self.account()['id']}")),
            "POST /accounts/{account_id}/restore": _each(lambda: Req(f"/accounts/{self.archived_account()}/restore")),
            "GET /accounts/{account_id}/overview": _read(Req(f"{a}/overview")),
            "PUT /accounts/{account_id}/photo": _each(
                lambda: Req(f"/accounts/{self.account()['id']}/photo", raw=self.png, headers=photo), s3=True
            ),
            "DELETE /accounts/{account_id}/photo": _each(
                lambda: Req(f"/accounts/{self.account_with_photo()}/photo"), s3=True
            ),
            "GET /accounts/{account_id}/signers": _read(Req(f"{a}/signers")),
            "POST /accounts/{account_id}/proposals/{item_id}/sign": _each(
                lambda: Req(
                    f"{a}/proposals/{self.item('proposals', SENT_LETTER)}/sign",
                    {"email": self.signer},
                )
            ),
        }
        found |= self._links(a, contact)
        found |= self._contacts(contact, addresses)
        found |= self._credit(a)
        for section in SECTION_KEYS:
            found |= self._section(a, section)
        return found

    def _links(self, a: str, contact: str) -> dict[str, Scenario]:
        def fresh_link(which: int) -> str:
            account = self.account()
            return f"/accounts/{account['id']}/contacts/{account['contacts'][which]['id']}"

        def new_person() -> Req:
            k = self.next()
            body = {"first_name": "Daniel", "last_name": f"Okafor{k}", "emails": [f"daniel.okafor{k}@gmail.com"]}
            return Req(f"/accounts/{self.account()['id']}/contacts", {**body, "description": "Bookkeeper"})

        return {
            "POST /accounts/{account_id}/contacts": _each(new_person),
            "GET /accounts/{account_id}/contacts/{contact_id}": _read(Req(f"{a}/contacts/{contact}")),
            "PATCH /accounts/{account_id}/contacts/{contact_id}": _each(
                lambda: Req(fresh_link(0), {"description": "Spouse; signs jointly"})
            ),
            "DELETE /accounts/{account_id}/contacts/{contact_id}": _each(lambda: Req(fresh_link(2))),
        }

    def _contacts(self, contact: str, addresses: list[str]) -> dict[str, Scenario]:
        def second_address() -> Req:
            created = self.account()["contacts"][0]
            return Req(email_path(created["id"], created["emails"][1]["address"]))

        def new_contact() -> Req:
            k = self.next()
            body = {"first_name": "Olivia", "last_name": f"Reyes{k}", "emails": [f"olivia.reyes{k}@gmail.com"]}
            return Req("/contacts", {**body, "phones": [{"number": "+1 201 555 0199", "label": "work"}]})

        return {
            "GET /contacts": _read(Req("/contacts")),
            "POST /contacts": _each(new_contact),
            "GET /contacts/{contact_id}": _read(Req(f"/contacts/{contact}")),
            "PATCH /contacts/{contact_id}": _each(
                lambda: Req(f"/contacts/{self.address()[0]}", {"last_name": f"Whitfield-Hale{self.next()}"})
            ),
            "GET /contacts/{contact_id}/accounts": _read(Req(f"/contacts/{contact}/accounts")),
            "POST /contacts/{contact_id}/emails": _each(
                lambda: Req(f"/contacts/{self.address()[0]}/emails", {"address": f"extra{self.next()}@icloud.com"})
            ),
            "GET /contacts/{contact_id}/emails/{email}": _read(Req(email_path(contact, addresses[0]))),
            "PATCH /contacts/{contact_id}/emails/{email}": _each(
                lambda: Req(email_path(*self.address()), {"signing_authority": False})
            ),
            "DELETE /contacts/{contact_id}/emails/{email}": _each(second_address),
            "POST /contacts/{contact_id}/emails/{email}/invite": _each(
                lambda: Req(email_path(*self.address()) + "/invite")
            ),
            "POST /portal/invites/accept": _each(
                lambda: Req("/portal/invites/accept", {"token": self.invitation()}, anonymous=True)
            ),
        }

    def _credit(self, a: str) -> dict[str, Scenario]:
        def unpaid_invoice() -> Req:
            invoice = self.item("invoices", {"number": f"INV-C-{self.next()}", "amount": "250.00", "status": "unpaid"})
            return Req(f"{a}/invoices/{invoice}/apply-credit")

        def new_chat() -> str:
            return self.item("chats", {"subject": f"Extension for the partnership return {self.next()}"})

        return {
            "POST /accounts/{account_id}/documents/{item_id}/view": _each(
                lambda: Req(f"{a}/documents/{self.item('documents', CLIENT_DOCUMENT)}/view")
            ),
            "GET /accounts/{account_id}/chats/{item_id}/messages": _read(Req(f"{a}/chats/{self.busy_chat}/messages")),
            "POST /accounts/{account_id}/chats/{item_id}/messages": _each(
                lambda: Req(f"{a}/chats/{new_chat()}/messages", {"body": LOREM[:203], "author": "firm"})
            ),
            "POST /accounts/{account_id}/invoices/{item_id}/apply-credit": _each(unpaid_invoice),
            "GET /accounts/{account_id}/credits": _read(Req(f"{a}/credits")),
            "POST /accounts/{account_id}/credits": _each(
                lambda: Req(f"{a}/credits", {"amount": "100.00", "note": "Payment on account"})
            ),
            "GET /accounts/{account_id}/credits/{entry_id}": _read(Req(f"{a}/credits/{self.credit_entry}")),
        }

    def _section(self, a: str, section: str) -> dict[str, Scenario]:
        base = f"{a}/{section}"
        patches: dict[str, dict[str, Any]] = {
            "documents": {"name": "2026 statement - Chase business checking (corrected).pdf"},
            "tasks": {"status": "in_progress"},
            "emails": {"subject": "Re: documents for the 2026 return (follow-up)"},
            "jobs": {"stage_id": self.stages[2]},
            "chats": {"status": "closed"},
            "invoices": {"due_date": "2027-01-15"},
            "approvals": {"status": "approved"},
            "signatures": {"status": "signed"},
            "organizers": {"status": "in_progress"},
            "logins": {},
            "notes": {"body": LOREM[:380] + " Updated."},
            "time_entries": {"minutes": 60},
            "proposals": {"status": "viewed"},
        }
        sample = self.sample_body(section)

        def new_item() -> str:
            return self.item(section, sample)

        return {
            f"GET /accounts/{{account_id}}/{section}": _read(Req(base)),
            f"POST /accounts/{{account_id}}/{section}": _each(lambda: Req(base, sample)),
            f"GET /accounts/{{account_id}}/{section}/{{item_id}}": _read(Req(f"{base}/{self.items[section][10]}")),
            f"PATCH /accounts/{{account_id}}/{section}/{{item_id}}": _each(
                lambda: Req(f"{base}/{new_item()}", patches[section])
            ),
            f"DELETE /accounts/{{account_id}}/{section}/{{item_id}}": _each(lambda: Req(f"{base}/{new_item()}")),
        }


# --- measuring --------------------------------------------------------------------------


def _call(api: Api, method: str, req: Req) -> Reply:
    caller = api.as_(None) if req.anonymous else api
    return caller.call(method, req.path, req.body, raw=req.raw, headers=req.headers)


def _measure(table: Table, api: Api, firm: Firm, handler: TimedHandler, route: RouteDoc, scenario: Scenario) -> Row:
    route_id = f"{route.method} {route.path}"
    with _photos() if scenario.s3 else nullcontext():
        calls = scenario.prepare(WARMUP + ROUNDS)
        if route.method != "GET":
            firm.settle()
        usages: list[Usage] = []
        seconds: list[float] = []
        payloads: list[int] = []
        for i, req in enumerate(calls):
            with metered(table.client) as usage:
                reply = _call(api, route.method, req)
            assert reply.status == route.status, (route_id, req.path, reply.status, reply.body)
            assert handler.route == route_id, (route_id, "was served by", handler.route)
            if i >= WARMUP:
                usages.append(usage)
                seconds.append(handler.seconds)
                payloads.append(handler.payload_bytes)
    shapes = Counter((u.total_requests, u.rru, u.wru) for u in usages)
    usual = shapes.most_common(1)[0][0]
    varied = ""
    if len(shapes) > 1:
        spread = [
            f"{name} {min(s[k] for s in shapes):g} to {max(s[k] for s in shapes):g}"
            for k, name in enumerate(("requests", "RRU", "WRU"))
            if len({s[k] for s in shapes}) > 1
        ]
        varied = ", ".join(spread) + f" (the table shows the most frequent, {shapes.most_common(1)[0][1]} of {ROUNDS})"
    chosen = next(u for u in usages if (u.total_requests, u.rru, u.wru) == usual)
    return Row(route, chosen, varied, statistics.median(seconds) * 1000, max(payloads))


def _money(value: float) -> str:
    return f"{value:.2f}"


def _table(rows: list[Row]) -> list[str]:
    lines = [
        "| route | DynamoDB requests | RRU | WRU | handler ms: median (billed) | HTTP API | Lambda "
        "| DynamoDB | total | REST total (before) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        marks = (TRANSACTION_MARK if row.transactional else "") + (VARIED_MARK if row.varied else "")
        lines.append(
            f"| `{row.route.method} {row.route.path}`{marks} | {row.usage.requests_text()} | {row.usage.rru:g} "
            f"| {row.usage.wru:g} | {row.handler_ms:.1f} ({row.billed_ms}) | {_money(row.api_gateway)} "
            f"| {_money(row.lambda_)} | {_money(row.dynamodb)} | {_money(row.total)} | {_money(row.rest_total)} |"
        )
    return lines


def _notes(rows: list[Row]) -> list[str]:
    transactional = sum(1 for r in rows if r.transactional)
    by_dynamodb = sorted(rows, key=lambda r: r.dynamodb, reverse=True)
    gateway_first = sum(1 for r in rows if r.api_gateway >= max(r.lambda_, r.dynamodb))
    lines = [
        "",
        f"USD per million requests of the route, us-east-1 prices as of 2026-11 (constants in bench/cost.py): "
        f"API Gateway HTTP API ${HTTP_API_PER_MILLION:.2f} per {HTTP_API_METERING_BYTES // 1024} KB of payload "
        f"started (REST ${API_GATEWAY_REST_PER_MILLION:.2f} in the before column, no such metering); "
        f"Lambda ${LAMBDA_REQUESTS_PER_MILLION:.2f} "
        f"+ ${LAMBDA_PER_GB_SECOND} per GB-second at {LAMBDA_MEMORY_MB} MB; DynamoDB on-demand "
        f"${DYNAMODB_PER_MILLION_RRU} per million RRU, ${DYNAMODB_PER_MILLION_WRU} per million WRU. "
        "No free tier, data transfer, CloudWatch Logs, S3 (photos) or SES (invitations).",
        "",
        f"- Each route: {WARMUP} warm-up call, then {ROUNDS} measured calls as the firm's owner (not on the "
        "account's team), one call each on a "
        "fresh resource for the mutating routes. Requests and units are those of one call (every measured "
        "call gave the same unless marked).",
        f"- handler ms: the median of the {ROUNDS} calls' Lambda handler time (the Chalice app called with the "
        "API Gateway event), measured in-process on this machine, DynamoDB Local's round trips over localhost "
        "included, the app's INFO logs off and its metric lines written to /dev/null; billed = rounded up to "
        "the next 1 ms. It is not a Lambda measurement: no cold start, and AWS's own latencies differ.",
        f"- {TRANSACTION_MARK} the call makes a TransactWriteItems ({transactional} routes). DynamoDB Local reports "
        "transactions as flat figures that do not count every item written (the account create's transaction of "
        "25 items, 21 Puts and 4 condition checks, is reported as 6 WRU), not by DynamoDB's rule (2 WRU per item "
        "of up to 1 KB). These rows' WRU and DynamoDB cost are DynamoDB Local's figures, not AWS's bill; "
        "docs/data-model.md (Access patterns) gives the rule-based cost of these patterns, not recomputed here.",
        "- Stream work is not in these rows: the overview projection, the search indexer and notifications run "
        "in their own Lambda functions per change (see the Overview and Search sections).",
        f"- {sum(1 for r in rows if r.metered_requests > 1)} routes' calls were billed as more than one HTTP API "
        f"request (payload over {HTTP_API_METERING_BYTES // 1024} KB). "
        f"The HTTP API is the largest part of the total for {gateway_first} of {len(rows)} routes. Highest "
        "DynamoDB cost: "
        + "; ".join(
            f"`{r.route.method} {r.route.path}` ${r.dynamodb:.2f} ({r.usage.rru:g} RRU, {r.usage.wru:g} WRU)"
            for r in by_dynamodb[:5]
        )
        + ".",
    ]
    for row in rows:
        if row.varied:
            lines.append(f"- {VARIED_MARK} `{row.route.method} {row.route.path}` varied across calls: {row.varied}.")
    return lines


def endpoint_costs(table: Table, app: Chalice) -> str:
    """Seed, measure every route, and the results as a Markdown table with notes."""
    firm_ = make_firm(table, "Northwind CPA")
    handler = TimedHandler(app)
    with Client(app) as client, mock.patch.object(client.http._local_gateway, "_app_object", handler):
        api = Api(client, firm_.owner_token)
        firm = Firm(api, [poller(table), search_poller(table)])
        firm.seed()
        scenarios = firm.scenarios()
        # BENCH_ROUTES (a regular expression on "METHOD /path") measures only the routes it matches.
        chosen = [r for r in load_all() if re.search(os.environ.get("BENCH_ROUTES", ""), f"{r.method} {r.path}")]
        missing = [r for r in chosen if f"{r.method} {r.path}" not in scenarios]
        known = [r for r in chosen if f"{r.method} {r.path}" in scenarios]
        reads = [r for r in known if r.method == "GET"]
        writes = [r for r in known if r.method != "GET"]
        measured = {
            id(r): _measure(table, api, firm, handler, r, scenarios[f"{r.method} {r.path}"]) for r in reads + writes
        }
        firm.settle()
    rows = [measured[id(r)] for r in known]
    unmeasured = [
        f"- Not measured (no scenario in bench/cost.py yet, {len(missing)} routes): "
        + ", ".join(f"`{r.method} {r.path}`" for r in missing)
        + "."
    ]
    return "\n".join([*_table(rows), *_notes(rows), *(unmeasured if missing else [])])


@contextmanager
def _quiet(name: str = "dossier") -> Iterator[None]:
    """The stream functions log a line per batch; keep them out of the tables."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def run(table: Table, app: Chalice) -> str:
    with (
        _quiet(),
        open(os.devnull, "w") as sink,
        redirect_stdout(sink),  # the app's metric lines (CloudWatch's embedded metric format)
        tempfile.TemporaryDirectory() as outbox,
        _environment(MAIL_OUTBOX_DIR=outbox, PHOTOS_BUCKET=os.environ.get("PHOTOS_BUCKET") or "dossier-bench-photos"),
    ):
        costs = endpoint_costs(table, app)
    return costs
