"""The thirteen activity sections behind the Overview tab, each defined once.

A :class:`Section` names a section's input and output models, the field that
orders it (newest first), its statuses, which items qualify for the overview
and what an overview summary holds. The routes, the storage, the lists and
the stream projection are generic over these definitions; each section still
validates its own fields (its models) and cross-field rules (``rules``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, Field, StringConstraints

from chalicelib.domain.currencies import known_currency
from chalicelib.domain.errors import FieldError
from chalicelib.domain.models import EmailAddress, Id, InputModel, MemberRef, Name, OutputModel, PatchModel

Item = dict[str, Any]

# --- shared field types -------------------------------------------------------------


def _utc_timestamp(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("not an ISO 8601 timestamp") from exc
    if parsed.tzinfo is None:
        raise ValueError("a timestamp needs a time zone, e.g. 2026-11-26T17:42:00Z")
    utc = parsed.astimezone(UTC)
    if not 2000 <= utc.year <= 2199:
        raise ValueError("year out of range")
    return utc.isoformat(timespec="seconds").replace("+00:00", "Z")


def _calendar_day(value: str) -> str:
    try:
        parsed = date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("not a calendar date (YYYY-MM-DD)") from exc
    if not 2000 <= parsed.year <= 2200:
        raise ValueError("year out of range")
    return parsed.isoformat()


Timestamp = Annotated[
    str, StringConstraints(min_length=10, max_length=40, pattern=r"^\d{4}-\d{2}-\d{2}T"), AfterValidator(_utc_timestamp)
]
Day = Annotated[str, StringConstraints(max_length=10, pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_calendar_day)]
Money = Annotated[str, StringConstraints(max_length=12, pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$")]
Currency = Annotated[str, StringConstraints(max_length=3, pattern=r"^[A-Z]{3}$"), AfterValidator(known_currency)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
Minutes = Annotated[int, Field(ge=1, le=24 * 60)]
Number = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]

EXCERPT_CHARS: Final = 100


def excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1].rstrip() + "…"


def money_out(value: Any) -> str:
    return f"{Decimal(value):.2f}"


class ItemOut(OutputModel):
    """Fields every activity item carries."""

    id: str
    account_id: str
    created_at: str
    updated_at: str
    created_by: MemberRef | None
    version: int


class PipelineRef(OutputModel):
    id: str
    name: str


# --- documents ---------------------------------------------------------------------


class DocumentCreate(InputModel):
    name: Name
    uploaded_by: Literal["client", "firm"]
    uploaded_at: Timestamp | None = None


class DocumentPatch(PatchModel):
    name: Name | None = None


class DocumentOut(ItemOut):
    name: str
    uploaded_by: Literal["client", "firm"]
    uploaded_at: str
    new: bool = Field(description="Nobody at the firm has opened it yet (POST .../view clears it).")
    viewed_at: str | None
    viewed_by: MemberRef | None


class DocumentSummary(OutputModel):
    id: str
    name: str
    uploaded_at: str
    new: bool


# --- tasks -------------------------------------------------------------------------

TaskStatus = Literal["planned", "in_progress", "done"]


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
EmailStatus = Literal["draft", "sent", "delivered", "opened", "bounced", "received"]


class EmailCreate(InputModel):
    subject: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
    direction: EmailDirection
    status: EmailStatus | None = Field(default=None, description="Default: received (inbound) or draft (outbound).")
    from_address: EmailAddress | None = None
    to_addresses: Annotated[list[EmailAddress], Field(max_length=50)] = []
    at: Timestamp | None = None
    snippet: Text = ""


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


class EmailSummary(OutputModel):
    id: str
    subject: str
    direction: EmailDirection
    status: EmailStatus
    at: str


# --- jobs --------------------------------------------------------------------------

JobStatus = Literal["active", "completed", "archived"]


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

ChatStatus = Literal["open", "closed"]
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


class MessageOut(OutputModel):
    id: str
    chat_id: str
    body: str
    author: Author
    member: MemberRef | None = Field(description="The firm member who wrote it (author 'firm').")
    at: str


# --- invoices ----------------------------------------------------------------------

InvoiceStatus = Literal["unpaid", "paid", "void"]


class InvoiceCreate(InputModel):
    number: Number
    amount: Money = Field(description="Decimal string, e.g. '120.50'; more than zero.")
    currency: Currency | None = Field(default=None, description="ISO 4217; default: the account's currency.")
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

ApprovalStatus = Literal["pending", "approved", "rejected"]
SignatureStatus = Literal["pending", "signed", "declined"]
OrganizerStatus = Literal["sent", "in_progress", "completed"]


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
ProposalStatus = Literal["draft", "sent", "viewed", "signed", "declined"]


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


# --- derived fields and rules --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """What a write knows besides the input: the previous item (None on
    create), the time, the caller, and the account's currency."""

    old: Item | None
    now: str
    member_id: str
    currency: str

    def became(self, item: Item, status: str) -> bool:
        return item.get("status") == status and (self.old is None or self.old.get("status") != status)


def _no_derivation(item: Item, change: Change) -> None:
    return None


def _no_rules(item: Item, change: Change) -> list[FieldError]:
    return []


def _document(item: Item, change: Change) -> None:
    item.setdefault("uploaded_at", change.now)
    if change.old is None and item["uploaded_by"] == "firm":
        # The firm uploaded it, so someone at the firm has seen it: never "New".
        item["viewed_at"], item["viewed_by"] = item["uploaded_at"], change.member_id


def _email(item: Item, change: Change) -> None:
    item.setdefault("at", change.now)
    if item.get("status") is None:
        item["status"] = "received" if item["direction"] == "inbound" else "draft"


def _email_rules(item: Item, change: Change) -> list[FieldError]:
    inbound = item["direction"] == "inbound"
    if inbound != (item["status"] == "received"):
        allowed = "received" if inbound else "draft, sent, delivered, opened or bounced"
        return [FieldError(("body", "status"), f"an {item['direction']} e-mail's status is {allowed}")]
    return []


def _chat(item: Item, change: Change) -> None:
    if change.old is None:
        item.update(last_at=change.now, message_count=0)


def _invoice(item: Item, change: Change) -> None:
    item.setdefault("issued_at", change.now)
    item["amount"] = Decimal(item["amount"])
    item.setdefault("currency", change.currency)
    item["amount_due"] = item["amount"] if item["status"] == "unpaid" else Decimal(0)
    if change.became(item, "paid"):
        item["paid_at"] = change.now


def _invoice_rules(item: Item, change: Change) -> list[FieldError]:
    errors: list[FieldError] = []
    if item["amount"] <= 0:
        errors.append(FieldError(("body", "amount"), "must be more than zero"))
    old = change.old
    if old is not None and old["status"] != "unpaid":
        if item["status"] != old["status"]:
            errors.append(FieldError(("body", "status"), f"a {old['status']} invoice's status is final"))
        if item["amount"] != old["amount"]:
            errors.append(FieldError(("body", "amount"), f"a {old['status']} invoice's amount cannot change"))
    return errors


def _stamp_outcome(item: Item, change: Change, field_name: str) -> None:
    """When a pending request was answered (approved, signed, ...); cleared if it is pending again."""
    if item["status"] == "pending":
        item.pop(field_name, None)
    elif change.old is None or change.old["status"] != item["status"]:
        item[field_name] = change.now


def _approval(item: Item, change: Change) -> None:
    item.setdefault("requested_at", change.now)
    _stamp_outcome(item, change, "decided_at")


def _signature(item: Item, change: Change) -> None:
    item.setdefault("sent_at", change.now)
    _stamp_outcome(item, change, "completed_at")


def _organizer(item: Item, change: Change) -> None:
    item.setdefault("sent_at", change.now)


def _login(item: Item, change: Change) -> None:
    item.setdefault("at", change.now)


def _note(item: Item, change: Change) -> None:
    item.setdefault("at", change.now)
    if change.old is None:
        item["author_id"] = change.member_id


def _time_entry(item: Item, change: Change) -> None:
    if item.get("member_id") is None:
        item["member_id"] = change.member_id
    if item.get("date") is None:
        item["date"] = change.now[:10]


def _proposal(item: Item, change: Change) -> None:
    if item["status"] != "draft" and item.get("sent_at") is None:
        item["sent_at"] = change.now
    if change.old is not None and change.old["status"] == "declined" and item["status"] != "declined":
        # Sent again after it was declined: earlier signatures were for what was declined.
        item.pop("signed_by", None)


def _proposal_rules(item: Item, change: Change) -> list[FieldError]:
    old_status = None if change.old is None else change.old["status"]
    if old_status == "signed" and item["status"] != "signed":
        return [FieldError(("body", "status"), "a signed proposal is final")]
    if item["status"] == "signed" and old_status != "signed":
        return [FieldError(("body", "status"), "a proposal is signed by its signers (POST .../sign)")]
    if old_status not in (None, "draft") and item["status"] == "draft":
        return [FieldError(("body", "status"), "a proposal that was sent cannot become a draft again")]
    if item["status"] == "draft" and item.get("sent_at") is not None:
        return [FieldError(("body", "sent_at"), "a draft has not been sent")]
    return []


# --- computed output fields -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Names:
    """Names of what items refer to, resolved once per page or overview."""

    members: Mapping[str, str] = field(default_factory=dict)
    pipelines: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def member(self, member_id: str | None) -> dict[str, str] | None:
        if not member_id:
            return None
        return {"id": member_id, "name": self.members.get(member_id, "Former member")}

    def pipeline(self, pipeline_id: str) -> dict[str, str]:
        found = self.pipelines.get(pipeline_id)
        return {"id": pipeline_id, "name": found["name"] if found else "Removed pipeline"}

    def stage(self, pipeline_id: str, stage_id: str) -> dict[str, str]:
        found = self.pipelines.get(pipeline_id)
        stages = {s["id"]: s["name"] for s in (found or {}).get("stages", [])}
        return {"id": stage_id, "name": stages.get(stage_id, "Removed stage")}


def _refs_none(item: Item, names: Names) -> Item:
    return {}


def _document_out(item: Item, names: Names) -> Item:
    return {"new": item.get("viewed_at") is None, "viewed_by": names.member(item.get("viewed_by"))}


def _task_out(item: Item, names: Names) -> Item:
    return {"assignee": names.member(item.get("assignee_id"))}


def _job_out(item: Item, names: Names) -> Item:
    return {
        "assignee": names.member(item.get("assignee_id")),
        "pipeline": names.pipeline(item["pipeline_id"]),
        "stage": names.stage(item["pipeline_id"], item["stage_id"]),
    }


def _invoice_out(item: Item, names: Names) -> Item:
    return {
        "amount": money_out(item["amount"]),
        "amount_due": money_out(item["amount_due"]),
        "paid_with_credit": bool(item.get("paid_with_credit", False)),
    }


def _proposal_out(item: Item, names: Names) -> Item:
    # Each stored signature also names the member who recorded it (kept for audit).
    return {"signed_by": [{"address": s["address"], "at": s["at"]} for s in item.get("signed_by") or []]}


def _note_out(item: Item, names: Names) -> Item:
    return {"excerpt": excerpt(item.get("body", "")), "author": names.member(item.get("author_id"))}


def _time_entry_out(item: Item, names: Names) -> Item:
    return {"member": names.member(item.get("member_id"))}


# Fields computed from the account when an item is read, never stored: a
# credit change shows at once on every unpaid invoice without rewriting any.
READ_TIME_FIELDS: Final = frozenset({"payable_with_credit"})


def add_read_time_fields(view: Item, wanted: Collection[str], credit_balance: Decimal, currency: str) -> None:
    if "payable_with_credit" in wanted:
        view["payable_with_credit"] = payable_with_credit(view, credit_balance, currency)


def payable_with_credit(invoice: Mapping[str, Any], credit_balance: Decimal, currency: str) -> bool:
    """Read-time, from the account's current credit: a credit change shows at
    once on every unpaid invoice without rewriting any of them."""
    return (
        invoice.get("status", "unpaid") == "unpaid"
        and invoice["currency"] == currency
        and Decimal(invoice["amount_due"]) <= credit_balance
    )


# --- the definitions ------------------------------------------------------------------


def _always(item: Item) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    create: type[InputModel]
    patch: type[PatchModel]
    out: type[ItemOut]
    summary: type[OutputModel]
    time_field: str
    in_overview: str
    statuses: tuple[str, ...] = ()
    qualifies: Callable[[Item], bool] = _always
    derive: Callable[[Item, Change], None] = _no_derivation
    rules: Callable[[Item, Change], list[FieldError]] = _no_rules
    computed: Callable[[Item, Names], Item] = _refs_none
    # The item field holding the member whose name the overview summary shows.
    shows_member: str | None = None

    @property
    def summary_fields(self) -> tuple[str, ...]:
        return tuple(self.summary.model_fields)


def _statuses(literal: Any) -> tuple[str, ...]:
    return tuple(literal.__args__)


SECTIONS: Final[dict[str, Section]] = {
    s.key: s
    for s in (
        Section(
            "documents",
            "Documents",
            DocumentCreate,
            DocumentPatch,
            DocumentOut,
            DocumentSummary,
            time_field="uploaded_at",
            in_overview="the latest 5 uploaded by the client",
            qualifies=lambda i: i["uploaded_by"] == "client",
            derive=_document,
            computed=_document_out,
        ),
        Section(
            "tasks",
            "Tasks",
            TaskCreate,
            TaskPatch,
            TaskOut,
            TaskSummary,
            time_field="created_at",
            in_overview="the latest 5 planned or in progress",
            statuses=_statuses(TaskStatus),
            qualifies=lambda i: i["status"] in ("planned", "in_progress"),
            computed=_task_out,
            shows_member="assignee_id",
        ),
        Section(
            "emails",
            "Emails",
            EmailCreate,
            EmailPatch,
            EmailItemOut,
            EmailSummary,
            time_field="at",
            in_overview="the latest 5",
            statuses=_statuses(EmailStatus),
            derive=_email,
            rules=_email_rules,
        ),
        Section(
            "jobs",
            "Jobs",
            JobCreate,
            JobPatch,
            JobOut,
            JobSummary,
            time_field="created_at",
            in_overview="the latest 5 current (active) jobs",
            statuses=_statuses(JobStatus),
            qualifies=lambda i: i["status"] == "active",
            computed=_job_out,
        ),
        Section(
            "chats",
            "Chats",
            ChatCreate,
            ChatPatch,
            ChatOut,
            ChatSummary,
            time_field="last_at",
            in_overview="the 5 most recently active",
            statuses=_statuses(ChatStatus),
            derive=_chat,
        ),
        Section(
            "invoices",
            "Unpaid invoices",
            InvoiceCreate,
            InvoicePatch,
            InvoiceOut,
            InvoiceSummary,
            time_field="issued_at",
            in_overview="the latest 5 unpaid",
            statuses=_statuses(InvoiceStatus),
            qualifies=lambda i: i["status"] == "unpaid",
            derive=_invoice,
            rules=_invoice_rules,
            computed=_invoice_out,
        ),
        Section(
            "approvals",
            "Approvals",
            ApprovalCreate,
            ApprovalPatch,
            ApprovalOut,
            ApprovalSummary,
            time_field="requested_at",
            in_overview="the latest 5 pending",
            statuses=_statuses(ApprovalStatus),
            qualifies=lambda i: i["status"] == "pending",
            derive=_approval,
        ),
        Section(
            "signatures",
            "Signatures",
            SignatureCreate,
            SignaturePatch,
            SignatureOut,
            SignatureSummary,
            time_field="sent_at",
            in_overview="the latest 5 signature requests",
            statuses=_statuses(SignatureStatus),
            derive=_signature,
        ),
        Section(
            "organizers",
            "Organizers",
            OrganizerCreate,
            OrganizerPatch,
            OrganizerOut,
            OrganizerSummary,
            time_field="sent_at",
            in_overview="the latest 5",
            statuses=_statuses(OrganizerStatus),
            derive=_organizer,
        ),
        Section(
            "logins",
            "Login activity",
            LoginCreate,
            LoginPatch,
            LoginOut,
            LoginSummary,
            time_field="at",
            in_overview="the latest 5 portal logins",
            derive=_login,
        ),
        Section(
            "notes",
            "Notes",
            NoteCreate,
            NotePatch,
            NoteOut,
            NoteSummary,
            time_field="at",
            in_overview="the latest 5",
            derive=_note,
            computed=_note_out,
            shows_member="author_id",
        ),
        Section(
            "time_entries",
            "Time entries",
            TimeEntryCreate,
            TimeEntryPatch,
            TimeEntryOut,
            TimeEntrySummary,
            time_field="date",
            in_overview="the latest 5 (by day worked)",
            derive=_time_entry,
            computed=_time_entry_out,
            shows_member="member_id",
        ),
        Section(
            "proposals",
            "Proposals & ELs",
            ProposalCreate,
            ProposalPatch,
            ProposalOut,
            ProposalSummary,
            time_field="created_at",
            in_overview="the latest 5 sent to the client (drafts are not shown)",
            statuses=_statuses(ProposalStatus),
            qualifies=lambda i: i["status"] != "draft",
            derive=_proposal,
            rules=_proposal_rules,
            computed=_proposal_out,
        ),
    )
}

OVERVIEW_SIZE: Final = 5

# Item fields that hold member ids: checked on input, named on output.
MEMBER_INPUT_FIELDS: Final = ("assignee_id", "member_id")
MEMBER_FIELDS: Final = (*MEMBER_INPUT_FIELDS, "created_by", "author_id", "viewed_by")
