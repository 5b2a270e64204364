"""Admin command line for the database that ``make run`` uses (stage ``local``).

    python -m chalicelib.cli firm create --name NAME --owner-name NAME --owner-email EMAIL
    python -m chalicelib.cli firm register-key --firm FIRM_ID   (a stack with a REST API: USAGE_PLAN_ID set)
    python -m chalicelib.cli token --firm FIRM_ID --member MEMBER_ID
    python -m chalicelib.cli member add --firm FIRM_ID --name NAME --email EMAIL [--role employee]
                                        [--view-all] [--manage]
    python -m chalicelib.cli table create
    python -m chalicelib.cli seed
    python -m chalicelib.cli outbox --to EMAIL     (the latest mail to EMAIL: subject, text, links)
    python -m chalicelib.cli mail outbox [--to ADDRESS] [--last N]
    python -m chalicelib.cli mail receive --firm FIRM_ID [FILE]   (a raw RFC 5322 message; stdin without FILE)
    python -m chalicelib.cli import --firm FIRM_ID --file PATH.csv [--dry-run]   (progress bar on stderr)
Each prints one JSON object (``mail outbox`` one per message).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pydantic import ValidationError

from chalicelib.admin import jobs_cli

CONFIG = Path(__file__).resolve().parents[2] / ".chalice" / "config.json"


def stage_environment(stage: str) -> dict[str, str]:
    """The environment variables Chalice gives the stage's functions."""
    config = json.loads(CONFIG.read_text())
    return {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}


def use_stage(stage: str) -> None:
    """Apply the stage's environment variables, without overriding what the
    environment already sets."""
    for name, value in stage_environment(stage).items():
        os.environ.setdefault(name, value)
    from chalicelib.adapters.config import reset_settings

    reset_settings()


def _print(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, indent=None))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli", description=__doc__.split("\n")[0])
    parser.add_argument("--stage", default="local", help="Chalice stage whose settings to use (default: local)")
    sub = parser.add_subparsers(dest="command", required=True)

    firm = sub.add_parser("firm", help="firms").add_subparsers(dest="action", required=True)
    create = firm.add_parser("create", help="create a firm and its owner; prints firm_id, member_id, token")
    create.add_argument("--name", required=True)
    create.add_argument("--owner-name", required=True)
    create.add_argument("--owner-email", required=True)
    register = firm.add_parser("register-key", help="put the firm's throttling key in a REST API's usage plan")
    register.add_argument("--firm", required=True)

    token = sub.add_parser("token", help="print a fresh bearer token for a member")
    token.add_argument("--firm", required=True)
    token.add_argument("--member", required=True)

    member = sub.add_parser("member", help="members").add_subparsers(dest="action", required=True)
    add = member.add_parser("add", help="add a member to a firm")
    add.add_argument("--firm", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--email", required=True)
    add.add_argument("--role", choices=("admin", "employee"), default="employee")
    add.add_argument("--view-all", action="store_true", help="right: view all accounts")
    add.add_argument("--manage", action="store_true", help="right: manage accounts")

    table = sub.add_parser("table", help="the table").add_subparsers(dest="action", required=True)
    table.add_parser("create", help="create the table from infra/template.json unless it exists")

    sub.add_parser("seed", help="create the demo firm unless it exists; prints its members and tokens")

    for name, what in (("overview", "overview"), ("search", "search index")):
        kept = sub.add_parser(name, help=f"the stream-kept {what}").add_subparsers(dest="action", required=True)
        rebuild = kept.add_parser("rebuild", help=f"recompute the {what} of one account or of every account of a firm")
        rebuild.add_argument("--firm", required=True)
        rebuild.add_argument("--account", help="one account (default: every account, archived ones included)")
    from chalicelib.admin import imports

    imports.add_parser(sub)
    latest = sub.add_parser("outbox", help="the latest mail the local stage sent to an address, with its links")
    latest.add_argument("--to", required=True, help="the address (any case, NFC or NFD)")
    mail = sub.add_parser("mail", help="mail, locally").add_subparsers(dest="action", required=True)
    outbox = mail.add_parser("outbox", help="the local stage's sent mail (invitations, notifications), oldest first")
    outbox.add_argument("--to", help="only mail to this address")
    outbox.add_argument("--last", type=int, default=20, help="at most the last N messages (default 20)")
    receive = mail.add_parser("receive", help="email sync: record a received message as SES inbound would")
    receive.add_argument("--firm", required=True)
    receive.add_argument("file", nargs="?", help="the raw message (default: standard input)")
    jobs_cli.add_parser(sub)
    return parser


def _shown(message: EmailMessage) -> dict[str, Any]:
    from chalicelib.adapters.mail import links, recipient

    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    shown: dict[str, Any] = {
        "date": str(message["Date"]),
        "to": recipient(message),
        "kind": str(message["X-Dossier-Kind"]),
        "subject": str(message["Subject"]),
        "text": text,
        "links": links(text),
    }
    token = re.search(r"[?&#]token=([^\s&]+)", text)
    if token:  # there is no portal front end locally: accept the invitation with the API itself
        payload = json.dumps({"token": unquote(token.group(1))})
        shown["accept"] = (
            f"curl -s -X POST http://localhost:8000/portal/invites/accept "
            f"-H 'Content-Type: application/json' -d '{payload}'"
        )
    return shown


def _latest_mail(to: str) -> int:
    """``outbox --to``: the latest message to ``to`` as one JSON object; none → exit status 1."""
    from chalicelib.adapters.config import settings
    from chalicelib.adapters.mail import mails_to

    folder = Path(settings().mail_outbox_dir)
    messages = mails_to(folder, to)
    if not messages:
        print(f"no mail to {to} in {folder}", file=sys.stderr)
        return 1
    _print(_shown(messages[-1]))
    return 0


def _outbox(to: str | None, last: int) -> int:
    from chalicelib.adapters.config import settings
    from chalicelib.adapters.mail import mails_to, read_outbox

    folder = Path(settings().mail_outbox_dir)
    messages = read_outbox(folder) if to is None else mails_to(folder, to)
    for message in messages[-last:]:
        _print(_shown(message))
    return 0


def _usage_plan(required: bool = False) -> str | None:
    """The firms' usage plan of a stack that keeps a REST API (USAGE_PLAN_ID). The default stack has none:
    its HTTP API throttles each firm in the function (chalicelib/handlers/http/throttle.py)."""
    from chalicelib.adapters.config import settings

    plan = settings().usage_plan_id
    if plan is None and required:
        raise SystemExit("Set USAGE_PLAN_ID (the usage plan of a stack with a REST API) to register a firm's key.")
    return plan


def _register_usage_key(plan: str | None, firm_id: str) -> None:
    """Deployed stages throttle each firm by its own usage-plan key (chalicelib/adapters/usage.py)."""
    if plan:
        import boto3

        from chalicelib.adapters.config import settings
        from chalicelib.adapters.usage import register_firm

        register_firm(boto3.client("apigateway", region_name=settings().region), plan, firm_id)


def _firm(firms: Any, args: argparse.Namespace) -> None:
    from chalicelib.services.members import create_firm

    if args.action == "register-key":
        _register_usage_key(_usage_plan(required=True), args.firm)
        return
    from pydantic import TypeAdapter

    from chalicelib.domain.models.base import EmailAddress

    owner_email = TypeAdapter(EmailAddress).validate_python(args.owner_email)  # the rules of POST /members
    plan = _usage_plan()
    local = args.stage == "local"
    firm, owner = create_firm(
        firms, name=args.name, owner_name=args.owner_name, owner_email=owner_email, send_invitation=not local
    )
    _register_usage_key(plan, firm.id)  # if this fails, `firm register-key` finishes the job
    _print({"firm_id": firm.id, "member_id": owner.id, **_sign_in(owner, local)})


def _sign_in(member: Any, local: bool) -> dict[str, Any]:
    """Locally, a token from the local identity provider (the member gets the local password); on a
    deployed stage, what the member was sent (a token comes only from their own sign-in)."""
    from chalicelib.adapters.config import settings

    if not local:
        how = "Cognito mailed a temporary password" if settings().auth_mode == "cognito" else "first sign-in"
        return {"invitation": {"email": member.email, "sign_in": how}}
    from chalicelib.adapters.directory import LOCAL_PASSWORD, CognitoDirectory

    pool = CognitoDirectory(settings())
    pool.set_local_password(member.email)
    tokens = pool.sign_in(settings().jwt_audience or "", member.email, LOCAL_PASSWORD)
    return {"token": tokens["AccessToken"]}


def _add_member(firms: Any, args: argparse.Namespace) -> Any:
    from chalicelib.domain.entities import Member
    from chalicelib.domain.ids import new_id, now_iso
    from chalicelib.domain.models.people import MemberCreate, Rights
    from chalicelib.repo.identities import IdentityRepo
    from chalicelib.services.members import invited

    body = MemberCreate(
        name=args.name,
        email=args.email,
        role=args.role,
        rights=Rights(view_all_accounts=args.view_all, manage_accounts=args.manage),
    )
    member = Member(
        args.firm,
        new_id(),
        body.name,
        body.email,
        body.role,
        body.rights.view_all_accounts,
        body.rights.manage_accounts,
        now_iso(),
    )
    with invited(member, send_mail=args.stage != "local") as sign_in:
        firms.add_member(member, sign_in(IdentityRepo(firms.table)))
    return member


def _token(firms: Any, args: argparse.Namespace) -> int:
    found = firms.get_member(args.firm, args.member)
    if found is None:
        print("no such member in that firm", file=sys.stderr)
        return 1
    if args.stage != "local":
        print("tokens of a deployed stage come from the member's own sign-in", file=sys.stderr)
        return 2
    _print(_sign_in(found, local=True))
    return 0


def _local_identity(stage: str) -> None:
    """The local stage's pool and client, found in the cognito-local that `make run` started."""
    from chalicelib.adapters.config import reset_settings, settings

    if stage != "local" or settings().cognito_user_pool_id:
        return
    from chalicelib.admin.local_identity import ensure_pool, identity_environment

    endpoint = settings().cognito_endpoint or ""
    try:
        pool_id, client_id, _ = ensure_pool(endpoint)
    except Exception as exc:  # not running: say what to do, not a traceback
        raise SystemExit(f"The local identity provider does not answer at {endpoint}: start `make run` first.") from exc
    os.environ.update(identity_environment(endpoint, pool_id, client_id))
    reset_settings()


def _standalone(args: argparse.Namespace) -> int | None:
    """The commands with their own course: the outbox (reads files only: no table) and exports."""
    if "outbox" in (args.command, getattr(args, "action", None)):
        return _latest_mail(args.to) if args.command == "outbox" else _outbox(args.to, args.last)
    if args.command == "export":
        from chalicelib.repo.table import Table

        return jobs_cli.main(Table.from_settings(), args)
    return None


def _rebuild(table: Any, args: argparse.Namespace) -> None:
    from chalicelib.repo.accounts import AccountRepo
    from chalicelib.repo.activity import ActivityRepo
    from chalicelib.repo.search import SearchRepo
    from chalicelib.services import overview, search

    ids = [args.account] if args.account else sorted(AccountRepo(table).all_ids(args.firm))
    if args.command == "overview":
        written = overview.rebuild(ActivityRepo(table), args.firm, ids)
    else:
        written = search.rebuild(SearchRepo(table), args.firm, ids)
    _print({"accounts": len(ids), "written": written})


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    use_stage(args.stage)
    early = _standalone(args)
    if early is not None:
        return early
    from chalicelib.adapters.config import settings
    from chalicelib.domain.errors import DossierError
    from chalicelib.repo.firms import FirmRepo
    from chalicelib.repo.schema import ensure_table
    from chalicelib.repo.table import Table

    if args.command in ("firm", "token", "member"):
        _local_identity(args.stage)
    table = Table.from_settings()
    firms = FirmRepo(table)
    try:
        if args.command == "firm":
            _firm(firms, args)
        elif args.command == "token":
            return _token(firms, args)
        elif args.command == "member":
            member = _add_member(firms, args)
            _print({"firm_id": args.firm, "member_id": member.id, **_sign_in(member, args.stage == "local")})
        elif args.command == "table":
            created = ensure_table(table.client, settings().table_name)
            _print({"table": settings().table_name, "created": created})
        elif args.command in ("overview", "search"):
            _rebuild(table, args)
        elif args.command == "mail":
            from chalicelib.services import inbound

            raw = Path(args.file).read_bytes() if args.file else sys.stdin.buffer.read()
            received = inbound.receive(table, args.firm, raw)
            _print({"outcome": received.outcome, "account_ids": received.account_ids})
        elif args.command == "import":
            from chalicelib.admin import imports

            _print(imports.run(table, args))
        elif args.command == "seed":
            from chalicelib.admin.demo import seed

            _print(seed(table))
    except (DossierError, ValidationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
