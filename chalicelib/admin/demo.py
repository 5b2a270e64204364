"""Demo data for ``make run``: one firm with an owner, an admin, two
employees, tags and ~50 accounts with contacts, written through the same
service functions the API uses. Seeding is skipped when the demo firm exists.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.adapters.auth import Claims
from chalicelib.adapters.config import settings
from chalicelib.adapters.directory import LOCAL_PASSWORD, CognitoDirectory, directory
from chalicelib.domain.models.accounts import AccountCreate, CustomFieldCreate, QuickBooksConnectionIn, SyncResultIn
from chalicelib.domain.models.operations import PipelineCreate
from chalicelib.domain.models.people import MemberCreate, Rights, TagCreate
from chalicelib.domain.sections import SECTIONS
from chalicelib.domain.sections.models import MessageCreate
from chalicelib.repo.demo import demo_marker, mark_demo
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.table import Table
from chalicelib.services import (
    accounts,
    activity,
    credit,
    custom_fields,
    members,
    pipelines,
    portal,
    quickbooks,
    signing,
    tags,
)
from chalicelib.services.context import Ctx
from chalicelib.services.members import create_firm, member_out

# Bumped when the stored form of items changes (2: name sort keys "<name> #<id>"; 3: members bound to
# the local identity provider's users), so `make run` recreates local data written by an older version.
DATA_FORMAT = 3
ACCOUNT_COUNT = 50
# Accounts whose every overview section is full (more than five items each).
FULL_ACCOUNTS = 6
ACTIVE_ACCOUNTS = 20

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


def written_by_older_version(table: Table) -> bool:
    """Whether the demo data predates DATA_FORMAT (no demo yet: False)."""
    marker = demo_marker(table)
    return marker is not None and marker.get("data_format", 1) != DATA_FORMAT


def seed(table: Table, *, with_tokens: bool = True) -> dict[str, Any]:
    """Create the demo firm unless it exists; return its members (with fresh tokens from the local
    identity provider, unless ``with_tokens`` is False)."""
    marker = demo_marker(table)
    if marker is None:
        _create(table)
        marker = demo_marker(table)
    assert marker is not None
    firm_id = str(marker["firm_id"])
    firms = FirmRepo(table)
    people = sorted(firms.list_members(firm_id), key=lambda m: ("owner", "admin", "employee").index(m.role))
    pool = directory() if with_tokens else None  # (an OIDC stage, as in the tests: the issuer signs them in)
    return {
        "firm_id": firm_id,
        "first_account_id": marker.get("first_account_id"),
        "password": LOCAL_PASSWORD,
        "members": [
            {
                "member_id": m.id,
                "name": m.name,
                "email": m.email,
                "role": m.role,
                "rights": member_out(m).rights.model_dump(),
                **({"token": _token(pool, m.email)} if pool else {}),
            }
            for m in people
            if m.status == "active"
        ],
    }


def _token(pool: CognitoDirectory, email: str) -> str | None:
    """A token for a member who signs in with the local password (None: one who chose their own, or who
    was invited and has not signed in yet)."""
    try:
        answer = pool.sign_in(settings().jwt_audience or "", email, LOCAL_PASSWORD)
    except Exception:  # refused by the provider: not a demo sign-in
        return None
    token: str | None = answer.get("AccessToken")
    return token


def _local_passwords(emails: list[str]) -> None:
    """The demo members sign in with the password `make run` prints (an OIDC stage signs them in itself)."""
    pool = directory()
    for email in emails if pool is not None else []:
        assert pool is not None
        pool.set_local_password(email)


def _create(table: Table) -> None:
    rng = random.Random(2026)
    firm, owner = create_firm(
        FirmRepo(table),
        name="Ledgerly Accounting (demo)",
        owner_name="Olivia Owner",
        owner_email="olivia@ledgerly.example",
        send_invitation=False,
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
    _local_passwords([owner.email, *(body.email for body in staff.values())])
    tag_ids = [tags.create_tag(ctx, TagCreate(name=n, color=c), None) for n, c in _TAGS]
    fields = {
        label: custom_fields.create_field(
            ctx,
            CustomFieldCreate.model_validate({"target": target, "label": label, "kind": kind, "options": options}),
            None,
        )
        for target, label, kind, options in _FIELDS
    }
    used: set[str] = set()
    shared_contacts: list[str] = []
    account_ids: list[str] = []
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
        values: dict[str, Any] = {}
        if company:
            values = {
                fields["VAT number"]: f"US{100000 + i * 7919}",
                fields["Fiscal year end"]: rng.choice(["2026-12-31", "2026-06-30", "2026-03-31"]),
                fields["Entity"]: rng.choice(["LLC", "S corp", "C corp", "Partnership"]),
                fields["Annual revenue"]: rng.randint(80, 9000) * 1000,
            }
        if month := i % 4:
            contacts[0]["custom_fields"] = {fields["Birthday"]: f"{1950 + i}-0{month}-1{month}"}
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
                "custom_fields": values,
                "quickbooks_sync_mode": "never" if i % 11 == 10 else "auto",
            }
        )
        account_id = accounts.create_account(ctx, body, None)
        view = ctx.accounts.view(firm.id, account_id, consistent=True)
        assert view is not None
        shared_contacts.append(view.links[0].contact_id)
        account_ids.append(account_id)
    flows = [
        pipelines.create_pipeline(ctx, PipelineCreate.model_validate(p), None)
        for p in (
            {"name": "Tax return 2026", "stages": [{"name": n} for n in ("Intake", "Preparation", "Review", "Filed")]},
            {"name": "Monthly bookkeeping", "stages": [{"name": n} for n in ("Collect", "Reconcile", "Report")]},
        )
    ]
    member_ids = [owner.id, *ids.values()]
    stages = {p: [s.id for s in pipelines.get_pipeline(ctx, p).stages] for p in flows}
    for i, account_id in enumerate(account_ids):
        # A few accounts with every section full, some with a little activity, and new clients with none.
        count = 7 if i < FULL_ACCOUNTS else (1 + i % 3 if i < ACTIVE_ACCOUNTS else 0)
        if count:
            _activity(ctx, account_id, stages, member_ids, rng, count)
    _quickbooks(ctx, account_ids[:ACTIVE_ACCOUNTS])
    if settings().s3_endpoint:  # photos only where a local S3 runs (make run), not in tests
        for i, account_id in enumerate(account_ids[:FULL_ACCOUNTS]):
            accounts.set_photo(ctx, account_id, _photo(i), None)
    mark_demo(table, firm.id, account_ids[0], DATA_FORMAT)


_DOCS = [
    "W-2 2025.pdf",
    "1099-INT Chase.pdf",
    "Bank statement March.pdf",
    "Receipts Q3.zip",
    "Mortgage 1098.pdf",
    "Payroll summary.xlsx",
    "ID scan.jpg",
    "Lease agreement.pdf",
]
_TASKS = [
    "Call about missing 1099",
    "Prepare quarterly estimate",
    "Reconcile October",
    "Review payroll setup",
    "Send engagement letter",
    "File extension",
    "Update bank feed",
]
_SUBJECTS = [
    "Documents for this year",
    "Question about deductions",
    "Your quarterly estimate",
    "Payroll change",
    "Invoice reminder",
    "Meeting next week",
    "Signed forms",
]
_NOTES = [
    "Prefers phone calls in the morning.",
    "Bought a rental property in May; ask for closing statement.",
    "Spouse handles the household bookkeeping.",
    "Considering an S-corp election next year.",
    "Sensitive about fees; agree scope up front.",
    "New baby in 2026: dependant and childcare credit.",
]


_FIELDS = [
    ("account", "VAT number", "text", []),
    ("account", "Fiscal year end", "date", []),
    ("account", "Entity", "dropdown", ["LLC", "S corp", "C corp", "Partnership", "Sole proprietor"]),
    ("account", "Annual revenue", "number", []),
    ("contact", "Birthday", "date", []),
]


def _quickbooks(ctx: Ctx, account_ids: list[str]) -> None:
    """The connector connected QuickBooks and synced most accounts with invoices; one failed."""
    quickbooks.set_connection(ctx, QuickBooksConnectionIn(connected=True, company_name="Ledgerly Accounting LLC"))
    for i, account_id in enumerate(account_ids[:12]):
        if i == 3:
            result = SyncResultIn(status="error", reason="The customer is inactive in QuickBooks.")
        else:
            result = SyncResultIn(status="synced")
        quickbooks.record_result(ctx, account_id, result)


def _photo(i: int) -> bytes:
    """A plain 96x96 logo: a coloured square (Pillow, as uploads are checked with)."""
    import io

    from PIL import Image

    colours = [(25, 118, 210), (56, 142, 60), (245, 124, 0), (123, 31, 162), (211, 47, 47), (0, 121, 107)]
    out = io.BytesIO()
    Image.new("RGB", (96, 96), colours[i % len(colours)]).save(out, "PNG")
    return out.getvalue()


def _portal_user(ctx: Ctx, account_id: str) -> str:
    """The account's first signer's address, given active portal access the
    way a client gets it (an invitation, accepted), without mailing it."""
    view = ctx.accounts.view(ctx.firm_id, account_id, consistent=True)
    assert view is not None
    first = min(view.links, key=lambda link: link.signer_priority or 100)
    contact = ctx.contacts.get(ctx.firm_id, first.contact_id, consistent=True)
    assert contact is not None
    email = ctx.contacts.get_email(ctx.firm_id, contact.emails[0], consistent=True)
    assert email is not None
    if email.login != "active":
        portal.accept(portal.issue_invitation(ctx, email, {}, None).token, ctx.table)
    return email.address


def _activity(
    ctx: Ctx, account_id: str, stages: dict[str, list[str]], member_ids: list[str], rng: random.Random, n: int
) -> None:
    """``n`` items per section, spread over the last months (newest last).
    The primary contact's address accepted its portal invitation, so it logs
    in and signs the proposals sent to it."""
    now = datetime.now(UTC).replace(microsecond=0)
    client = _portal_user(ctx, account_id)
    flows = list(stages)

    def status(k: int, counted: list[str], others: list[str]) -> str:
        """The newest five count for the overview (so it is full); older ones vary."""
        return rng.choice(counted) if k >= n - 5 else rng.choice(counted + others)

    def ago(k: int) -> str:
        return (
            (now - timedelta(days=3 * (n - k) + rng.randint(0, 2), hours=rng.randint(0, 9)))
            .isoformat()
            .replace("+00:00", "Z")
        )

    bodies: dict[str, Any] = {
        "documents": lambda k: {
            "name": rng.choice(_DOCS),
            "uploaded_by": status(k, ["client"], ["firm"]),
            "uploaded_at": ago(k),
        },
        "tasks": lambda k: {
            "title": rng.choice(_TASKS),
            "status": status(k, ["planned", "in_progress"], ["done"]),
            "due_date": ago(k)[:10],
            "assignee_id": rng.choice(member_ids),
        },
        "emails": lambda k: (
            {"subject": rng.choice(_SUBJECTS), "direction": "inbound", "at": ago(k)}
            if k % 2
            else {
                "subject": rng.choice(_SUBJECTS),
                "direction": "outbound",
                "status": rng.choice(["sent", "delivered", "opened"]),
                "at": ago(k),
            }
        ),
        "jobs": lambda k: (
            lambda p: {
                "name": f"{rng.choice(['1040', 'Bookkeeping', 'Payroll'])} {2020 + k}",
                "pipeline_id": p,
                "stage_id": rng.choice(stages[p]),
                "status": status(k, ["active"], ["completed"]),
            }
        )(rng.choice(flows)),
        "chats": lambda k: {"subject": rng.choice(_SUBJECTS)},
        "invoices": lambda k: {
            "number": f"INV-{rng.randint(1000, 9999)}",
            "amount": f"{rng.randint(90, 2400)}.00",
            "due_date": ago(k + 2)[:10],
            "issued_at": ago(k),
            "status": status(k, ["unpaid"], ["paid"]),
        },
        "approvals": lambda k: {
            "document_name": f"Tax return {2019 + k}",
            "requested_at": ago(k),
            "status": status(k, ["pending"], ["approved"]),
        },
        "signatures": lambda k: {
            "document_name": f"Form 8879 ({2019 + k})",
            "sent_at": ago(k),
            "status": rng.choice(["pending", "signed", "declined"]),
        },
        "organizers": lambda k: {
            "name": f"{2019 + k} tax organizer",
            "sent_at": ago(k),
            "status": rng.choice(["sent", "in_progress", "completed"]),
        },
        "logins": lambda k: {"email": client, "at": ago(k)},
        "notes": lambda k: {
            "title": rng.choice(["Call notes", "Meeting", "Reminder"]),
            "body": rng.choice(_NOTES),
            "at": ago(k),
        },
        "time_entries": lambda k: {
            "minutes": rng.choice([15, 30, 45, 60, 90]),
            "date": ago(k)[:10],
            "member_id": rng.choice(member_ids),
            "description": rng.choice(_TASKS),
            "billable": k % 4 != 0,
        },
        "proposals": lambda k: {
            "name": f"Services {2020 + k}",
            "kind": rng.choice(["proposal", "engagement_letter"]),
            "status": status(k, ["sent", "viewed", "signed"], ["draft"]),
        },
    }
    for key, body in bodies.items():
        section = SECTIONS[key]
        for k in range(n):
            fields = body(k)
            to_sign = key == "proposals" and fields["status"] == "signed"
            if to_sign:
                fields["status"] = "sent"  # then signed by the client, as signing works
            item_id = activity.create_item(ctx, account_id, section, section.create.model_validate(fields), None)["id"]
            if to_sign:
                signing.sign_proposal(ctx, account_id, item_id, client)
            if key == "chats":
                for author, text in (
                    ("client", "Hi! I uploaded the documents you asked for."),
                    ("firm", "Thanks, we will review them this week."),
                ):
                    activity.add_message(
                        ctx, account_id, item_id, MessageCreate.model_validate({"body": text, "author": author}), None
                    )
    credit.add_credit(ctx, account_id, Decimal(rng.choice([0, 150, 500, 2500]) or 50), "Retainer", None)
