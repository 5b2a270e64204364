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
    # Who signs the bearer tokens (chalicelib/adapters/auth.py): "cognito" (a user pool: the stack's own, or
    # cognito-local on the local stage) or "oidc" (any OpenID Connect issuer). Either way RS256 against the
    # issuer's JWKS; the firm and member come from the identity's binding, never from a claim.
    auth_mode: str
    jwt_issuer: str | None
    jwks_url: str | None  # default: the issuer's /.well-known/jwks.json (Cognito's, and most issuers')
    jwt_audience: str | None  # cognito: the app client id (``client_id``); oidc: ``aud``
    cognito_user_pool_id: str | None = None  # cognito: where members are invited
    cognito_endpoint: str | None = None  # local stage: the cognito-local make run starts
    signing_key: str | None = None  # local stage and tests: the key for cursors (and any HMAC) itself
    signing_key_secret: str | None = None  # deployed stages: the Secrets Manager secret that holds it
    mail_mode: str = "outbox"  # "ses" (dev/prod) or "outbox" (local: files in mail_outbox_dir)
    mail_from: str = "Dossier <no-reply@dossier.example>"
    mail_outbox_dir: str = ".data/outbox"
    ses_configuration_set: str | None = None
    portal_url: str = "http://localhost:8000/portal"
    inbound_domain: str = "in.dossier.example"
    inbound_bucket: str = ""
    inbound_prefix: str = "inbound/"
    photos_bucket: str = ""  # set per stage (the template's PhotosBucket; local and tests name their own)
    s3_endpoint: str | None = None  # local stage: the s3rver make run starts
    photo_url_seconds: int = 3600
    usage_plan_id: str | None = None  # a REST API stage's FirmUsagePlan (not in the default stack: docs/deploy.md)
    # "gateway" on deployed stages: the HTTP API's JWT authorizer verified the token and the handler reads its
    # claims from the event; anything else (local, tests): the handler verifies the bearer token itself.
    token_verifier: str = "handler"
    firm_rate_limit: float = 0.0  # requests per second per firm per function instance (0: no limit)
    firm_burst_limit: float = 0.0  # the bucket's size (default: twice the rate)
    jobs_queue_url: str = ""  # the background jobs' SQS queue (the template's JobsQueue; locally moto's server)
    sqs_endpoint: str | None = None  # local stage: the moto server make run starts
    export_url_seconds: int = 300  # an export's presigned download link
    export_part_bytes: int = 5 * 1024 * 1024  # an export file's multipart part (S3's minimum; tests set less)
    export_chunk_records: int = 1000  # accounts (or contacts) one export chunk reads
    # A bulk edit's account writes in flight at once (services/bulk.py); tests on moto use 1: moto restores a
    # whole table when a transaction fails, undoing another thread's write meanwhile.
    bulk_writers: int = 4
    # How long an erasure's request works before it leaves the rest to a background job (services/gdpr.py):
    # well inside API Gateway's 30-second integration timeout.
    erase_request_seconds: float = 15.0
    # The items of an account's activity or audit trail one page of an erasure reads (services/gdpr_erase.py):
    # a pass stops between two pages, so a page's writes (one per record naming the person) must take seconds.
    erase_page_items: int = 100


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ
    return Settings(
        table_name=env.get("DOSSIER_TABLE", "dossier"),
        dynamodb_endpoint=env.get("DYNAMODB_ENDPOINT") or None,
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        auth_mode=env.get("AUTH_MODE", "cognito"),
        jwt_issuer=env.get("JWT_ISSUER") or None,
        jwks_url=env.get("JWKS_URL") or None,
        jwt_audience=env.get("JWT_AUDIENCE") or None,
        cognito_user_pool_id=env.get("COGNITO_USER_POOL_ID") or None,
        cognito_endpoint=env.get("COGNITO_ENDPOINT") or None,
        signing_key=env.get("SIGNING_KEY") or None,
        signing_key_secret=env.get("SIGNING_KEY_SECRET") or None,
        mail_mode=env.get("MAIL_MODE", "outbox"),
        mail_from=env.get("MAIL_FROM", "Dossier <no-reply@dossier.example>"),
        mail_outbox_dir=env.get("MAIL_OUTBOX_DIR", ".data/outbox"),
        ses_configuration_set=env.get("SES_CONFIGURATION_SET") or None,
        portal_url=env.get("PORTAL_URL", "http://localhost:8000/portal").rstrip("/"),
        inbound_domain=env.get("INBOUND_DOMAIN", "in.dossier.example"),
        inbound_bucket=env.get("INBOUND_BUCKET", ""),
        inbound_prefix=env.get("INBOUND_PREFIX", "inbound/"),
        photos_bucket=env.get("PHOTOS_BUCKET", ""),
        s3_endpoint=env.get("S3_ENDPOINT") or None,
        photo_url_seconds=int(env.get("PHOTO_URL_SECONDS", "3600")),
        usage_plan_id=env.get("USAGE_PLAN_ID") or None,
        token_verifier=env.get("TOKEN_VERIFIER", "handler"),
        firm_rate_limit=float(env.get("FIRM_RATE_LIMIT") or 0),
        firm_burst_limit=float(env.get("FIRM_BURST_LIMIT") or 0),
        jobs_queue_url=env.get("JOBS_QUEUE_URL", ""),
        sqs_endpoint=env.get("SQS_ENDPOINT") or None,
        export_url_seconds=int(env.get("EXPORT_URL_SECONDS", "300")),
        export_part_bytes=int(env.get("EXPORT_PART_BYTES", str(5 * 1024 * 1024))),
        export_chunk_records=int(env.get("EXPORT_CHUNK_RECORDS", "1000")),
        bulk_writers=max(1, int(env.get("BULK_WRITERS", "4"))),
        erase_request_seconds=float(env.get("ERASE_REQUEST_SECONDS", "15")),
        erase_page_items=max(1, int(env.get("ERASE_PAGE_ITEMS", "100"))),
    )


def reset_settings() -> None:
    """Forget cached settings (tests switch backends between sessions)."""
    settings.cache_clear()
