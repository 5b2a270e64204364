"""Demo data for ``make run``: one firm with an owner, an admin, two
employees, tags and ~50 accounts with contacts, written through the same
service functions the API uses. Seeding is skipped when the demo firm exists.
"""

from __future__ import annotations

import random
from typing import Any

from chalicelib.auth import Claims, issue_local_token
from chalicelib.models import AccountCreate, MemberCreate, Rights, TagCreate
from chalicelib.repo import keys
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.table import ITEM_ABSENT, Put, Table
from chalicelib.services import accounts, members, tags
from chalicelib.services.context import Ctx
from chalicelib.services.members import create_firm, member_out

# Keyed like a firm (firm ids are ULIDs, so "DEMO" cannot collide with one).
DEMO_MARKER = keys.Key(keys.firm_pk("DEMO"), "DEMO_MARKER")
ACCOUNT_COUNT = 50

_FIRST = ["Anna", "Jörg", "Chloé", "Mateo", "Aisha", "Liam", "Sofía", "Noah", "Zoë", "Ren", "Olivia", "Émile"]
_LAST = ["Müller", "García", "Nguyen", "Smith", "O'Brien", "Kowalski", "Dubois", "Rossi", "Schmidt", "Johansson"]
_COMPANIES = [
    "Acme Bakery",
    "Blue Harbor Logistics",
    "Cedar & Pine Dental",
    "Delta Solar",
    "Évora Imports",
    "Foxglove Florists",
    "Granite Peak Builders",
    "Helios Analytics",
    "Ironwood Furniture",
    "Juniper Yoga",
    "Kestrel Aviation",
    "Lumen Lighting",
    "Maple Street Café",
    "Nordlicht GmbH",
    "Orchid Spa",
    "Pioneer Plumbing",
    "Quill & Ink Bookshop",
    "Riverbend Farms",
    "Saffron Kitchen",
    "Tidewater Marine",
]
_TAGS = [
    ("VIP", "#D32F2F"),
    ("Monthly bookkeeping", "#1976D2"),
    ("Tax return", "#388E3C"),
    ("Payroll", "#F57C00"),
    ("New client", "#7B1FA2"),
]


def _marker(table: Table) -> dict[str, Any] | None:
    return table.get(DEMO_MARKER, consistent=True)


def seed(table: Table) -> dict[str, Any]:
    """Create the demo firm unless it exists; return its members with fresh tokens."""
    marker = _marker(table)
    if marker is None:
        _create(table)
        marker = _marker(table)
    assert marker is not None
    firm_id = str(marker["firm_id"])
    firms = FirmRepo(table)
    people = sorted(firms.list_members(firm_id), key=lambda m: ("owner", "admin", "employee").index(m.role))
    return {
        "firm_id": firm_id,
        "members": [
            {
                "member_id": m.id,
                "name": m.name,
                "role": m.role,
                "rights": member_out(m).rights.model_dump(),
                "token": issue_local_token(firm_id, m.id),
            }
            for m in people
        ],
    }


def _create(table: Table) -> None:
    rng = random.Random(2026)
    firm, owner = create_firm(
        FirmRepo(table),
        name="Ledgerly Accounting (demo)",
        owner_name="Olivia Owner",
        owner_email="olivia@ledgerly.example",
    )
    ctx = Ctx(claims=Claims(firm.id, owner.id), table=table)
    staff = {
        "admin": MemberCreate(name="Adam Admin", email="adam@ledgerly.example", role="admin"),
        "manager": MemberCreate(
            name="Erin Employee", email="erin@ledgerly.example", rights=Rights(manage_accounts=True)
        ),
        "viewer": MemberCreate(
            name="Victor Viewer", email="victor@ledgerly.example", rights=Rights(view_all_accounts=True)
        ),
    }
    ids = {key: members.add_member(ctx, body, None) for key, body in staff.items()}
    tag_ids = [tags.create_tag(ctx, TagCreate(name=n, color=c), None) for n, c in _TAGS]
    used: set[str] = set()
    shared_contacts: list[str] = []
    for i in range(ACCOUNT_COUNT):
        company = i < len(_COMPANIES)
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        name = _COMPANIES[i] if company else f"{first} {last}" + (" family" if i % 3 == 0 else "")
        if name in used:
            name = f"{name} ({i})"
        used.add(name)
        contacts: list[dict[str, Any]] = []
        for j in range(1 + i % 3):
            cf, cl = (first, last) if j == 0 else (rng.choice(_FIRST), last)
            contacts.append(
                {
                    "first_name": cf,
                    "last_name": cl,
                    "emails": [f"{cf}.{cl}.{i}.{j}".lower().replace("'", "") + "@client.example"],
                    "phones": [{"number": f"+1 555 01{i:02d}{j}", "label": "mobile"}],
                    "description": "Primary contact" if j == 0 else rng.choice(["CFO", "Spouse", "Bookkeeper"]),
                    "signer_priority": j + 1,
                }
            )
        if shared_contacts and i % 5 == 0:
            # A person linked to several accounts (family and business).
            contacts.append({"contact_id": rng.choice(shared_contacts), "description": "Owner"})
        team = [ids["manager"]] if i % 2 == 0 else []
        if i % 4 == 1:
            team.append(ids["admin"])
        body = AccountCreate.model_validate(
            {
                "name": name,
                "type": "company" if company else ("individual" if i % 3 else "other"),
                "tags": rng.sample(tag_ids, k=i % 3),
                "team_member_ids": team,
                "address": {
                    "line1": f"{100 + i} Main Street",
                    "city": "Springfield",
                    "postal_code": f"{10000 + i}",
                    "country": "US",
                },
                "contacts": contacts,
            }
        )
        account_id = accounts.create_account(ctx, body, None)
        view = ctx.accounts.view(firm.id, account_id, consistent=True)
        assert view is not None
        shared_contacts.append(view.links[0].contact_id)
    table.write([Put({**DEMO_MARKER.as_dict(), "entity": "demo_marker", "firm_id": firm.id}, ITEM_ABSENT)])
