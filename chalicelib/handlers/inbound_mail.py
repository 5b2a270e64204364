"""The mail service's entry points (handlers/functions.py registers them):

- ``receive_email``: an SES receipt rule stored a message in the inbound
  bucket; the message is recorded where the sender's address has sync on
  (``chalicelib/services/inbound.py``);
- ``record_mail_events``: SES's bounce and complaint events, through the
  stack's SNS topic, recorded on the firm's address
  (``chalicelib/services/mail_events.py``)."""

from __future__ import annotations

from typing import Any

import boto3

from chalicelib.adapters.config import settings
from chalicelib.services import inbound, mail_events
from chalicelib.services.context import Ctx


def receive_email(event: dict[str, Any], context: Any) -> dict[str, Any]:
    s = settings()
    results = inbound.receive_ses(event, boto3.client("s3"), s.inbound_bucket, s.inbound_prefix, s.inbound_domain)
    return {"outcomes": [r.outcome for r in results]}


def record_mail_events(event: dict[str, Any], context: Any) -> dict[str, int]:
    return {"recorded": mail_events.record(Ctx.table_from_settings(), event.get("Records") or [])}
