"""Bearer tokens for the tests, signed as an OpenID Connect issuer signs them.

The test session's settings (tests/conftest.py) name a test issuer whose key
set this module serves on loopback: the API verifies these tokens through
the same RS256/JWKS path as production's. A member's token carries the
address they were invited with, verified, so their first request binds it
(chalicelib/services/identity.py), as a first sign-in does.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://issuer.test.example"
AUDIENCE = "dossier-tests"
KEY_ID = "test-key-1"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwks() -> bytes:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    jwk.update(kid=KEY_ID, use="sig", alg="RS256")
    return json.dumps({"keys": [jwk]}).encode()


class _KeySet(BaseHTTPRequestHandler):
    """The issuer's key set, over HTTP on loopback (PyJWT fetches only http and https URLs)."""

    body = _jwks()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


_server = ThreadingHTTPServer(("127.0.0.1", 0), _KeySet)
threading.Thread(target=_server.serve_forever, name="test-jwks", daemon=True).start()
JWKS_URL = f"http://127.0.0.1:{_server.server_address[1]}/.well-known/jwks.json"


def environment() -> dict[str, str]:
    """The settings that make the API trust this module's tokens."""
    return {
        "AUTH_MODE": "oidc",
        "JWT_ISSUER": ISSUER,
        "JWT_AUDIENCE": AUDIENCE,
        "JWKS_URL": JWKS_URL,
        "SIGNING_KEY": "test-signing-key-0123456789-0123456789-0123456789",
    }


def mint(
    subject: str,
    verified_email: str | None = None,
    *,
    expires_in: int = 3600,
    key: Any = None,
    algorithm: str = "RS256",
    headers: dict[str, Any] | None = None,
    **claims: Any,
) -> str:
    """A token of the test issuer (or, with other arguments, one that must be refused)."""
    now = int(time.time())
    payload: dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "sub": subject, "iat": now - 60, "exp": now + expires_in}
    if verified_email is not None:
        payload.update(email=verified_email, email_verified=True)
    payload.update(claims)
    return jwt.encode(
        payload, key if key is not None else KEY, algorithm=algorithm, headers={"kid": KEY_ID, **(headers or {})}
    )


def subject_of(member_id: str) -> str:
    """The test issuer's subject for a member (its own name for them, unlike our id)."""
    return f"sub-{member_id}"


def member_token(member_id: str, email: str) -> str:
    """The token of a member invited with ``email``."""
    return mint(subject_of(member_id), email)
