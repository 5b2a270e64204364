"""/imports: CSV import of accounts and contacts, as a background job (owner and admins)."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.domain.models.imports import ImportCreate, ImportOut, ImportRowError, ImportStart, ImportSummaryOut
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import imports

FILE_CODES = ("not_csv", "unknown_column", "duplicate_column", "missing_column", "file_too_large", "too_many_rows")


@endpoint(
    "/imports",
    "POST",
    summary="Create an import: its id and a presigned S3 PUT for the CSV file (Content-Type text/csv).",
    status=201,
    request=ImportCreate,
    response=ImportOut,
    errors=(403,),
)
def create_import(call: Call) -> Response:
    out = imports.create_import(call.ctx, call.body(ImportCreate))
    return reply(out, status=201, location=f"/imports/{out.id}")


@endpoint(
    "/imports",
    "GET",
    summary="The firm's imports, newest first, paged (finished ones are kept 30 days); "
    "each import's row errors are in GET /imports/{import_id}.",
    response=list[ImportSummaryOut],
    query=("limit", "cursor"),
    errors=(403,),
)
def list_imports(call: Call) -> Response:
    params = call.query()
    items, next_cursor = imports.list_imports(call.ctx, limit=call.limit(params), cursor=params.get("cursor"))
    return reply({"items": items, "next_cursor": next_cursor})


@endpoint(
    "/imports/{import_id}/start",
    "POST",
    summary="Check the uploaded file as a whole and start the import (dry_run: report only); "
    "a refused file writes nothing.",
    status=202,
    request=ImportStart,
    response=ImportOut,
    errors=(403, 404, 409, 422, "job_not_found", "job_not_startable", "import_file_missing", *FILE_CODES),
)
def start_import(call: Call) -> Response:
    body = call.body(ImportStart)
    return reply(imports.start_import(call.ctx, call.id("import_id"), body), status=202)


@endpoint(
    "/imports/{import_id}",
    "GET",
    summary="An import: status, counts and the first page of row errors.",
    response=ImportOut,
    errors=(403, 404, "job_not_found"),
)
def get_import(call: Call) -> Response:
    return reply(imports.get_import(call.ctx, call.id("import_id")))


@endpoint(
    "/imports/{import_id}/errors",
    "GET",
    summary="An import's row errors, in row order, paged.",
    response=list[ImportRowError],
    query=("limit", "cursor"),
    errors=(403, 404, "job_not_found"),
)
def import_errors(call: Call) -> Response:
    params = call.query()
    items, next_cursor = imports.errors_page(
        call.ctx, call.id("import_id"), limit=call.limit(params), cursor=params.get("cursor")
    )
    return reply({"items": items, "next_cursor": next_cursor})


@endpoint(
    "/imports/{import_id}",
    "DELETE",
    summary="Cancel an import: rows not yet imported are left out (rows done stay done).",
    response=ImportOut,
    errors=(403, 404, 409, "job_not_found", "job_finished"),
)
def cancel_import(call: Call) -> Response:
    return reply(imports.cancel_import(call.ctx, call.id("import_id")))
