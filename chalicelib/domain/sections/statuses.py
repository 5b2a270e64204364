"""Each section's statuses: plain types, so the registry reads them without building any model."""

from __future__ import annotations

from typing import Literal

TaskStatus = Literal["planned", "in_progress", "done"]
EmailStatus = Literal["draft", "sent", "delivered", "opened", "bounced", "received"]
JobStatus = Literal["active", "completed", "archived"]
ChatStatus = Literal["open", "closed"]
InvoiceStatus = Literal["unpaid", "paid", "void"]
ApprovalStatus = Literal["pending", "approved", "rejected"]
SignatureStatus = Literal["pending", "signed", "declined"]
OrganizerStatus = Literal["sent", "in_progress", "completed"]
ProposalStatus = Literal["draft", "sent", "viewed", "signed", "declined"]
