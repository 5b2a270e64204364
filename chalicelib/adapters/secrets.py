"""The stack's signing key (cursors, and any HMAC of ours).

Generated per stack in Secrets Manager (infra/template.json) and read once
per cold start, never derived from names a caller can see. The local stage
and the tests give the key itself in ``SIGNING_KEY``.
"""

from __future__ import annotations

from functools import lru_cache

import boto3

from chalicelib.adapters.config import settings

MIN_KEY_LENGTH = 32


@lru_cache(maxsize=4)
def _secret_value(secret_id: str, region: str) -> str:
    client = boto3.client("secretsmanager", region_name=region)
    value: str = client.get_secret_value(SecretId=secret_id)["SecretString"]
    return value


def signing_key() -> bytes:
    """The key; a stage without one (or with a short one) is misconfigured and fails loudly."""
    cfg = settings()
    if cfg.signing_key:
        key = cfg.signing_key
    elif cfg.signing_key_secret:
        key = _secret_value(cfg.signing_key_secret, cfg.region)
    else:
        raise RuntimeError("No signing key is configured: set SIGNING_KEY or SIGNING_KEY_SECRET.")
    if len(key) < MIN_KEY_LENGTH:
        raise RuntimeError(f"The signing key must be at least {MIN_KEY_LENGTH} characters.")
    return key.encode()
