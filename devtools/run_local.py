"""``make run``: DynamoDB Local with a persistent data folder, the table,
demo data, and ``chalice local`` on http://localhost:8000. Ctrl-C stops all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from devtools.dynamodb_local import ROOT, DynamoDBLocal, answering

DATA_DIR = ROOT / ".data" / "dynamodb"
LOG_DIR = ROOT / ".data" / "logs"
API_PORT = 8000


def _stage_env() -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    stage = config["stages"]["local"]["environment_variables"]
    return {**os.environ, **config.get("environment_variables", {}), **stage}


def _cli(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", *args],
        cwd=ROOT,
        env=_stage_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwind like Ctrl-C, so every process we started is stopped


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    env = _stage_env()
    port = int(env["DYNAMODB_ENDPOINT"].rsplit(":", 1)[1])
    if answering(port):
        print(f"Port {port} is already in use (another `make run`?). Stop it first.", file=sys.stderr)
        return 1
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with (LOG_DIR / "dynamodb-local.log").open("ab") as log, DynamoDBLocal(port=port, data_dir=DATA_DIR, log=log):
        print(f"DynamoDB Local on http://localhost:{port} (data in {DATA_DIR.relative_to(ROOT)}/)")
        _cli("table", "create")
        demo = _cli("seed")
        _print_welcome(demo)
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "chalice"),
                "local",
                "--stage",
                "local",
                "--port",
                str(API_PORT),
                "--no-autoreload",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            return server.wait()
        except KeyboardInterrupt:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            print("\nStopped.")
            return 0


def _print_welcome(demo: dict[str, object]) -> None:
    members = demo["members"]
    assert isinstance(members, list)
    print(f"\nDemo firm {demo['firm_id']}. Bearer tokens (valid 12 h; new ones: python -m chalicelib.cli token):")
    for m in members:
        print(f"  {m['role']:<8} {m['name']:<15} rights={json.dumps(m['rights'])}\n    {m['token']}")
    owner_token = members[0]["token"]
    print("\nTry:")
    print(f'  curl -s -H "Authorization: Bearer {owner_token}" "http://localhost:{API_PORT}/accounts?limit=5"\n')


if __name__ == "__main__":
    sys.exit(main())
