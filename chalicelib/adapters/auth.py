"""Bearer-token verification: RS256 with PyJWT against the identity
provider's JWKS where the stage verifies tokens itself (locally the provider
is cognito-local), or the claims the HTTP API's JWT authorizer verified
(``TOKEN_VERIFIER=gateway``, the deployed stacks).

What a verified token gives is an identity (issuer and subject), never a
firm: the firm and the member come from the identity's binding
(chalicelib/services/identity.py), so no claim a user could set decides them.

Two providers, as the stage's ``AUTH_MODE`` says:
- ``cognito``: a Cognito user pool's *access* token, checked as AWS documents
  it (``token_use`` is ``access`` and ``client_id`` is our app client; access
  tokens carry no ``aud``), so an ID token, or a token of another app client
  of the same pool, is refused;
- ``oidc``: any OpenID Connect issuer's token whose ``aud`` is ours; its
  ``email`` and ``email_verified`` claims bind a first sign-in to the member
  invited with that address.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.config import Settings, settings
from chalicelib.domain.errors import ServiceUnavailableError, UnauthorizedError

if TYPE_CHECKING:
    import jwt

# PyJWT with cryptography is ~40 ms of a cold start: it is imported by the functions below that verify a
# token's signature, so a stage behind the HTTP API (whose JWT authorizer verified it) never loads it.

_SUBJECT_MAX = 255  # OpenID Connect Core §2: a subject is at most 255 ASCII characters
_INVALID = "The bearer token is invalid or expired."


@dataclass(frozen=True, slots=True)
class Claims:
    """The caller as the request knows it: the firm and the member (from the
    identity's binding), and the identity that the token proved."""

    firm_id: str
    member_id: str
    subject: str = ""


@dataclass(frozen=True, slots=True)
class TokenIdentity:
    """What a verified token proves: who the provider says the caller is."""

    issuer: str
    subject: str
    email: str | None = None  # only when the provider says it is verified


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    import jwt

    # PyJWKClient caches the key set and fetches it again for an unknown ``kid`` (a rotated key).
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)


def jwks_url(cfg: Settings) -> str:
    if cfg.jwks_url:
        return cfg.jwks_url
    assert cfg.jwt_issuer
    return cfg.jwt_issuer.rstrip("/") + "/.well-known/jwks.json"


def _bearer(header: str | None) -> str:
    if not header:
        raise UnauthorizedError("Missing bearer token.", code="token_missing")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError("The Authorization header must be 'Bearer <token>'.", code="token_malformed")
    return token.strip()


def _signing_key(cfg: Settings, token: str) -> Any:
    import jwt

    try:
        return _jwks_client(jwks_url(cfg)).get_signing_key_from_jwt(token).key
    except (jwt.PyJWKClientConnectionError, ValueError) as exc:  # unreachable, or not a key set (bad JSON)
        # The issuer's key set cannot be fetched: an outage of theirs, not a bad token.
        raise ServiceUnavailableError(
            "The identity provider's keys cannot be read right now.", code="identity_provider_unavailable"
        ) from exc


def verified_by_gateway(claims: Any, config: Settings | None = None) -> TokenIdentity:
    """The identity of a token the HTTP API's JWT authorizer verified (signature, ``iss``, ``exp``, and
    ``aud`` or ``client_id``), from the claims it put in the event (payload 1.0:
    ``requestContext.authorizer.claims``, every value a string). The gateway does not tell an access token
    from an ID token, so ``token_use`` is checked here, as ``verify`` checks it."""
    cfg = config or settings()
    if not isinstance(claims, dict) or not claims:
        # a route without the authorizer (the $default route) never reaches an authenticated view: refuse
        raise UnauthorizedError("Missing bearer token.", code="token_missing")
    if claims.get("iss") != cfg.jwt_issuer:
        raise UnauthorizedError(_INVALID, code="token_invalid")
    return _identity(claims, cfg)


def _identity(claims: dict[str, Any], cfg: Settings) -> TokenIdentity:
    if cfg.auth_mode == "cognito" and (
        claims.get("token_use") != "access" or claims.get("client_id") != cfg.jwt_audience
    ):
        raise UnauthorizedError(
            "The bearer token must be an access token of this application's client.", code="token_wrong_client"
        )
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > _SUBJECT_MAX:
        raise UnauthorizedError(_INVALID, code="token_invalid")
    email = claims.get("email")
    verified = claims.get("email_verified") in (True, "true")  # some issuers, and the gateway, send the string
    assert cfg.jwt_issuer
    return TokenIdentity(
        issuer=cfg.jwt_issuer,
        subject=subject,
        email=email if isinstance(email, str) and verified else None,
    )


def verify(header: str | None, config: Settings | None = None) -> TokenIdentity:
    """The identity a bearer token proves, or UnauthorizedError (401)."""
    cfg = config or settings()
    if cfg.auth_mode not in ("cognito", "oidc") or not cfg.jwt_issuer or not cfg.jwt_audience:
        raise UnauthorizedError("Token verification is not configured.", code="token_invalid")
    token = _bearer(header)
    import jwt

    try:
        header_fields = jwt.get_unverified_header(token)
        if header_fields.get("alg") != "RS256":  # before any key lookup: "none", HS256 with the public key, ...
            raise UnauthorizedError(_INVALID, code="token_invalid")
        claims: dict[str, Any] = jwt.decode(
            token,
            _signing_key(cfg, token),
            algorithms=["RS256"],
            issuer=cfg.jwt_issuer,
            audience=cfg.jwt_audience if cfg.auth_mode == "oidc" else None,
            options={"require": ["exp", "iat", "sub", "iss"], "verify_aud": cfg.auth_mode == "oidc"},
        )
    except jwt.PyJWTError as exc:
        raise UnauthorizedError(_INVALID, code="token_invalid") from exc
    return _identity(claims, cfg)
