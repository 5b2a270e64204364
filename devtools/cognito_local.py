"""The local identity provider: npm ``cognito-local``, which answers
Cognito's user-pool API (AdminCreateUser, InitiateAuth with
USER_PASSWORD_AUTH, ...) and signs RS256 tokens shaped as Cognito's, with
its key set at ``/<pool id>/.well-known/jwks.json``.

Chosen over ``oidc-provider`` and ``oidc-provider-mock`` because production
runs a Cognito user pool: the API's invitation calls (boto3 ``cognito-idp``),
the web client's sign-in request and the tokens' claims (``token_use``,
``client_id``) are then the same locally as in AWS.

Its data (pools, users) lives in ``<data_dir>/.cognito/``: a temporary
folder for tests, ``.data/cognito/`` for ``make run``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

from devtools.dynamodb_local import ROOT, LocalServer

START = ROOT / "devtools" / "node_modules" / "cognito-local" / "lib" / "bin" / "start.js"


class CognitoLocal(LocalServer):
    """A cognito-local process on loopback; ``host`` is the name in its tokens' issuer (and the
    address clients use), so that the issuer the API expects is the one the tokens carry."""

    name = "cognito-local"

    def __init__(
        self,
        port: int | None = None,
        data_dir: Path | None = None,
        log: IO[bytes] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(port, log)
        self.host = host
        self._temp = None if data_dir else tempfile.mkdtemp(prefix="dossier-cognito-")
        self.data_dir = data_dir or Path(self._temp or "")

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 60.0) -> CognitoLocal:
        if not START.exists():
            raise RuntimeError("cognito-local is not installed; run `npm ci --prefix devtools` (make does).")
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("cognito-local needs Node.js (node) on the PATH.")
        config_dir = self.data_dir / ".cognito"
        config_dir.mkdir(parents=True, exist_ok=True)
        config = {"TokenConfig": {"IssuerDomain": self.endpoint}}
        (config_dir / "config.json").write_text(json.dumps(config))
        env = {**os.environ, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self._launch([node, str(START)], self.data_dir, timeout, env)
        return self

    def stop(self) -> None:
        super().stop()
        if self._temp:
            shutil.rmtree(self._temp, ignore_errors=True)

    def __enter__(self) -> CognitoLocal:
        return self.start()


def answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/health", timeout=2) as response:
            body: Any = json.loads(response.read())
            return bool(body.get("ok"))
    except (OSError, urllib.error.URLError, ValueError):
        return False
