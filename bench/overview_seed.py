"""The Overview bench's account: one firm, one account whose thirteen sections
are all full, created through the HTTP API (bench/goals_probe.py seeds it too)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.common import ok
from chalicelib.domain.sections import OVERVIEW_SIZE, SECTIONS
from tests.support.api import Api, TestFirm
from tests.support.portal import activate

SECTION_ITEMS = OVERVIEW_SIZE + 1  # 5 shown and has_more
ACCOUNT_NAME = "Northwind Landscaping & Design LLC"
MEMBER_NAMES = ("Margaret Whitfield-Jones, CPA", "Theodore Okonkwo-Hartmann")
NOTE_BODY = (
    "Called the client to go over the fourth-quarter estimated payment. Revenue is up about 18 % on last "
    "year, mostly from the new commercial maintenance contracts, so the safe-harbour amount from last year's "
    "return will not cover the liability. Agreed to recalculate after the November books close and to send "
    "a revised voucher by the 5th. The client will also forward the lease for the second equipment yard."
)
TASK_DESCRIPTION = (
    "Match every deposit and withdrawal on the operating and payroll accounts against the ledger, flag "
    "anything older than 30 days that is still uncleared, and list the questions for the client."
)
CHAT_MESSAGE = (
    "Hi Maria, we still need the 1099-NEC forms from the two subcontractors you paid in March and July, and "
    "the closing statement for the truck you sold. Could you upload them to the portal this week? Thanks!"
)
EMAIL_SNIPPET = (
    "Attached are the bank statements for October and November. The December one will follow once the bank "
    "releases it; let me know if you also need the credit card statements for the same months."
)


@dataclass
class Seeded:
    api: Api
    firm_id: str
    owner_id: str
    account_id: str
    member_ids: list[str]
    pipeline_id: str
    stage_ids: list[str]
    ids: dict[str, list[str]] = field(default_factory=dict)
    messages: int = 0
    admin_token: str = ""

    @property
    def base(self) -> str:
        return f"/accounts/{self.account_id}"


def item_body(section: str, i: int, seed: Seeded) -> dict[str, Any]:
    """A realistic item of ``section`` that qualifies for the overview."""
    member = seed.member_ids[i % len(seed.member_ids)]
    bodies: dict[str, dict[str, Any]] = {
        "documents": {"name": f"2025 W-2 Northwind payroll {i:02d}.pdf", "uploaded_by": "client"},
        "tasks": {
            "title": f"Reconcile Q3 bank statements #{i}",
            "status": "planned" if i % 2 else "in_progress",
            "due_date": "2026-12-15",
            "assignee_id": member,
            "description": TASK_DESCRIPTION,
        },
        "emails": {
            "subject": f"Re: Missing 1099-NEC forms for 2025 ({i})",
            "direction": "inbound",
            "from_address": "maria.gonzalez@northwind.example",
            "to_addresses": ["team@firm.example"],
            "snippet": EMAIL_SNIPPET,
        },
        "jobs": {
            "name": f"2025 Business income tax return {i}",
            "pipeline_id": seed.pipeline_id,
            "stage_id": seed.stage_ids[i % len(seed.stage_ids)],
            "due_date": "2027-03-15",
            "assignee_id": member,
        },
        "chats": {"subject": f"Questions about estimated taxes {i}"},
        "invoices": {"number": f"INV-2026-{i:04d}", "amount": "1250.00", "due_date": "2026-12-31"},
        "approvals": {"document_name": f"Engagement letter, 2025 tax year {i}"},
        "signatures": {"document_name": f"Form 8879 e-file authorization {i}"},
        "organizers": {"name": f"2025 Business tax organizer {i:02d}"},
        "logins": {"email": "maria.gonzalez@northwind.example"},
        "notes": {"title": f"Call about Q4 estimated payment {i}", "body": NOTE_BODY},
        "time_entries": {
            "minutes": 90,
            "member_id": member,
            "description": "Prepared Schedule C and reviewed the expense categories with the client",
        },
        "proposals": {"name": f"2026 Bookkeeping and payroll plan {i}", "kind": "proposal", "status": "sent"},
    }
    return bodies[section]


def seed_account(api: Api, firm: TestFirm) -> Seeded:
    member_ids = [
        ok(api.post("/members", {"name": name, "email": f"member{n}@firm.example", "role": "employee"}), 201)["id"]
        for n, name in enumerate(MEMBER_NAMES)
    ]
    tags = [
        ok(api.post("/tags", {"name": name, "color": "#3366CC"}), 201)["id"]
        for name in ("Monthly bookkeeping", "Payroll")
    ]
    stages = [{"name": n} for n in ("Documents requested", "In preparation", "Partner review", "Filed")]
    pipeline = ok(api.post("/pipelines", {"name": "Business tax returns 2025", "stages": stages}), 201)
    account = {
        "name": ACCOUNT_NAME,
        "type": "company",
        "tags": tags,
        "team_member_ids": member_ids,
        "address": {
            "line1": "1208 Cedar Hollow Road",
            "line2": "Suite 300",
            "city": "Asheville",
            "region": "NC",
            "postal_code": "28803",
            "country": "US",
        },
        "contacts": [
            {
                "first_name": "Maria",
                "last_name": "Gonzalez",
                "emails": ["maria.gonzalez@northwind.example"],
                "description": "Owner",
            }
        ],
    }
    created = ok(api.post("/accounts", account), 201)
    account_id = created["id"]
    # Logins are recorded for an address with active portal access: Maria accepted her invitation.
    activate(api, created["contacts"][0]["id"], "maria.gonzalez@northwind.example")
    ok(api.post(f"/accounts/{account_id}/credits", {"amount": "10000.00", "note": "Retainer by bank transfer"}), 201)
    stage_ids = [s["id"] for s in pipeline["stages"]]
    admin_token = firm.add_member("admin", name="Priya Raman-Castellanos")[1]
    return Seeded(
        api, firm.firm_id, firm.owner_id, account_id, member_ids, pipeline["id"], stage_ids, admin_token=admin_token
    )


def seed_items(seed: Seeded) -> None:
    for i in range(SECTION_ITEMS):
        for key in SECTIONS:
            item = ok(seed.api.post(f"{seed.base}/{key}", item_body(key, i, seed)), 201)
            seed.ids.setdefault(key, []).append(item["id"])
            if key == "chats":
                message = {"body": CHAT_MESSAGE, "author": "client"}
                ok(seed.api.post(f"{seed.base}/chats/{item['id']}/messages", message), 201)
