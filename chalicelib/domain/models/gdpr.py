"""GDPR/AVG: the export of everything held about a person, and an erasure's summary."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from chalicelib.domain.models.base import OutputModel
from chalicelib.domain.models.people import ContactOut


class PersonLinkOut(OutputModel):
    account_id: str
    account_name: str
    description: str
    signer_priority: int | None
    linked_at: str


class PersonInvitationOut(OutputModel):
    address: str
    state: Literal["pending", "accepted"]
    sent_at: str
    valid_until: str
    accepted_at: str | None


class PersonLoginOut(OutputModel):
    account_id: str
    id: str
    email: str
    at: str


class PersonMailOut(OutputModel):
    account_id: str
    id: str
    direction: Literal["inbound", "outbound"]
    status: str
    subject: str
    from_address: str | None
    to_addresses: list[str]
    at: str
    snippet: str
    text: str


class KeptMailOut(OutputModel):
    to: list[str]
    subject: str
    kind: str
    date: str


class PersonMessageOut(OutputModel):
    account_id: str
    chat_id: str
    id: str
    body: str
    at: str


class PersonDocumentOut(OutputModel):
    account_id: str
    id: str
    name: str
    uploaded_at: str
    content_type: str | None
    size: int | None


class PersonSignatureOut(OutputModel):
    account_id: str
    proposal_id: str
    proposal_name: str
    address: str
    at: str


class PersonExportOut(OutputModel):
    contact: ContactOut = Field(description="As GET /contacts/{contact_id}: details, e-mails and their settings.")
    links: list[PersonLinkOut] = Field(description="The accounts the person is linked to.")
    invitations: list[PersonInvitationOut] = Field(description="Portal invitations sent to their addresses.")
    logins: list[PersonLoginOut] = Field(description="Recorded portal logins of their addresses.")
    mails_received: list[PersonMailOut] = Field(description="E-mail items they sent (email sync).")
    mails_sent: list[PersonMailOut] = Field(description="E-mail items addressed to them.")
    outbox: list[KeptMailOut] = Field(description="Mail to them the stage keeps (the local outbox; SES keeps none).")
    chat_messages: list[PersonMessageOut] = Field(description="Chat messages recorded as written by them.")
    documents: list[PersonDocumentOut] = Field(description="Documents recorded as uploaded by them.")
    signatures: list[PersonSignatureOut] = Field(description="Proposals they signed.")
    audit: list[dict[str, Any]] = Field(description="Audit entries naming them.")
    exported_at: str


class ErasureOut(OutputModel):
    contact_id: str
    pseudonym: str = Field(description="What financial records (signatures) name the person by from now on.")
    erased_at: str
    addresses_freed: int
    links_removed: int
    invitations_removed: int
    records_deleted: int = Field(description="Mails from or to them alone, and logins.")
    records_pseudonymised: int = Field(description="Mails to others too, signatures, chat messages, documents.")
    outbox_removed: int
    audit_scrubbed: int
    export_files_deleted: int = Field(
        description="The firm's exports whose files were deleted: every one made before the erasure (a "
        "completed one now reads status expired; one still running was stopped, failed)."
    )
    import_files_deleted: int = Field(
        description="Uploaded import files deleted (an import still queued or running was stopped, failed)."
    )
    import_errors_deleted: int = Field(description="Import cell errors that quoted the person, deleted.")
    finished: bool = Field(
        description="False when the clean-up took longer than a request may: the person is already gone from "
        "every route, and a background job finishes the rest (their accounts' activity and audit trails), queued "
        "now or by a sweep within 10 minutes; the counts are this request's. Sending the request again also goes "
        "on with it, and answers 404 once the erasure has ended."
    )
