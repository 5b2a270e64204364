"""Documents with files: the upload (a presigned PUT straight to S3), its
check, and the download (a presigned GET) that counts as opening.

A document created with ``content_type`` and ``size`` is *pending* until
``complete`` has checked the uploaded object (``domain/files``): pending, it
is shown only by GET by id (not in "show all", not in the overview) and is
dropped by the table's TTL a day later if never completed. The checks and
the URLs are the same for whoever uploads, so the client portal (a later
issue) uses ``check_upload`` and ``upload_url`` with its own access rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.document_store import DocumentStore
from chalicelib.domain import files
from chalicelib.domain.errors import BadRequestError, ConflictError, PreconditionFailedError, UnprocessableError
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.ids import now_iso
from chalicelib.domain.sections import SECTIONS, Item
from chalicelib.domain.sections.document_models import DocumentCreate
from chalicelib.repo.activity import item_record, public
from chalicelib.services import activity
from chalicelib.services.context import Ctx

SECTION = SECTIONS["documents"]
PENDING = "pending"
STORED = "stored"


# --- the mechanism (any uploader) -------------------------------------------------------


def pending_fields() -> dict[str, Any]:
    """What a new document with a file stores besides its input (pending: the
    repo gives it a TTL of files.PENDING_SECONDS, dropped once completed)."""
    return {"file_status": PENDING}


def upload_url(firm_id: str, doc: Mapping[str, Any]) -> str | None:
    if doc.get("file_status") != PENDING:
        return None
    key = files.upload_key(firm_id, doc["account_id"], doc["id"])
    return DocumentStore.from_settings().upload_url(
        key, doc["content_type"], int(doc["size"]), files.UPLOAD_URL_SECONDS
    )


def check_upload(firm_id: str, doc: Mapping[str, Any]) -> None:
    """The uploaded object is there and is what the document declared, and a copy of it is
    the document's file; else 409 (nothing uploaded yet) or 422 (the upload is deleted:
    upload again). The upload itself stays until ``uploaded`` (a retried complete checks it again)."""
    store = DocumentStore.from_settings()
    staged = files.upload_key(firm_id, doc["account_id"], doc["id"])
    size = store.size(staged)
    head = store.read(staged, f"bytes=0-{files.HEAD_BYTES - 1}") if size else b""
    tail = store.read(staged, f"bytes=-{files.TAIL_BYTES}") if head and files.needs_tail(head) else b""
    if size is None or head is None or tail is None:  # not uploaded, or deleted meanwhile
        raise ConflictError("Nothing was uploaded yet: PUT the file to the upload_url first.", code="not_uploaded")
    try:
        files.check(doc["content_type"], int(doc["size"]), size, head, tail)
    except files.BadFile as exc:
        activity.forget_file(staged)
        raise UnprocessableError(f"{exc.message} The upload was deleted; upload again.", code=exc.code) from exc
    store.copy(staged, files.object_key(firm_id, doc["account_id"], doc["id"]))


def uploaded(firm_id: str, doc: Mapping[str, Any]) -> None:
    """The document is stored: its upload has done its work (a failure leaves it to the lifecycle rule)."""
    activity.forget_file(files.upload_key(firm_id, doc["account_id"], doc["id"]))


def stored_fields(doc: Mapping[str, Any], now: str) -> Item:
    """The document once its file was checked: uploaded now; a firm upload is opened by its uploader."""
    done = {**public(doc), "file_status": STORED, "uploaded_at": now}
    if done.get("uploaded_by") == "firm":
        done["viewed_at"] = now
    return done


# --- the firm's side ----------------------------------------------------------------------


def create(ctx: Ctx, account_id: str, body: DocumentCreate, idem: Idempotency | None) -> Item:
    """The new document; with a file, pending and with its ``upload_url`` (also
    for a replayed Idempotency-Key while still pending: a fresh URL)."""
    errors = body.file_errors()
    if errors:
        raise BadRequestError("The request body is invalid.", errors)
    stored = pending_fields() if body.content_type is not None else None
    out = activity.create_item(ctx, account_id, SECTION, body, idem, stored)
    url = upload_url(ctx.firm_id, out)
    if url is not None:  # a record without file answers as before
        out["upload_url"] = url
    return out


def complete(ctx: Ctx, account_id: str, item_id: str) -> Item:
    """Check the upload and make the document count; again on a stored one: the same answer."""
    account, doc = activity.open_item(ctx, account_id, SECTION, item_id, for_write=True)
    for _ in range(activity.WRITE_RETRIES):
        status = doc.get("file_status")
        if status is None:
            raise ConflictError("This document is a record without a file.", code="no_file")
        if status == STORED:
            return activity.item_out(ctx, SECTION, doc, account)
        check_upload(ctx.firm_id, doc)
        version = int(doc["version"])
        now = now_iso()
        record = item_record(ctx.firm_id, account_id, SECTION.key, stored_fields(doc, now))
        record.update(version=version + 1, updated_at=now)
        try:
            ctx.activity.replace(record, version)
        except PreconditionFailedError:
            doc = activity.load_item(ctx, account_id, SECTION, item_id)  # renamed or completed meanwhile
            continue
        uploaded(ctx.firm_id, doc)
        return activity.item_out(ctx, SECTION, record, account)
    raise ConflictError("The document is being changed; retry.", code="busy")


def download(ctx: Ctx, account_id: str, item_id: str) -> str:
    """A short-lived link to the file; the caller (a member) has opened the document."""
    _, doc = activity.open_item(ctx, account_id, SECTION, item_id)
    status = doc.get("file_status")
    if status is None:
        raise ConflictError("This document is a record without a file.", code="no_file")
    if status != STORED:
        raise ConflictError("The file's upload is not completed yet.", code="upload_pending")
    key = files.object_key(ctx.firm_id, account_id, item_id)
    disposition = files.content_disposition(str(doc["name"]))
    url = DocumentStore.from_settings().download_url(
        key, str(doc["content_type"]), disposition, files.DOWNLOAD_URL_SECONDS
    )
    activity.mark_opened(ctx, account_id, doc)
    return url
