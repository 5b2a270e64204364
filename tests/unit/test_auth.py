"""Token verification: HS256 for the local stage, RS256 against a JWKS URL
(served on loopback here, as a Cognito user pool serves it in AWS)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from chalicelib.adapters.auth import issue_local_token, verify
from chalicelib.adapters.config import Settings, settings
from chalicelib.domain.errors import UnauthorizedError

ISSUER = "https://idp.example/pool"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url(rsa_key: rsa.RSAPrivateKey) -> Iterator[str]:
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(rsa_key.public_key()))
    jwk.update(kid="key-1", use="sig", alg="RS256")
    body = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


def _jwks_settings(url: str) -> Settings:
    return replace(settings(), auth_mode="jwks", jwks_url=url, jwt_issuer=ISSUER, firm_claim="custom:firm_id")


def _rs256(key: rsa.RSAPrivateKey, **claims: Any) -> str:
    payload = {"sub": "M1", "custom:firm_id": "F1", "iss": ISSUER, "exp": int(time.time()) + 60, **claims}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": "key-1"})


def test_rs256_token_verified_against_jwks(rsa_key: rsa.RSAPrivateKey, jwks_url: str) -> None:
    claims = verify(f"Bearer {_rs256(rsa_key)}", _jwks_settings(jwks_url))
    assert (claims.firm_id, claims.member_id) == ("F1", "M1")


def test_rs256_token_from_another_key_is_refused(jwks_url: str) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(UnauthorizedError):
        verify(f"Bearer {_rs256(other)}", _jwks_settings(jwks_url))


def test_rs256_wrong_issuer_or_expired_is_refused(rsa_key: rsa.RSAPrivateKey, jwks_url: str) -> None:
    cfg = _jwks_settings(jwks_url)
    with pytest.raises(UnauthorizedError):
        verify(f"Bearer {_rs256(rsa_key, iss='https://evil.example')}", cfg)
    with pytest.raises(UnauthorizedError):
        verify(f"Bearer {_rs256(rsa_key, exp=int(time.time()) - 10)}", cfg)


def test_hs256_token_is_refused_where_rs256_is_expected(jwks_url: str) -> None:
    # Algorithm confusion: an HS256 token must not pass an RS256 stage.
    token = jwt.encode({"sub": "M1", "custom:firm_id": "F1", "exp": int(time.time()) + 60}, "x" * 32, algorithm="HS256")
    with pytest.raises(UnauthorizedError):
        verify(f"Bearer {token}", _jwks_settings(jwks_url))


def test_local_token_round_trip() -> None:
    claims = verify(f"Bearer {issue_local_token('F9', 'M9')}")
    assert (claims.firm_id, claims.member_id) == ("F9", "M9")


@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic abc", "Bearer not.a.jwt"])
def test_malformed_headers_are_refused(header: str | None) -> None:
    with pytest.raises(UnauthorizedError):
        verify(header)


def test_claims_that_could_break_keys_are_refused() -> None:
    cfg = settings()
    assert cfg.jwt_secret is not None
    payload = {"sub": "M1", "firm_id": "F1#ACCOUNT#X", "iss": cfg.jwt_issuer, "exp": int(time.time()) + 60}
    token = jwt.encode(payload, cfg.jwt_secret, algorithm="HS256")
    with pytest.raises(UnauthorizedError):
        verify(f"Bearer {token}")
