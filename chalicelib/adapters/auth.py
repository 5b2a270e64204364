"""Bearer-token verification with PyJWT.

The local stage signs tokens with HS256 and a per-stage secret; dev and prod
verify RS256 tokens against the identity provider's JWKS (e.g. a Cognito user
pool). Either way the firm and the member come only from verified claims.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt

from chalicelib.adapters.config import Settings, settings
from chalicelib.domain.errors import UnauthorizedError

TOKEN_LIFETIME_SECONDS = 12 * 3600
_ID_MAX = 64


@dataclass(frozen=True, slots=True)
class Claims:
    firm_id: str
    member_id: str


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    # PyJWKClient caches the key set and refetches on an unknown ``kid``.
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)


def _bearer(header: str | None) -> str:
    if not header:
        raise UnauthorizedError("Missing bearer token.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError("The Authorization header must be 'Bearer <token>'.")
    return token.strip()


def verify(header: str | None, config: Settings | None = None) -> Claims:
    cfg = config or settings()
    token = _bearer(header)
    try:
        key: Any
        if cfg.auth_mode == "hs256":
            key, algorithm = cfg.jwt_secret, "HS256"
        else:
            if not cfg.jwks_url:
                raise UnauthorizedError("Token verification is not configured.")
            key, algorithm = _jwks_client(cfg.jwks_url).get_signing_key_from_jwt(token).key, "RS256"
        if not key:
            raise UnauthorizedError("Token verification is not configured.")
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],  # one algorithm per stage: no algorithm confusion
            issuer=cfg.jwt_issuer,
            audience=cfg.jwt_audience,
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise UnauthorizedError("The bearer token is invalid or expired.") from exc
    firm_id = claims.get(cfg.firm_claim)
    member_id = claims.get("sub")
    for value in (firm_id, member_id):
        if not isinstance(value, str) or not value or len(value) > _ID_MAX or "#" in value:
            raise UnauthorizedError("The bearer token lacks a valid firm or member claim.")
    assert isinstance(firm_id, str) and isinstance(member_id, str)
    return Claims(firm_id=firm_id, member_id=member_id)


def issue_local_token(firm_id: str, member_id: str, config: Settings | None = None) -> str:
    """A token for the local stage (HS256). Production tokens come from the IdP."""
    cfg = config or settings()
    if cfg.auth_mode != "hs256" or not cfg.jwt_secret:
        raise RuntimeError("Local tokens can only be issued for an HS256 stage.")
    now = int(time.time())
    payload: dict[str, object] = {
        "sub": member_id,
        cfg.firm_claim: firm_id,
        "iat": now,
        "exp": now + TOKEN_LIFETIME_SECONDS,
    }
    if cfg.jwt_issuer:
        payload["iss"] = cfg.jwt_issuer
    if cfg.jwt_audience:
        payload["aud"] = cfg.jwt_audience
    return jwt.encode(payload, cfg.jwt_secret, algorithm="HS256")
