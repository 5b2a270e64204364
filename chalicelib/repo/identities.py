"""Which member an identity provider's user is: the binding of an issuer and
subject to a firm and member, and an OIDC member's pending first sign-in.

The two item kinds keyed outside any firm (chalicelib/repo/keys.py says why).
A binding is written once, with its member (Cognito: when the member is
invited, since the pool names its user then) or at the member's first
sign-in (OIDC: by the address the issuer verified), and never changes: the
member's status, read on every request, is what a deactivation changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.entities import Member
from chalicelib.domain.errors import ConflictError, UnauthorizedError
from chalicelib.domain.text import email_key
from chalicelib.repo import keys
from chalicelib.repo.table import ITEM_ABSENT, Condition, Delete, Op, Put, Table, Update

IDENTITY_TAKEN = ConflictError(
    "This e-mail address already signs in to another Dossier firm; a person has one sign-in per firm's address."
)
NOT_INVITED = UnauthorizedError("No member of any firm is bound to this sign-in.")


@dataclass(frozen=True, slots=True)
class Binding:
    firm_id: str
    member_id: str


def _binding(item: dict[str, object] | None) -> Binding | None:
    if not item:
        return None
    return Binding(str(item["firm_id"]), str(item["member_id"]))


class IdentityRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    def binding(self, issuer: str, subject: str) -> Binding | None:
        # Strongly consistent: read once per identity per instance (the service caches it), and a Cognito
        # member may sign in within a second of being invited.
        return _binding(self.table.get(keys.identity(issuer, subject), consistent=True))

    def pending_first_sign_in(self, address: str) -> Binding | None:
        return _binding(self.table.get(keys.first_sign_in(email_key(address)), consistent=True))

    # --- what a member's creation writes with it ------------------------------------

    def bind_with_member(self, member: Member) -> Op:
        """The binding of a member created already bound (Cognito), in the member's transaction."""
        item = {
            **keys.identity(member.identity_issuer, member.identity_subject).as_dict(),
            "entity": keys.IDENTITY,
            "firm_id": member.firm_id,
            "member_id": member.id,
        }
        return Put(item, ITEM_ABSENT, on_fail=IDENTITY_TAKEN)

    def await_first_sign_in(self, member: Member) -> Op:
        """An OIDC member's address, claimed for their first sign-in, in the member's transaction."""
        item = {
            **keys.first_sign_in(email_key(member.email)).as_dict(),
            "entity": keys.FIRST_SIGN_IN,
            "firm_id": member.firm_id,
            "member_id": member.id,
        }
        return Put(item, ITEM_ABSENT, on_fail=IDENTITY_TAKEN)

    def withdraw_first_sign_in(self, member: Member) -> Op:
        """A deactivated member who never signed in can no longer bind."""
        mine = Condition("#m = :m", {"#m": "member_id"}, {":m": member.id})
        return Delete(keys.first_sign_in(email_key(member.email)), mine)

    # --- a first sign-in ---------------------------------------------------------------

    def bind_first_sign_in(self, issuer: str, subject: str, address: str, pending: Binding) -> None:
        """One transaction: the binding, the member's identity (still unbound and active), and the
        pending sign-in gone. Any of them failing (a race with another first sign-in, a deactivation)
        refuses the sign-in with nothing written."""
        member_unbound = Condition(
            "attribute_exists(PK) AND (attribute_not_exists(#status) OR #status = :active)"
            " AND (attribute_not_exists(#sub) OR #sub = :empty)",
            {"#status": "status", "#sub": "identity_subject"},
            {":active": "active", ":empty": ""},
        )
        still_pending = Condition("#m = :m", {"#m": "member_id"}, {":m": pending.member_id})
        binding = {
            **keys.identity(issuer, subject).as_dict(),
            "entity": keys.IDENTITY,
            "firm_id": pending.firm_id,
            "member_id": pending.member_id,
        }
        self.table.write(
            [
                Put(binding, ITEM_ABSENT, on_fail=NOT_INVITED),
                Update(
                    keys.member(pending.firm_id, pending.member_id),
                    "SET #iss = :iss, #sub = :sub, #v = #v + :one",
                    {"#iss": "identity_issuer", "#sub": "identity_subject", "#v": "version"},
                    {":iss": issuer, ":sub": subject, ":one": 1},
                    condition=member_unbound,
                    on_fail=NOT_INVITED,
                ),
                Delete(keys.first_sign_in(email_key(address)), still_pending, on_fail=NOT_INVITED),
            ]
        )
