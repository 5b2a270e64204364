"""Exports (``POST /exports``): a job (services/jobs.py) whose chunks write
the firm's accounts or contacts to one file in S3, with bounded memory.

The file is one S3 multipart upload across the chunks. Each chunk reads at
most ``export_chunk_records`` accounts (or contacts), a page of 100 at a
time, and appends their text to a buffer; whenever the buffer reaches the
part size (5 MB, S3's minimum for every part but the last) it is uploaded as
the next part. What is left at the chunk's end (less than a part) is stored
as a small "tail" object, which the next chunk reads first. Memory is
therefore one part plus one page, whatever the firm's size.

The cursor (the job's, opaque to the machinery) holds the upload id, the
parts uploaded with their ETags, the list's page cursor, the tail's key and
the custom field columns fixed at the start. A chunk run again from the same
cursor reads the same tail, uploads the same part numbers (S3 replaces a
part uploaded twice) and writes the same next tail key (tails are numbered),
so a retry never duplicates a part. The last chunk uploads the last part,
completes the upload and deletes the tails; if it runs again after that, it
finds the file and finishes. Uploads a crash left incomplete (a chunk 0 run
twice starts two) are aborted by the bucket's lifecycle rule after a day.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, cast

from chalicelib.adapters import export_store
from chalicelib.adapters.config import settings
from chalicelib.adapters.export_store import ExportStore
from chalicelib.domain import access
from chalicelib.domain import exports as fmt
from chalicelib.domain.entities import Contact
from chalicelib.domain.errors import ForbiddenError
from chalicelib.domain.ids import now_iso
from chalicelib.domain.jobs import Job, JobFailed, Step
from chalicelib.domain.models.jobs import ExportCreate, ExportOut, ExportStatus
from chalicelib.repo.custom_fields import CustomFieldRepo
from chalicelib.repo.exports import ExportReads
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.jobs import JobRepo
from chalicelib.repo.table import Table
from chalicelib.services import jobs
from chalicelib.services.context import Ctx

PAGE: Final = 100
# The bucket's lifecycle rule deletes an export's objects this many days after they were written
# (infra/template.json, prefix "exports/"; tests/package holds the two equal).
FILE_DAYS: Final = 7
KEPT_DAYS: Final = f"The file is kept {FILE_DAYS} days; start a new export."
ERASED: Final = "The file was deleted: a person in it was erased (GDPR/AVG). Start a new export."
STOPPED: Final = "Stopped: a person was erased (GDPR/AVG) while this export ran. Start a new export."


def _require_admin(ctx: Ctx) -> None:
    if not access.manages_members(ctx.member):
        raise ForbiddenError("Exports need the owner or an admin.")


def file_key(job: Job) -> str:
    return f"{export_store.prefix(job.firm_id, job.id)}{_file_name(job)}"


def _file_name(job: Job) -> str:
    return fmt.file_name(job.params["kind"], job.params["format"], job.created_at[:10])


def create(ctx: Ctx, body: ExportCreate) -> ExportOut:
    _require_admin(ctx)
    job = jobs.create(ctx, "export", {"kind": body.kind, "format": body.format})
    return export_out(job)


def get(ctx: Ctx, export_id: str) -> ExportOut:
    _require_admin(ctx)
    job = jobs.load(ctx, "export", export_id)
    url = None
    if job.status == "completed" and _gone(job) is None:
        s = settings()
        media = fmt.MEDIA_TYPES[job.params["format"]]
        url = ExportStore.from_settings().download_url(file_key(job), media, _file_name(job), s.export_url_seconds)
    return export_out(job, url)


def listed(ctx: Ctx, *, limit: int, cursor: str | None) -> tuple[list[ExportOut], str | None]:
    """GET /exports: the firm's exports, newest first, without download links (GET one for its link)."""
    _require_admin(ctx)
    found, next_cursor = jobs.listed(ctx, "export", limit=limit, cursor=cursor)
    return [export_out(j) for j in found], next_cursor


def _gone(job: Job) -> str | None:
    """Why a completed export's file is no longer there (its status then reads ``expired``), or None."""
    if job.status != "completed":
        return None
    if job.files_erased_at is not None:
        return ERASED
    finished = datetime.fromisoformat(job.finished_at) if job.finished_at else None
    if finished is not None and datetime.now(UTC) - finished > timedelta(days=FILE_DAYS):
        return KEPT_DAYS
    return None


def export_out(job: Job, download_url: str | None = None) -> ExportOut:
    gone = _gone(job)
    return ExportOut(
        id=job.id,
        kind=job.params["kind"],
        format=job.params["format"],
        status="expired" if gone else cast(ExportStatus, job.status),  # an export never waits for a file
        counts=job.counts,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        error=gone or job.error,
        download_url=download_url,
        filename=_file_name(job) if download_url else None,
        created_by=job.created_by,
    )


def forget_files(table: Table, job: Job) -> bool:
    """A GDPR erasure's step for one export: stop it if it is still running (``failed``: its file may
    hold the person), delete every object under it (the file, the tails), then mark it (a completed one
    then reads ``expired``). False: an earlier erasure did all that already.

    A chunk running at that very moment may still write its part or tail afterwards: the export is
    failed, so that is never offered for download, and the bucket deletes it within ``FILE_DAYS`` (an
    incomplete multipart upload within a day)."""
    if job.finished and job.files_erased_at is not None:
        return False
    repo = JobRepo(table)
    if not job.finished:
        # False when it finished meanwhile: its file is deleted below all the same.
        repo.set_status(job, "failed", error=STOPPED, expect=("queued", "running"))
    store = ExportStore.from_settings()
    store.delete(store.keys_under(export_store.prefix(job.firm_id, job.id)))
    repo.mark_files_erased(job)
    return True


# --- the chunks -------------------------------------------------------------------


@dataclass
class _State:
    """The export's cursor, as JSON."""

    upload_id: str
    columns: list[list[str]]  # [field_id, label] of the custom field columns
    exported_at: str
    parts: list[list[Any]] = field(default_factory=list)  # [number, etag]
    page: str | None = None  # the list's cursor; None before the first page
    tail: str | None = None  # the tail object's key
    tails: int = 0  # tails written so far (the next one's number)
    first_item: bool = True  # JSON: no item written yet (the next needs no comma)


class _Buffer:
    """The text not yet uploaded; a part goes up whenever it reaches the part size."""

    def __init__(self, store: ExportStore, key: str, state: _State, start: bytes) -> None:
        self.store, self.key, self.state = store, key, state
        self.data = bytearray(start)
        self.part_bytes = settings().export_part_bytes

    def add(self, text: str) -> None:
        self.data += text.encode()
        if len(self.data) >= self.part_bytes:
            self.flush()

    def flush(self) -> None:
        number = len(self.state.parts) + 1
        etag = self.store.upload_part(self.key, self.state.upload_id, number, bytes(self.data))
        self.state.parts.append([number, etag])
        self.data = bytearray()


def run_export_chunk(ctx: Ctx, job: Job) -> Step:
    """One chunk of an export (see the module's text)."""
    _require_admin(ctx)  # the member's rights, again: a demoted member's export fails
    store = ExportStore.from_settings()
    key = file_key(job)
    kind: fmt.ExportKind = job.params["kind"]
    form: fmt.ExportFormat = job.params["format"]
    if job.cursor is None:
        state = _start(ctx, store, key, kind, form)
        start = _head(kind, form, state).encode()
    else:
        state = _State(**json.loads(job.cursor))
        size = store.size(key)
        if size is not None:  # the last chunk completed the file; only its advance was lost: its counts were kept
            saved = store.get(_counts_key(job))
            return Step(cursor=None, counts={**(json.loads(saved) if saved else {}), "bytes": size})
        tail = store.get(state.tail) if state.tail else b""
        if tail is None:
            raise JobFailed("The export's intermediate file is gone; start a new export.")
        start = tail
    buffer = _Buffer(store, key, state, start)
    reads = ExportReads(ctx.table)
    names = _Names(ctx)
    counts = {kind: 0, "rows": 0}
    budget = settings().export_chunk_records
    done = False
    while counts[kind] < budget:
        limit = min(PAGE, budget - counts[kind])
        if kind == "accounts":
            views, state.page = reads.accounts_page(ctx.firm_id, state.page, limit)
            linked = reads.contacts_by_id(ctx.firm_id, [k.contact_id for v in views for k in v.links])
            records = [_account_record(v, linked, names, state) for v in views]
            rows = [row for v in views for row in _account_rows(v, linked, names, state)]
        else:
            contacts, state.page = reads.contacts_page(ctx.firm_id, state.page, limit)
            records = [_contact_record(c, state) for c in contacts]
            rows = [_contact_row(c, state) for c in contacts]
        counts[kind] += len(records)
        if form == "csv":
            counts["rows"] += len(rows)
            buffer.add(fmt.csv_text(rows))
        else:
            counts["rows"] += len(records)
            buffer.add(fmt.json_items(records, first=state.first_item))
            state.first_item = state.first_item and not records
        if state.page is None:
            done = True
            break
    if done:
        if form == "json":
            buffer.add(fmt.JSON_TAIL)
        if buffer.data or not state.parts:
            buffer.flush()
        store.put(_counts_key(job), json.dumps(counts).encode())  # for a rerun of this chunk after the complete
        store.complete(key, state.upload_id, [(int(n), str(e)) for n, e in state.parts])
        counts["bytes"] = store.size(key) or 0
        store.delete([_tail_key(job, n) for n in range(1, state.tails + 1)])
        return Step(cursor=None, counts=counts)
    state.tails += 1
    state.tail = _tail_key(job, state.tails)
    store.put(state.tail, bytes(buffer.data))
    return Step(cursor=json.dumps(asdict(state), separators=(",", ":")), counts=counts)


def _tail_key(job: Job, number: int) -> str:
    return f"{export_store.prefix(job.firm_id, job.id)}tails/{number}"


def _counts_key(job: Job) -> str:
    """The last chunk's counts (a few bytes, removed with the export by the bucket's lifecycle rule)."""
    return f"{export_store.prefix(job.firm_id, job.id)}counts"


def _start(ctx: Ctx, store: ExportStore, key: str, kind: fmt.ExportKind, form: fmt.ExportFormat) -> _State:
    target = "account" if kind == "accounts" else "contact"
    fields = [f for f in CustomFieldRepo(ctx.table).list(ctx.firm_id) if f.target == target and not f.removed]
    upload_id = store.start_upload(key, fmt.MEDIA_TYPES[form])
    return _State(upload_id=upload_id, columns=[[f.id, f.label] for f in fields], exported_at=now_iso())


def _head(kind: fmt.ExportKind, form: fmt.ExportFormat, state: _State) -> str:
    if form == "json":
        return fmt.json_head(kind, state.exported_at)
    # A BOM, so that Excel reads the file as UTF-8 (the import accepts it).
    return "\ufeff" + fmt.csv_text([fmt.header(kind, [fmt.Column(i, label) for i, label in state.columns])])


class _Names:
    """The firm's tag names and members' addresses, read once per chunk."""

    def __init__(self, ctx: Ctx) -> None:
        firms = FirmRepo(ctx.table)
        self.tags = {t.id: t.name for t in firms.list_tags(ctx.firm_id)}
        self.members = {m.id: m.email for m in firms.list_members(ctx.firm_id)}


def _custom(values: Mapping[str, Any], state: _State) -> list[str]:
    return [fmt.cell_text(values.get(field_id)) for field_id, _ in state.columns]


def _custom_json(values: Mapping[str, Any], state: _State) -> dict[str, Any]:
    return {label: values[field_id] for field_id, label in state.columns if values.get(field_id) is not None}


def _account_rows(view: Any, linked: Mapping[str, Contact], names: _Names, state: _State) -> list[list[str]]:
    a = view.account
    base = [
        a.id,
        a.name,
        a.type,
        fmt.joined(names.tags.get(t, "") for t in a.tags),
        fmt.joined(names.members.get(m, "") for m in a.team_member_ids),
    ]
    custom = _custom(a.custom_fields, state)
    rows: list[list[str]] = []
    for link in view.links:
        c = linked.get(link.contact_id)
        if c is None:
            continue
        phone = c.phones[0].get("number", "") if c.phones else ""
        email = c.emails[0] if c.emails else ""
        rows.append([*base, c.first_name, c.last_name, email, phone, link.description, *custom])
    return rows or [[*base, "", "", "", "", "", *custom]]


def _account_record(view: Any, linked: Mapping[str, Contact], names: _Names, state: _State) -> dict[str, Any]:
    a = view.account
    contacts = []
    for link in view.links:
        c = linked.get(link.contact_id)
        if c is not None:
            contacts.append(
                {**_contact_fields(c), "description": link.description, "signer_priority": link.signer_priority}
            )
    return {
        "id": a.id,
        "name": a.name,
        "type": a.type,
        "tags": [names.tags[t] for t in a.tags if t in names.tags],
        "team_member_emails": [names.members[m] for m in a.team_member_ids if m in names.members],
        "address": a.address,
        "currency": a.currency,
        "custom_fields": _custom_json(a.custom_fields, state),
        "contacts": contacts,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


def _contact_fields(c: Contact) -> dict[str, Any]:
    return {
        "id": c.id,
        "first_name": c.first_name,
        "middle_name": c.middle_name,
        "last_name": c.last_name,
        "emails": list(c.emails),
        "phones": [{"number": p.get("number", ""), "label": p.get("label", "")} for p in c.phones],
    }


def _contact_record(c: Contact, state: _State) -> dict[str, Any]:
    return {
        **_contact_fields(c),
        "address": c.address,
        "language": c.language,
        "account_ids": sorted(c.account_ids),
        "custom_fields": _custom_json(c.custom_fields, state),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def _contact_row(c: Contact, state: _State) -> list[str]:
    phones = fmt.joined(p.get("number", "") for p in c.phones)
    return [
        c.id,
        c.first_name,
        c.middle_name,
        c.last_name,
        fmt.joined(c.emails),
        phones,
        fmt.joined(sorted(c.account_ids)),
        *_custom(c.custom_fields, state),
    ]
