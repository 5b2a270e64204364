"""The person of the GDPR/AVG tests (tests/functional/gdpr/): a contact with something of
them in every corner of the table, and where any of it still shows through the routes.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from chalicelib.domain.ids import new_id
from chalicelib.repo.table import Table
from chalicelib.services.inbound import receive
from tests.support.api import Api, Reply, TestFirm
from tests.support.factories import contact_spec, created, new_account
from tests.support.portal import activate, email_path


@dataclass
class Person:
    id: str
    first: str
    middle: str
    last: str
    synced: str  # portal login, signing, email sync
    other: str  # a second address
    phone_digits: str
    account_ids: list[str]
    filler_id: str  # the other contact of the first account

    @property
    def words(self) -> list[str]:
        """Every field they had, as one would search for it."""
        return [self.first, self.middle, self.last, self.synced, self.other, self.phone_digits]


def ok(r: Reply, status: int = 200) -> Any:
    assert r.status == status, (r.status, r.body)
    return r.body


def _unique(word: str) -> str:
    """A word no random id or other test's data contains (letters only: names index by word)."""
    return word + "".join(chr(ord("a") + ord(c) % 26) for c in new_id()[-6:])


def everything(api: Api, firm: TestFirm, table: Table) -> Person:
    """A contact with e-mails, links to two accounts, a portal login, a chat message, a document, a
    signature, a mail received and one sent, next to an invoice."""
    first, middle, last = _unique("Eulalia"), _unique("Vandermeer"), _unique("Oosterhuis")
    digits = str(random.randrange(10_000_000, 99_999_999))
    synced, other = f"{first.lower()}@{last.lower()}.example", f"{middle.lower()}.private@mail.example"
    spec = contact_spec(
        first,
        last,
        emails=[synced, other],
        middle_name=middle,
        phones=[{"number": f"+31 6 {digits}", "label": "mobile"}],
    )
    spec["address"] = {"line1": f"{last}straat 12", "city": "Utrecht", "postal_code": "3511 AB", "country": "NL"}
    one = new_account(api, "Holding One", contacts=[spec, contact_spec("Frank", "Filler")])
    person = next(c for c in one["contacts"] if c["first_name"] == first)
    filler = next(c for c in one["contacts"] if c["first_name"] == "Frank")
    two = new_account(api, "Holding Two", contacts=[{"contact_id": person["id"]}, contact_spec("Greta", "Filler")])
    p = Person(person["id"], first, middle, last, synced, other, digits, [one["id"], two["id"]], filler["id"])
    a = f"/accounts/{one['id']}"
    activate(api, p.id, synced)
    ok(api.patch(email_path(p.id, synced), {"email_sync": True}))
    created(api, f"{a}/logins", {"email": synced})
    chat = created(api, f"{a}/chats", {"subject": "Questions"})
    created(
        api, f"{a}/chats/{chat['id']}/messages", {"body": "Here is my payslip", "author": "client", "contact_id": p.id}
    )
    created(api, f"{a}/documents", {"name": "Payslip.pdf", "uploaded_by": "client", "contact_id": p.id})
    proposal = created(api, f"{a}/proposals", {"name": "Engagement 2027", "kind": "proposal", "status": "sent"})
    ok(api.post(f"{a}/proposals/{proposal['id']}/sign", {"email": synced}))
    created(api, f"{a}/invoices", {"number": "INV-1", "amount": "100.00"})
    ok(
        api.post(
            f"{a}/emails",
            {"direction": "outbound", "send": True, "subject": "Your return", "text": "Hi", "to_addresses": [synced]},
        ),
        201,
    )
    raw = (
        f"From: {first} {last} <{synced}>\r\nTo: {firm.firm_id}@in.dossier.example\r\nSubject: Receipts\r\n"
        f"Date: Mon, 07 Dec 2026 10:00:00 +0000\r\nMessage-ID: <{new_id()}@mail.example>\r\n\r\nHello\r\n"
    ).encode()
    assert receive(table, firm.firm_id, raw).outcome == "recorded"
    return p


def found_anywhere(api: Api, person: Person) -> list[str]:
    """Where any of the person's fields still shows, through the routes."""
    seen = []
    for word in person.words:
        q = quote(word, safe="")
        if ok(api.get(f"/search?q={q}"))["items"]:
            seen.append(f"/search {word}")
        if ok(api.get(f"/contacts?q={q}"))["items"]:
            seen.append(f"/contacts?q {word}")
    pages = [f"/accounts/{a}" for a in person.account_ids] + [f"/accounts/{a}/overview" for a in person.account_ids]
    pages += [f"/accounts/{person.account_ids[0]}/{s}" for s in ("emails", "logins", "proposals", "documents")]
    for path in pages:
        text = json.dumps(ok(api.get(path))).lower()
        seen += [f"{path} {w}" for w in person.words if w.lower() in text]
    return seen
