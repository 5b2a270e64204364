"""The thirteen section definitions: the one place each section is defined."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any, Final

from chalicelib.domain.errors import FieldError
from chalicelib.domain.sections import output, rules
from chalicelib.domain.sections.output import Names
from chalicelib.domain.sections.rules import Change
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
from chalicelib.domain.sections.values import Item

if TYPE_CHECKING:
    from chalicelib.domain.models.base import InputModel, OutputModel, PatchModel
    from chalicelib.domain.sections.fields import ItemOut


@cache  # a route reads its section's models on every request: one lookup after the first
def _model(name: str) -> Any:
    """A section model by its class name, its module imported on first use: a request that uses no
    section model (the Overview's read) never builds them (cold start, docs/performance.md)."""
    module = "document_models" if name.startswith("Document") else "models"
    return getattr(import_module(f"chalicelib.domain.sections.{module}"), name)


def _always(item: Item) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    # The stem of its models' class names: <stem>Create, <stem>Patch, <stem>Out (or ``out_name``), <stem>Summary.
    models: str
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
    # Summary fields computed when read (``output.READ_TIME_FIELDS``), so an Overview read needs no model;
    # tests/unit/test_section_output.py checks them against the summary model.
    read_time_fields: tuple[str, ...] = ()
    out_name: str = ""

    @property
    def create(self) -> type[InputModel]:
        return _model(f"{self.models}Create")  # type: ignore[no-any-return]

    @property
    def patch(self) -> type[PatchModel]:
        return _model(f"{self.models}Patch")  # type: ignore[no-any-return]

    @property
    def out(self) -> type[ItemOut]:
        return _model(self.out_name or f"{self.models}Out")  # type: ignore[no-any-return]

    @property
    def summary(self) -> type[OutputModel]:
        return _model(f"{self.models}Summary")  # type: ignore[no-any-return]

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
            models="Document",
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
            models="Task",
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
            models="Email",
            out_name="EmailItemOut",
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
            models="Job",
            time_field="created_at",
            in_overview="the latest 5 current (active) jobs",
            statuses=_statuses(JobStatus),
            qualifies=lambda i: i["status"] == "active",
            computed=output.job_out,
        ),
        Section(
            "chats",
            "Chats",
            models="Chat",
            time_field="last_at",
            in_overview="the 5 most recently active",
            statuses=_statuses(ChatStatus),
            derive=rules.chat,
        ),
        Section(
            "invoices",
            "Unpaid invoices",
            models="Invoice",
            time_field="issued_at",
            in_overview="the latest 5 unpaid",
            statuses=_statuses(InvoiceStatus),
            qualifies=lambda i: i["status"] == "unpaid",
            derive=rules.invoice,
            rules=rules.invoice_rules,
            computed=output.invoice_out,
            read_time_fields=("payable_with_credit",),
        ),
        Section(
            "approvals",
            "Approvals",
            models="Approval",
            time_field="requested_at",
            in_overview="the latest 5 pending",
            statuses=_statuses(ApprovalStatus),
            qualifies=lambda i: i["status"] == "pending",
            derive=rules.approval,
        ),
        Section(
            "signatures",
            "Signatures",
            models="Signature",
            time_field="sent_at",
            in_overview="the latest 5 signature requests",
            statuses=_statuses(SignatureStatus),
            derive=rules.signature,
        ),
        Section(
            "organizers",
            "Organizers",
            models="Organizer",
            time_field="sent_at",
            in_overview="the latest 5",
            statuses=_statuses(OrganizerStatus),
            derive=rules.organizer,
        ),
        Section(
            "logins",
            "Login activity",
            models="Login",
            time_field="at",
            in_overview="the latest 5 portal logins",
            derive=rules.login,
        ),
        Section(
            "notes",
            "Notes",
            models="Note",
            time_field="at",
            in_overview="the latest 5",
            derive=rules.note,
            computed=output.note_out,
            shows_member="author_id",
        ),
        Section(
            "time_entries",
            "Time entries",
            models="TimeEntry",
            time_field="date",
            in_overview="the latest 5 (by day worked)",
            derive=rules.time_entry,
            computed=output.time_entry_out,
            shows_member="member_id",
        ),
        Section(
            "proposals",
            "Proposals & ELs",
            models="Proposal",
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
