"""The authorization matrix (docs/api.md "Conventions": Auth and Visibility;
chalicelib/domain/access.py): every route of ``chalicelib.handlers.http.endpoint.ROUTES`` by ten
principals, each case the exact status the contract gives, and for every
refused request nothing written (the whole table and the mail outbox, and on
the photo routes the photo bucket, are the same before and after; POSTs carry
an Idempotency-Key, so a stored key would show too).

The principals, all of firm A unless said otherwise:

- ``owner``, ``admin``;
- ``employee_on_team``: an employee without rights on the account's team;
- ``employee_off_team``: an employee without rights, not on the team;
- ``employee_view_all``: an employee with *view all accounts* (not on the team);
- ``employee_manage``: an employee with *manage accounts* (not on the team);
- ``other_firm``: the owner of firm B, the strongest member of another tenant
  (so a 404 there comes from tenant isolation, never from a missing right);
- ``no_token``, ``bad_signature`` (signed with another key), ``expired``:
  firm A owner's identity, never accepted;
- ``unbound``: a valid token of the issuer whose subject no member is bound to;
- ``deactivated``: firm A's admin after DELETE /members/{id}: never accepted.

Expected statuses, by rule (``RULES``):

- ``public``: no auth (health, OpenAPI, invitation acceptance): success for all;
- ``any``: any member, in their own firm (other_firm acts in firm B): success;
- ``open``: the account (or a contact linked only to it) may be opened: success;
  otherwise 404. The activity sections, document views and chat messages are
  ``open`` too: any member who may open the account records, changes and
  deletes its activity (chalicelib/services/activity.py, the routes' summaries;
  the contract names no right for them);
- ``edit``: may open and holds the manage right: success; may open without it:
  403 (a visible resource the caller may not change); may not open: 404. Also
  credit, paying from credit and recording a signature (their routes'
  summaries: the manage right);
- ``firm_manage``/``firm_manage_id``: firm-level writes for owner, admin and
  *manage accounts* (tags, contacts, accounts); others 403; a firm-A id used
  from firm B: 404;
- ``admin``/``admin_id``: owner and admin only (members, custom fields,
  pipelines, the QuickBooks connection); employees 403; firm-A id from B: 404;
- ``firm_read_id``: any member of firm A; from firm B: 404;
- ``owner``: the owner only (the firm's settings); everyone else 403 (other_firm
  acts on firm B's own settings);
- ``admin_account``: owner and admin on an account: employees who may open it
  403, who may not open it 404 (Visibility).

The token failures answer 401 on every authenticated route. A 404 of the
matrix is answered exactly (status and body) as the same request for an id
that does not exist; the lists answered to anyone (clients, contacts) show
account A and its contact exactly to those who may open it.

The bulk edit (``POST /accounts/bulk``) answers 200 to every member; its
result for account A is what ``PATCH /accounts/{account_id}`` answers that
principal (rule ``edit``), the same problem body, and a refusal writes nothing.

Then the id swaps: (a) firm-A ids used by firm B: the matrix's ``other_firm``
column on every route with ids, and firm-A child ids under firm B's own parent
(account or contact), as firm B's admin; (b) an activity item of account A
under account B's path (same firm, the owner); (c) a contact not linked to the
account in the ``/accounts/{id}/contacts/{contact_id}`` routes. Every one is
404 and writes nothing.

Each case is its own test with a fresh firm on a fresh moto table (one moto
per module, a new table per test: see ``table``); the state is built through
the API (the principals themselves through ``TestFirm``). Cases where the code
contradicts the contract are strict xfails (``KNOWN_BUGS``), each with its
reason.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import boto3
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws
from PIL import Image

from chalicelib.adapters.config import reset_settings, settings
from chalicelib.adapters.photo_store import reset_clients as reset_photo_clients
from chalicelib.domain import files
from chalicelib.domain.ids import new_id
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.schema import create_table_args
from chalicelib.repo.table import ITEM_EXISTS, Table, reset_clients
from devtools.sqs_local import ensure_queues
from tests.support import tokens
from tests.support.api import Api, Reply, TestFirm, make_firm, snapshot
from tests.support.endpoints import use_moto_endpoints
from tests.support.factories import contact_spec, created, new_account, unique_email
from tests.support.portal import activate, latest_token
from tests.support.problems import assert_problem

Body = dict[str, Any]
OK: Final = 0
OTHER_KEY: Final = rsa.generate_private_key(
    public_exponent=65537, key_size=2048
)  # in a rule: the route's success status

# --- principals --------------------------------------------------------------------------

STAFF: Final[dict[str, tuple[str, bool, bool]]] = {
    # principal: (role, view_all_accounts, manage_accounts)
    "admin": ("admin", False, False),
    "employee_on_team": ("employee", False, False),
    "employee_off_team": ("employee", False, False),
    "employee_view_all": ("employee", True, False),
    "employee_manage": ("employee", False, True),
}
TOKEN_FAILURES: Final = ("no_token", "bad_signature", "expired", "unbound", "deactivated")
PRINCIPALS: Final = ("owner", *STAFF, "other_firm", *TOKEN_FAILURES)

# --- rules: principal -> expected status (OK: the route's success status) -----------------------


def _rule(
    owner: int = OK,
    admin: int = OK,
    on_team: int = OK,
    off_team: int = OK,
    view_all: int = OK,
    manage: int = OK,
    other_firm: int = OK,
) -> dict[str, int]:
    return {
        "owner": owner,
        "admin": admin,
        "employee_on_team": on_team,
        "employee_off_team": off_team,
        "employee_view_all": view_all,
        "employee_manage": manage,
        "other_firm": other_firm,
    }


RULES: Final[dict[str, dict[str, int]]] = {
    "public": _rule(),
    "any": _rule(),
    "open": _rule(off_team=404, manage=404, other_firm=404),
    "edit": _rule(on_team=403, off_team=404, view_all=403, manage=404, other_firm=404),
    "firm_manage": _rule(on_team=403, off_team=403, view_all=403),
    "firm_manage_id": _rule(on_team=403, off_team=403, view_all=403, other_firm=404),
    "firm_read_id": _rule(other_firm=404),
    "admin": _rule(on_team=403, off_team=403, view_all=403, manage=403),
    "admin_id": _rule(on_team=403, off_team=403, view_all=403, manage=403, other_firm=404),
    "admin_account": _rule(on_team=403, off_team=404, view_all=403, manage=404, other_firm=404),
    "owner": _rule(admin=403, on_team=403, off_team=403, view_all=403, manage=403),
}


def expected_status(rule: str, principal: str, ok: int) -> int:
    if principal in TOKEN_FAILURES and rule != "public":
        return 401
    code = RULES[rule].get(principal, OK)
    return ok if code == OK else code


# --- requests and the world a case builds them in ------------------------------------------------


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    body: Any = None
    raw: bytes | None = None
    content_type: str | None = None

    def moved(self, old: str, new: str) -> Req:
        """The same request with the first path segment ``old`` replaced by ``new``."""
        parts = self.path.split("/")
        assert old in parts, (old, self.path)
        parts[parts.index(old)] = new
        return Req(self.method, "/".join(parts), self.body, self.raw, self.content_type)


def send(api: Api, req: Req) -> Reply:
    headers: dict[str, str] = {}
    if req.content_type:
        headers["Content-Type"] = req.content_type
    if req.method == "POST":
        # A refused create must not store its key either (docs/api.md "Conventions": nothing is written).
        headers["Idempotency-Key"] = f"matrix-{new_id()}"
    return api.call(req.method, req.path, req.body, raw=req.raw, headers=headers)


def email_path(contact_id: str, address: str) -> str:
    return f"/contacts/{contact_id}/emails/{quote(address, safe='@')}"


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 12), "teal").save(buf, "PNG")
    return buf.getvalue()


def hand_made_token(owner_id: str, *, expires_in: int, key: Any = None) -> str:
    return tokens.mint(tokens.subject_of(owner_id), expires_in=expires_in, key=key)


@dataclass
class OtherFirm:
    firm: TestFirm
    owner: Api
    admin: Api
    _account: Body | None = None

    @property
    def account(self) -> Body:
        if self._account is None:
            self._account = new_account(self.owner, "Beta Holdings")
        return self._account

    @property
    def account_id(self) -> str:
        account_id: str = self.account["id"]
        return account_id

    @property
    def contact_id(self) -> str:
        contact_id: str = self.account["contacts"][0]["id"]
        return contact_id


@dataclass
class World:
    """Firm A, its staff (added on first use, one per principal), and what a
    case asks for, built on first use through the API as firm A's owner."""

    client: Client
    table: Table
    firm: TestFirm
    owner: Api
    _staff: dict[str, tuple[str, str]] = field(default_factory=dict)
    _account: Body | None = None
    _other: OtherFirm | None = None
    _pipeline: Body | None = None
    _export: Body | None = None
    _import: Body | None = None
    _active: str | None = None

    @classmethod
    def build(cls, client: Client, table: Table) -> World:
        firm = make_firm(table, "Alpha & Co")
        return cls(client, table, firm, Api(client, firm.owner_token))

    def staff(self, principal: str) -> tuple[str, str]:
        """The member id and token of ``principal`` (one of ``STAFF``)."""
        if principal not in self._staff:
            role, view_all, manage = STAFF[principal]
            self._staff[principal] = self.firm.add_member(role, view_all=view_all, manage=manage, name=principal)
        return self._staff[principal]

    def token(self, principal: str) -> str | None:
        owner_id = self.firm.owner_id
        if principal == "owner":
            return self.firm.owner_token
        if principal == "no_token":
            return None
        if principal == "bad_signature":
            return hand_made_token(owner_id, expires_in=3600, key=OTHER_KEY)
        if principal == "expired":
            return hand_made_token(owner_id, expires_in=-60)
        if principal == "unbound":
            return tokens.mint(f"nobody-{new_id()}", f"{new_id().lower()}@nowhere.example")
        if principal == "deactivated":
            return self.deactivated_token()
        return self.staff(principal)[1]

    def deactivated_token(self) -> str:
        if "deactivated" not in self._staff:
            member_id, token = self.firm.add_member("admin", name="Gone admin")
            firms = FirmRepo(self.table)
            member = firms.get_member(self.firm.firm_id, member_id)
            assert member is not None
            firms.deactivate_member(member, ITEM_EXISTS, None)
            self._staff["deactivated"] = (member_id, token)
        return self._staff["deactivated"][1]

    def as_(self, principal: str) -> Api:
        if principal == "other_firm":
            return self.other.owner
        return Api(self.client, self.token(principal))

    # --- firm B ---------------------------------------------------------------------------

    @property
    def other(self) -> OtherFirm:
        if self._other is None:
            firm = make_firm(self.table, "Beta & Co")
            _, admin_token = firm.add_member("admin", name="Beta admin")
            self._other = OtherFirm(firm, Api(self.client, firm.owner_token), Api(self.client, admin_token))
        return self._other

    # --- firm A's account, its contact, and activity -------------------------------------------

    @property
    def account(self) -> Body:
        """Acme Ltd: employee_on_team is its only team member; one contact, one address."""
        if self._account is None:
            team = [self.staff("employee_on_team")[0]]
            self._account = new_account(self.owner, "Acme Ltd", team_member_ids=team)
        return self._account

    @property
    def account_id(self) -> str:
        account_id: str = self.account["id"]
        return account_id

    @property
    def contact(self) -> Body:
        contact: Body = self.account["contacts"][0]
        return contact

    @property
    def contact_id(self) -> str:
        contact_id: str = self.contact["id"]
        return contact_id

    @property
    def address(self) -> str:
        address: str = self.contact["emails"][0]["address"]
        return address

    def path(self, rest: str = "") -> str:
        return f"/accounts/{self.account_id}{rest}"

    @property
    def pipeline(self) -> Body:
        if self._pipeline is None:
            self._pipeline = created(self.owner, "/pipelines", {"name": "Tax returns", "stages": [{"name": "Intake"}]})
        return self._pipeline

    @property
    def export(self) -> Body:
        if self._export is None:
            self._export = created(self.owner, "/exports", {"kind": "contacts", "format": "json"})
        return self._export

    @property
    def import_(self) -> Body:
        """An import of firm A with its file uploaded (where the presigned PUT puts it)."""
        if self._import is None:
            self._import = created(self.owner, "/imports", {"kind": "accounts", "format": "csv"})
            key = f"imports/{self.firm.firm_id}/{self._import['id']}"
            data = b"account_name;contact_email\r\nBakker;b@bakker.example\r\n"
            boto3.client("s3", region_name="us-east-1").put_object(
                Bucket=os.environ["PHOTOS_BUCKET"], Key=key, Body=data
            )
        return self._import

    def active_address(self) -> str:
        """The contact's address with active portal access (invited, then accepted)."""
        if self._active is None:
            activate(self.owner, self.contact_id, self.address)
            self._active = self.address
        return self._active

    def item(self, section: str) -> str:
        """A new item of ``section`` on the account."""
        item_id: str = created(self.owner, self.path(f"/{section}"), SECTION_BODIES[section][0](self))["id"]
        return item_id

    def add_credit(self, amount: str, account_id: str | None = None) -> str:
        path = f"/accounts/{account_id or self.account_id}/credits"
        entry_id: str = created(self.owner, path, {"amount": amount, "note": "Prepaid"})["id"]
        return entry_id

    def linked_contact(self) -> str:
        """A second contact linked to the account (so unlinking it is allowed)."""
        r = self.owner.post(self.path("/contacts"), contact_spec("Bob", "Second"))
        assert r.status == 201, r.body
        contact_id: str = r.body["id"]
        return contact_id

    def second_address(self) -> str:
        address = unique_email("second")
        created(self.owner, f"/contacts/{self.contact_id}/emails", {"address": address})
        return address

    def tag(self) -> str:
        tag_id: str = created(self.owner, "/tags", {"name": "VIP"})["id"]
        return tag_id

    def custom_field(self) -> str:
        body = {"target": "account", "label": "Reference", "kind": "text"}
        field_id: str = created(self.owner, "/custom-fields", body)["id"]
        return field_id

    def staff_member(self) -> str:
        body = {"name": "Target Member", "email": unique_email("staff"), "role": "employee"}
        member_id: str = created(self.owner, "/members", body)["id"]
        return member_id


# --- the activity sections: a valid create body and a valid change ------------------------------

SectionBody = Callable[[World], Body]

SECTION_BODIES: Final[dict[str, tuple[SectionBody, SectionBody]]] = {
    "documents": (lambda w: {"name": "Scan.pdf", "uploaded_by": "client"}, lambda w: {"name": "Scan (2).pdf"}),
    "tasks": (lambda w: {"title": "Call back"}, lambda w: {"title": "Call back today"}),
    "emails": (lambda w: {"subject": "Question", "direction": "inbound"}, lambda w: {"subject": "Question (2)"}),
    "jobs": (
        lambda w: {"name": "Bookkeeping", "pipeline_id": w.pipeline["id"], "stage_id": w.pipeline["stages"][0]["id"]},
        lambda w: {"name": "Bookkeeping 2026"},
    ),
    "chats": (lambda w: {"subject": "Hello"}, lambda w: {"status": "closed"}),
    "invoices": (lambda w: {"number": "INV-7", "amount": "10.00"}, lambda w: {"amount": "12.00"}),
    "approvals": (lambda w: {"document_name": "Balance sheet"}, lambda w: {"status": "approved"}),
    "signatures": (lambda w: {"document_name": "Form 8821"}, lambda w: {"status": "signed"}),
    "organizers": (lambda w: {"name": "Payroll organizer"}, lambda w: {"name": "Payroll organizer 2026"}),
    "logins": (lambda w: {"email": w.active_address()}, lambda w: {}),
    "notes": (lambda w: {"title": "Reminder"}, lambda w: {"title": "Reminder (edited)"}),
    "time_entries": (lambda w: {"minutes": 15}, lambda w: {"minutes": 30}),
    "proposals": (
        lambda w: {"name": "Advisory proposal", "kind": "proposal"},
        lambda w: {"name": "Advisory proposal 2026"},
    ),
}


# --- the routes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    ok: int  # the success status (ROUTES' status)
    rule: str
    build: Callable[[World], Req]

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def has_ids(self) -> bool:
        return "{" in self.path


ROUTE_LIST: list[Route] = []


def route(method: str, path: str, ok: int, rule: str) -> Callable[[Callable[[World], Req]], Callable[[World], Req]]:
    def register(build: Callable[[World], Req]) -> Callable[[World], Req]:
        ROUTE_LIST.append(Route(method, path, ok, rule, build))
        return build

    return register


# operations and the portal


@route("GET", "/health", 200, "public")
def _health(w: World) -> Req:
    return Req("GET", "/health")


@route("GET", "/openapi.json", 200, "public")
def _openapi(w: World) -> Req:
    return Req("GET", "/openapi.json")


@route("POST", "/portal/invites/accept", 200, "public")
def _accept(w: World) -> Req:
    r = w.owner.post(email_path(w.contact_id, w.address) + "/invite")
    assert r.status == 200, r.body
    return Req("POST", "/portal/invites/accept", {"token": latest_token(w.address)})


# firm and members


@route("GET", "/me", 200, "any")
def _me(w: World) -> Req:
    return Req("GET", "/me")


@route("GET", "/firm", 200, "any")
def _firm(w: World) -> Req:
    return Req("GET", "/firm")


@route("PATCH", "/firm", 200, "owner")
def _patch_firm(w: World) -> Req:
    return Req("PATCH", "/firm", {"currency": "EUR", "language": "nl", "signing_order": "sequential"})


@route("GET", "/firm/usage", 200, "admin")
def _firm_usage(w: World) -> Req:
    return Req("GET", "/firm/usage?month=2026-12")


@route("GET", "/members", 200, "admin")
def _members(w: World) -> Req:
    return Req("GET", "/members")


@route("POST", "/members", 201, "admin")
def _add_member(w: World) -> Req:
    return Req("POST", "/members", {"name": "New Member", "email": unique_email("staff"), "role": "employee"})


@route("GET", "/members/{member_id}", 200, "admin_id")
def _member(w: World) -> Req:
    return Req("GET", f"/members/{w.staff_member()}")


@route("PATCH", "/members/{member_id}", 200, "admin_id")
def _patch_member(w: World) -> Req:
    return Req("PATCH", f"/members/{w.staff_member()}", {"name": "Renamed Member"})


@route("DELETE", "/members/{member_id}", 204, "admin_id")
def _deactivate_member(w: World) -> Req:
    return Req("DELETE", f"/members/{w.staff_member()}")


@route("GET", "/tags", 200, "any")
def _tags(w: World) -> Req:
    return Req("GET", "/tags")


@route("POST", "/tags", 201, "firm_manage")
def _add_tag(w: World) -> Req:
    return Req("POST", "/tags", {"name": "Key client", "color": "#336699"})


@route("GET", "/tags/{tag_id}", 200, "firm_read_id")
def _tag(w: World) -> Req:
    return Req("GET", f"/tags/{w.tag()}")


@route("PATCH", "/tags/{tag_id}", 200, "firm_manage_id")
def _patch_tag(w: World) -> Req:
    return Req("PATCH", f"/tags/{w.tag()}", {"name": "Key client"})


@route("DELETE", "/tags/{tag_id}", 204, "firm_manage_id")
def _delete_tag(w: World) -> Req:
    return Req("DELETE", f"/tags/{w.tag()}")


@route("GET", "/custom-fields", 200, "any")
def _fields(w: World) -> Req:
    return Req("GET", "/custom-fields")


@route("POST", "/custom-fields", 201, "admin")
def _add_field(w: World) -> Req:
    return Req("POST", "/custom-fields", {"target": "contact", "label": "Nickname", "kind": "text"})


@route("GET", "/custom-fields/{field_id}", 200, "firm_read_id")
def _field(w: World) -> Req:
    return Req("GET", f"/custom-fields/{w.custom_field()}")


@route("PATCH", "/custom-fields/{field_id}", 200, "admin_id")
def _patch_field(w: World) -> Req:
    return Req("PATCH", f"/custom-fields/{w.custom_field()}", {"label": "Reference no."})


@route("DELETE", "/custom-fields/{field_id}", 204, "admin_id")
def _delete_field(w: World) -> Req:
    return Req("DELETE", f"/custom-fields/{w.custom_field()}")


@route("GET", "/pipelines", 200, "any")
def _pipelines(w: World) -> Req:
    return Req("GET", "/pipelines")


@route("POST", "/pipelines", 201, "admin")
def _add_pipeline(w: World) -> Req:
    return Req("POST", "/pipelines", {"name": "Payroll", "stages": [{"name": "Collect"}, {"name": "Run"}]})


@route("GET", "/pipelines/{pipeline_id}", 200, "firm_read_id")
def _pipeline(w: World) -> Req:
    return Req("GET", f"/pipelines/{w.pipeline['id']}")


@route("PATCH", "/pipelines/{pipeline_id}", 200, "admin_id")
def _patch_pipeline(w: World) -> Req:
    return Req("PATCH", f"/pipelines/{w.pipeline['id']}", {"name": "Tax returns 2026"})


@route("GET", "/exports", 200, "admin")
def _list_exports(w: World) -> Req:
    return Req("GET", "/exports")


@route("POST", "/exports", 201, "admin")
def _add_export(w: World) -> Req:
    return Req("POST", "/exports", {"kind": "accounts", "format": "csv"})


@route("GET", "/exports/{export_id}", 200, "admin_id")
def _export(w: World) -> Req:
    return Req("GET", f"/exports/{w.export['id']}")


@route("GET", "/imports", 200, "admin")
def _list_imports(w: World) -> Req:
    return Req("GET", "/imports")


@route("POST", "/imports", 201, "admin")
def _add_import(w: World) -> Req:
    return Req("POST", "/imports", {"kind": "accounts", "format": "csv"})


@route("POST", "/imports/{import_id}/start", 202, "admin_id")
def _start_import(w: World) -> Req:
    return Req("POST", f"/imports/{w.import_['id']}/start", {"dry_run": True})


@route("GET", "/imports/{import_id}", 200, "admin_id")
def _import(w: World) -> Req:
    return Req("GET", f"/imports/{w.import_['id']}")


@route("GET", "/imports/{import_id}/errors", 200, "admin_id")
def _import_errors(w: World) -> Req:
    return Req("GET", f"/imports/{w.import_['id']}/errors")


@route("DELETE", "/imports/{import_id}", 200, "admin_id")
def _cancel_import(w: World) -> Req:
    return Req("DELETE", f"/imports/{w.import_['id']}")


@route("GET", "/quickbooks/connection", 200, "any")
def _qb_connection(w: World) -> Req:
    return Req("GET", "/quickbooks/connection")


@route("PUT", "/quickbooks/connection", 200, "admin")
def _put_qb_connection(w: World) -> Req:
    return Req("PUT", "/quickbooks/connection", {"connected": True, "company_name": "Books Inc"})


@route("GET", "/search", 200, "any")
def _search(w: World) -> Req:
    _ = w.account  # something to find
    return Req("GET", "/search?q=acme")


# accounts


@route("GET", "/accounts", 200, "any")
def _accounts(w: World) -> Req:
    _ = w.account  # something to list
    return Req("GET", "/accounts")


@route("POST", "/accounts", 201, "firm_manage")
def _add_account(w: World) -> Req:
    return Req("POST", "/accounts", {"name": "Newco", "type": "company", "contacts": [contact_spec("Nina", "New")]})


@route("POST", "/accounts/bulk", 200, "any")
def _bulk_edit(w: World) -> Req:
    """200 for any member; account A's own answer follows the rule ``edit`` (``BULK`` below)."""
    return Req("POST", "/accounts/bulk", {"account_ids": [w.account_id], "type": "other"})


@route("GET", "/accounts/{account_id}", 200, "open")
def _account(w: World) -> Req:
    return Req("GET", w.path())


@route("PATCH", "/accounts/{account_id}", 200, "edit")
def _patch_account(w: World) -> Req:
    return Req("PATCH", w.path(), {"name": "Acme Limited", "type": "other"})


@route("DELETE", "/accounts/{account_id}", 204, "edit")
def _archive_account(w: World) -> Req:
    return Req("DELETE", w.path())


@route("POST", "/accounts/{account_id}/restore", 200, "edit")
def _restore_account(w: World) -> Req:
    r = w.owner.delete(w.path())
    assert r.status == 204, r.body
    return Req("POST", w.path("/restore"))


@route("POST", "/accounts/{account_id}/contacts", 201, "edit")
def _link_new_contact(w: World) -> Req:
    return Req("POST", w.path("/contacts"), contact_spec("Lena", "Linked", description="CFO"))


@route("GET", "/accounts/{account_id}/contacts/{contact_id}", 200, "open")
def _link(w: World) -> Req:
    return Req("GET", w.path(f"/contacts/{w.contact_id}"))


@route("PATCH", "/accounts/{account_id}/contacts/{contact_id}", 200, "edit")
def _patch_link(w: World) -> Req:
    return Req("PATCH", w.path(f"/contacts/{w.contact_id}"), {"description": "CEO", "signer_priority": 1})


@route("DELETE", "/accounts/{account_id}/contacts/{contact_id}", 204, "edit")
def _unlink(w: World) -> Req:
    return Req("DELETE", w.path(f"/contacts/{w.linked_contact()}"))


@route("PUT", "/accounts/{account_id}/photo", 200, "edit")
def _put_photo(w: World) -> Req:
    return Req("PUT", w.path("/photo"), raw=png(), content_type="image/png")


@route("DELETE", "/accounts/{account_id}/photo", 204, "edit")
def _delete_photo(w: World) -> Req:
    r = w.owner.put(w.path("/photo"), raw=png(), headers={"Content-Type": "image/png"})
    assert r.status == 200, r.body
    return Req("DELETE", w.path("/photo"))


@route("GET", "/accounts/{account_id}/overview", 200, "open")
def _overview(w: World) -> Req:
    return Req("GET", w.path("/overview"))


@route("GET", "/accounts/{account_id}/custom-fields/history", 200, "open")
def _history(w: World) -> Req:
    field_id = w.custom_field()
    r = w.owner.patch(w.path(), {"custom_fields": {field_id: "R-1"}})
    assert r.status == 200, r.body
    return Req("GET", w.path("/custom-fields/history"))


@route("GET", "/audit", 200, "admin")
def _audit(w: World) -> Req:
    return Req("GET", f"/audit?account_id={w.account_id}")


@route("GET", "/accounts/{account_id}/audit", 200, "open")
def _account_audit(w: World) -> Req:
    return Req("GET", w.path("/audit"))


@route("GET", "/accounts/{account_id}/signers", 200, "open")
def _signers(w: World) -> Req:
    w.active_address()
    return Req("GET", w.path("/signers"))


@route("POST", "/accounts/{account_id}/quickbooks/sync-results", 200, "admin_account")
def _sync_result(w: World) -> Req:
    return Req("POST", w.path("/quickbooks/sync-results"), {"status": "error", "reason": "Token expired."})


@route("GET", "/accounts/{account_id}/credits", 200, "open")
def _credits(w: World) -> Req:
    w.add_credit("5.00")
    return Req("GET", w.path("/credits"))


@route("POST", "/accounts/{account_id}/credits", 201, "edit")
def _add_credit(w: World) -> Req:
    return Req("POST", w.path("/credits"), {"amount": "25.00", "note": "Retainer"})


@route("GET", "/accounts/{account_id}/credits/{entry_id}", 200, "open")
def _credit(w: World) -> Req:
    return Req("GET", w.path(f"/credits/{w.add_credit('5.00')}"))


# the extras of documents, chats, invoices and proposals


@route("POST", "/accounts/{account_id}/documents/{item_id}/view", 200, "open")
def _view_document(w: World) -> Req:
    return Req("POST", w.path(f"/documents/{w.item('documents')}/view"))


def _uploaded_document(w: World) -> str:
    """A document whose file is uploaded (where its presigned PUT puts it: the upload key), not yet completed."""
    data = b"Jaarrekening 2025\n"
    body = {"name": "Notes.txt", "uploaded_by": "client", "content_type": "text/plain", "size": len(data)}
    doc_id: str = created(w.owner, w.path("/documents"), body)["id"]
    key = files.upload_key(w.firm.firm_id, w.account_id, doc_id)
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=os.environ["PHOTOS_BUCKET"], Key=key, Body=data)
    return doc_id


@route("POST", "/accounts/{account_id}/documents/{item_id}/complete", 200, "open")
def _complete_document(w: World) -> Req:
    return Req("POST", w.path(f"/documents/{_uploaded_document(w)}/complete"))


@route("GET", "/accounts/{account_id}/documents/{item_id}/download", 200, "open")
def _download_document(w: World) -> Req:
    doc_id = _uploaded_document(w)
    assert w.owner.post(w.path(f"/documents/{doc_id}/complete")).status == 200
    return Req("GET", w.path(f"/documents/{doc_id}/download"))


@route("GET", "/accounts/{account_id}/chats/{item_id}/messages", 200, "open")
def _messages(w: World) -> Req:
    return Req("GET", w.path(f"/chats/{w.item('chats')}/messages"))


@route("POST", "/accounts/{account_id}/chats/{item_id}/messages", 201, "open")
def _add_message(w: World) -> Req:
    return Req("POST", w.path(f"/chats/{w.item('chats')}/messages"), {"body": "Any news?", "author": "firm"})


@route("POST", "/accounts/{account_id}/invoices/{item_id}/apply-credit", 200, "edit")
def _apply_credit(w: World) -> Req:
    w.add_credit("50.00")
    return Req("POST", w.path(f"/invoices/{w.item('invoices')}/apply-credit"))


@route("POST", "/accounts/{account_id}/proposals/{item_id}/sign", 200, "edit")
def _sign(w: World) -> Req:
    address = w.active_address()
    body = {"name": "Engagement 2027", "kind": "engagement_letter", "status": "sent"}
    proposal_id = created(w.owner, w.path("/proposals"), body)["id"]
    return Req("POST", w.path(f"/proposals/{proposal_id}/sign"), {"email": address})


# contacts and their addresses


@route("GET", "/contacts", 200, "any")
def _contacts(w: World) -> Req:
    _ = w.account  # something to list
    return Req("GET", "/contacts")


@route("POST", "/contacts", 201, "firm_manage")
def _add_contact(w: World) -> Req:
    return Req("POST", "/contacts", {"first_name": "Carl", "last_name": "Contact", "emails": [unique_email("carl")]})


@route("GET", "/contacts/{contact_id}", 200, "open")
def _contact(w: World) -> Req:
    return Req("GET", f"/contacts/{w.contact_id}")


@route("PATCH", "/contacts/{contact_id}", 200, "edit")
def _patch_contact(w: World) -> Req:
    return Req("PATCH", f"/contacts/{w.contact_id}", {"first_name": "Annabel"})


@route("GET", "/contacts/{contact_id}/accounts", 200, "open")
def _contact_accounts(w: World) -> Req:
    return Req("GET", f"/contacts/{w.contact_id}/accounts")


@route("POST", "/contacts/{contact_id}/merge", 200, "edit")
def _merge_contact(w: World) -> Req:
    # Both contacts are linked to account A only: the manage right on A is what it takes.
    return Req("POST", f"/contacts/{w.contact_id}/merge", {"source_contact_id": w.linked_contact()})


@route("GET", "/contacts/{contact_id}/export", 200, "admin_id")
def _export_contact(w: World) -> Req:
    return Req("GET", f"/contacts/{w.contact_id}/export")


@route("POST", "/contacts/{contact_id}/erase", 200, "admin_id")
def _erase_contact(w: World) -> Req:
    # A second contact of the account: erasing the account's only one is 409.
    return Req("POST", f"/contacts/{w.linked_contact()}/erase")


@route("POST", "/contacts/{contact_id}/emails", 201, "edit")
def _add_email(w: World) -> Req:
    return Req("POST", f"/contacts/{w.contact_id}/emails", {"address": unique_email("extra")})


@route("GET", "/contacts/{contact_id}/emails/{email}", 200, "open")
def _email(w: World) -> Req:
    return Req("GET", email_path(w.contact_id, w.address))


@route("PATCH", "/contacts/{contact_id}/emails/{email}", 200, "edit")
def _patch_email(w: World) -> Req:
    return Req("PATCH", email_path(w.contact_id, w.address), {"notify": False, "email_sync": True})


@route("DELETE", "/contacts/{contact_id}/emails/{email}", 204, "edit")
def _remove_email(w: World) -> Req:
    return Req("DELETE", email_path(w.contact_id, w.second_address()))


@route("POST", "/contacts/{contact_id}/emails/{email}/invite", 200, "edit")
def _invite(w: World) -> Req:
    return Req("POST", email_path(w.contact_id, w.address) + "/invite")


# the thirteen activity sections: five routes each


def _register_section(section: str) -> None:
    create, change = SECTION_BODIES[section]
    base = f"/accounts/{{account_id}}/{section}"
    one = f"{base}/{{item_id}}"

    def show_all(w: World) -> Req:
        w.item(section)
        return Req("GET", w.path(f"/{section}"))

    def record(w: World) -> Req:
        return Req("POST", w.path(f"/{section}"), create(w))

    def get(w: World) -> Req:
        return Req("GET", w.path(f"/{section}/{w.item(section)}"))

    def patch(w: World) -> Req:
        return Req("PATCH", w.path(f"/{section}/{w.item(section)}"), change(w))

    def delete(w: World) -> Req:
        return Req("DELETE", w.path(f"/{section}/{w.item(section)}"))

    route("GET", base, 200, "open")(show_all)
    route("POST", base, 201, "open")(record)
    route("GET", one, 200, "open")(get)
    route("PATCH", one, 200, "open")(patch)
    route("DELETE", one, 204, "open")(delete)


for _section in SECTION_BODIES:
    _register_section(_section)

ROUTES_BY_KEY: Final = {r.key: r for r in ROUTE_LIST}
assert len(ROUTES_BY_KEY) == len(ROUTE_LIST), "a route is in the matrix twice"


# --- contract deviations found (strict xfails: each is a bug to fix) ------------------------------

# Fixed: services/quickbooks.record_result checked the role (403) before loading the account (404).
KNOWN_BUGS: Final[dict[tuple[str, str, str], str]] = {}


# --- the fixtures: a fresh moto table per test ---------------------------------------------------------


@pytest.fixture(scope="module")
def _aws() -> Iterator[None]:
    """One moto for the module, so botocore's clients are built once (building
    them per test, as ``moto_table`` does, costs ~0.5 s a test); each test still
    gets its own table below."""
    use_moto_endpoints()  # a test on DynamoDB Local before this module on the worker left its endpoints set
    with mock_aws():
        os.environ["JOBS_QUEUE_URL"] = ensure_queues(boto3.client("sqs", region_name="us-east-1"), "matrix-jobs").url
        reset_settings()
        reset_clients()
        reset_photo_clients()
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=os.environ["PHOTOS_BUCKET"])
        yield
    reset_clients()
    reset_photo_clients()
    reset_settings()


@pytest.fixture
def table(_aws: None) -> Iterator[Table]:
    """A fresh, empty moto table for this test (overrides conftest's ``table``)."""
    name = f"matrix-{new_id().lower()}"
    os.environ["DOSSIER_TABLE"] = name
    reset_settings()
    t = Table.from_settings()
    t.client.create_table(**create_table_args(name))  # what ensure_table does, minus its waits
    yield t
    t.client.delete_table(TableName=name)


@pytest.fixture
def world(client: Client, table: Table) -> World:
    return World.build(client, table)


# --- nothing written -------------------------------------------------------------------------------


def _photos(prefixes: list[str]) -> list[tuple[str, str]]:
    s3 = boto3.client("s3", region_name="us-east-1")
    found: list[tuple[str, str]] = []
    for prefix in prefixes:
        listing = s3.list_objects_v2(Bucket=os.environ["PHOTOS_BUCKET"], Prefix=f"{prefix}/")
        found += [(o["Key"], o["ETag"]) for o in listing.get("Contents", [])]
    return sorted(found)


def _mails() -> list[str]:
    folder = Path(settings().mail_outbox_dir)
    return sorted(p.name for p in folder.glob("*.eml")) if folder.is_dir() else []


def state(w: World, req: Req) -> dict[str, Any]:
    """Everything a request could write: the whole table, the mail outbox, and
    for the routes that write to S3 (photos, a document's check) the firms' objects."""
    firms = [w.firm.firm_id] + ([w._other.firm.firm_id] if w._other else [])
    photos = _photos(firms) if req.path.endswith(("/photo", "/complete")) else []
    return {"table": snapshot(w.table), "photos": photos, "mails": _mails()}


def check(w: World, api: Api, req: Req, expected: int, *, twin: Req | None = None) -> Reply:
    """Send ``req``: the expected status; a refusal is problem+json and writes
    nothing. With ``twin`` (the same request for a resource that does not
    exist), a 404 must be answered exactly as the twin is (Visibility)."""
    if expected < 400:
        reply = send(api, req)
        assert reply.status == expected, (reply.status, reply.body)
        return reply
    before = state(w, req)
    reply = send(api, req)
    assert_problem(reply, expected)
    if twin is not None and expected == 404:
        absent = send(api, twin)
        assert (absent.status, absent.body) == (reply.status, reply.body), "an invisible resource must look absent"
    after = state(w, req)
    for part in ("table", "photos", "mails"):
        assert after[part] == before[part], f"the refused {req.method} {req.path} wrote to the {part}"
    return reply


# --- the matrix -----------------------------------------------------------------------------------------


# Lists answered to anyone: they show account A (or its contact) exactly to those who may open it.
OPENERS: Final = frozenset(p for p, code in RULES["open"].items() if code == OK)
LISTS: Final[dict[tuple[str, str], Callable[[World, list[Body]], bool]]] = {
    ("GET", "/accounts"): lambda w, items: w.account_id in [i["id"] for i in items],
    ("GET", "/contacts"): lambda w, items: w.contact_id in [i["id"] for i in items],
}


# The bulk edit answers 200 to any member; account A's result is what PATCH /accounts/{account_id} answers
# that principal (rule ``edit``): ok, or the same problem (403, or 404 exactly as for an absent account).
BULK: Final = ("POST", "/accounts/bulk")


def check_bulk(w: World, api: Api, req: Req, principal: str) -> None:
    expected = expected_status("edit", principal, 200)
    before = state(w, req)
    reply = send(api, req)
    assert reply.status == 200, (reply.status, reply.body)
    (result,) = reply.body["results"]
    if expected == 200:
        assert (result["account_id"], result["status"], result["problem"]) == (w.account_id, "ok", None)
        return
    assert (result["status"], result["problem"]["status"]) == ("error", expected), result
    assert state(w, req) == before, f"{principal}'s refused bulk edit wrote something"
    single = api.patch(w.path(), {"type": "other"})
    assert (single.status, single.body) == (expected, result["problem"]), "the single edit's answer"
    if expected == 404:
        absent = send(api, Req("POST", req.path, {"account_ids": [new_id()], "type": "other"}))
        assert absent.body["results"][0]["problem"] == result["problem"], "an invisible account must look absent"


def absent_twin(r: Route, req: Req) -> Req | None:
    """``req`` with its first path id (the account, contact, tag, ... that decides
    visibility) replaced by one that does not exist."""
    for part, value in zip(r.path.split("?")[0].split("/"), req.path.split("?")[0].split("/"), strict=True):
        if part.startswith("{"):
            return req.moved(value, new_id())
    return None


def _case_id(r: Route, principal: str) -> str:
    return f"{r.method} {r.path} [{principal}]"


def _cases() -> list[Any]:
    cases = []
    for r in ROUTE_LIST:
        for principal in PRINCIPALS:
            reason = KNOWN_BUGS.get((r.method, r.path, principal))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(r.key, principal, id=_case_id(r, principal), marks=marks))
    return cases


@pytest.mark.parametrize(("key", "principal"), _cases())
def test_authorization(world: World, key: tuple[str, str], principal: str) -> None:
    r = ROUTES_BY_KEY[key]
    req = r.build(world)
    api = world.as_(principal)  # firm B (other_firm) exists before the snapshot
    if key == BULK and principal not in TOKEN_FAILURES:
        check_bulk(world, api, req, principal)
        return
    reply = check(world, api, req, expected_status(r.rule, principal, r.ok), twin=absent_twin(r, req))
    if key in LISTS and reply.status == 200:
        shown = LISTS[key](world, reply.body["items"])
        assert shown == (principal in OPENERS), f"{principal} {'sees' if shown else 'misses'} account A in {key}"


def test_the_matrix_covers_every_registered_route() -> None:
    from chalicelib.handlers.http.routing import load_all

    registered = {(d.method, d.path): d for d in load_all()}
    covered = set(ROUTES_BY_KEY)
    assert covered == set(registered), {
        "not in the matrix": sorted(set(registered) - covered),
        "no longer registered": sorted(covered - set(registered)),
    }
    for key, doc in registered.items():
        spec = ROUTES_BY_KEY[key]
        assert spec.ok == doc.status, (key, spec.ok, doc.status)
        assert (spec.rule == "public") == (not doc.auth), (key, spec.rule, doc.auth)
        for code in {expected_status(spec.rule, p, spec.ok) for p in PRINCIPALS} - {spec.ok, 401}:
            # the refusals the matrix expects are the ones the route documents
            assert code in doc.errors, (key, code, doc.errors)
    assert set(KNOWN_BUGS) <= {(*r.key, p) for r in ROUTE_LIST for p in PRINCIPALS}, "a stale KNOWN_BUGS entry"


# --- (a) firm A's ids used by firm B's admin ----------------------------------------------------------


def _keys(routes: list[Route]) -> list[tuple[str, str]]:
    return [r.key for r in routes]


def _ids(routes: list[Route]) -> list[str]:
    return [f"{r.method} {r.path}" for r in routes]


ROUTES_WITH_IDS: Final = [r for r in ROUTE_LIST if r.has_ids]
# Routes with a parent and a child id: firm B's own parent with firm A's child.
NESTED: Final = [r for r in ROUTES_WITH_IDS if r.path.count("{") >= 2]


def test_firm_a_ids_are_not_found_for_firm_b_on_every_route_with_ids() -> None:
    """The matrix's ``other_firm`` column is the swap of every firm-A id to
    firm B (its owner, who passes every role check): all 404, nothing written."""
    assert ROUTES_WITH_IDS
    for r in ROUTES_WITH_IDS:
        assert expected_status(r.rule, "other_firm", r.ok) == 404, r.key


@pytest.mark.parametrize("key", _keys(NESTED), ids=_ids(NESTED))
def test_firm_a_child_ids_under_firm_b_parents_are_not_found(world: World, key: tuple[str, str]) -> None:
    req = ROUTES_BY_KEY[key].build(world)
    other = world.other
    if req.path.startswith("/accounts/"):
        req = req.moved(world.account_id, other.account_id)
    else:
        req = req.moved(world.contact_id, other.contact_id)
    check(world, other.admin, req, 404)


# --- (b) an activity item of account A under account B's path (same firm, the owner) ------------------

ITEM_ROUTES: Final = [r for r in NESTED if r.path.startswith("/accounts/") and "{item_id}" in r.path] + [
    ROUTES_BY_KEY[("GET", "/accounts/{account_id}/credits/{entry_id}")]
]


@pytest.mark.parametrize("key", _keys(ITEM_ROUTES), ids=_ids(ITEM_ROUTES))
def test_an_item_of_account_a_is_not_found_under_account_b(world: World, key: tuple[str, str]) -> None:
    req = ROUTES_BY_KEY[key].build(world)
    # Account B is one the owner may open and change, with what the request
    # would need to succeed there: credit to pay with, and account A's contact
    # (an active signer on the sign route) linked to it too.
    link = {"contact_id": world.contact_id, "description": "Shared"}
    b: str = new_account(world.owner, "Bravo Ltd", contacts=[link])["id"]
    world.add_credit("100.00", b)
    check(world, world.owner, req.moved(world.account_id, b), 404)


# --- (c) a contact not linked to the account --------------------------------------------------------

LINK_ROUTES: Final = [r for r in ROUTE_LIST if r.path == "/accounts/{account_id}/contacts/{contact_id}"]


def _unlinked_contact(w: World, how: str) -> str:
    if how == "linked to another account":
        other = new_account(w.owner, "Charlie Ltd")
        contact_id: str = other["contacts"][0]["id"]
        return contact_id
    return str(created(w.owner, "/contacts", {"first_name": "Solo", "emails": [unique_email("solo")]})["id"])


@pytest.mark.parametrize("how", ["linked to another account", "linked to no account"])
@pytest.mark.parametrize("key", _keys(LINK_ROUTES), ids=_ids(LINK_ROUTES))
def test_a_contact_not_linked_to_the_account_is_not_found(world: World, key: tuple[str, str], how: str) -> None:
    w = world
    w.linked_contact()  # two contacts: an unlink would not be refused as the last one
    stranger = _unlinked_contact(w, how)
    body = {"description": "Stranger"} if key[0] == "PATCH" else None
    check(w, w.owner, Req(key[0], w.path(f"/contacts/{stranger}"), body), 404)
