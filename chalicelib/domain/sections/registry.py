"""The thirteen section definitions: the one place each section is defined."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from chalicelib.domain.errors import FieldError
from chalicelib.domain.models.base import InputModel, OutputModel, PatchModel
from chalicelib.domain.sections import output, rules
from chalicelib.domain.sections.document_models import DocumentCreate, DocumentOut, DocumentPatch, DocumentSummary
from chalicelib.domain.sections.fields import Item, ItemOut
from chalicelib.domain.sections.models import (
    ApprovalCreate,
    ApprovalOut,
    ApprovalPatch,
    ApprovalStatus,
    ApprovalSummary,
    ChatCreate,
    ChatOut,
    ChatPatch,
    ChatStatus,
    ChatSummary,
    EmailCreate,
    EmailItemOut,
    EmailPatch,
    EmailStatus,
    EmailSummary,
    InvoiceCreate,
    InvoiceOut,
    InvoicePatch,
    InvoiceStatus,
    InvoiceSummary,
    JobCreate,
    JobOut,
    JobPatch,
    JobStatus,
    JobSummary,
    LoginCreate,
    LoginOut,
    LoginPatch,
    LoginSummary,
    NoteCreate,
    NoteOut,
    NotePatch,
    NoteSummary,
    OrganizerCreate,
    OrganizerOut,
    OrganizerPatch,
    OrganizerStatus,
    OrganizerSummary,
    ProposalCreate,
    ProposalOut,
    ProposalPatch,
    ProposalStatus,
    ProposalSummary,
    SignatureCreate,
    SignatureOut,
    SignaturePatch,
    SignatureStatus,
    SignatureSummary,
    TaskCreate,
    TaskOut,
    TaskPatch,
    TaskStatus,
    TaskSummary,
    TimeEntryCreate,
    TimeEntryOut,
    TimeEntryPatch,
    TimeEntrySummary,
)
from chalicelib.domain.sections.output import Names
from chalicelib.domain.sections.rules import Change


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
    # Whether "show all" lists it (an unfinished upload is not listed; GET by id shows it).
    listed: Callable[[Item], bool] = _always
    derive: Callable[[Item, Change], None] = rules.no_derivation
    rules: Callable[[Item, Change], list[FieldError]] = rules.no_rules
    computed: Callable[[Item, Names], Item] = output.refs_none
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
            in_overview="the latest 5 uploaded by the client (a file once checked)",
            qualifies=lambda i: i["uploaded_by"] == "client" and i.get("file_status") != "pending",
            listed=lambda i: i.get("file_status") != "pending",
            derive=rules.document,
            computed=output.document_out,
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
            computed=output.task_out,
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
            derive=rules.email,
            rules=rules.email_rules,
            computed=output.email_out,
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
            computed=output.job_out,
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
            derive=rules.chat,
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
            derive=rules.invoice,
            rules=rules.invoice_rules,
            computed=output.invoice_out,
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
            derive=rules.approval,
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
            derive=rules.signature,
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
            derive=rules.organizer,
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
            derive=rules.login,
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
            derive=rules.note,
            computed=output.note_out,
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
            derive=rules.time_entry,
            computed=output.time_entry_out,
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
            derive=rules.proposal,
            rules=rules.proposal_rules,
            computed=output.proposal_out,
        ),
    )
}

OVERVIEW_SIZE: Final = 5

# Item fields that hold member ids: checked on input, named on output.
MEMBER_INPUT_FIELDS: Final = ("assignee_id", "member_id")
MEMBER_FIELDS: Final = (*MEMBER_INPUT_FIELDS, "created_by", "author_id", "viewed_by")
