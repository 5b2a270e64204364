"""How far search and the Overview lag behind a burst of account creates, on
the local stack as ``make run`` runs it (``python -m bench burst``).

The stack is ``python -m devtools.stack`` in a child process (in-memory
DynamoDB Local, s3rver, the API, the two stream pollers reading DynamoDB
Local's stream and calling the deployed handlers with the mappings' batch
size and parallelization factor), seeded with the demo firm and caught up;
with ``BENCH_BURST_DISK=1`` DynamoDB Local keeps its data on disk, as under
``make run`` (``bench/burst_stack.py``). Then, as the demo firm's owner, ``CLIENTS`` threads create
``ACCOUNTS`` individuals through ``POST /accounts`` as fast as the API takes
them, each with one new contact and one address on a shared domain; every
``NOTE_EVERY``-th account also gets a note (``POST /accounts/{id}/notes``),
which the Overview shows once the projection has run.

Meanwhile a sweeper reads the table every ``SWEEP_SECONDS`` (its own client,
not through the stack):

- **search**: the GSI3 range of the shared domain (one entry per indexed
  account: what ``GET /search`` reads for that word): an account is findable
  from the sweep that first shows it;
- **indexed**: the address copies (``contact_emails``) on the account item,
  which the indexer writes after the account's search entries;
- **overview**: the notes overview item of each account with a note.

A lag is the time from the create's (or note's) 201 to the first sweep that
shows it, so it is rounded up to the sweep's period. At the end a sample of
accounts is searched through ``GET /search`` by the local part of their
address, to check that findable in the sweep means found by the API; and
``QUIET`` single writes (an account, then a note), one at a time, are timed
through the API (search, Overview tab) for the lag of a write on a quiet
stack. ``BENCH_BURST_ACCOUNTS`` sets the burst's size (1,000), and
``BENCH_BURST_WORKDIR`` keeps the stack's logs (the stream functions' log
has a line per batch).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3

from chalicelib.admin.cli import stage_environment
from chalicelib.domain import search_terms as rules
from chalicelib.repo import keys
from chalicelib.repo.table import Table
from devtools.dynamodb_local import ROOT, free_port, stop_process, wait_until
from devtools.stack import StackInfo

ACCOUNTS = int(os.environ.get("BENCH_BURST_ACCOUNTS", "1000"))
ON_DISK = os.environ.get("BENCH_BURST_DISK") == "1"  # DynamoDB Local's data on disk, as make run keeps it
CLIENTS = 4  # concurrent API clients
NOTE_EVERY = 10  # every 10th account gets a note: the Overview's probes
SWEEP_SECONDS = 1.0
QUIET = 10  # single writes after the burst
QUIET_POLL_SECONDS = 0.1
GIVE_UP_SECONDS = float(os.environ.get("BENCH_BURST_GIVE_UP", "1800"))  # after the last create
DOMAIN = "burst.example"
FIRST = ("mateo", "anna", "liam", "sofia", "noah", "emma", "lucas", "mia", "jonas", "ines", "omar", "lena")
LAST = ("rossi", "muller", "garcia", "nowak", "dubois", "silva", "jansen", "kowalski", "novak", "berg", "costa")


@dataclass
class Probe:
    account_id: str = ""
    local_part: str = ""
    created: float = 0.0  # monotonic, at the create's 201
    noted: float | None = None  # at the note's 201 (every NOTE_EVERY-th account)
    findable: float | None = None
    indexed: float | None = None
    projected: float | None = None


@dataclass
class Burst:
    probes: list[Probe] = field(default_factory=list)
    started: float = 0.0
    last_create: float = 0.0
    last_note: float = 0.0
    sweeps: list[float] = field(default_factory=list)  # how long each sweep took
    lock: threading.Lock = field(default_factory=threading.Lock)


# --- the stack -----------------------------------------------------------------------------


def _start_stack(workdir: Path, db_port: int) -> tuple[subprocess.Popen[bytes], StackInfo]:
    """``python -m devtools.stack`` (or, on disk, ``bench.burst_stack``) on a
    DynamoDB Local port we know (the sweeper reads it)."""
    ready = workdir / "ready.json"
    log = (workdir / "stack.log").open("ab")
    module = "bench.burst_stack" if ON_DISK else "devtools.stack"
    args = [sys.executable, "-m", module, "--workdir", str(workdir), "--ready-file", str(ready)]
    process = subprocess.Popen(
        [*args, "--db-port", str(db_port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(ready.exists, process, f"the stack (log: {workdir / 'stack.log'})", 300.0)
    except RuntimeError:
        stop_process(process, 60.0)
        raise
    return process, StackInfo.from_json(ready.read_text())


def _call(base: str, token: str, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
    """One API call; a dropped connection is retried (with the same Idempotency-Key, so a create is made once)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    data = None if body is None else json.dumps(body).encode()
    for attempt in range(5):
        request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{method} {path}: {exc.code} {exc.read()[:300]!r}") from exc
        except OSError:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


# --- the burst and the sweeper ---------------------------------------------------------------


def _create(info: StackInfo, token: str, i: int, burst: Burst) -> None:
    first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
    local = f"{first}.{last}.{i}"
    body = {
        "name": f"{first.title()} {last.title()} {i}",
        "type": "individual",
        "contacts": [{"first_name": first.title(), "last_name": last.title(), "emails": [f"{local}@{DOMAIN}"]}],
    }
    created = _call(info.api_base, token, "POST", "/accounts", body, key=f"burst-{i}")
    probe = Probe(created["id"], local, time.monotonic())
    if i % NOTE_EVERY == 0:
        note = {"title": f"Burst call {i}", "body": "Asked about the estimated tax payment."}
        _call(info.api_base, token, "POST", f"/accounts/{probe.account_id}/notes", note, key=f"burst-note-{i}")
        probe.noted = time.monotonic()
    with burst.lock:
        burst.probes.append(probe)
        burst.last_create = max(burst.last_create, probe.created)
        burst.last_note = max(burst.last_note, probe.noted or 0.0)


def _domain_entries(table: Table, firm_id: str) -> set[str]:
    """The accounts in the shared domain's GSI3 range (what a search of the domain reads)."""
    token = rules.email_form(DOMAIN)
    found: set[str] = set()
    for item in table.query_all(
        pk=keys.search_partition(firm_id, token),
        sk_prefix=keys.search_sort_key(token, rules.EMAIL_EXACT, ""),
        index=keys.INDEX_SEARCH,
        attributes=("PK",),
    ):
        found.add(keys.account_of(item["PK"]))
    return found


def _sweep(table: Table, firm_id: str, burst: Burst) -> None:
    now = time.monotonic()
    with burst.lock:
        probes = list(burst.probes)
    if any(p.findable is None for p in probes):
        findable = _domain_entries(table, firm_id)
        for p in probes:
            if p.findable is None and p.account_id in findable:
                p.findable = now
    copies = [p for p in probes if p.findable is not None and p.indexed is None]
    for item in table.batch_get([keys.account(firm_id, p.account_id) for p in copies], consistent=True):
        if item.get("contact_emails"):
            for p in copies:
                if p.account_id == item["id"]:
                    p.indexed = now
    notes = [p for p in probes if p.noted is not None and p.projected is None]
    shown = {i["PK"] for i in table.batch_get([keys.overview(firm_id, p.account_id, "notes") for p in notes])}
    for p in notes:
        if keys.account_pk(firm_id, p.account_id) in shown:
            p.projected = now


def _search(info: StackInfo, token: str, q: str) -> set[str]:
    return {h["account_id"] for h in _call(info.api_base, token, "GET", f"/search?q={quote(q)}")["items"]}


def _until(seen: Callable[[], bool]) -> float | None:
    """Seconds until ``seen()`` holds (polled every QUIET_POLL_SECONDS), None after 60 s."""
    began = time.monotonic()
    while time.monotonic() - began < 60:
        if seen():
            return time.monotonic() - began
        time.sleep(QUIET_POLL_SECONDS)
    return None


def _finds(info: StackInfo, token: str, q: str, account_id: str) -> bool:
    return account_id in _search(info, token, q)


def _shows_note(info: StackInfo, token: str, account_id: str) -> bool:
    return bool(_call(info.api_base, token, "GET", f"/accounts/{account_id}/overview")["notes"]["items"])


def _quiet(info: StackInfo, token: str) -> tuple[list[float], list[float]]:
    """One create, then one note, at a time: how soon each shows through the API."""
    search: list[float] = []
    overview: list[float] = []
    for i in range(QUIET):
        local = f"quiet.{i}.{int(time.time())}"
        body = {
            "name": f"Quiet Probe {i}",
            "type": "individual",
            "contacts": [{"first_name": "Quiet", "last_name": "Probe", "emails": [f"{local}@{DOMAIN}"]}],
        }
        account_id = _call(info.api_base, token, "POST", "/accounts", body)["id"]
        found = _until(partial(_finds, info, token, local, account_id))
        if found is not None:
            search.append(found)
        note = {"title": f"Quiet call {i}", "body": "One at a time."}
        _call(info.api_base, token, "POST", f"/accounts/{account_id}/notes", note)
        shown = _until(partial(_shows_note, info, token, account_id))
        if shown is not None:
            overview.append(shown)
    return search, overview


def _settled(burst: Burst) -> bool:
    return all(p.indexed is not None and (p.noted is None or p.projected is not None) for p in burst.probes)


# --- the report --------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _row(what: str, lags: list[float], missing: int) -> str:
    if not lags:
        return f"| {what} | 0 | — | — | — | — | {missing} |"
    p50, p90, p99 = (_percentile(lags, q) for q in (0.5, 0.9, 0.99))
    return f"| {what} | {len(lags)} | {p50:.1f} | {p90:.1f} | {p99:.1f} | {max(lags):.1f} | {missing} |"


def _report(burst: Burst, checked: tuple[int, int], quiet: tuple[list[float], list[float]]) -> str:
    probes = burst.probes
    creating = burst.last_create - burst.started

    def lags(at: Callable[[Probe], float | None], since: Callable[[Probe], float | None]) -> tuple[list[float], int]:
        done = [(at(p), since(p)) for p in probes if since(p) is not None]
        return [a - s for a, s in done if a is not None and s is not None], sum(1 for a, _ in done if a is None)

    search, search_missing = lags(lambda p: p.findable, lambda p: p.created)
    indexed, indexed_missing = lags(lambda p: p.indexed, lambda p: p.created)
    overview, overview_missing = lags(lambda p: p.projected, lambda p: p.noted)
    ends = {
        "search: every account findable, after the last create": ([p.findable for p in probes], burst.last_create),
        "index: every account's entries and copies written, after the last create": (
            [p.indexed for p in probes],
            burst.last_create,
        ),
        "overview: every note shown, after the last note": (
            [p.projected for p in probes if p.noted is not None],
            burst.last_note,
        ),
    }
    lines = [
        f"DynamoDB Local {'on disk' if ON_DISK else 'in memory'}. "
        f"{len(probes)} accounts created (and {sum(1 for p in probes if p.noted)} notes) by {CLIENTS} clients in "
        f"{creating:.1f} s ({len(probes) / creating:.1f} creates/s); "
        f"sweeps every {SWEEP_SECONDS} s ({len(burst.sweeps)} sweeps, {sum(burst.sweeps):.1f} s of reading in all).",
        "",
        "| lag after the 201 (s) | n | p50 | p90 | p99 | max | never seen |",
        "|---|---|---|---|---|---|---|",
        _row("search: findable (the domain's GSI3 range)", search, search_missing),
        _row("index: entries and address copies written", indexed, indexed_missing),
        _row("overview: the note shown (notes overview item)", overview, overview_missing),
        "",
        "| the burst caught up | seconds |",
        "|---|---|",
    ]
    for what, (seen, since) in ends.items():
        known = [s for s in seen if s is not None]
        done = len(known) == len(seen) and known
        lines.append(f"| {what} | {max(known) - since:.1f} |" if done else f"| {what} | not in time |")
    findable = [p.findable for p in probes]
    if probes and all(f is not None for f in findable):
        took = max(f for f in findable if f is not None) - burst.started
        lines.append(
            f"| search: every account findable, after the first create ({len(probes) / took:.1f} accounts/s) "
            f"| {took:.1f} |"
        )
    lines += [
        "",
        f"`GET /search?q=<local part>` found {checked[0]} of {checked[1]} sampled accounts.",
        "",
        f"Then one write at a time ({QUIET} accounts, each with a note), polled through the API every "
        f"{QUIET_POLL_SECONDS} s:",
        "",
        "| lag after the 201 (s) | n | p50 | p90 | p99 | max | never seen |",
        "|---|---|---|---|---|---|---|",
        _row("`GET /search?q=<local part>` finds the new account", quiet[0], QUIET - len(quiet[0])),
        _row("`GET /accounts/{id}/overview` shows the note", quiet[1], QUIET - len(quiet[1])),
    ]
    return "\n".join(lines)


def run() -> str:
    keep = os.environ.get("BENCH_BURST_WORKDIR")  # keep the stack's logs there
    with tempfile.TemporaryDirectory(prefix="dossier-burst-") as tmp:
        workdir, db_port = Path(keep or tmp), free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        process, info = _start_stack(workdir, db_port)
        stop = threading.Event()
        try:
            client = boto3.client(
                "dynamodb",
                endpoint_url=f"http://127.0.0.1:{db_port}",
                region_name="us-east-1",
                aws_access_key_id="local",
                aws_secret_access_key="local",
            )
            table = Table(client, stage_environment("local")["DOSSIER_TABLE"])
            token = info.members[0]["token"]
            burst = Burst(started=time.monotonic())

            def sweeper() -> None:
                while not stop.wait(SWEEP_SECONDS):
                    began = time.monotonic()
                    _sweep(table, info.firm_id, burst)
                    burst.sweeps.append(time.monotonic() - began)

            watcher = threading.Thread(target=sweeper, daemon=True)
            watcher.start()
            with ThreadPoolExecutor(CLIENTS) as pool:
                for done in [pool.submit(_create, info, token, i, burst) for i in range(ACCOUNTS)]:
                    done.result()
            deadline = burst.last_create + GIVE_UP_SECONDS
            while time.monotonic() < deadline:
                with burst.lock:
                    if _settled(burst):
                        break
                time.sleep(SWEEP_SECONDS)
            time.sleep(SWEEP_SECONDS * 2)  # let the sweeper record the last ones
            stop.set()
            watcher.join(timeout=30)
            sample = random.Random(7).sample(burst.probes, min(20, len(burst.probes)))
            found = sum(1 for p in sample if p.account_id in _search(info, token, p.local_part))
            return _report(burst, (found, len(sample)), _quiet(info, token))
        finally:
            stop.set()
            stop_process(process, 60.0)
