"""``python -m chalicelib.cli export``: an export of a firm's accounts or
contacts, run as the API runs it (a job on the jobs queue, done by the
worker: ``make run``'s, or the deployed one), with a progress bar on stderr
while it waits, then the file saved (``--out``) or written to stdout."""

from __future__ import annotations

import argparse
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # the parser is built on every command: the app's modules load only for an export
    from chalicelib.repo.firms import FirmRepo
    from chalicelib.repo.table import Table

BAR = 30
POLL_SECONDS = 0.5
IDLE_HINT_SECONDS = 15.0


def add_parser(sub: Any) -> None:
    export = sub.add_parser("export", help="export a firm's accounts or contacts (a background job), with progress")
    export.add_argument("--firm", required=True)
    export.add_argument("--kind", choices=("accounts", "contacts"), default="accounts")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--member", help="act as this member (default: the firm's owner)")
    export.add_argument("--out", type=Path, help="the file to write (default: standard output)")
    export.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for the job (default 3600)")


def bar(done: int, total: int | None, what: str) -> str:
    """``[#########---------]  4,000/10,000 accounts``; without a total, the count only."""
    if not total:
        return f"{done:,} {what}"
    filled = min(BAR, BAR * done // total)
    return f"[{'#' * filled}{'-' * (BAR - filled)}] {done:,}/{total:,} {what}"


def _owner(firms: FirmRepo, firm_id: str) -> str:
    from chalicelib.domain.errors import NotFoundError

    owners = [m.id for m in firms.list_members(firm_id) if m.role == "owner" and m.status == "active"]
    if not owners:
        raise NotFoundError(f"Firm {firm_id} has no active owner.")
    return owners[0]


def run(table: Table, args: argparse.Namespace, err: IO[str] = sys.stderr) -> int:
    from chalicelib.adapters.auth import Claims
    from chalicelib.domain.models.jobs import ExportCreate, ExportOut
    from chalicelib.repo.exports import ExportReads
    from chalicelib.repo.firms import FirmRepo
    from chalicelib.services import exports
    from chalicelib.services.context import Ctx

    member_id = args.member or _owner(FirmRepo(table), args.firm)
    ctx = Ctx(claims=Claims(firm_id=args.firm, member_id=member_id), table=table)
    total = ExportReads(table).count(args.firm, args.kind)
    out: ExportOut = exports.create(ctx, ExportCreate(kind=args.kind, format=args.format))
    print(f"export {out.id} queued ({args.kind}, {args.format})", file=err)
    deadline = time.monotonic() + args.timeout
    last_change, last = time.monotonic(), -1
    hinted = False
    while not out.download_url and out.status not in ("failed", "cancelled", "expired"):
        if time.monotonic() > deadline:
            print(f"\nerror: the export did not finish in {args.timeout:.0f} s", file=err)
            return 1
        time.sleep(POLL_SECONDS)
        out = exports.get(ctx, out.id)
        done = out.counts.get(args.kind, 0)
        if done != last:
            last, last_change = done, time.monotonic()
        elif not hinted and out.status == "queued" and time.monotonic() - last_change > IDLE_HINT_SECONDS:
            hinted = True
            print("\n(no worker has taken the job yet: locally, is `make run` running?)", file=err)
        print(f"\r{bar(done, total, args.kind)} {out.status:<9}", end="", file=err, flush=True)
    print(file=err)
    if out.status != "completed" or not out.download_url:
        print(f"error: the export {out.status}: {out.error or ''}", file=err)
        return 1
    _save(out.download_url, args.out)
    where = str(args.out) if args.out else "standard output"
    print(f"{out.counts.get('rows', 0):,} rows, {out.counts.get('bytes', 0):,} bytes written to {where}", file=err)
    return 0


def _save(url: str, out: Path | None) -> None:
    """Stream the presigned download to ``out`` (or stdout), a megabyte at a time."""
    with urllib.request.urlopen(url, timeout=60) as response:  # our own presigned https/http URL
        sink = out.open("wb") if out else sys.stdout.buffer
        try:
            while block := response.read(1 << 20):
                sink.write(block)
        finally:
            if out:
                sink.close()
            else:
                sink.flush()


def main(table: Table, args: argparse.Namespace) -> int:
    from chalicelib.domain.errors import DossierError

    try:
        return run(table, args)
    except DossierError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
