"""Request and response models of /imports (CSV import of accounts and contacts, issue 19)."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import Field

from chalicelib.domain.models.base import InputModel, OutputModel

MAX_IMPORT_BYTES: Final = 10 * 1024 * 1024  # an import's CSV file (domain/csv_import.py checks it)

ImportStatus = Literal["waiting_for_file", "queued", "running", "completed", "failed", "cancelled"]


class ImportCreate(InputModel):
    kind: Literal["accounts"]
    format: Literal["csv"]
    size: Annotated[int, Field(ge=1, le=MAX_IMPORT_BYTES)] | None = Field(
        default=None,
        description="The file's size in bytes, when known: the upload URL then accepts exactly that many "
        "(S3 refuses any other). Without it the size is checked when the import starts.",
    )


class ImportStart(InputModel):
    dry_run: bool = Field(default=False, description="Report per row what would happen; write nothing else.")


class ImportCounts(OutputModel):
    rows: int
    created: int
    updated: int
    unchanged: int
    failed: int


class ImportRowError(OutputModel):
    row: int = Field(description="The data row, counting from 1 after the header line (blank lines skipped).")
    column: str | None = Field(description="The CSV column of the bad cell; null for a problem of the whole row.")
    msg: str
    code: str = Field(description="Stable snake_case: formula_cell, invalid_value, unknown_member, ...")


class ImportSummaryOut(OutputModel):
    """An import in the list (GET /imports): its row errors are read with the import itself."""

    id: str
    kind: Literal["accounts"]
    format: Literal["csv"]
    status: ImportStatus
    dry_run: bool | None = Field(description="null until started.")
    counts: ImportCounts
    total_rows: int | None = Field(
        default=None, description="The file's data rows, once started (null before): counts.rows of it is the progress."
    )
    error: str | None = Field(description="Why the import failed as a whole (status failed).")
    created_by: str = Field(description="The member who created it (whose rights its chunks use).")
    created_at: str
    started_at: str | None
    finished_at: str | None


class ImportOut(ImportSummaryOut):
    """An import, with the first page of its row errors."""

    errors: list[ImportRowError] = Field(description="The first page of row errors, in row order.")
    errors_next_cursor: str | None = Field(description="For GET /imports/{import_id}/errors?cursor=...")
    upload_url: str | None = Field(
        description="Presigned S3 PUT (send Content-Type text/csv), valid 15 minutes; only in the answer to "
        "POST /imports."
    )
