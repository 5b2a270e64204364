"""Email sync's entry point, as a Blueprint (app.py registers it): an SES
receipt rule stored a message in the inbound bucket and invokes
``receive_email``; the message is recorded where the sender's address has
sync on (``chalicelib/services/inbound.py``)."""

from __future__ import annotations

from typing import Any

import boto3
from chalice.app import Blueprint

from chalicelib.adapters.config import settings
from chalicelib.services import inbound

inbound_mail = Blueprint(__name__)


@inbound_mail.lambda_function(name="receive_email")
def receive_email(event: dict[str, Any], context: Any) -> dict[str, Any]:
    s = settings()
    results = inbound.receive_ses(event, boto3.client("s3"), s.inbound_bucket, s.inbound_prefix, s.inbound_domain)
    return {"outcomes": [r.outcome for r in results]}
