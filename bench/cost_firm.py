"""The cost bench's firm: seeded through the API, and fresh resources shaped
like its main account."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from typing import Any

from bench.common import ok, png
from chalicelib.domain.sections import SECTIONS as SECTION_DEFINITIONS
from devtools.stream_poller import StreamPoller
from tests.support.api import Api
from tests.support.portal import activate, email_path, latest_token

# Fewer: a quicker seed (lists read less); at least 11, since the scenarios act on each section's 11th item.
ITEMS_PER_SECTION = max(11, int(os.environ.get("BENCH_ITEMS_PER_SECTION", "30")))
OTHER_ACCOUNTS = 29

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
