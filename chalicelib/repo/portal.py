"""Portal access: invitations, their acceptance, and notification marks.

An invitation and the address's settings change in one transaction; the
address item holds the hash of the one token that may still be accepted, so
a resend or a revocation invalidates every earlier token without touching
the earlier invitation items.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain.entities import Email, Invitation
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.text import email_key
from chalicelib.repo import keys
from chalicelib.repo.firms import STALE
from chalicelib.repo.records import from_item, to_item
from chalicelib.repo.table import ITEM_ABSENT, ITEM_EXISTS, Condition, Delete, Put, Table, Update, set_fields

SUPERSEDED = ConflictError(
    "This invitation is no longer valid: a newer one was sent, or portal access was withdrawn. "
    "Use the latest invitation, or ask the firm to send a new one.",
    code="invitation_superseded",
)
_OWNED_BY = "#contact = :contact"


def _owned_by(contact_id: str) -> Condition:
    return Condition(_OWNED_BY, {"#contact": "contact_id"}, {":contact": contact_id})


def _outstanding(token_hash: str) -> Condition:
    return Condition(
        "#hash = :hash AND #login = :invited",
        {"#hash": "invite_hash", "#login": "login"},
        {":hash": token_hash, ":invited": "invited"},
    )


class PortalRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    def invitation(self, firm_id: str, token_hash: str) -> Invitation | None:
        item = self.table.get(keys.invitation(firm_id, token_hash), consistent=True)
        return from_item(Invitation, item, token_hash=token_hash) if item else None

    def send_invitation(
        self, email: Email, invitation: Invitation, settings: Mapping[str, Any], guard: Condition
    ) -> None:
        """Record ``invitation`` as the address's only valid one (with other
        setting changes of the same request), conditioned on the version read."""
        fields = {
            **settings,
            "login": "invited",
            "invite_hash": invitation.token_hash,
            "invited_at": invitation.created_at,
            "invite_expires_at": invitation.expires_at,
            "invite_delivery": "sending",
            "login_since": None,
        }
        key = keys.email(email.firm_id, email_key(email.address))
        self.table.write(
            [
                Put(to_item(invitation), ITEM_ABSENT),
                set_fields(key, fields, condition=guard & _owned_by(email.contact_id), on_fail=STALE),
            ]
        )

    def set_delivery(self, email: Email, token_hash: str, delivery: str) -> bool:
        """Record whether the mail service took the invitation; False when a
        newer invitation or a revocation came first (then it is not ours to say)."""
        key = keys.email(email.firm_id, email_key(email.address))
        try:
            self.table.write([set_fields(key, {"invite_delivery": delivery}, condition=_outstanding(token_hash))])
        except ConflictError:
            return False
        return True

    def record_delivery_problem(self, firm_id: str, address: str, problem: str, at: str) -> bool:
        """The mail service's report on an address (no version bump: no edit of anyone's); False when
        the firm no longer has the address."""
        key = keys.email(firm_id, email_key(address))
        fields = {"delivery_problem": problem, "delivery_problem_at": at}
        try:
            self.table.write([set_fields(key, fields, condition=ITEM_EXISTS, bump_version=False)])
        except ConflictError:
            return False
        return True

    def accept(self, invitation: Invitation, now: str) -> None:
        """Use the invitation once: it becomes "accepted" and the address's
        login "active", both or neither."""
        self.table.write(
            [
                Update(
                    keys.invitation(invitation.firm_id, invitation.token_hash),
                    "SET #state = :accepted, #at = :now",
                    {"#state": "state", "#at": "accepted_at"},
                    {":accepted": "accepted", ":now": now},
                    condition=Condition("#state = :pending", {"#state": "state"}, {":pending": "pending"}),
                    on_fail=ConflictError(
                        "This invitation was already accepted; sign in to the portal instead.",
                        code="invitation_accepted",
                    ),
                ),
                set_fields(
                    keys.email(invitation.firm_id, email_key(invitation.address)),
                    {
                        "login": "active",
                        "login_since": now,
                        "invite_hash": None,
                        "invite_expires_at": None,
                        "invite_delivery": None,
                    },
                    condition=_outstanding(invitation.token_hash) & _owned_by(invitation.contact_id),
                    on_fail=SUPERSEDED,
                ),
            ]
        )

    # --- notifications ----------------------------------------------------------------

    def claim_notification(self, firm_id: str, event_id: str, address: str, expires_ttl: int) -> bool:
        """Mark that ``address`` is being notified of ``event_id``; False when
        an earlier delivery of the same event already did."""
        item = {
            **keys.notified(firm_id, event_id, email_key(address)).as_dict(),
            "entity": keys.NOTIFIED,
            keys.TTL_ATTRIBUTE: expires_ttl,
        }
        try:
            self.table.write([Put(item, ITEM_ABSENT, on_fail=ConflictError("already notified"))])
        except ConflictError:
            return False
        return True

    def release_notification(self, firm_id: str, event_id: str, address: str) -> None:
        """The mail was not sent: let a retry send it."""
        self.table.write([Delete(keys.notified(firm_id, event_id, email_key(address)))])
