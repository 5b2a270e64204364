"""The whole local product: DynamoDB Local, a local S3 (s3rver), a local SQS
(moto's server, devtools/sqs_local.py) with the background jobs' queues, the
table, the two stream pollers (the Overview projector, which also mails
notifications, and the search indexer), the jobs' queue poller
(devtools/job_poller.py), the demo firm, the API and the web client
(devtools/web_server.py).

``make run`` (devtools/run_local.py) runs it with its data in ``.data/`` and
the API on port 8000. The end-to-end tests run it in a child
process on free ports with an in-memory DynamoDB Local::

    python -m devtools.stack [--workdir DIR] [--ready-file FILE]

prints where everything is, writes ``StackInfo`` as JSON to FILE when all
answers and the stream pollers have projected the demo, and stops everything on Ctrl-C or SIGTERM (or when its parent
exits). ``StackProcess`` starts and stops that child.

A child process, because the stream pollers and the token minting of
``/config.json`` run in the stack's own process and read their settings
(table, endpoints, JWT secret) from its environment: ``local_stack`` sets
that environment for as long as it runs.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from chalicelib.admin.local_identity import ensure_pool, identity_environment
from devtools.api_server import ApiServer
from devtools.cognito_local import CognitoLocal
from devtools.dynamodb_local import ROOT, DynamoDBLocal, answering, stop_process, wait_until
from devtools.s3_local import S3Local
from devtools.sqs_local import SqsLocal, ensure_queues
from devtools.stack_workers import CHECKPOINTS, SEARCH_CHECKPOINTS, shown, start_job_poller, start_stream_pollers
from devtools.usage_poller import start_usage_poller
from devtools.web_server import WebServer

WEB_DIR = ROOT / "web"
USAGE_CHECKPOINT = "usage-meter-offset.txt"  # the API app log's bytes metered so far (devtools/usage_poller.py)
PROJECTION_SECONDS = 120.0


class PortBusy(RuntimeError):
    def __init__(self, port: int) -> None:
        super().__init__(f"Port {port} is already in use")
        self.port = port


@dataclass(frozen=True)
class StackInfo:
    """Where a running stack answers, and its demo firm."""

    api_base: str
    web_base: str
    firm_id: str
    firm_name: str
    first_account_id: str
    members: list[dict[str, Any]]  # member_id, name, email, role, rights, token (owner, admin, employees)
    password: str  # the demo members' password at the identity provider
    identity: dict[str, str]  # provider, endpoint, client_id, region
    workdir: Path  # logs/, outbox/, s3/, checkpoints

    @property
    def logs(self) -> Path:
        return self.workdir / "logs"

    @property
    def outbox(self) -> Path:
        return self.workdir / "outbox"

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "workdir": str(self.workdir)})

    @classmethod
    def from_json(cls, text: str) -> StackInfo:
        data = json.loads(text)
        return cls(**{**data, "workdir": Path(data["workdir"])})


@dataclass(frozen=True)
class Running:
    info: StackInfo
    api: subprocess.Popen[bytes]
    pollers_caught_up: list[threading.Event]

    def wait(self) -> int:
        """Until the API's process ends (Ctrl-C raises KeyboardInterrupt here)."""
        return self.api.wait()

    def wait_projected(self, timeout: float) -> bool:
        """Until both stream pollers have caught up with the stream (the demo
        projected into the Overview and the search index); False on timeout."""
        deadline = time.monotonic() + timeout
        return all(event.wait(max(0.0, deadline - time.monotonic())) for event in self.pollers_caught_up)


# --- the environment --------------------------------------------------------------


def local_env(
    db_endpoint: str,
    s3_endpoint: str,
    outbox: Path,
    *,
    table: str | None = None,
    bucket: str | None = None,
    sqs_endpoint: str | None = None,
    jobs_queue_url: str | None = None,
) -> dict[str, str]:
    """The local stage's environment, on these servers (not ``make run``'s)."""
    from chalicelib.admin.cli import stage_environment

    env = {
        **stage_environment("local"),
        "DYNAMODB_ENDPOINT": db_endpoint,
        "S3_ENDPOINT": s3_endpoint,
        "MAIL_OUTBOX_DIR": str(outbox),
    }
    if sqs_endpoint and jobs_queue_url:
        env.update(SQS_ENDPOINT=sqs_endpoint, JOBS_QUEUE_URL=jobs_queue_url)
    if table:
        env["DOSSIER_TABLE"] = table
    if bucket:
        env["PHOTOS_BUCKET"] = bucket
    return env


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """``env`` over this process's environment (and chalicelib's settings and
    clients) for the block; the previous one is restored after."""
    from chalicelib.adapters.config import reset_settings
    from chalicelib.adapters.photo_store import reset_clients as reset_photo_clients
    from chalicelib.adapters.queue import reset_clients as reset_queue_clients
    from chalicelib.repo.table import reset_clients

    def reset() -> None:
        reset_settings()
        reset_clients()
        reset_photo_clients()
        reset_queue_clients()

    saved = dict(os.environ)
    try:
        os.environ.update(env)
        reset()
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset()


def seeded_demo() -> dict[str, Any]:
    """The table of the current settings, created if need be, with the demo firm."""
    from chalicelib.admin.demo import seed
    from chalicelib.repo.schema import ensure_table
    from chalicelib.repo.table import Table

    table = Table.from_settings()
    ensure_table(table.client, table.name)
    return seed(table)


# --- the stack ----------------------------------------------------------------------


def _check_free(*ports: int | None) -> None:
    for port in ports:
        if port is not None and answering(port):
            raise PortBusy(port)


@contextmanager
def local_stack(
    workdir: Path,
    *,
    persistent: bool = False,
    db_port: int | None = None,
    s3_port: int | None = None,
    sqs_port: int | None = None,
    idp_port: int | None = None,
    api_port: int | None = None,
    web_port: int | None = None,
    api_log_to_terminal: bool = False,
    host: str = "127.0.0.1",
    say: Callable[[str], None] = print,
) -> Iterator[Running]:
    """Everything up, seeded, in this process's environment until exit.

    ``workdir`` holds the stack's files: ``dynamodb/`` (when ``persistent``;
    otherwise DynamoDB Local runs in memory), ``s3/``, ``outbox/``, ``logs/``
    and the pollers' checkpoints. Ports left None are free ones. The API is
    devtools.api_server on this stack's servers; its request log goes to the
    terminal when ``api_log_to_terminal`` (``make run``), otherwise to
    ``logs/api.log``. ``host`` is the name shown in printed URLs and in
    ``/config.json``'s ``api_base``.
    """
    from chalicelib.admin.cli import stage_environment

    _check_free(db_port, s3_port, sqs_port, idp_port, api_port, web_port)
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    if not persistent:  # a fresh database: earlier checkpoints name shards that are gone
        (workdir / CHECKPOINTS).unlink(missing_ok=True)
        (workdir / SEARCH_CHECKPOINTS).unlink(missing_ok=True)
    bucket = stage_environment("local")["PHOTOS_BUCKET"]
    with ExitStack() as on_exit:
        db_log = on_exit.enter_context((logs / "dynamodb-local.log").open("ab"))
        db_dir = workdir / "dynamodb" if persistent else None
        db = on_exit.enter_context(DynamoDBLocal(port=db_port, data_dir=db_dir, log=db_log))
        where = f"data in {shown(db_dir)}/" if db_dir else "in memory"
        say(f"DynamoDB Local on http://{host}:{db.port} ({where})")
        s3_log = on_exit.enter_context((logs / "s3rver.log").open("ab"))
        s3 = on_exit.enter_context(S3Local(workdir / "s3", bucket, port=s3_port, log=s3_log))
        say(f"Local S3 (s3rver) on http://{host}:{s3.port} for photos (files in {shown(workdir / 's3')}/)")
        sqs_log = on_exit.enter_context((logs / "moto-sqs.log").open("ab"))
        sqs = on_exit.enter_context(SqsLocal(port=sqs_port, log=sqs_log))
        queues = ensure_queues(sqs.client(), "dossier-jobs")
        say(f"Local SQS (moto server) on http://{host}:{sqs.port} for background jobs (queue dossier-jobs)")
        idp_log = on_exit.enter_context((logs / "cognito-local.log").open("ab"))
        idp_dir = workdir / "cognito" if persistent else None
        idp = on_exit.enter_context(CognitoLocal(port=idp_port, data_dir=idp_dir, log=idp_log, host=host))
        pool_id, client_id, new_pool = ensure_pool(idp.endpoint)
        # What a client needs to sign in (Cognito's InitiateAuth on this endpoint; in AWS, the region's).
        identity = {"provider": "cognito", "endpoint": idp.endpoint, "client_id": client_id, "region": "us-east-1"}
        say(f"Identity provider (cognito-local) on {idp.endpoint}, user pool {pool_id}")
        env = {
            **local_env(
                db.endpoint, s3.endpoint, workdir / "outbox", sqs_endpoint=sqs.endpoint, jobs_queue_url=queues.url
            ),
            **identity_environment(idp.endpoint, pool_id, client_id),
        }
        on_exit.enter_context(environment(env))

        table = _table(workdir, say, users_lost=new_pool)
        say("Demo data (created on the first run, in about half a minute)...")
        from chalicelib.admin.demo import seed
        from chalicelib.repo.firms import FirmRepo

        demo = seed(table)
        # Started after seeding, the pollers catch up in seconds; running during it, they would slow it down twice.
        stop_pollers, caught_up = start_stream_pollers(table, workdir, say)
        on_exit.callback(stop_pollers)
        on_exit.callback(start_job_poller(sqs.client(), queues, say))
        app_log = logs / "api-app.jsonl"  # the API's app log as Lambda prints it: the meter's input
        on_exit.callback(start_usage_poller(app_log, workdir / USAGE_CHECKPOINT, say))
        firm = FirmRepo(table).get_firm(demo["firm_id"])
        api = ApiServer({**env, "DOSSIER_APP_LOG": str(app_log)}, port=api_port)
        api_base = f"http://{host}:{api.port}"
        print_welcome(demo, api_base, say)

        web_log = on_exit.enter_context((logs / "web.log").open("a"))
        web = WebServer(
            WEB_DIR,
            api_base=api_base,
            photos_base=s3.endpoint,  # the presigned photo URLs' origin (path-style, local_env's endpoint)
            firm={"id": demo["firm_id"], "name": firm.name if firm else ""},
            members=lambda: list(seed(table)["members"]),  # fresh tokens on each request
            identity=identity,
            demo_password=demo["password"],
            port=web_port,
            log=web_log,
        )
        on_exit.enter_context(web)
        say(f"Web client on http://{host}:{web.port} (pick a demo member; the API is {api_base})\n")

        api.log = sys.stdout.buffer if api_log_to_terminal else on_exit.enter_context((logs / "api.log").open("ab"))
        on_exit.enter_context(api)
        assert api.process is not None
        process = api.process
        info = StackInfo(
            api_base=api_base,
            web_base=f"http://{host}:{web.port}",
            firm_id=demo["firm_id"],
            firm_name=firm.name if firm else "",
            first_account_id=str(demo["first_account_id"]),
            members=demo["members"],
            password=demo["password"],
            identity=identity,
            workdir=workdir,
        )
        yield Running(info, process, caught_up)


def _table(workdir: Path, say: Callable[[str], None], *, users_lost: bool = False) -> Any:
    """The table, created; one made by an older version (other indexes, or
    items stored in an older form), or whose members' users the identity
    provider no longer has (``users_lost``: its data folder is new), is recreated."""
    from chalicelib.admin.demo import written_by_older_version
    from chalicelib.repo.schema import ensure_table, schema_matches
    from chalicelib.repo.table import Table

    table = Table.from_settings()
    if not ensure_table(table.client, table.name) and (
        users_lost or not schema_matches(table.client, table.name) or written_by_older_version(table)
    ):
        why = "the identity provider's data is new" if users_lost else "it was made by an older version of Dossier"
        say(f"Recreating the local table with demo data: {why}.")
        (workdir / CHECKPOINTS).unlink(missing_ok=True)
        (workdir / SEARCH_CHECKPOINTS).unlink(missing_ok=True)
        table.client.delete_table(TableName=table.name)
        ensure_table(table.client, table.name)
    return table


def print_welcome(demo: dict[str, Any], api_base: str, say: Callable[[str], None] = print) -> None:
    members = demo["members"]
    token = members[0]["token"]
    say(f"\nDemo firm {demo['firm_id']}. Sign in (web client, or the provider's InitiateAuth) as any of these,")
    say(f"with the password {demo['password']}:")
    for m in members:
        say(f"  {m['role']:<8} {m['name']:<15} {m['email']:<24} rights={json.dumps(m['rights'])}")
    say(f"\nTry, as {members[0]['name']} (another member's token: python -m chalicelib.cli token --firm F --member M):")
    say(f'  curl -s -H "Authorization: Bearer {token}" "{api_base}/accounts?limit=5"')
    say("  # the Overview tab of the first account:")
    say(f'  curl -s -H "Authorization: Bearer {token}" "{api_base}/accounts/{demo["first_account_id"]}/overview"')
    say("  # search as you type (name word prefixes, parts of contacts' addresses; accents ignored):")
    say(f'  curl -s -H "Authorization: Bearer {token}" "{api_base}/search?q=mull"')
    say("  # mail (portal invitations, notifications) goes to .data/outbox/; list it, with accept commands:")
    say("  .venv/bin/python -m chalicelib.cli mail outbox --last 5")
    say("  # email sync: record a received message (RFC 5322 file) as SES inbound would:")
    say(f"  .venv/bin/python -m chalicelib.cli mail receive --firm {demo['firm_id']} message.eml\n")


# --- the stack in a child process (the end-to-end tests) ----------------------------------


class StackProcess:
    """``python -m devtools.stack`` in a child process: free ports, in-memory
    DynamoDB Local, files in ``workdir``. ``start()`` returns once everything
    answers and the stream pollers have caught up (the demo projected)."""

    def __init__(self, workdir: Path, log: IO[bytes] | None = None, env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.log = log
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 180.0) -> StackInfo:
        ready = self.workdir / "ready.json"
        ready.unlink(missing_ok=True)
        args = [sys.executable, "-m", "devtools.stack", "--workdir", str(self.workdir), "--ready-file", str(ready)]
        out = self.log if self.log is not None else subprocess.DEVNULL
        env = {**(self.env if self.env is not None else os.environ), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until(ready.exists, self.process, f"the stack (log: {self.workdir})", timeout)
        except RuntimeError:
            self.stop()
            raise
        return StackInfo.from_json(ready.read_text())

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM: the child stops what it started (API, pollers, servers)."""
        stop_process(self.process, timeout)
        self.process = None

    def __enter__(self) -> StackInfo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwind like Ctrl-C, so every process we started is stopped


def _serve(workdir: Path, ready_file: Path | None, args: argparse.Namespace) -> int:
    parent = os.getppid()
    ports = {
        "db_port": args.db_port,
        "s3_port": args.s3_port,
        "sqs_port": args.sqs_port,
        "idp_port": args.idp_port,
        "api_port": args.api_port,
        "web_port": args.web_port,
    }
    with local_stack(workdir, **ports) as running:
        if not running.wait_projected(timeout=PROJECTION_SECONDS):
            print(f"The stream pollers have not caught up in {PROJECTION_SECONDS:.0f} s (see logs/).", flush=True)
        if ready_file is not None:
            partial = ready_file.with_suffix(".partial")
            partial.write_text(running.info.to_json())
            partial.replace(ready_file)  # whole, or not there
        print("Ready.", flush=True)
        while running.api.poll() is None:
            if os.getppid() != parent:
                return 0  # the parent is gone (killed): do not outlive it
            with suppress(subprocess.TimeoutExpired):
                running.api.wait(timeout=0.5)
        return running.api.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The local product on free ports, in-memory DynamoDB Local.")
    parser.add_argument("--workdir", type=Path, default=None, help="logs, outbox, s3 files (default: a temp dir)")
    parser.add_argument("--ready-file", type=Path, default=None, help="StackInfo as JSON, written once ready")
    for name in ("db", "s3", "sqs", "idp", "api", "web"):
        parser.add_argument(f"--{name}-port", type=int, default=None)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        if args.workdir is not None:
            return _serve(args.workdir, args.ready_file, args)
        with tempfile.TemporaryDirectory(prefix="dossier-stack-") as tmp:
            return _serve(Path(tmp), args.ready_file, args)
    except KeyboardInterrupt:
        print("\nStopped.", flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
