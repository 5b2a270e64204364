"""The documents section's models: a document is a record with a name, or a
file uploaded to S3 and checked (``chalicelib/domain/files.py``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from chalicelib.domain import files
from chalicelib.domain.errors import FieldError
from chalicelib.domain.models.base import Id, InputModel, Name, OutputModel, PatchModel
from chalicelib.domain.models.people import MemberRef
from chalicelib.domain.sections.fields import ItemOut, Timestamp

# --- documents ---------------------------------------------------------------------


DocumentType = Literal[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/plain",
    "text/csv",
]


class DocumentCreate(InputModel):
    name: Name
    uploaded_by: Literal["client", "firm"]
    contact_id: Id | None = Field(
        default=None,
        description="With uploaded_by 'client': the contact who uploaded it, linked to this account (else 422).",
    )
    uploaded_at: Timestamp | None = None
    content_type: DocumentType | None = Field(
        default=None,
        description="With size: the document gets a file, uploaded to upload_url and checked by POST .../complete "
        "(the type is recognised from the content). Without both: a record with a name only.",
    )
    size: Annotated[int, Field(ge=1, le=files.MAX_BYTES, description="Bytes, at most 25 MB.")] | None = None

    def file_errors(self) -> list[FieldError]:
        """content_type and size come together, and a file's uploaded_at is when its upload was checked."""
        given = [f for f in ("content_type", "size") if getattr(self, f) is not None]
        if len(given) == 1:
            other = "size" if given[0] == "content_type" else "content_type"
            return [FieldError(("body", given[0]), f"needs {other} too (a file has both)", code="missing_partner")]
        if given and self.uploaded_at is not None:
            return [FieldError(("body", "uploaded_at"), "a file is uploaded when it was checked", code="not_allowed")]
        return []


class DocumentPatch(PatchModel):
    name: Name | None = None


class DocumentOut(ItemOut):
    name: str
    uploaded_by: Literal["client", "firm"]
    contact_id: str | None = Field(default=None, description="The contact who uploaded it (by 'client'), if known.")
    uploaded_at: str
    new: bool = Field(description="Nobody at the firm has opened it yet (POST .../view or a download clears it).")
    viewed_at: str | None = Field(description="The same as opened_at (kept for older clients).")
    viewed_by: MemberRef | None = Field(description="The same as opened_by (kept for older clients).")
    opened_at: str | None = Field(
        description="When a firm member first opened it (view or download); a firm upload counts as opened by "
        "its uploader."
    )
    opened_by: MemberRef | None
    content_type: str | None = Field(default=None, description="The file's type; null for a record without file.")
    size: int | None = Field(default=None, description="The file's bytes; null for a record without file.")
    file_status: Literal["pending", "stored"] | None = Field(
        default=None,
        description="pending: waiting for the upload and POST .../complete (only GET by id shows it); stored: "
        "checked, GET .../download serves it; null: a record without file.",
    )


class DocumentCreatedOut(DocumentOut):
    upload_url: str | None = Field(
        default=None,
        description="With content_type and size: PUT the file's bytes here within 15 minutes, with exactly that "
        "Content-Type and Content-Length, then POST .../complete.",
    )


class DownloadOut(OutputModel):
    download_url: str = Field(description="A presigned GET of the file, valid for 5 minutes (attachment, named).")


class DocumentSummary(OutputModel):
    id: str
    name: str
    uploaded_at: str
    new: bool
