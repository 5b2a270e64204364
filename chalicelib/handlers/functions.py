"""The app's functions other than the API: the stream readers, the job workers, the mail service's
entry points and the usage meter, as one Blueprint (app.py registers it).

The API's function imports app.py, which imports this module to register these: so each function here
imports its own code on its first event, and the API's cold start loads none of it (docs/performance.md,
"Cold start"). Their own Lambda handlers name this module (``chalicelib.handlers.functions.run_jobs``,
...), so their cold starts load this module and their code, as before. The code lives beside the
routes: handlers/streams.py, jobs.py, inbound_mail.py, usage.py.
"""

from __future__ import annotations

import os
from typing import Any, Final

from chalice.app import Blueprint, CloudWatchEvent, DynamoDBEvent, Rate, SQSEvent

functions = Blueprint(__name__)

# The decorators need ARNs; infra/template.json sets the real ones (merged at package time: literal ARNs
# here, which the template's GetAtt replaces). Locally the stream and job pollers call the functions.
STREAM_ARN: Final = os.environ.get(
    "DOSSIER_STREAM_ARN", "arn:aws:dynamodb:us-east-1:000000000000:table/dossier/stream/2026-01-01T00:00:00.000"
)
JOBS_QUEUE_ARN: Final = os.environ.get("DOSSIER_JOBS_QUEUE_ARN", "arn:aws:sqs:us-east-1:000000000000:dossier-jobs")
JOBS_DLQ_ARN: Final = os.environ.get("DOSSIER_JOBS_DLQ_ARN", "arn:aws:sqs:us-east-1:000000000000:dossier-jobs-dead")


@functions.on_dynamodb_record(stream_arn=STREAM_ARN, batch_size=100, starting_position="TRIM_HORIZON")
def project_overview(event: DynamoDBEvent) -> dict[str, Any]:
    from chalicelib.handlers import streams

    return streams.project_overview(event)


@functions.on_dynamodb_record(stream_arn=STREAM_ARN, batch_size=100, starting_position="TRIM_HORIZON")
def index_search(event: DynamoDBEvent) -> dict[str, Any]:
    from chalicelib.handlers import streams

    return streams.index_search(event)


@functions.on_sqs_message(queue_arn=JOBS_QUEUE_ARN, batch_size=1)
def run_jobs(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.handlers import jobs

    return jobs.run_jobs(event)


@functions.on_sqs_message(queue_arn=JOBS_DLQ_ARN, batch_size=10)
def fail_dead_jobs(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.handlers import jobs

    return jobs.fail_dead_jobs(event)


@functions.schedule(Rate(5, unit=Rate.MINUTES))
def sweep_jobs(event: CloudWatchEvent) -> dict[str, int]:
    from chalicelib.handlers import jobs

    return jobs.sweep_jobs(event)


@functions.lambda_function(name="receive_email")
def receive_email(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib.handlers import inbound_mail

    return inbound_mail.receive_email(event, context)


@functions.lambda_function(name="record_mail_events")
def record_mail_events(event: dict[str, Any], context: Any) -> dict[str, int]:
    from chalicelib.handlers import inbound_mail

    return inbound_mail.record_mail_events(event, context)


@functions.lambda_function(name="meter_usage")
def meter_usage(event: dict[str, Any], context: Any) -> dict[str, int]:
    from chalicelib.handlers import usage

    return usage.meter_usage(event, context)
