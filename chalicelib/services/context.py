"""Per-request context: verified claims, repositories and the caller."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from chalicelib.adapters.auth import Claims
from chalicelib.adapters.concurrency import beside
from chalicelib.domain import audit
from chalicelib.domain.entities import CustomField, Firm, Member
from chalicelib.domain.errors import NotFoundError, UnauthorizedError, UnprocessableError
from chalicelib.domain.idempotency import Idempotency
from chalicelib.repo.accounts import AccountRepo
from chalicelib.repo.activity import ActivityRepo
from chalicelib.repo.contacts import ContactRepo
from chalicelib.repo.firms import FirmRepo, IdempotentReplayError, idempotency_record
from chalicelib.repo.pipelines import PipelineRepo
from chalicelib.repo.table import Op, Table

T = TypeVar("T")


@dataclass
class Ctx:
    claims: Claims
    table: Table
    firms: FirmRepo = field(init=False)
    accounts: AccountRepo = field(init=False)
    contacts: ContactRepo = field(init=False)
    activity: ActivityRepo = field(init=False)
    pipelines: PipelineRepo = field(init=False)
    _member: Member | None = field(default=None, init=False)
    _firm: Firm | None = field(default=None, init=False)
    # the firm's custom field definitions, read at most once per request (a create checks several values)
    custom_fields: dict[str, CustomField] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.firms = FirmRepo(self.table)
        self.accounts = AccountRepo(self.table)
        self.contacts = ContactRepo(self.table)
        self.activity = ActivityRepo(self.table)
        self.pipelines = PipelineRepo(self.table)

    @classmethod
    def from_settings(cls, claims: Claims) -> Ctx:
        """A request's context on the stage's table (the configured one)."""
        return cls(claims=claims, table=Table.from_settings())

    @staticmethod
    def table_from_settings() -> Table:
        """The stage's table, for entry points that act for no caller (the mail service's events)."""
        return Table.from_settings()

    @property
    def firm_id(self) -> str:
        return self.claims.firm_id

    def adopt_member(self, member: Member | None) -> Member:
        """Accept the caller's member item when it was read with other items."""
        if member is None:
            raise UnauthorizedError("The token's member does not belong to this firm.", code="token_invalid")
        if member.status != "active":
            raise UnauthorizedError("This member has been deactivated.", code="member_deactivated")
        if self.claims.subject and member.identity_subject != self.claims.subject:
            raise UnauthorizedError("The token's identity is not this member's.", code="token_invalid")
        self._member = member
        audit.identify(audit.MEMBER, member.id, member.name)  # the name this request's writes are stamped with
        return member

    @property
    def known_member(self) -> Member | None:
        """The caller if this request already read them (else None: nothing is read)."""
        return self._member

    def read_member_beside(self) -> Future[Member | None]:
        """The caller's member item, read strongly consistent (a revoked right applies at once) on the
        reader pool, so it overlaps the request's main read; ``adopt_member`` its result."""
        firms, firm_id, member_id = self.firms, self.firm_id, self.claims.member_id
        return beside(lambda: firms.get_member(firm_id, member_id, consistent=True))

    @property
    def member(self) -> Member:
        """The caller, read from the table on every request so that a revoked
        right takes effect at once."""
        if self._member is None:
            self.adopt_member(self.firms.get_member(self.firm_id, self.claims.member_id, consistent=True))
        assert self._member is not None
        return self._member

    @property
    def firm(self) -> Firm:
        """The caller's firm (its settings: new accounts' currency, new contacts' language), read at most
        once per request and strongly consistent, so a setting just changed applies to the next request."""
        if self._firm is None:
            self._firm = self.firms.get_firm(self.firm_id, consistent=True)
            if self._firm is None:
                raise NotFoundError("Firm not found.")
        return self._firm


def idempotent_create(ctx: Ctx, idem: Idempotency | None, new_id: str, create: Callable[[Op | None], None]) -> str:
    """Run ``create``; when the same Idempotency-Key already created something,
    return that resource's id instead of creating twice."""
    if idem is None:
        create(None)
        return new_id
    try:
        create(idempotency_record(idem, new_id))
    except IdempotentReplayError:
        return _replayed_id(idem, ctx.firms.stored_response(idem))
    return new_id


def replayed(ctx: Ctx, idem: Idempotency | None) -> str | None:
    """The id this Idempotency-Key already created, read before a create whose checks
    could answer differently now (an e-mail already sent); None when it is unused."""
    stored = ctx.firms.find_stored_response(idem) if idem is not None else None
    return _replayed_id(idem, stored) if idem is not None and stored is not None else None


def _replayed_id(idem: Idempotency, stored: Mapping[str, Any]) -> str:
    if stored.get("request_hash") != idem.request_hash:
        raise UnprocessableError(
            "This Idempotency-Key was already used with a different request; use a new key.",
            code="idempotency_key_reused",
        )
    return str(stored["resource_id"])


def dedupe(ids: Sequence[str]) -> list[str]:
    """Keep the first occurrence of each id, in order."""
    return list(dict.fromkeys(ids))
