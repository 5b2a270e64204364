"""``make fuzz``: Schemathesis against the served API.

Starts an in-memory DynamoDB Local and a local S3 (s3rver), seeds the demo
firm, serves the API with Chalice's local server (devtools/api_server.py) and
runs Schemathesis over every operation of ``/openapi.json`` as the demo
owner, with the demo's ids for the path parameters (random ids would only
ever meet 404). A run fails on any 5xx and on any response that breaks the
document: status code, content type, headers or body.

Two Hypothesis campaigns go where a schema-driven generator does not
(devtools/fuzz_inputs.py): JSON bodies nested 1,000 to 50,000 deep (no 5xx),
and look-alike e-mail addresses (confusable letters, bidi and zero-width
characters, NFD forms, case): no 5xx, each refused or found taken, and a
refused address writes nothing.

    python -m devtools.fuzz [--max-examples 50] [--seed N] [--report-dir build/fuzz]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.admin.local_identity import ensure_pool, identity_environment
from chalicelib.domain.sections import SECTIONS as SECTION_DEFINITIONS
from devtools import fuzz_inputs
from devtools.api_server import ApiServer
from devtools.cognito_local import CognitoLocal
from devtools.dynamodb_local import ROOT, DynamoDBLocal
from devtools.s3_local import S3Local
from devtools.sqs_local import SqsLocal, ensure_queues
from devtools.stack import environment, local_env, seeded_demo

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "ignored_auth",
)
BUCKET = "dossier-photos-fuzz"
SECTIONS = tuple(SECTION_DEFINITIONS)  # the thirteen section keys, in the contract's order


@dataclass(frozen=True)
class Stack:
    base_url: str
    token: str
    ids: dict[str, Any]


def _get(base: str, path: str, token: str) -> Any:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _first(items: list[dict[str, Any]]) -> str | None:
    return str(items[0]["id"]) if items else None


def demo_ids(base: str, token: str, account_id: str) -> dict[str, Any]:
    """Ids of the seeded demo to put in the operations' path parameters."""
    account = _get(base, f"/accounts/{account_id}", token)
    contact = account["contacts"][0]
    ids: dict[str, Any] = {
        "account_id": account_id,
        "contact_id": contact["id"],
        "email": contact["emails"][0]["address"],
        "tag_id": _first(_get(base, "/tags", token)["items"]),
        "field_id": _first(_get(base, "/custom-fields", token)["items"]),
        "pipeline_id": _first(_get(base, "/pipelines", token)["items"]),
        "member_id": _first(_get(base, "/members", token)["items"][1:]),  # not the owner itself
        "items": {s: _first(_get(base, f"/accounts/{account_id}/{s}", token)["items"]) for s in SECTIONS},
    }
    return ids


def config_file(ids: dict[str, Any], into: Path) -> Path:
    """A schemathesis.toml giving the demo's ids, per section for ``item_id``."""
    lines = [
        # API Gateway never hands TRACE to the function; Python's local server answers it 501 itself.
        "[phases.coverage]",
        'unexpected-methods = ["DELETE", "OPTIONS", "PATCH", "POST", "PUT"]',
        "",
        "[parameters]",
    ]
    for name in ("account_id", "contact_id", "email", "tag_id", "field_id", "pipeline_id", "member_id"):
        if ids.get(name):
            lines.append(f"{json.dumps('path.' + name)} = {json.dumps(ids[name])}")
    for section, item in ids["items"].items():
        if item:
            lines += [
                "",
                "[[operations]]",
                f'include-path-regex = "^/accounts/\\\\{{account_id\\\\}}/{section}/"',
                f'parameters = {{ "path.item_id" = {json.dumps(item)} }}',
            ]
    path = into / "schemathesis.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@contextmanager
def served(workdir: Path) -> Iterator[Stack]:
    """DynamoDB Local (in memory), s3rver, moto's SQS (the jobs queue: exports are queued, not run),
    cognito-local and the API, seeded with the demo firm."""
    with DynamoDBLocal() as db, S3Local(workdir / "s3", BUCKET) as s3, CognitoLocal() as idp, SqsLocal() as sqs:
        # the local stage, on this run's own servers (its identity provider's pool too)
        queue = ensure_queues(sqs.client(), "dossier-fuzz-jobs").url
        env = local_env(
            db.endpoint,
            s3.endpoint,
            workdir / "outbox",
            table="dossier-fuzz",
            bucket=BUCKET,
            sqs_endpoint=sqs.endpoint,
            jobs_queue_url=queue,
        )
        pool_id, client_id, _ = ensure_pool(idp.endpoint)
        env.update(identity_environment(idp.endpoint, pool_id, client_id))
        with environment(env):  # seeding runs here, in the caller's process (maybe pytest's): restored after
            demo = seeded_demo()
        owner = demo["members"][0]["token"]
        with (workdir / "api.log").open("ab") as log, ApiServer(env, log=log) as api:
            yield Stack(api.endpoint, owner, demo_ids(api.endpoint, owner, demo["first_account_id"]))


def schemathesis(
    stack: Stack, workdir: Path, *, max_examples: int, seed: int | None, report_dir: Path, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    config = config_file(stack.ids, workdir)
    args = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config),
        "run",
        f"{stack.base_url}/openapi.json",
        "--header",
        f"Authorization: Bearer {stack.token}",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(max_examples),
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "too_slow,filter_too_much",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
        "--no-color",
        "--output-truncate",
        "true",
    ]
    if seed is not None:
        args += ["--seed", str(seed)]
    return subprocess.run(args, check=False, text=True, capture_output=capture)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--report-dir", type=Path, default=ROOT / "build" / "fuzz")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dossier-fuzz-") as tmp, served(Path(tmp)) as stack:
        print(f"Fuzzing {stack.base_url} as the demo owner; ids: {json.dumps(stack.ids)}", flush=True)
        run = schemathesis(stack, Path(tmp), max_examples=args.max_examples, seed=args.seed, report_dir=args.report_dir)
        failed = run.returncode
        target = fuzz_inputs.Target(stack.base_url, stack.token, stack.ids["account_id"], stack.ids["contact_id"])
        for name, campaign in (("deep nesting", fuzz_inputs.deep_nesting), ("addresses", fuzz_inputs.addresses)):
            print(f"Hypothesis: {name}, {args.max_examples} examples", flush=True)
            try:
                campaign(target, max_examples=args.max_examples, seed=args.seed)
            except Exception as exc:  # a falsified property (maybe several, as a group), or the API gone
                print(f"FAILED: {name}: {exc!r}", flush=True)
                failed = failed or 1
        return failed


if __name__ == "__main__":
    raise SystemExit(main())
