"""Token verification: RS256 against a JWKS URL (served on loopback here, as a
Cognito user pool or an OpenID Connect issuer serves it), in both provider
modes, and every token that must be refused."""

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

from chalicelib.adapters.auth import verified_by_gateway, verify
from chalicelib.adapters.config import Settings, settings
from chalicelib.domain.errors import ServiceUnavailableError, UnauthorizedError

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


def _settings(url: str, mode: str = "oidc") -> Settings:
    return replace(settings(), auth_mode=mode, jwks_url=url, jwt_issuer=ISSUER, jwt_audience=CLIENT)


CLIENT = "app-client-1"


def _rs256(key: rsa.RSAPrivateKey, *, kid: str = "key-1", **claims: Any) -> str:
    now = int(time.time())
    payload = {"sub": "user-1", "iss": ISSUER, "aud": CLIENT, "iat": now, "exp": now + 60, **claims}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def _cognito_access(key: rsa.RSAPrivateKey, **claims: Any) -> str:
    """As a Cognito user pool's access token: no ``aud``; ``client_id`` and ``token_use`` instead."""
    now = int(time.time())
    payload = {"sub": "user-1", "iss": ISSUER, "client_id": CLIENT, "token_use": "access", "iat": now, "exp": now + 60}
    payload.update(claims)
    return jwt.encode(
        {k: v for k, v in payload.items() if v is not None}, key, algorithm="RS256", headers={"kid": "key-1"}
    )


def test_an_oidc_token_gives_its_identity_and_verified_address(rsa_key: rsa.RSAPrivateKey, jwks_url: str) -> None:
    token = _rs256(rsa_key, email="anna@example.com", email_verified=True)
    identity = verify(f"Bearer {token}", _settings(jwks_url))
    assert (identity.issuer, identity.subject, identity.email) == (ISSUER, "user-1", "anna@example.com")


def test_an_unverified_address_is_not_given(rsa_key: rsa.RSAPrivateKey, jwks_url: str) -> None:
    for verified in (False, "false", None):
        token = _rs256(rsa_key, email="anna@example.com", email_verified=verified)
        assert verify(f"Bearer {token}", _settings(jwks_url)).email is None


def test_a_cognito_access_token_of_our_client_is_accepted(rsa_key: rsa.RSAPrivateKey, jwks_url: str) -> None:
    identity = verify(f"Bearer {_cognito_access(rsa_key)}", _settings(jwks_url, "cognito"))
    assert identity.subject == "user-1"


@pytest.mark.parametrize(
    "claims",
    [
        {"token_use": "id", "aud": CLIENT, "client_id": None},  # an ID token
        {"client_id": "another-app-client"},  # another app client of the same pool
        {"token_use": None},
    ],
)
def test_cognito_refuses_id_tokens_and_other_clients_tokens(
    rsa_key: rsa.RSAPrivateKey, jwks_url: str, claims: dict[str, Any]
) -> None:
    with pytest.raises(UnauthorizedError):
        verify(f"Bearer {_cognito_access(rsa_key, **claims)}", _settings(jwks_url, "cognito"))


def test_a_token_from_another_key_is_refused(jwks_url: str) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(UnauthorizedError):
        verify(f"Bearer {_rs256(other)}", _settings(jwks_url))
    with pytest.raises(UnauthorizedError):  # a key id the issuer never published
        verify(f"Bearer {_rs256(other, kid='key-2')}", _settings(jwks_url))


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://evil.example"},
        {"aud": "another-app"},
        {"exp": int(time.time()) - 10},
        {"exp": None},
        {"iat": None},
        {"sub": ""},
        {"sub": "x" * 256},
    ],
)
def test_wrong_issuer_audience_time_or_subject_is_refused(
    rsa_key: rsa.RSAPrivateKey, jwks_url: str, claims: dict[str, Any]
) -> None:
    token = _rs256(rsa_key, **{k: v for k, v in claims.items() if v is not None})
    if None in claims.values():
        payload = jwt.decode(token, options={"verify_signature": False})
        token = jwt.encode(
            {k: v for k, v in payload.items() if k not in claims}, rsa_key, algorithm="RS256", headers={"kid": "key-1"}
        )
    with pytest.raises(UnauthorizedError):
        verify(f"Bearer {token}", _settings(jwks_url))


def test_hs256_and_none_are_refused_where_rs256_is_expected(rsa_key: rsa.RSAPrivateKey, jwks_url: str) -> None:
    # Algorithm confusion: an HMAC keyed with the issuer's public key, or no signature at all.
    now = int(time.time())
    payload = {"sub": "user-1", "iss": ISSUER, "aud": CLIENT, "iat": now, "exp": now + 60}
    for token in (
        jwt.encode(payload, "x" * 32, algorithm="HS256", headers={"kid": "key-1"}),
        jwt.encode(payload, "", algorithm="none"),
    ):
        with pytest.raises(UnauthorizedError):
            verify(f"Bearer {token}", _settings(jwks_url))


def test_an_unreachable_key_set_is_the_providers_outage_not_a_bad_token(rsa_key: rsa.RSAPrivateKey) -> None:
    cfg = _settings("http://127.0.0.1:9/.well-known/jwks.json")  # nothing listens on the discard port
    with pytest.raises(ServiceUnavailableError):
        verify(f"Bearer {_rs256(rsa_key)}", cfg)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic abc", "Bearer not.a.jwt"])
def test_malformed_headers_are_refused(header: str | None) -> None:
    with pytest.raises(UnauthorizedError):
        verify(header)


def test_an_unconfigured_stage_refuses_every_token(rsa_key: rsa.RSAPrivateKey, jwks_url: str) -> None:
    for cfg in (replace(_settings(jwks_url), jwt_audience=None), replace(_settings(jwks_url), auth_mode="hs256")):
        with pytest.raises(UnauthorizedError):
            verify(f"Bearer {_rs256(rsa_key)}", cfg)


def test_a_key_set_that_is_not_json_is_the_providers_outage(rsa_key: rsa.RSAPrivateKey) -> None:
    class NotJson(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<html>maintenance</html>")

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), NotJson)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(ServiceUnavailableError):
            verify(f"Bearer {_rs256(rsa_key)}", _settings(f"http://127.0.0.1:{server.server_port}/jwks.json"))
    finally:
        server.shutdown()
        server.server_close()


# --- claims the HTTP API's JWT authorizer verified (deployed stages: TOKEN_VERIFIER=gateway) -----------------
# Payload 1.0 gives them as strings: "exp": "1796576400", "email_verified": "true".


def test_the_gateways_claims_give_the_identity_and_verified_address() -> None:
    cfg = replace(settings(), auth_mode="oidc", jwt_issuer=ISSUER, jwt_audience=CLIENT)
    claims = {"sub": "user-1", "iss": ISSUER, "aud": CLIENT, "exp": "4102444800", "email": "a@b.example"}
    identity = verified_by_gateway({**claims, "email_verified": "true"}, cfg)
    assert (identity.issuer, identity.subject, identity.email) == (ISSUER, "user-1", "a@b.example")
    assert verified_by_gateway({**claims, "email_verified": "false"}, cfg).email is None


@pytest.mark.parametrize("claims", [None, {}, "sub=user-1", {"sub": "user-1", "iss": "https://elsewhere.example"}])
def test_no_claims_or_another_issuers_are_refused(claims: Any) -> None:
    cfg = replace(settings(), auth_mode="oidc", jwt_issuer=ISSUER, jwt_audience=CLIENT)
    with pytest.raises(UnauthorizedError) as refused:
        verified_by_gateway(claims, cfg)
    assert refused.value.problem_code in ("token_missing", "token_invalid")


def test_the_gateway_passes_a_cognito_id_token_which_the_function_refuses() -> None:
    """The JWT authorizer accepts a token whose aud is our client: a Cognito ID token is one."""
    cfg = replace(settings(), auth_mode="cognito", jwt_issuer=ISSUER, jwt_audience=CLIENT)
    access = {"sub": "user-1", "iss": ISSUER, "client_id": CLIENT, "token_use": "access"}
    assert verified_by_gateway(access, cfg).subject == "user-1"
    id_token = {"sub": "user-1", "iss": ISSUER, "aud": CLIENT, "token_use": "id"}
    with pytest.raises(UnauthorizedError) as refused:
        verified_by_gateway(id_token, cfg)
    assert refused.value.problem_code == "token_wrong_client"
