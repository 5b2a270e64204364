"""The cost bench's calls: for each route, the requests one measured call makes,
their resources created on the firm."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.cost_firm import LOREM, SECTION_KEYS, Firm
from tests.support.portal import email_path

SENT_LETTER = {"name": "Engagement 2027", "kind": "engagement_letter", "status": "sent"}
CLIENT_DOCUMENT = {"name": "W-2 Margaret.pdf", "uploaded_by": "client"}


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


def _read(req: Req) -> Scenario:
    return Scenario(lambda n: [req] * n)


def _each(make: Callable[[], Req], *, s3: bool = False) -> Scenario:
    return Scenario(lambda n: [make() for _ in range(n)], s3)


def scenarios_of(firm: Firm) -> dict[str, Scenario]:
    a = f"/accounts/{firm.main}"
    contact, addresses = firm.contacts[0]
    photo = {"Content-Type": "image/png"}
    found: dict[str, Scenario] = {
        "GET /health": _read(Req("/health", anonymous=True)),
        "GET /openapi.json": _read(Req("/openapi.json", anonymous=True)),
        "GET /me": _read(Req("/me")),
        "GET /members": _read(Req("/members")),
        "GET /firm": _read(Req("/firm")),
        "PATCH /firm": _each(lambda: Req("/firm", {"name": f"Northwind CPA {firm.next()}"})),
        "POST /members": _each(
            lambda: Req(
                "/members", {"name": f"Staff {firm.next()}", "email": f"new{firm.next()}@northwind-cpa.example"}
            )
        ),
        "GET /members/{member_id}": _read(Req(f"/members/{firm.team[0]}")),
        "PATCH /members/{member_id}": _each(
            lambda: Req(f"/members/{firm.member()}", {"rights": {"view_all_accounts": True}})
        ),
        "GET /tags": _read(Req("/tags")),
        "POST /tags": _each(lambda: Req("/tags", {"name": f"Segment {firm.next()}", "color": "#00897B"})),
        "GET /tags/{tag_id}": _read(Req(f"/tags/{firm.tags[0]}")),
        "PATCH /tags/{tag_id}": _each(lambda: Req(f"/tags/{firm.tag()}", {"name": f"Renamed {firm.next()}"})),
        "DELETE /tags/{tag_id}": _each(lambda: Req(f"/tags/{firm.tag()}")),
        "GET /custom-fields": _read(Req("/custom-fields")),
        "POST /custom-fields": _each(
            lambda: Req("/custom-fields", {"target": "account", "label": f"Code {firm.next()}", "kind": "text"})
        ),
        "GET /custom-fields/{field_id}": _read(Req(f"/custom-fields/{firm.fye}")),
        "PATCH /custom-fields/{field_id}": _each(
            lambda: Req(f"/custom-fields/{firm.definition()}", {"label": f"Relabelled {firm.next()}"})
        ),
        "DELETE /custom-fields/{field_id}": _each(lambda: Req(f"/custom-fields/{firm.definition()}")),
        "GET /accounts/{account_id}/custom-fields/history": _read(Req(f"{a}/custom-fields/history")),
        "GET /pipelines": _read(Req("/pipelines")),
        "POST /pipelines": _each(lambda: Req("/pipelines", firm.pipeline_body())),
        "GET /pipelines/{pipeline_id}": _read(Req(f"/pipelines/{firm.pipeline}")),
        "PATCH /pipelines/{pipeline_id}": _each(
            lambda: Req(f"/pipelines/{firm.created('/pipelines', firm.pipeline_body())}", {"name": "Renamed"})
        ),
        "GET /quickbooks/connection": _read(Req("/quickbooks/connection")),
        "PUT /quickbooks/connection": _each(
            lambda: Req("/quickbooks/connection", {"connected": True, "company_name": f"Northwind CPA {firm.next()}"})
        ),
        "POST /accounts/{account_id}/quickbooks/sync-results": _each(
            lambda: Req(f"/accounts/{firm.account()['id']}/quickbooks/sync-results", {"status": "synced"})
        ),
        "GET /search": _read(Req("/search?q=north")),
        "GET /accounts": _read(Req("/accounts")),
        "POST /accounts": _each(lambda: Req("/accounts", firm.account_body(f"New {firm.next()} Partners LLC"))),
        "GET /accounts/{account_id}": _read(Req(a)),
        "PATCH /accounts/{account_id}": _each(
            lambda: Req(f"/accounts/{firm.account()['id']}", {"name": f"Renamed {firm.next()} Holdings LLC"})
        ),
        "DELETE /accounts/{account_id}": _each(lambda: Req(f"/accounts/{firm.account()['id']}")),
        "POST /accounts/{account_id}/restore": _each(lambda: Req(f"/accounts/{firm.archived_account()}/restore")),
        "GET /accounts/{account_id}/overview": _read(Req(f"{a}/overview")),
        "PUT /accounts/{account_id}/photo": _each(
            lambda: Req(f"/accounts/{firm.account()['id']}/photo", raw=firm.png, headers=photo), s3=True
        ),
        "DELETE /accounts/{account_id}/photo": _each(
            lambda: Req(f"/accounts/{firm.account_with_photo()}/photo"), s3=True
        ),
        "GET /accounts/{account_id}/signers": _read(Req(f"{a}/signers")),
        "POST /accounts/{account_id}/proposals/{item_id}/sign": _each(
            lambda: Req(
                f"{a}/proposals/{firm.item('proposals', SENT_LETTER)}/sign",
                {"email": firm.signer},
            )
        ),
    }
    found |= _links(firm, a, contact)
    found |= _contacts(firm, contact, addresses)
    found |= _credit(firm, a)
    for section in SECTION_KEYS:
        found |= _section(firm, a, section)
    return found


def _links(firm: Firm, a: str, contact: str) -> dict[str, Scenario]:
    def fresh_link(which: int) -> str:
        account = firm.account()
        return f"/accounts/{account['id']}/contacts/{account['contacts'][which]['id']}"

    def new_person() -> Req:
        k = firm.next()
        body = {"first_name": "Daniel", "last_name": f"Okafor{k}", "emails": [f"daniel.okafor{k}@gmail.com"]}
        return Req(f"/accounts/{firm.account()['id']}/contacts", {**body, "description": "Bookkeeper"})

    return {
        "POST /accounts/{account_id}/contacts": _each(new_person),
        "GET /accounts/{account_id}/contacts/{contact_id}": _read(Req(f"{a}/contacts/{contact}")),
        "PATCH /accounts/{account_id}/contacts/{contact_id}": _each(
            lambda: Req(fresh_link(0), {"description": "Spouse; signs jointly"})
        ),
        "DELETE /accounts/{account_id}/contacts/{contact_id}": _each(lambda: Req(fresh_link(2))),
    }


def _contacts(firm: Firm, contact: str, addresses: list[str]) -> dict[str, Scenario]:
    def second_address() -> Req:
        created = firm.account()["contacts"][0]
        return Req(email_path(created["id"], created["emails"][1]["address"]))

    def new_contact() -> Req:
        k = firm.next()
        body = {"first_name": "Olivia", "last_name": f"Reyes{k}", "emails": [f"olivia.reyes{k}@gmail.com"]}
        return Req("/contacts", {**body, "phones": [{"number": "+1 201 555 0199", "label": "work"}]})

    return {
        "GET /contacts": _read(Req("/contacts")),
        "POST /contacts": _each(new_contact),
        "GET /contacts/{contact_id}": _read(Req(f"/contacts/{contact}")),
        "PATCH /contacts/{contact_id}": _each(
            lambda: Req(f"/contacts/{firm.address()[0]}", {"last_name": f"Whitfield-Hale{firm.next()}"})
        ),
        "GET /contacts/{contact_id}/accounts": _read(Req(f"/contacts/{contact}/accounts")),
        "POST /contacts/{contact_id}/emails": _each(
            lambda: Req(f"/contacts/{firm.address()[0]}/emails", {"address": f"extra{firm.next()}@icloud.com"})
        ),
        "GET /contacts/{contact_id}/emails/{email}": _read(Req(email_path(contact, addresses[0]))),
        "PATCH /contacts/{contact_id}/emails/{email}": _each(
            lambda: Req(email_path(*firm.address()), {"signing_authority": False})
        ),
        "DELETE /contacts/{contact_id}/emails/{email}": _each(second_address),
        "POST /contacts/{contact_id}/emails/{email}/invite": _each(
            lambda: Req(email_path(*firm.address()) + "/invite")
        ),
        "POST /portal/invites/accept": _each(
            lambda: Req("/portal/invites/accept", {"token": firm.invitation()}, anonymous=True)
        ),
    }


def _credit(firm: Firm, a: str) -> dict[str, Scenario]:
    def unpaid_invoice() -> Req:
        invoice = firm.item("invoices", {"number": f"INV-C-{firm.next()}", "amount": "250.00", "status": "unpaid"})
        return Req(f"{a}/invoices/{invoice}/apply-credit")

    def new_chat() -> str:
        return firm.item("chats", {"subject": f"Extension for the partnership return {firm.next()}"})

    return {
        "POST /accounts/{account_id}/documents/{item_id}/view": _each(
            lambda: Req(f"{a}/documents/{firm.item('documents', CLIENT_DOCUMENT)}/view")
        ),
        "GET /accounts/{account_id}/chats/{item_id}/messages": _read(Req(f"{a}/chats/{firm.busy_chat}/messages")),
        "POST /accounts/{account_id}/chats/{item_id}/messages": _each(
            lambda: Req(f"{a}/chats/{new_chat()}/messages", {"body": LOREM[:203], "author": "firm"})
        ),
        "POST /accounts/{account_id}/invoices/{item_id}/apply-credit": _each(unpaid_invoice),
        "GET /accounts/{account_id}/credits": _read(Req(f"{a}/credits")),
        "POST /accounts/{account_id}/credits": _each(
            lambda: Req(f"{a}/credits", {"amount": "100.00", "note": "Payment on account"})
        ),
        "GET /accounts/{account_id}/credits/{entry_id}": _read(Req(f"{a}/credits/{firm.credit_entry}")),
    }


def _section(firm: Firm, a: str, section: str) -> dict[str, Scenario]:
    base = f"{a}/{section}"
    patches: dict[str, dict[str, Any]] = {
        "documents": {"name": "2026 statement - Chase business checking (corrected).pdf"},
        "tasks": {"status": "in_progress"},
        "emails": {"subject": "Re: documents for the 2026 return (follow-up)"},
        "jobs": {"stage_id": firm.stages[2]},
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
    sample = firm.sample_body(section)

    def new_item() -> str:
        return firm.item(section, sample)

    return {
        f"GET /accounts/{{account_id}}/{section}": _read(Req(base)),
        f"POST /accounts/{{account_id}}/{section}": _each(lambda: Req(base, sample)),
        f"GET /accounts/{{account_id}}/{section}/{{item_id}}": _read(Req(f"{base}/{firm.items[section][10]}")),
        f"PATCH /accounts/{{account_id}}/{section}/{{item_id}}": _each(
            lambda: Req(f"{base}/{new_item()}", patches[section])
        ),
        f"DELETE /accounts/{{account_id}}/{section}/{{item_id}}": _each(lambda: Req(f"{base}/{new_item()}")),
    }
