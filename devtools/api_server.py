"""The API served by Chalice's own local server (what ``chalice local`` runs),
on a port and database the caller chooses: ``chalice local`` applies the
stage's environment over ours, so it always uses ``make run``'s database.

    python -m devtools.api_server --port 8123   (DYNAMODB_ENDPOINT etc. from the environment)

Where Chalice's local gateway answers in its own formats, this one answers as
the API does (problem+json, docs/api.md "Errors and input"): an unknown path
is 404 (Chalice: 403 "Missing Authentication Token"), and any method reaches
the app, which answers 405 with ``Allow`` for one the path lacks (Chalice: 501
HTML for TRACE and other methods it has no handler for). It also keeps more
pending connections than Python's default of 5, so a burst of new ones is not
refused.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from chalice.app import Chalice
from chalice.cli.factory import CLIFactory
from chalice.config import Config
from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer, RouteMatcher
from chalice.local import ThreadedHTTPServer as ChaliceHTTPServer

from chalicelib.admin.cli import use_stage
from chalicelib.domain.errors import NotFoundError
from chalicelib.handlers.http.answers import problem
from devtools.dynamodb_local import ROOT, LocalServer

PENDING_CONNECTIONS = 128  # the listen backlog; Linux caps it at net.core.somaxconn (4096)


class _Server(ChaliceHTTPServer):
    request_queue_size = PENDING_CONNECTIONS


class _Handler(ChaliceRequestHandler):
    """Chalice's request handler, with the API's answers where its gateway has its own."""

    def __init__(self, request: Any, client_address: Any, server: Any, app_object: Chalice, config: Config) -> None:
        self._routes = RouteMatcher(list(app_object.routes))  # set first: the base class serves in __init__
        super().__init__(request, client_address, server, app_object, config)

    def parse_request(self) -> bool:
        # http.server answers 501 for a method without a do_<METHOD>: every method goes to the app
        # instead, whose 405 (problem+json, Allow) names what the path takes.
        parsed: bool = super().parse_request()
        if parsed and not hasattr(self, f"do_{self.command}"):
            setattr(self, f"do_{self.command}", self._generic_handle)
        return parsed

    def _generic_handle(self) -> None:
        try:
            self._routes.match_route(self.path)
        except ValueError:
            self._parse_payload()  # read the body, so the connection stays usable
            self._send_problem_not_found()
            return
        super()._generic_handle()

    # the base class binds these to its own _generic_handle
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _send_problem_not_found(self) -> None:
        path = urlsplit(self.path).path
        answer = problem(NotFoundError(f"There is no {path} in this API.")).to_dict()
        # as the deployed gateway's 404 (infra/template.json), readable from the web client's origin
        headers = {**answer["headers"], "Access-Control-Allow-Origin": "*"}
        self._send_http_response(answer["statusCode"], headers, None if self.command == "HEAD" else answer["body"])


def _app_log_to_file() -> None:
    """With ``DOSSIER_APP_LOG``, the app's log lines also go to that file, as Lambda prints them: the local
    meter (devtools/usage_poller.py) reads the access log from there, as the subscription does in AWS."""
    path = os.environ.get("DOSSIER_APP_LOG")
    if not path:
        return
    from chalicelib.adapters.observability import logger

    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(logger.registered_formatter)
    logging.getLogger("dossier").addHandler(to_file)


def serve(port: int, host: str = "127.0.0.1") -> None:
    use_stage("local")  # fills in only what the environment does not set
    _app_log_to_file()
    factory = CLIFactory(str(ROOT), environ=dict(os.environ))  # a copy: the stage must not override ours
    config = factory.create_config_obj(chalice_stage_name="local")
    app = config.chalice_app
    # what chalice.local.create_local_server does (a request per thread sees its own current_request),
    # with our handler and server
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice
    LocalDevServer(app, config, host, port, handler_cls=_Handler, server_cls=_Server).serve_forever()


class ApiServer(LocalServer):
    """This module in a child process, answering on ``endpoint``."""

    name = "the API (Chalice's local server)"

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
