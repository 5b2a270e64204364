"""The thirteen activity sections, table-driven (docs/api.md "Activity sections"): ``SPECS`` holds,
per section, a valid create body, a valid change, its time field and statuses, and bodies that must
be refused; ``API_STATUSES`` the statuses docs/api.md gives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.sections import OWNER_NAME, Body, Env


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


def job_body(env: Env) -> Body:
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
        create=job_body,
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
