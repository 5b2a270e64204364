"""The audit trail's entries as the API shows them (docs/api.md, "Audit trail")."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from chalicelib.domain.models.base import OutputModel

ActorKind = Literal["member", "contact", "system"]


class AuditActorOut(OutputModel):
    kind: ActorKind = Field(description="member (a firm member), contact (a portal user) or system (jobs, mail sync).")
    id: str = Field(description="The member's or contact's id; `system` (or `anonymous`) for the system.")
    name: str = Field(description="The actor's name when the change was made.")


class AuditResourceOut(OutputModel):
    type: str = Field(
        description="What changed: account, contact, account_contact (a link), email (an address and its settings), "
        "member, tag, custom_field, pipeline, firm, credit, chat_message, or an activity section key (tasks, ...)."
    )
    id: str = Field(description="Its id (for a link: the contact's; for an address: the address).")
    account_id: str | None = Field(description="The account it belongs to, when it belongs to one.")


class AuditChangeOut(OutputModel):
    field: str
    old: Any = Field(description='The value before (null: none). Secrets and tokens show as "[redacted]".')
    new: Any = Field(description="The value after (null: removed).")


class AuditEntryOut(OutputModel):
    id: str
    at: str
    actor: AuditActorOut
    ip: str | None = Field(description="The request's source address; null for the system.")
    action: Literal["create", "update", "archive", "restore", "delete", "expire"] = Field(
        description="expire: removed by the system (a time-to-live ran out, or a derived clean-up)."
    )
    resource: AuditResourceOut
    changes: list[AuditChangeOut]
