"""Background jobs as the API shows them: exports (and, on the same
machinery, imports: feat/imports)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.domain.models.base import InputModel, OutputModel

# An export's: ``expired`` is a completed export whose file is gone (kept 7 days; deleted by a GDPR erasure).
ExportStatus = Literal["queued", "running", "completed", "expired", "failed", "cancelled"]


class ExportCreate(InputModel):
    kind: Literal["accounts", "contacts"]
    format: Literal["csv", "json"]


class ExportOut(OutputModel):
    id: str
    kind: Literal["accounts", "contacts"]
    format: Literal["csv", "json"]
    status: ExportStatus = Field(
        description="expired: it completed, but its file is gone (files are kept 7 days, and a GDPR erasure "
        "deletes every export made before it); error says which. Start a new export."
    )
    counts: dict[str, int] = Field(description="accounts (or contacts) and rows written so far; bytes once completed")
    created_at: str
    started_at: str | None
    finished_at: str | None
    error: str | None = Field(
        description="why the export failed (status failed) or its file is gone (status expired), else null"
    )
    download_url: str | None = Field(
        description="a presigned GET of the file, valid 5 minutes (ask again for a new one); only when completed"
    )
    filename: str | None = Field(description="the file's name, as the download saves it; only when completed")
    created_by: str = Field(description="the member who asked for it")
