"""Cold start: how long a fresh interpreter takes to import the app, and to answer its first request,
against ``import boto3`` alone, measured side by side (alternating) in one run, for this commit and for
the commit before the cold-start work (``BEFORE``), both packaged.

- ``import app``: the code zip ``make package`` builds, unpacked and imported read-only
  (PYTHONDONTWRITEBYTECODE=1), as Lambda's /var/task is: it carries compiled bytecode for the app and
  every dependency. ``BEFORE``'s zip is the same build with that commit's app.py and chalicelib/ (the same
  lock, so the same dependencies), compiled the same way.
- ``import app`` + first request: the same interpreter then serves an Overview read (``GET
  /accounts/{id}/overview``) as the HTTP API sends it (payload 1.0, the JWT authorizer's claims, the
  deployed stage's ``TOKEN_VERIFIER=gateway``) against DynamoDB Local, then the same read again. What a
  cold start adds is the wall time to the first answer less the second (warm) request's time: moving
  import work to the first request does not hide it.

boto3 is imported from the virtualenv (compiled), as Lambda's runtime has it.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bench.common import extract

ROUNDS: Final = 9
ROOT: Final = Path(__file__).resolve().parent.parent
BEFORE: Final = "f427a08"  # main before the cold-start work (issue 20, goal 3)
FLOOR: Final = "floor: `import boto3`, its client, the same two reads"
_IMPORT_BEFORE: Final = f"`import app`, packaged, before ({BEFORE})"
_IMPORT_NOW: Final = "`import app`, packaged, now"
LATEST: dict[str, float] = {}  # the last run's ratios to `import boto3`, for bench/goals.py

# Run in the packaged code's interpreter: import, the first request, the same request warm.
_SERVE: Final = """
import json, sys, time
started = time.perf_counter()
import app
imported = time.perf_counter()
event = json.loads(open(sys.argv[1]).read())
first = app.app(json.loads(json.dumps(event)), None)
answered = time.perf_counter()
second = app.app(json.loads(json.dumps(event)), None)
again = time.perf_counter()
print(json.dumps({"status": [first["statusCode"], second["statusCode"]], "import": imported - started,
                  "first": answered - imported, "warm": again - answered}))
"""


# The floor: a function that only imports boto3, makes its DynamoDB client and sends the Overview's two
# reads (the account's overview Query and the caller's consistent GetItem), then sends them again.
_FLOOR: Final = """
import json, sys, time
started = time.perf_counter()
import boto3
reads = json.loads(open(sys.argv[1]).read())
client = boto3.client("dynamodb", endpoint_url=reads.pop("endpoint"), region_name="us-east-1",
                      aws_access_key_id="local", aws_secret_access_key="local")
def serve():
    client.query(**reads["query"])
    client.get_item(**reads["get"])
serve()
answered = time.perf_counter()
serve()
again = time.perf_counter()
print(json.dumps({"status": [200, 200], "import": 0, "first": answered - started, "warm": again - answered}))
"""


def _site_packages() -> str:
    import boto3

    return str(Path(boto3.__file__).resolve().parents[1])


def _once(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    run = subprocess.run([sys.executable, *argv], cwd=cwd, env=env, capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"{argv[:1]} failed in {cwd}:\n{run.stderr[-2000:]}")
    return time.perf_counter() - start, run.stdout


def _compile(where: Path) -> None:
    """Unchecked-hash bytecode, as ``make package`` writes it (devtools/package.py ``precompile``)."""
    import compileall
    import py_compile

    mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
    if where.is_dir():
        compileall.compile_dir(where, quiet=1, invalidation_mode=mode)
    else:
        compileall.compile_file(where, quiet=1, invalidation_mode=mode)


def _before(packaged: Path, into: Path) -> Path:
    """``packaged`` with BEFORE's app.py and chalicelib/ in place of this commit's."""
    shutil.copytree(packaged, into, symlinks=True)
    shutil.rmtree(into / "chalicelib")
    (into / "app.py").unlink()
    for stale in into.glob("__pycache__"):
        shutil.rmtree(stale)
    extract(BEFORE, ("app.py", "chalicelib"), into)
    _compile(into / "chalicelib")
    _compile(into / "app.py")
    return into


@dataclass
class Served:
    """One fresh interpreter's import, first request and warm request, in seconds."""

    wall: float  # the process: interpreter start-up, import, both requests, exit
    imported: float
    first: float
    warm: float


def _serve(packaged: Path, env: dict[str, str], event_file: Path, script: str = _SERVE) -> Served:
    wall, out = _once(["-c", script, str(event_file)], packaged, env)
    found: dict[str, Any] = json.loads(out.strip().splitlines()[-1])  # Powertools' metric lines come first
    if found["status"] != [200, 200]:
        raise SystemExit(f"the Overview read answered {found['status']} in {packaged.name}")
    return Served(wall, found["import"], found["first"], found["warm"])


def overview_event(table: Any, app: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """An Overview read of a new account of a new firm, as the HTTP API sends it (the claims verified), and
    the same read's two DynamoDB requests as boto3 sends them (the floor)."""
    from chalice.test import Client

    from chalicelib.repo import keys
    from chalicelib.repo.table import to_wire
    from tests.support.api import Api, make_firm
    from tests.support.http_api import claims_of, event

    firm = make_firm(table)
    with Client(app) as client:
        created = Api(client, firm.owner_token).post(
            "/accounts",
            {
                "name": "Bakkerij Jansen",
                "type": "company",
                "contacts": [{"first_name": "Jan", "last_name": "Jansen", "emails": ["jan@bakkerij.example"]}],
            },
        )
    if created.status != 201:
        raise SystemExit(f"could not create the account: {created.status} {created.body}")
    account = created.body["id"]
    path = f"/accounts/{account}/overview"
    reads = {
        "endpoint": os.environ["DYNAMODB_ENDPOINT"],
        "query": {
            "TableName": table.name,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": to_wire(
                {":pk": keys.account_pk(firm.firm_id, account), ":lo": keys.OVERVIEW_PREFIX, ":hi": keys.ACCOUNT_SK}
            ),
        },
        "get": {
            "TableName": table.name,
            "Key": to_wire(keys.member(firm.firm_id, firm.owner_id).as_dict()),
            "ConsistentRead": True,
        },
    }
    return event(
        "GET",
        path,
        resource="/accounts/{account_id}/overview",
        params={"account_id": account},
        claims=claims_of(firm.owner_token),
        headers={"authorization": "Bearer " + firm.owner_token},
    ), reads


def run(table: Any, app: Any, rounds: int = ROUNDS) -> str:
    from devtools.package import package

    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base.update(AWS_DEFAULT_REGION="us-east-1")
    with tempfile.TemporaryDirectory(prefix="dossier-coldstart-") as tmp:
        work = Path(tmp)
        template = package("prod", work / "package")
        after = work / "after"
        with zipfile.ZipFile(template.parent / "deployment.zip") as archive:
            archive.extractall(after)
        before = _before(after, work / "before")
        event_file, reads_file = work / "event.json", work / "reads.json"
        sent, reads = overview_event(table, app)
        event_file.write_text(json.dumps(sent))
        reads_file.write_text(json.dumps(reads))
        site = _site_packages()
        served_env = {**base, "PYTHONDONTWRITEBYTECODE": "1", "TOKEN_VERIFIER": "gateway", "POWERTOOLS_DEV": "0"}
        envs = {code: {**served_env, "PYTHONPATH": f"{code}{os.pathsep}{site}"} for code in (before, after)}
        imports: dict[str, tuple[list[str], Path, dict[str, str]]] = {
            "`import boto3`": (["-c", "import boto3"], ROOT, base),
            _IMPORT_BEFORE: (["-c", "import app"], before, envs[before]),
            _IMPORT_NOW: (["-c", "import app"], after, envs[after]),
        }
        serving = {"before": before, "now": after}
        for argv, cwd, env in imports.values():  # warm the file cache
            _once(argv, cwd, env)
        for code in serving.values():
            _serve(code, envs[code], event_file)
        _serve(ROOT, base, reads_file, _FLOOR)
        walls: dict[str, list[float]] = {name: [] for name in imports}
        served: dict[str, list[Served]] = {name: [] for name in [FLOOR, *serving]}
        for r in range(rounds):
            steps = [("import", n) for n in imports] + [("serve", n) for n in [FLOOR, *serving]]
            for kind, name in steps if r % 2 == 0 else reversed(steps):
                if kind == "import":
                    argv, cwd, env = imports[name]
                    walls[name].append(_once(argv, cwd, env)[0])
                elif name == FLOOR:
                    served[name].append(_serve(ROOT, base, reads_file, _FLOOR))
                else:
                    served[name].append(_serve(serving[name], envs[serving[name]], event_file))
    return _report(walls, served, rounds)


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def _report(walls: dict[str, list[float]], served: dict[str, list[Served]], rounds: int) -> str:
    boto = _ms(walls["`import boto3`"])
    lines = ["| fresh interpreter | median ms | ratio to `import boto3` |", "|---|---|---|"]
    lines += [f"| {name} | {_ms(times):.0f} | {_ms(times) / boto:.2f} |" for name, times in walls.items()]
    lines += [
        "",
        "| first Overview read, packaged | import ms | first request ms | warm request ms "
        "| cold start: wall to the first answer less a warm request, ms | ratio to `import boto3` |",
        "|---|---|---|---|---|---|",
    ]
    LATEST.clear()
    LATEST.update({"import before": _ms(walls[_IMPORT_BEFORE]) / boto, "import now": _ms(walls[_IMPORT_NOW]) / boto})
    for name, runs in served.items():
        cold = _ms([s.wall - s.warm for s in runs])
        LATEST[{FLOOR: "floor", "before": "serve before", "now": "serve now"}[name]] = cold / boto
        lines.append(
            f"| {name} | {_ms([s.imported for s in runs]):.0f} | {_ms([s.first for s in runs]):.0f} "
            f"| {_ms([s.warm for s in runs]):.1f} | {cold:.0f} | {cold / boto:.2f} |"
        )
    lines += [
        "",
        f"Wall times of `python -c '...'`, interpreter start-up included (and exit: the cold start row's "
        f"process also serves the warm request, which it subtracts); {rounds} runs of each, alternating (the "
        "order flips every round), after one warm-up run each. Goal: a cold start at most 1.5 times `import boto3`.",
    ]
    return "\n".join(lines)
