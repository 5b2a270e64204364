"""A small JSON client over chalice.test.Client, and a test firm factory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from chalice.test import Client

from chalicelib.domain.entities import Firm, Member
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.identities import IdentityRepo
from chalicelib.repo.table import Table, from_wire
from tests.support import tokens
from tests.support.problem_codes import check_problem
from tests.support.tokens import member_token


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")


class Api:
    def __init__(self, client: Client, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def as_(self, token: str | None) -> Api:
        return Api(self.client, token)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        all_headers = {"Content-Type": "application/json"}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        all_headers.update(headers or {})
        payload = raw if raw is not None else (json.dumps(body) if body is not None else b"")
        data = payload.encode() if isinstance(payload, str) else payload
        response = self.client.http.request(method, path, headers=all_headers, body=data)
        lowered = {k.lower(): v for k, v in response.headers.items()}
        parsed = json.loads(response.body) if response.body else None
        if lowered.get("content-type", "").startswith("application/problem+json"):
            check_problem(method, path, response.status_code, parsed)
        return Reply(response.status_code, lowered, parsed)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("PATCH", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("PUT", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.call("DELETE", path, **kw)


@dataclass
class TestFirm:
    """A fresh tenant per test: an owner, and a way to add members."""

    __test__ = False

    table: Table
    firm_id: str
    owner_id: str
    owner_token: str

    def add_member(
        self, role: str = "employee", *, view_all: bool = False, manage: bool = False, name: str = ""
    ) -> tuple[str, str]:
        member = Member(
            self.firm_id,
            new_id(),
            name or f"{role} {new_id()[-4:]}",
            f"{new_id().lower()}@staff.example",
            role,
            view_all,
            manage,
            now_iso(),
        )
        _signed_in(member)
        FirmRepo(self.table).add_member(member, IdentityRepo(self.table).bind_with_member(member))
        return member.id, member_token(member.id, member.email)


def _signed_in(member: Member) -> None:
    """Bound already, as after a first sign-in, so a test's first request writes nothing (a test that
    snapshots the table around a refused request must see no binding appear)."""
    member.identity_issuer = tokens.ISSUER
    member.identity_subject = tokens.subject_of(member.id)


def make_firm(table: Table, name: str = "Test & Co") -> TestFirm:
    now = now_iso()
    firm = Firm(id=new_id(), name=name, currency="USD", created_at=now)
    owner = Member(
        firm.id, new_id(), "Olivia Owner", f"owner-{new_id().lower()}@firm.example", "owner", True, True, now
    )
    _signed_in(owner)
    FirmRepo(table).create_firm(firm, owner, IdentityRepo(table).bind_with_member(owner))
    return TestFirm(table, firm.id, owner.id, member_token(owner.id, owner.email))


def snapshot(table: Table) -> list[dict[str, Any]]:
    """Every item of the table, to assert that a refused request wrote nothing."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table.name}
    while True:
        page = table.client.scan(**kwargs)
        items.extend(from_wire(i) for i in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda i: (i["PK"], i["SK"]))


@contextmanager
def nothing_written(table: Table) -> Iterator[None]:
    """Every request in the block is refused (asserted inside) and none of them writes."""
    before = snapshot(table)
    yield
    assert snapshot(table) == before, "a refused request must not write anything"


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in items]


def names(items: list[dict[str, Any]]) -> list[str]:
    return [i["name"] for i in items]
