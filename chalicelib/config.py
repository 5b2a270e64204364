"""Runtime settings, read from environment variables set per Chalice stage."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Settings:
    table_name: str
    dynamodb_endpoint: str | None
    region: str
    auth_mode: str  # "hs256" (local stage) or "jwks" (dev/prod)
    jwt_secret: str | None
    jwks_url: str | None
    jwt_issuer: str | None
    jwt_audience: str | None
    firm_claim: str


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ
    return Settings(
        table_name=env.get("DOSSIER_TABLE", "dossier"),
        dynamodb_endpoint=env.get("DYNAMODB_ENDPOINT") or None,
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        auth_mode=env.get("AUTH_MODE", "jwks"),
        jwt_secret=env.get("JWT_SECRET") or None,
        jwks_url=env.get("JWKS_URL") or None,
        jwt_issuer=env.get("JWT_ISSUER") or None,
        jwt_audience=env.get("JWT_AUDIENCE") or None,
        firm_claim=env.get("FIRM_CLAIM", "firm_id"),
    )


def reset_settings() -> None:
    """Forget cached settings (tests switch backends between sessions)."""
    settings.cache_clear()
