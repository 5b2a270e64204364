"""Firms, members, the tag catalogue and idempotency records."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from chalicelib.domain.entities import Firm, Member, Tag
from chalicelib.domain.errors import (
    ConflictError,
    DossierError,
    NotFoundError,
    PreconditionFailedError,
    StaleVersionError,
)
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.text import email_key, fold
from chalicelib.repo import keys
from chalicelib.repo.records import from_item, to_item
from chalicelib.repo.table import (
    ITEM_ABSENT,
    ITEM_EXISTS,
    Condition,
    Delete,
    Op,
    Put,
    Table,
    set_fields,
    version_is,
)

IDEMPOTENCY_TTL_SECONDS = 24 * 3600


class IdempotentReplayError(DossierError):
    """Raised when a create's idempotency record already exists."""

    status = 409
    title = "Idempotent replay"
    type_slug = "idempotent-replay"


def _idempotency_key(idem: Idempotency) -> keys.Key:
    return keys.idempotency(idem.firm_id, idem.member_id, idem.route, idem.key)


def idempotency_record(idem: Idempotency, resource_id: str) -> Op:
    """The create's idempotency record, for the create's own transaction."""
    # Listed first in a transaction, so a replay is recognised before any
    # other condition (e.g. a unique e-mail the first attempt took) fails.
    return Put(
        {
            **_idempotency_key(idem).as_dict(),
            "entity": keys.IDEMPOTENCY,
            "request_hash": idem.request_hash,
            "resource_id": resource_id,
            keys.TTL_ATTRIBUTE: int(time.time()) + IDEMPOTENCY_TTL_SECONDS,
        },
        ITEM_ABSENT,
        on_fail=IdempotentReplayError("replay"),
    )


def version_guard(expected: int | None, current: int) -> Condition:
    """Condition that the item is still at the version the caller edited.

    ``expected`` is the If-Match version (or ``None``); a mismatch with what we
    just read is already stale. Either way the write is conditioned on the
    version we read, so a concurrent edit cannot be overwritten.
    """
    if expected is not None and expected != current:
        raise PreconditionFailedError(f"The resource is at version {current}, not {expected}.", code="version_mismatch")
    return ITEM_EXISTS & version_is(current)


STALE = StaleVersionError("The resource was changed by another request (version mismatch).", code="version_mismatch")


class FirmRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    # firms and members ------------------------------------------------------

    def create_firm(self, firm: Firm, owner: Member, sign_in: Op) -> None:
        """The firm and its owner, with the owner's sign-in (``IdentityRepo``: a binding or a pending first
        sign-in) in one transaction."""
        self.table.write(
            [
                Put(to_item(firm), ITEM_ABSENT, on_fail=ConflictError("The firm already exists.", code="firm_exists")),
                Put(to_item(owner), ITEM_ABSENT),
                Put(self._member_email_guard(owner), ITEM_ABSENT),
                sign_in,
            ]
        )

    def get_firm(self, firm_id: str, *, consistent: bool = False) -> Firm | None:
        item = self.table.get(keys.firm(firm_id), consistent=consistent)
        return from_item(Firm, item) if item else None

    def update_firm(self, firm_id: str, fields: dict[str, Any], guard: Condition) -> None:
        """The firm's settings, conditioned on the version read (``version_guard``)."""
        self.table.write([set_fields(keys.firm(firm_id), fields, condition=guard, on_fail=STALE)])

    def get_member(self, firm_id: str, member_id: str, *, consistent: bool = False) -> Member | None:
        item = self.table.get(keys.member(firm_id, member_id), consistent=consistent)
        return from_item(Member, item) if item else None

    def list_members(self, firm_id: str) -> list[Member]:
        items = self.table.query_all(pk=keys.firm_pk(firm_id), sk_prefix=keys.MEMBER_PREFIX)
        return [from_item(Member, i) for i in items]

    def add_member(self, member: Member, sign_in: Op, idem: Op | None = None) -> None:
        """The member, with their sign-in (as ``create_firm``), in one transaction."""
        taken = ConflictError(f"{member.email} is already a member of this firm.", code="member_exists")
        ops: list[Op] = [idem] if idem else []
        ops += [
            Put(self._member_email_guard(member), ITEM_ABSENT, on_fail=taken),
            Put(to_item(member), ITEM_ABSENT),
            sign_in,
        ]
        self.table.write(ops)

    def deactivate_member(self, member: Member, guard: Condition, withdraw: Op | None) -> None:
        """The member's status, and (an OIDC member never signed in) their pending first sign-in withdrawn."""
        ops: list[Op] = [
            set_fields(
                keys.member(member.firm_id, member.id), {"status": "deactivated"}, condition=guard, on_fail=STALE
            )
        ]
        if withdraw is not None:
            ops.append(withdraw)
        self.table.write(ops)

    def update_member(
        self, firm_id: str, member_id: str, fields: dict[str, Any], guard: Condition, also: Sequence[Op] = ()
    ) -> None:
        """The member's fields, conditioned on the version read, with ``also`` (a rename's job) in the same
        transaction."""
        self.table.write([set_fields(keys.member(firm_id, member_id), fields, condition=guard, on_fail=STALE), *also])

    def _member_email_guard(self, member: Member) -> dict[str, Any]:
        return {
            **keys.member_email(member.firm_id, email_key(member.email)).as_dict(),
            "entity": keys.MEMBER_EMAIL,
            "member_id": member.id,
        }

    # tags -------------------------------------------------------------------

    def list_tags(self, firm_id: str) -> list[Tag]:
        items = self.table.query_all(pk=keys.firm_pk(firm_id), sk_prefix=keys.TAG_PREFIX)
        return sorted((from_item(Tag, i) for i in items), key=lambda t: (fold(t.name), t.id))

    def get_tag(self, firm_id: str, tag_id: str, *, consistent: bool = False) -> Tag | None:
        item = self.table.get(keys.tag(firm_id, tag_id), consistent=consistent)
        return from_item(Tag, item) if item else None

    def _name_taken(self, name: str) -> ConflictError:
        return ConflictError(f"A tag named {name!r} already exists.", code="name_taken")

    def create_tag(self, tag: Tag, idem: Op | None = None) -> None:
        ops: list[Op] = [idem] if idem else []
        ops += [
            Put(to_item(tag), ITEM_ABSENT),
            Put(self._tag_name_guard(tag), ITEM_ABSENT, on_fail=self._name_taken(tag.name)),
        ]
        self.table.write(ops)

    def update_tag(self, old: Tag, new: Tag, guard: Condition) -> None:
        ops: list[Op] = [
            set_fields(
                keys.tag(new.firm_id, new.id), {"name": new.name, "color": new.color}, condition=guard, on_fail=STALE
            )
        ]
        if fold(old.name) != fold(new.name):
            ops.append(Delete(keys.tag_name(old.firm_id, fold(old.name))))
            ops.append(Put(self._tag_name_guard(new), ITEM_ABSENT, on_fail=self._name_taken(new.name)))
        elif old.name != new.name:
            ops.append(Put(self._tag_name_guard(new)))
        self.table.write(ops)

    def delete_tag(self, tag: Tag, guard: Condition) -> None:
        self.table.write(
            [
                Delete(keys.tag(tag.firm_id, tag.id), guard, on_fail=STALE),
                Delete(keys.tag_name(tag.firm_id, fold(tag.name))),
            ]
        )

    def _tag_name_guard(self, tag: Tag) -> dict[str, Any]:
        return {
            **keys.tag_name(tag.firm_id, fold(tag.name)).as_dict(),
            "entity": keys.TAG_NAME,
            "tag_id": tag.id,
        }

    # idempotency ------------------------------------------------------------

    def stored_response(self, idem: Idempotency) -> dict[str, Any]:
        item = self.find_stored_response(idem)
        if item is None:
            raise NotFoundError("The idempotency record expired.", code="idempotency_expired")
        return item

    def find_stored_response(self, idem: Idempotency) -> dict[str, Any] | None:
        """What this Idempotency-Key created, if it was used (one strongly consistent GetItem)."""
        return self.table.get(_idempotency_key(idem), consistent=True)
