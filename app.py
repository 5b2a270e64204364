"""Dossier's Chalice application: wiring only."""

import os
from typing import Any

import boto3
from chalice.app import Chalice, CORSConfig, DynamoDBEvent

from chalicelib import notifications, projection, search_projection
from chalicelib.config import settings
from chalicelib.gate import gate
from chalicelib.handlers import (
    accounts,
    activity,
    contacts,
    custom_fields,
    members,
    ops,
    pipelines,
    portal,
    quickbooks,
    search,
    tags,
)
from chalicelib.http import observe
from chalicelib.repo.activity import ActivityRepo
from chalicelib.repo.search import SearchRepo
from chalicelib.repo.table import Table
from chalicelib.services import inbound

# The "dossier" logger is Powertools' (chalicelib/observability.py): JSON lines
# at INFO; the app's own loggers sit under it ("dossier.mail", ...).
app = Chalice(app_name="dossier", configure_logs=False)
app.register_middleware(observe, "http")
# Browser clients (the web client, firms' own apps) call from other origins with
# a bearer token, never cookies, so any origin may; API Gateway answers the preflight.
app.api.cors = CORSConfig(
    allow_origin="*",
    allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
    expose_headers=["ETag", "Location"],
    max_age=600,
)
# Photo uploads arrive as raw bytes (API Gateway passes these types through as binary).
for media_type in ("image/png", "image/jpeg", "image/webp", "application/octet-stream"):
    if media_type not in app.api.binary_types:
        app.api.binary_types.append(media_type)

app.register_blueprint(gate)
app.register_blueprint(ops.bp)
app.register_blueprint(members.bp)
app.register_blueprint(tags.bp)
app.register_blueprint(accounts.bp)
app.register_blueprint(contacts.bp)
app.register_blueprint(pipelines.bp)
app.register_blueprint(activity.bp)
app.register_blueprint(search.bp)
app.register_blueprint(portal.bp)
app.register_blueprint(custom_fields.bp)
app.register_blueprint(quickbooks.bp)

# The real stream ARN is set by infra/template.json (merged at package time);
# the decorator needs a value, and locally the stream poller calls the handler.
STREAM_ARN = os.environ.get(
    "DOSSIER_STREAM_ARN", "arn:aws:dynamodb:us-east-1:000000000000:table/dossier/stream/2026-01-01T00:00:00.000"
)


@app.on_dynamodb_record(stream_arn=STREAM_ARN, batch_size=100, starting_position="TRIM_HORIZON")
def project_overview(event: DynamoDBEvent) -> dict[str, Any]:
    """Keep each account's overview items in step with the table's changes,
    and mail contacts about system events on their accounts (a new message,
    an organizer sent, ...). One function reads the stream for both: DynamoDB
    Streams advises at most two readers per shard, and search is the other."""
    records = list(event)
    table = Table.from_settings()
    return projection.merged(projection.project(records, ActivityRepo(table)), notifications.deliver(records, table))


@app.on_dynamodb_record(stream_arn=STREAM_ARN, batch_size=100, starting_position="TRIM_HORIZON")
def index_search(event: DynamoDBEvent) -> dict[str, Any]:
    """Keep each account's search tokens in step with its name and its contacts' addresses."""
    return search_projection.index(list(event), SearchRepo(Table.from_settings()))


@app.lambda_function(name="receive_email")
def receive_email(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Email sync: an SES receipt rule stored a message in the inbound bucket
    and invokes this; the message is recorded where the sender's address has sync on."""
    s = settings()
    results = inbound.receive_ses(
        event, Table.from_settings(), boto3.client("s3"), s.inbound_bucket, s.inbound_prefix, s.inbound_domain
    )
    return {"outcomes": [r.outcome for r in results]}
