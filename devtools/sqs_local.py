"""A local SQS for the background jobs: moto in server mode (``python -m
moto.server``, from moto's ``server`` extra), started by ``make run`` and the
integration tests, with the jobs queue and its dead-letter queue created as
infra/template.json declares them (redrive after maxReceiveCount).

Why moto and not ElasticMQ: this project's machines reach only the PyPI, npm
and Debian registries, and ElasticMQ ships as a JAR or a Docker image from
neither; moto is already a test dependency, and its SQS implements what the
worker relies on (visibility timeouts, receive counts, redrive to a
dead-letter queue, long polling). It keeps its queues in memory: messages do
not outlive a restart of ``make run``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import IO, Any, Final

from devtools.dynamodb_local import LocalServer

# Locally a failed chunk comes back after this long (deployed: the template's six worker timeouts).
LOCAL_VISIBILITY_SECONDS: Final = 30


@dataclass(frozen=True)
class JobQueues:
    url: str
    dead_url: str


def template_redrive() -> int:
    """The jobs queue's maxReceiveCount in infra/template.json."""
    from chalicelib.repo.schema import TEMPLATE

    queue = json.loads(TEMPLATE.read_text())["Resources"]["JobsQueue"]["Properties"]
    return int(queue["RedrivePolicy"]["maxReceiveCount"])


def ensure_queues(sqs: Any, name: str, *, visibility: int = LOCAL_VISIBILITY_SECONDS) -> JobQueues:
    """The jobs queue ``name`` and its dead-letter queue ``name-dead`` (created if need be)."""
    dead_url = sqs.create_queue(QueueName=f"{name}-dead")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dead_arn, "maxReceiveCount": str(template_redrive())}
    attributes = {"VisibilityTimeout": str(visibility), "RedrivePolicy": json.dumps(redrive)}
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)  # an existing queue gets them too
    return JobQueues(url, dead_url)


class SqsLocal(LocalServer):
    """moto's server (SQS only is used); a context manager."""

    name = "moto server (SQS)"

    def __init__(self, port: int | None = None, log: IO[bytes] | None = None) -> None:
        super().__init__(port, log)

    def start(self, timeout: float = 30.0) -> SqsLocal:
        self._launch([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)], None, timeout)
        return self

    def client(self, region: str = "us-east-1") -> Any:
        import boto3

        return boto3.client(
            "sqs",
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def __enter__(self) -> SqsLocal:
        return self.start()
