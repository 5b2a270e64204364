"""Helpers of the signing tests: accounts with contacts by first name, proposals, signatures, the
signers list, and the address settings and priorities that make a signer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from tests.support.api import Api
from tests.support.factories import contact_spec, created, new_account, unique_email
from tests.support.portal import email_path

Body = dict[str, Any]
STAMP: Final = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@dataclass
class Person:
    contact_id: str
    name: str
    addresses: list[str]

    @property
    def address(self) -> str:
        return self.addresses[0]


def people_of(account: Body) -> dict[str, Person]:
    """The account's contacts by first name."""
    return {
        c["first_name"]: Person(c["id"], c["display_name"], [e["address"] for e in c["emails"]])
        for c in account["contacts"]
    }


def account_of_people(api: Api, name: str, *people: Body) -> tuple[str, dict[str, Person]]:
    account = new_account(api, name, contacts=list(people))
    return account["id"], people_of(account)


def person_spec(first: str, last: str, *, addresses: int = 1, priority: int | None = None) -> Body:
    extra: Body = {} if priority is None else {"signer_priority": priority}
    emails = [unique_email(f"{first.lower()}{i}") for i in range(addresses)]
    return contact_spec(first, last, emails=emails, **extra)


def new_proposal(api: Api, account_id: str, status: str = "sent", name: str = "Engagement 2027") -> Body:
    kind = "engagement_letter" if name.startswith("Engagement") else "proposal"
    return created(api, f"/accounts/{account_id}/proposals", {"name": name, "kind": kind, "status": status})


def sign_path(account_id: str, proposal_id: str) -> str:
    return f"/accounts/{account_id}/proposals/{proposal_id}/sign"


def sign_as(api: Api, account_id: str, proposal_id: str, address: str) -> Body:
    r = api.post(sign_path(account_id, proposal_id), {"email": address})
    assert r.status == 200, r.body
    assert r.etag == f'"{r.body["version"]}"'
    body: Body = r.body
    return body


def signers_of(api: Api, account_id: str) -> list[Body]:
    r = api.get(f"/accounts/{account_id}/signers")
    assert r.status == 200, r.body
    assert set(r.body) == {"items"}, r.body
    items: list[Body] = r.body["items"]
    return items


def signer_entry(person: Person, address: str, priority: int | None) -> Body:
    return {
        "contact_id": person.contact_id,
        "contact_name": person.name,
        "address": address,
        "signer_priority": priority,
    }


def set_email(api: Api, person: Person, address: str, **settings: Any) -> None:
    r = api.patch(email_path(person.contact_id, address), settings)
    assert r.status == 200, r.body


def set_priority(api: Api, account_id: str, person: Person, priority: int | None) -> None:
    r = api.patch(f"/accounts/{account_id}/contacts/{person.contact_id}", {"signer_priority": priority})
    assert r.status == 200, r.body
    assert r.body["signer_priority"] == priority


def signed_addresses(proposal: Body) -> list[str]:
    return [s["address"] for s in proposal["signed_by"]]
