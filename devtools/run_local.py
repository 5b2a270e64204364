"""``make run``: DynamoDB Local with a persistent data folder, the table,
a local SQS (moto's server) with the jobs worker polling it, demo data, the
API (devtools/api_server.py) on http://localhost:8000 and the web client on
http://localhost:8001 (devtools/stack.py). Ctrl-C stops all."""

from __future__ import annotations

import signal
import sys
from urllib.parse import urlparse

from chalicelib.adapters.config import settings
from chalicelib.admin.cli import use_stage
from devtools.dynamodb_local import ROOT
from devtools.stack import PortBusy, local_stack

DATA = ROOT / ".data"  # dynamodb/, s3/, outbox/, logs/, the pollers' checkpoints
API_PORT = 8000
WEB_PORT = 8001


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwind like Ctrl-C, so every process we started is stopped


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    use_stage("local")
    endpoint = settings().dynamodb_endpoint
    assert endpoint, "the local stage sets DYNAMODB_ENDPOINT"
    db_port = urlparse(endpoint).port or 8100
    s3_port = urlparse(settings().s3_endpoint or "http://localhost:4569").port or 4569
    sqs_port = urlparse(settings().sqs_endpoint or "http://localhost:9324").port or 9324  # where `cli export` looks
    idp_port = urlparse(settings().cognito_endpoint or "http://localhost:9229").port or 9229  # where `cli token` looks
    try:
        with local_stack(
            DATA,
            persistent=True,
            db_port=db_port,
            s3_port=s3_port,
            sqs_port=sqs_port,
            idp_port=idp_port,
            api_port=API_PORT,
            web_port=WEB_PORT,
            api_log_to_terminal=True,
            host="localhost",
        ) as running:
            return running.wait()
    except PortBusy as busy:
        print(f"Port {busy.port} is already in use (another `make run`?). Stop it first.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopped.")
        return 0


if __name__ == "__main__":
    sys.exit(main())
