"""Each section's input models (create, patch) and output models (item, overview summary)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.domain.models.base import Currency, EmailAddress, Id, InputModel, Money, Name, OutputModel, PatchModel
from chalicelib.domain.models.people import MemberRef
from chalicelib.domain.sections.fields import (
    Day,
    ItemOut,
    LongText,
    Minutes,
    Number,
    PipelineRef,
    Text,
    Timestamp,
)
from chalicelib.domain.sections.statuses import (
    ApprovalStatus,
    ChatStatus,
    EmailStatus,
    InvoiceStatus,
    JobStatus,
    OrganizerStatus,
    ProposalStatus,
    SignatureStatus,
    TaskStatus,
)

# --- tasks -------------------------------------------------------------------------


class TaskCreate(InputModel):
    title: Name
    status: TaskStatus = "planned"
    due_date: Day | None = None
    assignee_id: Id | None = None
    description: LongText = ""


class TaskPatch(PatchModel):
    nullable = frozenset({"due_date", "assignee_id"})

    title: Name | None = None
    status: TaskStatus | None = None
    due_date: Day | None = None
    assignee_id: Id | None = None
    description: LongText | None = None


class TaskOut(ItemOut):
    title: str
    status: TaskStatus
    due_date: str | None
    assignee: MemberRef | None
    description: str


class TaskSummary(OutputModel):
    id: str
    title: str
    status: TaskStatus
    due_date: str | None
    assignee: MemberRef | None


# --- emails ------------------------------------------------------------------------

EmailDirection = Literal["inbound", "outbound"]


class EmailCreate(InputModel):
    subject: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
    direction: EmailDirection
    status: EmailStatus | None = Field(default=None, description="Default: received (inbound) or draft (outbound).")
    from_address: EmailAddress | None = None
    to_addresses: Annotated[list[EmailAddress], Field(max_length=50)] = []
    at: Timestamp | None = None
    snippet: Text = Field(default="", description="Default with send: the start of text.")
    text: LongText = Field(default="", description="The message's text: with send, the body of the mail.")
    in_reply_to: Id | None = Field(
        default=None,
        description="An e-mail item of this account that this one answers: it joins that item's thread, and "
        "with send the mail carries In-Reply-To and References (another account's or no item → 404).",
    )
    send: bool = Field(
        default=False,
        exclude=True,  # an instruction, never stored
        description="Send it now, from the firm's sending address, to to_addresses (default for a reply: whom it "
        "answers); every recipient must be an address of this account's contacts with email_sync on (else 409, "
        "nothing written or sent). The item is recorded as draft, then sent; a mail service that refuses leaves "
        "it draft.",
    )


class EmailPatch(PatchModel):
    subject: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    status: EmailStatus | None = None


class EmailItemOut(ItemOut):
    subject: str
    direction: EmailDirection
    status: EmailStatus
    from_address: str | None
    to_addresses: list[str]
    at: str
    snippet: str
    text: str
    thread_id: str = Field(description="The id of the thread's first item (its own id if it starts one).")
    in_reply_to: str | None = Field(description="The item it answers, when it answers one of this account's.")
    sent_at: str | None = Field(description="When the mail service accepted it (sent by Dossier only).")


class EmailSummary(OutputModel):
    id: str
    subject: str
    direction: EmailDirection
    status: EmailStatus
    at: str


# --- jobs --------------------------------------------------------------------------


class JobCreate(InputModel):
    name: Name
    pipeline_id: Id
    stage_id: Id
    status: JobStatus = "active"
    due_date: Day | None = None
    assignee_id: Id | None = None


class JobPatch(PatchModel):
    nullable = frozenset({"due_date", "assignee_id"})

    name: Name | None = None
    pipeline_id: Id | None = None
    stage_id: Id | None = None
    status: JobStatus | None = None
    due_date: Day | None = None
    assignee_id: Id | None = None


class JobOut(ItemOut):
    name: str
    status: JobStatus
    pipeline: PipelineRef
    stage: PipelineRef
    due_date: str | None
    assignee: MemberRef | None


class JobSummary(OutputModel):
    id: str
    name: str
    status: JobStatus
    pipeline: PipelineRef
    stage: PipelineRef


# --- chats -------------------------------------------------------------------------

Author = Literal["firm", "client"]


class ChatCreate(InputModel):
    subject: Name
    status: ChatStatus = "open"


class ChatPatch(PatchModel):
    subject: Name | None = None
    status: ChatStatus | None = None


class ChatOut(ItemOut):
    subject: str
    status: ChatStatus
    last_message: str | None = Field(description="An excerpt of the latest message.")
    last_author: Author | None
    last_at: str = Field(description="When the latest message was added (the chat's creation before any).")
    message_count: int


class ChatSummary(OutputModel):
    id: str
    subject: str
    last_message: str | None
    last_author: Author | None
    last_at: str


class MessageCreate(InputModel):
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5_000)]
    author: Author
    contact_id: Id | None = Field(
        default=None,
        description="With author 'client': the contact who wrote it, linked to this account (else 422).",
    )


class MessageOut(OutputModel):
    id: str
    chat_id: str
    body: str
    author: Author
    member: MemberRef | None = Field(description="The firm member who wrote it (author 'firm').")
    contact_id: str | None = Field(default=None, description="The contact who wrote it (author 'client'), if known.")
    at: str


# --- invoices ----------------------------------------------------------------------


class InvoiceCreate(InputModel):
    number: Number
    amount: Money = Field(
        description="Decimal string, e.g. '120.50', with at most the currency's minor units; more than zero."
    )
    currency: Currency | None = Field(
        default=None, description="ISO 4217: the account's currency (the default); another one → 409."
    )
    due_date: Day | None = None
    issued_at: Timestamp | None = None
    status: InvoiceStatus = "unpaid"


class InvoicePatch(PatchModel):
    nullable = frozenset({"due_date"})

    number: Number | None = None
    amount: Money | None = Field(default=None, description="Only while the invoice is unpaid.")
    due_date: Day | None = None
    status: InvoiceStatus | None = Field(default=None, description="unpaid → paid or void; paid and void are final.")


class InvoiceOut(ItemOut):
    number: str
    amount: str
    amount_due: str
    currency: str
    due_date: str | None
    issued_at: str
    status: InvoiceStatus
    paid_at: str | None
    paid_with_credit: bool
    payable_with_credit: bool = Field(description="Unpaid and the account's credit covers amount_due.")


class InvoiceSummary(OutputModel):
    id: str
    number: str
    amount_due: str
    currency: str
    due_date: str | None
    payable_with_credit: bool


# --- approvals, signatures, organizers ----------------------------------------------


class ApprovalCreate(InputModel):
    document_name: Name
    document_id: Id | None = Field(default=None, description="A document of this account, when there is one.")
    status: ApprovalStatus = "pending"
    requested_at: Timestamp | None = None


class ApprovalPatch(PatchModel):
    document_name: Name | None = None
    status: ApprovalStatus | None = None


class ApprovalOut(ItemOut):
    document_name: str
    document_id: str | None
    status: ApprovalStatus
    requested_at: str
    decided_at: str | None


class ApprovalSummary(OutputModel):
    id: str
    document_name: str
    requested_at: str
    status: ApprovalStatus


class SignatureCreate(InputModel):
    document_name: Name
    status: SignatureStatus = "pending"
    sent_at: Timestamp | None = None


class SignaturePatch(PatchModel):
    document_name: Name | None = None
    status: SignatureStatus | None = None


class SignatureOut(ItemOut):
    document_name: str
    status: SignatureStatus
    sent_at: str
    completed_at: str | None


class SignatureSummary(OutputModel):
    id: str
    document_name: str
    status: SignatureStatus
    sent_at: str


class OrganizerCreate(InputModel):
    name: Name
    status: OrganizerStatus = "sent"
    sent_at: Timestamp | None = None


class OrganizerPatch(PatchModel):
    name: Name | None = None
    status: OrganizerStatus | None = None


class OrganizerOut(ItemOut):
    name: str
    status: OrganizerStatus
    sent_at: str


class OrganizerSummary(OutputModel):
    id: str
    name: str
    status: OrganizerStatus
    sent_at: str


# --- logins, notes, time entries, proposals -----------------------------------------


class LoginCreate(InputModel):
    email: EmailAddress
    at: Timestamp | None = None


class LoginPatch(PatchModel):
    """A login is a record of fact: nothing about it can be changed."""


class LoginOut(ItemOut):
    email: str
    at: str


class LoginSummary(OutputModel):
    id: str
    email: str
    at: str


class NoteCreate(InputModel):
    title: Name
    body: LongText = ""
    at: Timestamp | None = None


class NotePatch(PatchModel):
    title: Name | None = None
    body: LongText | None = None


class NoteOut(ItemOut):
    title: str
    body: str
    excerpt: str
    author: MemberRef | None
    at: str


class NoteSummary(OutputModel):
    id: str
    title: str
    excerpt: str
    author: MemberRef | None
    at: str


class TimeEntryCreate(InputModel):
    minutes: Minutes
    date: Day | None = Field(default=None, description="The day worked; default: today (UTC).")
    member_id: Id | None = Field(default=None, description="Who worked; default: the caller.")
    description: Text = ""
    billable: bool = True


class TimeEntryPatch(PatchModel):
    minutes: Minutes | None = None
    date: Day | None = None
    member_id: Id | None = None
    description: Text | None = None
    billable: bool | None = None


class TimeEntryOut(ItemOut):
    member: MemberRef | None
    date: str
    minutes: int
    description: str
    billable: bool


class TimeEntrySummary(OutputModel):
    id: str
    member: MemberRef | None
    date: str
    minutes: int
    description: str
    billable: bool


ProposalKind = Literal["proposal", "engagement_letter"]


class ProposalCreate(InputModel):
    name: Name
    kind: ProposalKind
    status: ProposalStatus = "draft"
    sent_at: Timestamp | None = Field(default=None, description="Default: now, once the status is past draft.")


class ProposalPatch(PatchModel):
    name: Name | None = None
    status: ProposalStatus | None = None


class Signature(OutputModel):
    address: str
    at: str


class ProposalOut(ItemOut):
    name: str
    kind: ProposalKind
    status: ProposalStatus = Field(
        description="draft → sent → viewed; signed only by signing (POST .../sign), once every signer has; "
        "declined. A signed proposal is final."
    )
    sent_at: str | None
    signed_by: list[Signature] = Field(description="Who signed, in order.")
    signed_at: str | None = Field(description="When the last signer signed.")


class ProposalSummary(OutputModel):
    id: str
    name: str
    kind: ProposalKind
    status: ProposalStatus
    sent_at: str | None
