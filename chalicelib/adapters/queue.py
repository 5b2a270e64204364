"""The background jobs' queue (SQS): each message asks the worker
(``handlers/jobs.py``) to run one chunk of one job. Deployed, the template's
JobsQueue with its dead-letter queue; locally the SQS of moto's server, which
``make run`` and the integration tests start (devtools/sqs_local.py)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.adapters.config import settings
from chalicelib.domain.errors import DossierError

# SendMessage answers in milliseconds; a few quick attempts, then the caller's request fails (and is retried).
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


@lru_cache(maxsize=4)
def sqs_client(endpoint: str | None, region: str) -> Any:
    kwargs: dict[str, Any] = {"region_name": region, "config": _CONFIG}
    if endpoint:
        # moto's server accepts any credentials; do not require a profile.
        kwargs.update(endpoint_url=endpoint, aws_access_key_id="local", aws_secret_access_key="local")
    return boto3.client("sqs", **kwargs)


def reset_clients() -> None:
    sqs_client.cache_clear()


class JobQueue:
    def __init__(self, client: Any, url: str) -> None:
        self.client = client
        self.url = url

    @classmethod
    def from_settings(cls) -> JobQueue:
        s = settings()
        return cls(sqs_client(s.sqs_endpoint, s.region), s.jobs_queue_url)

    def send(self, body: dict[str, Any]) -> None:
        """One message on the jobs queue (its body: the job and the chunk to run)."""
        if not self.url:
            raise DossierError("Background jobs are not configured for this stage (JOBS_QUEUE_URL).")
        self.client.send_message(QueueUrl=self.url, MessageBody=json.dumps(body, separators=(",", ":")))

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        """Make a received message visible again after ``seconds`` (instead of the queue's timeout)."""
        self.client.change_message_visibility(
            QueueUrl=self.url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
