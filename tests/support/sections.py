"""The world one test of the activity sections works in (tests/functional/sections/): the owner,
an employee on the team of one account with a client contact, the items a test asks for; and the
assertions every section's items share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chalice.test import Client

from chalicelib.domain.sections import SECTIONS
from tests.support.api import Api, Reply, TestFirm
from tests.support.factories import created
from tests.support.portal import activate

# The addresses of the test account's contact (logins are recorded for them once active).
PORTAL_ADDRESSES = ("anna@client.example", "bob@client.example")

Body = dict[str, Any]
OWNER_NAME = "Olivia Owner"
MEMBER_NAME = "Erin Employee"
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# Input fields that reference another resource and come back as {"id", "name"}.
REFS = {"assignee_id": "assignee", "member_id": "member", "pipeline_id": "pipeline", "stage_id": "stage"}


# --- the world one test works in --------------------------------------------------------


@dataclass
class Env:
    """A firm's owner, an employee on the team of one account, and lazily a
    pipeline (for jobs) and a client document (for approvals)."""

    api: Api
    client: Client
    firm: TestFirm
    account_id: str
    member_id: str
    member_token: str
    names: dict[str, str] = field(default_factory=dict)
    contact_id: str = ""
    _pipeline: Body | None = None
    _document_id: str | None = None
    _active: set[str] = field(default_factory=set)

    def path(self, section: str, item_id: str | None = None, *, account_id: str | None = None) -> str:
        base = f"/accounts/{account_id or self.account_id}/{section}"
        return f"{base}/{item_id}" if item_id else base

    def as_member(self, token: str) -> Api:
        return Api(self.client, token)

    @property
    def pipeline(self) -> Body:
        if self._pipeline is None:
            self._pipeline = new_pipeline(self.api, "Tax returns", ["Intake", "Review", "Filed"])
            self.names[self._pipeline["id"]] = "Tax returns"
            self.names.update({s["id"]: s["name"] for s in self._pipeline["stages"]})
        return self._pipeline

    def stage(self, index: int) -> str:
        stage_id: str = self.pipeline["stages"][index]["id"]
        return stage_id

    def portal_user(self, address: str) -> str:
        """``address`` (of the account's contact) with active portal access, as logins need."""
        if address not in self._active:
            activate(self.api, self.contact_id, address)
            self._active.add(address)
        return address

    @property
    def document_id(self) -> str:
        if self._document_id is None:
            doc = created(self.api, self.path("documents"), {"name": "Signed letter.pdf", "uploaded_by": "client"})
            self._document_id = doc["id"]
        return self._document_id


def new_pipeline(api: Api, name: str, stages: list[str]) -> Body:
    return created(api, "/pipelines", {"name": name, "stages": [{"name": s} for s in stages]})


def moment(time_field: str, day: int) -> str:
    """A value for a section's time input: a calendar day or a UTC timestamp."""
    return f"2001-01-{day:02d}" if time_field == "date" else f"2001-01-{day:02d}T10:00:00Z"


def assert_echoes(env: Env, item: Body, body: Body) -> None:
    """Every input field comes back: as sent, or as a named reference."""
    for name, value in body.items():
        if name in REFS:
            ref = REFS[name]
            assert item[ref] == {"id": value, "name": env.names[value]}, (name, item)
        else:
            assert item[name] == value, (name, item)


def assert_common(env: Env, section: str, item: Body, *, version: int) -> None:
    assert set(item) == set(SECTIONS[section].out.model_fields), sorted(item)
    assert isinstance(item["id"], str) and item["id"]
    assert item["account_id"] == env.account_id
    assert item["version"] == version
    assert STAMP.match(item["created_at"]) and STAMP.match(item["updated_at"]), item
    assert item["created_by"] == {"id": env.firm.owner_id, "name": OWNER_NAME}


def listed(api: Api, path: str) -> Reply:
    r = api.get(path)
    assert r.status == 200, r.body
    assert set(r.body) == {"items", "next_cursor"}, r.body
    return r


def next_cursor(api: Api, path: str) -> str:
    cursor = listed(api, path).body["next_cursor"]
    assert isinstance(cursor, str) and cursor
    return cursor
