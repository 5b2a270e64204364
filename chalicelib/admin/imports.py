"""``python -m chalicelib.cli import --firm F --file path.csv [--dry-run]``: a CSV import as the firm's owner
(or ``--member``), through the same use cases as POST /imports, with a progress bar on stderr while the
stage's worker runs the chunks (``make run`` starts one locally; deployed, the jobs queue's Lambda)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from chalicelib.adapters.auth import Claims
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.models.imports import ImportCreate, ImportStart
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.table import Table
from chalicelib.services import imports
from chalicelib.services.context import Ctx

BAR_WIDTH = 30
QUIET_SECONDS = 30  # no progress for this long: say that a worker must run


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("import", help="import a CSV file of accounts and contacts (progress on stderr)")
    parser.add_argument("--firm", required=True)
    parser.add_argument("--file", required=True, type=Path)
    parser.add_argument("--dry-run", action="store_true", help="report per row what would happen; write nothing")
    parser.add_argument("--member", help="act as this member (default: the firm's owner)")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between progress reads")


def bar(done: int, total: int, counts: dict[str, int]) -> str:
    filled = BAR_WIDTH * done // total if total else BAR_WIDTH
    tail = " ".join(f"{k} {counts.get(k, 0)}" for k in ("created", "updated", "unchanged", "failed"))
    return f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} rows  {tail}"


def run(
    table: Table, args: argparse.Namespace, err: TextIO = sys.stderr, sleep: Callable[[float], object] = time.sleep
) -> dict[str, Any]:
    member_id = args.member or _owner(table, args.firm)
    ctx = Ctx(claims=Claims(firm_id=args.firm, member_id=member_id), table=table)
    data = args.file.read_bytes()
    created = imports.create_import(ctx, ImportCreate(kind="accounts", format="csv"))
    imports.upload_file(ctx, created.id, data)
    imports.start_import(ctx, created.id, ImportStart(dry_run=args.dry_run))
    last, quiet_since = -1, time.monotonic()
    while True:
        job, total = imports.progress(ctx, created.id)
        done = int(job.counts.get("rows", 0))
        err.write(bar(done, total, job.counts))
        err.flush()
        if done != last:
            last, quiet_since = done, time.monotonic()
        elif time.monotonic() - quiet_since > QUIET_SECONDS:
            err.write("\n(no progress: is a jobs worker running? `make run` starts one)\n")
            quiet_since = time.monotonic()
        if job.finished:
            err.write("\n")
            out = imports.get_import(ctx, created.id)
            return json.loads(out.model_dump_json(exclude={"upload_url"}))  # type: ignore[no-any-return]
        sleep(args.poll)


def _owner(table: Table, firm_id: str) -> str:
    owners = [m.id for m in FirmRepo(table).list_members(firm_id) if m.role == "owner" and m.status == "active"]
    if not owners:
        raise NotFoundError(f"Firm {firm_id} has no active owner.")
    return owners[0]
