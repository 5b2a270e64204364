"""The world an authorization case builds its request in: firm A with its staff and, on first
use, what the case asks for (an account, a contact, an item of each section, firm B, ...).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

import boto3
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa
from PIL import Image

from chalicelib.domain.ids import new_id
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.table import ITEM_EXISTS, Table
from tests.support import tokens
from tests.support.api import Api, Reply, TestFirm, make_firm
from tests.support.authz.rules import STAFF, Body
from tests.support.factories import contact_spec, created, new_account, unique_email
from tests.support.portal import activate

# the key of the ``bad_signature`` principal's token: not the issuer's
OTHER_KEY: Final = rsa.generate_private_key(public_exponent=65537, key_size=2048)


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
