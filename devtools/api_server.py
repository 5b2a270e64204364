"""The API served by Chalice's own local server (what ``chalice local`` runs),
on a port and database the caller chooses: ``chalice local`` applies the
stage's environment over ours, so it always uses ``make run``'s database.

    python -m devtools.api_server --port 8123   (DYNAMODB_ENDPOINT etc. from the environment)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import IO

from chalice.cli.factory import CLIFactory

from chalicelib.admin.cli import use_stage
from devtools.dynamodb_local import ROOT, LocalServer


def serve(port: int, host: str = "127.0.0.1") -> None:
    use_stage("local")  # fills in only what the environment does not set
    factory = CLIFactory(str(ROOT), environ=dict(os.environ))  # a copy: the stage must not override ours
    config = factory.create_config_obj(chalice_stage_name="local")
    factory.create_local_server(config.chalice_app, config, host, port).serve_forever()


class ApiServer(LocalServer):
    """This module in a child process, answering on ``endpoint``."""

    name = "the API (chalice local)"

    def __init__(self, env: dict[str, str], port: int | None = None, log: IO[bytes] | None = None) -> None:
        super().__init__(port, log)
        self.env = env

    def start(self, timeout: float = 60.0) -> ApiServer:
        args = [sys.executable, "-m", "devtools.api_server", "--port", str(self.port)]
        self._launch(args, cwd=Path(ROOT), timeout=timeout, env={**os.environ, **self.env})
        return self

    def __enter__(self) -> ApiServer:
        return self.start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    serve(args.port, args.host)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
