"""CSV imports of accounts and contacts (issue 19): the /imports use cases and the job's chunk function.

An import is a job of kind ``import`` (services/jobs.py). The file goes straight from the client to S3
(``imports/<firm>/<import_id>``, a presigned PUT). Starting checks the whole file first (encoding, header,
size, rows): a file refused there writes nothing. Then the chunks run, ``CHUNK_ROWS`` rows each; every row's
outcome is recorded per run (repo/imports.py), so a rerun chunk skips rows already done and counts each once,
and its creates carry idempotency keys per row, so nothing is created twice. Starting records where every
``CHUNK_ROWS``-th row begins (``csv_import.Layout``), so each chunk reads and parses only its own rows (a
ranged GET), and the object's ETag, which tells a file replaced since.

The uploaded file holds people's data, so it is kept no longer than needed: a dry run keeps it (the real run
reads it again), the real run's last chunk deletes it, and so does a cancellation; a GDPR erasure deletes
every import's file and the cell errors that quote the person (``forget_file``). The same goes for the file's
carried references (``references_key``: the few rows a chunk needs from before its range, with addresses).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from chalicelib.adapters.document_store import DocumentStore
from chalicelib.domain import access, csv_import
from chalicelib.domain.csv_import import CellError, FileRefused, Layout, ParsedFile, RowResult
from chalicelib.domain.entities import CustomField
from chalicelib.domain.errors import ConflictError, FieldError, ForbiddenError, UnprocessableError
from chalicelib.domain.jobs import Deadline, Job, JobFailed, Step
from chalicelib.domain.models.imports import (
    ImportCounts,
    ImportCreate,
    ImportOut,
    ImportRowError,
    ImportStart,
    ImportSummaryOut,
)
from chalicelib.domain.text import fold
from chalicelib.repo.imports import ImportRepo
from chalicelib.repo.jobs import JobRepo
from chalicelib.repo.table import Table
from chalicelib.services import custom_fields, jobs
from chalicelib.services.context import Ctx
from chalicelib.services.import_rows import REFERENCE_TRIES, Catalogue, Plan, RowFailed, apply, plan

KIND: Final = "import"
CHUNK_ROWS: Final = 200  # measured: well under a chunk's budget on DynamoDB Local (docs/performance.md)
UPLOAD_SECONDS: Final = 15 * 60
CONTENT_TYPE: Final = "text/csv"
ERRORS_PAGE: Final = 25
FILE_GONE: Final = "The file was removed or replaced after the import started; start a new import."
STOPPED: Final = (
    "Stopped: a person was erased (GDPR/AVG) while this import ran, and its file was deleted. Start a new import."
)


def file_key(firm_id: str, import_id: str) -> str:
    return f"imports/{firm_id}/{import_id}"


def references_key(firm_id: str, import_id: str) -> str:
    """The file's carried references (``csv_import.carried_references``), JSON: kept and deleted with the file."""
    return f"imports/{firm_id}/{import_id}.references"


def _delete_files(firm_id: str, import_id: str) -> None:
    store = DocumentStore.from_settings()
    store.delete(file_key(firm_id, import_id))
    store.delete(references_key(firm_id, import_id))


def _require_admin(ctx: Ctx) -> None:
    # Imports touch every account of the firm: the owner and admins (as for managing members).
    if not access.manages_members(ctx.member):
        raise ForbiddenError("Imports need the owner or an admin.")


# --- the routes ----------------------------------------------------------------------------------------


def create_import(ctx: Ctx, body: ImportCreate) -> ImportOut:
    _require_admin(ctx)
    job = jobs.create(ctx, KIND, {"kind": body.kind, "format": body.format}, status="waiting_for_file")
    url = DocumentStore.from_settings().upload_url(
        file_key(ctx.firm_id, job.id), CONTENT_TYPE, body.size, UPLOAD_SECONDS
    )
    return import_out(ctx, job, upload_url=url)


def get_import(ctx: Ctx, import_id: str) -> ImportOut:
    _require_admin(ctx)
    return import_out(ctx, jobs.load(ctx, KIND, import_id))


def list_imports(ctx: Ctx, *, limit: int, cursor: str | None) -> tuple[list[ImportSummaryOut], str | None]:
    """GET /imports: the firm's imports, newest first, without their row errors (one Query)."""
    _require_admin(ctx)
    found, next_cursor = jobs.listed(ctx, KIND, limit=limit, cursor=cursor)
    return [ImportSummaryOut(**_fields(j)) for j in found], next_cursor


def errors_page(ctx: Ctx, import_id: str, *, limit: int, cursor: str | None) -> tuple[list[ImportRowError], str | None]:
    _require_admin(ctx)
    job = jobs.load(ctx, KIND, import_id)
    errors, next_cursor = ImportRepo(ctx.table).errors_page(ctx.firm_id, job.id, _run(job), limit=limit, cursor=cursor)
    return [ImportRowError(row=e.row, column=e.column, msg=e.msg, code=e.code) for e in errors], next_cursor


def start_import(ctx: Ctx, import_id: str, body: ImportStart) -> ImportOut:
    """Check the uploaded file as a whole (nothing is written when it is refused), then queue the run."""
    _require_admin(ctx)
    job = jobs.load(ctx, KIND, import_id)
    if job.finished and not (job.status == "completed" and job.params.get("dry_run")):
        raise ConflictError("This import has finished; create a new one.", code="job_not_startable")
    got = _file(ctx, job.id)
    if got is None:
        if job.files_erased_at is not None:
            msg = "The file was deleted by a person's erasure (GDPR/AVG); create a new import."
        else:
            msg = "No file was uploaded to this import's upload_url yet."
        raise ConflictError(msg, code="import_file_missing")
    data, etag = got
    if len(data) > csv_import.MAX_FILE_BYTES:
        raise _refused(FileRefused(f"The file has more than {csv_import.MAX_FILE_BYTES:,} bytes.", "file_too_large"))
    try:
        parsed = csv_import.parse(data)
        fields_by_label(ctx, parsed)
    except FileRefused as exc:
        raise _refused(exc) from exc
    # Offsets every CHUNK_ROWS rows (at most 251 numbers, about 2 KB of the job item at 50,000 rows). A chunk
    # cut short by its time budget (common on a loaded table) leaves the next one off a recorded offset: that
    # one reads from the offset before its cursor and parses fewer than CHUNK_ROWS rows it skips, a millisecond
    # or so against the seconds of a chunk's row writes; finer offsets would grow the item and the references.
    references = csv_import.carried_references(parsed.rows, CHUNK_ROWS, REFERENCE_TRIES + 1)
    store, key = DocumentStore.from_settings(), references_key(ctx.firm_id, job.id)
    if references:
        store.put(key, json.dumps(references).encode(), "application/json")
    else:
        store.delete(key)  # a dry run's, of a file uploaded again since
    params = {
        "dry_run": body.dry_run,
        "run": _run(job) + 1,
        "rows": len(parsed.rows),
        "etag": etag,
        "layout": _layout_params(csv_import.layout(parsed, CHUNK_ROWS)),
        "references": bool(references),
    }
    return import_out(ctx, jobs.start(ctx, job, params))


def cancel_import(ctx: Ctx, import_id: str) -> ImportOut:
    _require_admin(ctx)
    job = jobs.cancel(ctx, KIND, import_id)
    # A cancelled import is never started again: its file is not needed any more.
    _delete_files(ctx.firm_id, job.id)
    return import_out(ctx, job)


def _refused(exc: FileRefused) -> UnprocessableError:
    errors = [FieldError(("file", column), "unknown column", exc.code) for column in exc.columns]
    return UnprocessableError(str(exc), errors or [FieldError(("file",), str(exc), exc.code)], code=exc.code)


def _run(job: Job) -> int:
    return int(job.params.get("run", 0))


def _fields(job: Job) -> dict[str, Any]:
    """What an import's list entry and its full answer share."""
    return {
        "id": job.id,
        "kind": "accounts",
        "format": "csv",
        "status": job.status,
        "dry_run": bool(job.params["dry_run"]) if "dry_run" in job.params else None,
        "counts": ImportCounts(**{name: int(job.counts.get(name, 0)) for name in csv_import.OUTCOME_COUNTS}),
        "total_rows": int(job.params["rows"]) if "rows" in job.params else None,
        "error": job.error,
        "created_by": job.created_by,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def import_out(ctx: Ctx, job: Job, *, upload_url: str | None = None) -> ImportOut:
    errors: list[ImportRowError] = []
    next_cursor = None
    if _run(job) > 0:
        found, next_cursor = ImportRepo(ctx.table).errors_page(
            ctx.firm_id, job.id, _run(job), limit=ERRORS_PAGE, cursor=None
        )
        errors = [ImportRowError(row=e.row, column=e.column, msg=e.msg, code=e.code) for e in found]
    return ImportOut(**_fields(job), errors=errors, errors_next_cursor=next_cursor, upload_url=upload_url)


def fields_by_label(ctx: Ctx, parsed: ParsedFile) -> dict[str, CustomField]:
    """The header's ``custom:<label>`` columns as the firm's field definitions: an account field of that
    label (case- and accent-insensitively), else a contact field; an unknown label refuses the file."""
    if not parsed.header.custom_labels:
        return {}
    active = [f for f in custom_fields.definitions(ctx).values() if not f.removed]
    found: dict[str, CustomField] = {}
    unknown: list[str] = []
    for label in parsed.header.custom_labels:
        matches = sorted((f for f in active if fold(f.label) == fold(label)), key=lambda f: f.target)
        if matches:
            found[label] = matches[0]  # "account" sorts before "contact"
        else:
            unknown.append(csv_import.CUSTOM_PREFIX + label)
    if unknown:
        raise FileRefused(f"No custom field is labelled {', '.join(unknown)}.", "unknown_column", unknown)
    return found


# --- the job's chunks ----------------------------------------------------------------------------------


def _file(ctx: Ctx, import_id: str) -> tuple[bytes, str] | None:
    """The uploaded file, at most one byte over the limit (a ranged GET, never the whole of a larger upload:
    the presigned PUT without a size takes any length), and its ETag; None when nothing was uploaded. Its size
    first: an empty object has no range to give (S3 answers 416; s3rver breaks the connection)."""
    store = DocumentStore.from_settings()
    key = file_key(ctx.firm_id, import_id)
    head = store.head(key)
    if head is None or not head[0]:
        return None if head is None else (b"", head[1])
    return store.read_tagged(key, f"bytes=0-{csv_import.MAX_FILE_BYTES}")


def _layout_params(layout: Layout) -> dict[str, Any]:
    return {
        "encoding": layout.encoding,
        "delimiter": layout.delimiter,
        "columns": list(layout.columns),
        "every": layout.every,
        "offsets": list(layout.offsets),
    }


def _layout(given: Mapping[str, Any]) -> Layout:
    return Layout(
        str(given["encoding"]),
        str(given["delimiter"]),
        tuple(str(c) for c in given["columns"]),
        int(given["every"]),
        tuple(int(o) for o in given["offsets"]),
    )


def _chunk_rows(ctx: Ctx, job: Job, first: int, end: int) -> tuple[ParsedFile, int] | None:
    """The rows of indexes ``first``..``end - 1``, read from the recorded offset at or before ``first``
    (so with the rows between, which the catalogue's references see), and the index of the first row read;
    None when a real run's file is gone (its last chunk may have deleted it)."""
    if "layout" not in job.params:
        return _whole_file(ctx, job)
    layout = _layout(job.params["layout"])
    start, stop, base = layout.span(first, end)
    store = DocumentStore.from_settings()
    key = file_key(ctx.firm_id, job.id)
    got: tuple[bytes, str] | None
    if stop > start:
        got = store.read_tagged(key, f"bytes={start}-{stop - 1}")
    else:  # no row to read (a file without rows): the object's head still tells a replaced one
        head = store.head(key)
        got = None if head is None else (b"", head[1])
    if got is None and not job.params.get("dry_run"):
        return None
    if got is None or got[1] != job.params.get("etag") or len(got[0]) != stop - start:
        raise JobFailed(FILE_GONE)
    try:
        rows = csv_import.read_rows(got[0], layout, end - base)
        return ParsedFile(csv_import.read_header(layout.columns), layout.delimiter, rows), base
    except FileRefused as exc:
        raise JobFailed(str(exc)) from exc


def _whole_file(ctx: Ctx, job: Job) -> tuple[ParsedFile, int] | None:
    """A job started before its start recorded a layout: the whole file, checked by its SHA-256."""
    got = _file(ctx, job.id)
    if got is None and not job.params.get("dry_run"):
        return None
    if got is None or hashlib.sha256(got[0]).hexdigest() != job.params.get("sha256"):
        raise JobFailed(FILE_GONE)
    try:
        return csv_import.parse(got[0]), 0
    except FileRefused as exc:
        raise JobFailed(str(exc)) from exc


def _carried(ctx: Ctx, job: Job) -> dict[str, list[tuple[int, str]]]:
    """The file's carried references, as its start wrote them."""
    if not job.params.get("references"):
        return {}
    data = DocumentStore.from_settings().read(references_key(ctx.firm_id, job.id), "bytes=0-")
    if not data:
        raise JobFailed(FILE_GONE)
    return {ref: [(int(n), str(a)) for n, a in pairs] for ref, pairs in json.loads(data).items()}


def run_import_chunk(ctx: Ctx, job: Job) -> Step:
    """One chunk of the import (``_chunk``). A chunk that ends the import failed (its file changed or is
    gone, or cannot be read) deletes the file and its references, which hold people's data, at once."""
    try:
        return _chunk(ctx, job)
    except JobFailed:
        _delete_files(ctx.firm_id, job.id)
        raise


def _chunk(ctx: Ctx, job: Job) -> Step:
    """Rows ``cursor``+1 .. ``cursor``+CHUNK_ROWS (fewer when the time budget runs out), read alone from the
    file (a ranged GET). Rows already done in this run are counted from their recorded outcome and skipped; a
    row whose writes had started is finished with the outcome recorded then."""
    deadline = Deadline.chunk()
    _require_admin(ctx)  # the member's rights, again: a demoted member's import fails
    total = int(job.params.get("rows", 0))
    first = int(job.cursor or 0)
    end = min(first + CHUNK_ROWS, total)
    got = _chunk_rows(ctx, job, first, end)
    if got is None:
        return _done_before(ctx, job)
    part, base = got
    try:
        # The rows read (from ``base``) and the references carried from before them: all a row's lookups need.
        cat = Catalogue.read(ctx, fields_by_label(ctx, part), part.rows, first=base + 1, carried=_carried(ctx, job))
    except FileRefused as exc:
        raise JobFailed(str(exc)) from exc
    run = _run(job)
    dry_run = bool(job.params.get("dry_run"))
    repo = ImportRepo(ctx.table)
    recorded = repo.rows(ctx.firm_id, job.id, run, first + 1, end) if end > first else {}
    results: list[RowResult] = []
    fresh: list[RowResult] = []
    for index in range(first, end):
        if results and deadline.passed():
            end = index  # the rest in the next chunk
            break
        number = index + 1
        before = recorded.get(number)
        if before is not None and before.state == "done":
            results.append(before)
            continue
        result = _one_row(ctx, cat, job, number, part.rows[index - base], before, dry_run=dry_run)
        results.append(result)
        fresh.append(result)
    repo.record(ctx.firm_id, job.id, run, fresh)
    counts = csv_import.counts_of([r.outcome for r in results])
    if end < total:
        return Step(cursor=str(end), counts=counts)
    if not dry_run:
        # The real run is over (every row recorded): the file, which holds people's data, is not needed.
        _delete_files(ctx.firm_id, job.id)
    return Step(cursor=None, counts=counts)


def _done_before(ctx: Ctx, job: Job) -> Step:
    """A real run's chunk without its file: the last chunk again (it deleted the file, then its advance was
    lost) finishes with the outcomes it recorded; anything else failed for good."""
    first, total = int(job.cursor or 0), int(job.params.get("rows", 0))
    recorded = ImportRepo(ctx.table).rows(ctx.firm_id, job.id, _run(job), first + 1, total) if total > first else {}
    if len(recorded) != total - first or any(r.state != "done" for r in recorded.values()):
        raise JobFailed(FILE_GONE)  # run_import_chunk deletes what is left
    _delete_files(ctx.firm_id, job.id)  # the references too, if that chunk stopped between the two deletes
    return Step(cursor=None, counts=csv_import.counts_of([r.outcome for r in recorded.values()]))


def _one_row(
    ctx: Ctx, cat: Catalogue, job: Job, number: int, cells: dict[str, str], pending: RowResult | None, *, dry_run: bool
) -> RowResult:
    row, errors = csv_import.typed_row(number, cells)
    if row is None:
        return RowResult(number, "failed", errors=tuple(errors))
    try:
        planned: Plan = plan(ctx, cat, number, row)
    except RowFailed as exc:
        return RowResult(number, "failed", errors=tuple(exc.errors))
    if dry_run:
        return RowResult(number, planned.outcome)
    outcome = pending.outcome if pending is not None else planned.outcome
    if planned.outcome == "unchanged":
        return RowResult(number, outcome)
    if pending is None:
        ImportRepo(ctx.table).record(ctx.firm_id, job.id, _run(job), [RowResult(number, outcome, "pending")])
    try:
        apply(ctx, cat, job.id, _run(job), planned)
    except RowFailed as exc:
        return RowResult(number, "failed", errors=tuple(exc.errors))
    return RowResult(number, outcome)


def forget_file(table: Table, job: Job, naming: Callable[[CellError], bool]) -> tuple[bool, int]:
    """A GDPR erasure's step for one import: stop it if queued or running (``failed``: its rows could bring
    the person back), delete its uploaded file (marking the import, so that starting it says why), and delete
    the cell errors of its runs that ``naming`` picks (those quoting the person; row outcomes hold no data).
    Whether a file was there, and how many errors went. Idempotent."""
    if job.status in ("queued", "running"):
        JobRepo(table).set_status(job, "failed", error=STOPPED, expect=("queued", "running"))
    existed = DocumentStore.from_settings().size(file_key(job.firm_id, job.id)) is not None
    _delete_files(job.firm_id, job.id)
    if existed:
        JobRepo(table).mark_files_erased(job)
    repo = ImportRepo(table)
    errors = sum(repo.delete_errors(job.firm_id, job.id, run, naming) for run in range(1, _run(job) + 1))
    return existed, errors


def upload_file(ctx: Ctx, import_id: str, data: bytes) -> None:
    """Put the file where upload_url would (the admin CLI, which holds the file itself)."""
    _require_admin(ctx)
    job = jobs.load(ctx, KIND, import_id)
    DocumentStore.from_settings().put(file_key(ctx.firm_id, job.id), data, CONTENT_TYPE)


def progress(ctx: Ctx, import_id: str) -> tuple[Job, int]:
    """The job and its number of rows, for the CLI's progress bar."""
    job = jobs.load(ctx, KIND, import_id)
    return job, int(job.params.get("rows", 0))
