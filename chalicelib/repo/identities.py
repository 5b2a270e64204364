"""Which member an identity provider's user is: the binding of an issuer and
subject to a firm and member, and an OIDC member's pending first sign-in.

The two item kinds keyed outside any firm (chalicelib/repo/keys.py says why).
A binding is written once, with its member (Cognito: when the member is
invited, since the pool names its user then) or at the member's first
sign-in (OIDC: by the address the issuer verified), and never changes: the
member's status, read on every request, is what a deactivation changes. One
identity may be a member of several firms (one item per firm in the
identity's partition: one Query finds them all).
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.entities import Member
from chalicelib.domain.errors import ConflictError, UnauthorizedError
from chalicelib.domain.ids import now_ordered
from chalicelib.domain.text import email_key
from chalicelib.repo import keys
from chalicelib.repo.table import ITEM_ABSENT, Condition, Delete, Op, Put, Table, Update

IDENTITY_TAKEN = ConflictError("This sign-in is already a member of this firm.", code="identity_taken")
FIRST_SIGN_IN_FIRMS = 33  # three items a firm: a transaction holds at most 100 (the rest bind at the next)
NOT_INVITED = UnauthorizedError("No member of any firm is bound to this sign-in.", code="not_invited")


@dataclass(frozen=True, slots=True)
class Binding:
    firm_id: str
    member_id: str
    bound_at: str = ""  # when the identity joined the firm: a person's first firm is their default


def _binding(item: dict[str, object]) -> Binding:
    return Binding(str(item["firm_id"]), str(item["member_id"]), str(item.get("bound_at", "")))


def _pointer(key: keys.Key, entity: str, firm_id: str, member_id: str) -> dict[str, object]:
    return {**key.as_dict(), "entity": entity, "firm_id": firm_id, "member_id": member_id, "bound_at": now_ordered()}


class IdentityRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    def bindings(self, issuer: str, subject: str) -> list[Binding]:
        """The identity's memberships, by firm id. Strongly consistent: read once per identity per instance
        (the service keeps them), and a Cognito member may sign in within a second of being invited."""
        items = self.table.query_all(pk=keys.identity_pk(issuer, subject), consistent=True)
        return [_binding(i) for i in items]

    def pending_first_sign_ins(self, address: str) -> list[Binding]:
        items = self.table.query_all(pk=keys.first_sign_in_pk(email_key(address)), consistent=True)
        return [_binding(i) for i in items]

    # --- what a member's creation writes with it ------------------------------------

    def bind_with_member(self, member: Member) -> Op:
        """The binding of a member created already bound (Cognito), in the member's transaction."""
        key = keys.identity(member.identity_issuer, member.identity_subject, member.firm_id)
        return Put(_pointer(key, keys.IDENTITY, member.firm_id, member.id), ITEM_ABSENT, on_fail=IDENTITY_TAKEN)

    def await_first_sign_in(self, member: Member) -> Op:
        """An OIDC member's address, claimed for their first sign-in, in the member's transaction."""
        key = keys.first_sign_in(email_key(member.email), member.firm_id)
        return Put(_pointer(key, keys.FIRST_SIGN_IN, member.firm_id, member.id), ITEM_ABSENT, on_fail=IDENTITY_TAKEN)

    def withdraw_first_sign_in(self, member: Member) -> Op:
        """A deactivated member who never signed in can no longer bind."""
        mine = Condition("#m = :m", {"#m": "member_id"}, {":m": member.id})
        return Delete(keys.first_sign_in(email_key(member.email), member.firm_id), mine)

    # --- a first sign-in ---------------------------------------------------------------

    def bind_first_sign_in(self, issuer: str, subject: str, address: str, pending: list[Binding]) -> None:
        """One transaction for every firm that invited the address: each binding, each member's identity
        (still unbound and active), and each pending sign-in gone. Any of them failing (a race with another
        first sign-in, a deactivation) refuses the sign-in with nothing written."""
        member_unbound = Condition(
            "attribute_exists(PK) AND (attribute_not_exists(#status) OR #status = :active)"
            " AND (attribute_not_exists(#sub) OR #sub = :empty)",
            {"#status": "status", "#sub": "identity_subject"},
            {":active": "active", ":empty": ""},
        )
        ops: list[Op] = []
        for p in pending[:FIRST_SIGN_IN_FIRMS]:
            binding = _pointer(keys.identity(issuer, subject, p.firm_id), keys.IDENTITY, p.firm_id, p.member_id)
            still_pending = Condition("#m = :m", {"#m": "member_id"}, {":m": p.member_id})
            ops += [
                Put(binding, ITEM_ABSENT, on_fail=NOT_INVITED),
                Update(
                    keys.member(p.firm_id, p.member_id),
                    "SET #iss = :iss, #sub = :sub, #v = #v + :one",
                    {"#iss": "identity_issuer", "#sub": "identity_subject", "#v": "version"},
                    {":iss": issuer, ":sub": subject, ":one": 1},
                    condition=member_unbound,
                    on_fail=NOT_INVITED,
                ),
                Delete(keys.first_sign_in(email_key(address), p.firm_id), still_pending, on_fail=NOT_INVITED),
            ]
        self.table.write(ops)
