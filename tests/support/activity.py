"""The world of the tests of the activity routes beyond plain items (tests/functional/activity_extras/):
the owner, an employee on the team of one account, and the account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chalice.test import Client

from tests.support.api import Api, Reply, TestFirm

Body = dict[str, Any]
OWNER_NAME = "Olivia Owner"
MEMBER_NAME = "Erin Employee"
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@dataclass
class Env:
    """The owner, an employee (no rights) on the team of one account, and the account."""

    api: Api
    client: Client
    firm: TestFirm
    account_id: str
    member_id: str
    teammate: Api

    def path(self, *parts: str, account_id: str | None = None) -> str:
        return "/".join((f"/accounts/{account_id or self.account_id}", *parts))

    def as_new_member(self, role: str = "employee", *, view_all: bool = False, manage: bool = False) -> Api:
        return Api(self.client, self.firm.add_member(role, view_all=view_all, manage=manage)[1])

    def balance(self) -> str:
        r = self.api.get(self.path("credits"))
        assert r.status == 200, r.body
        info = self.api.get(self.path())
        assert info.body["credit_balance"] == r.body["credit_balance"]
        balance: str = r.body["credit_balance"]
        return balance


def ok(reply: Reply, status: int = 200) -> Body:
    assert reply.status == status, (reply.status, reply.body)
    body: Body = reply.body
    return body


def tampered(cursor: str) -> str:
    payload, mac = cursor.rsplit(".", 1)
    return f"{payload}.{'0' * len(mac)}"
