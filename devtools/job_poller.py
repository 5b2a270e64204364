"""A local stand-in for Lambda's SQS event-source mapping of the jobs
worker (as devtools/stream_poller.py is for the table's stream).

It long-polls the jobs queue, hands each message to the same function the
deployed worker runs (``app.run_jobs``) in the event Lambda sends, and
deletes the messages the function did not report in ``batchItemFailures``.
A failed message stays on the queue: it reappears after the queue's
visibility timeout, and SQS itself moves it to the dead-letter queue after
maxReceiveCount receives (the queue's RedrivePolicy). The dead-letter queue
is polled too, its messages handed to ``app.fail_dead_jobs``. And the jobs
sweeper (``app.sweep_jobs``) runs on a schedule (``start_sweeper``), as
EventBridge runs it deployed.

``retry_after`` (tests) makes a failed message visible again after that many
seconds instead of the queue's timeout, as ChangeMessageVisibility does.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from devtools.stream_poller import LambdaContext

log = logging.getLogger("dossier.poller")

Handler = Callable[[dict[str, Any], Any], Any]


def lambda_sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """Messages from ReceiveMessage as Lambda's SQS event carries them."""
    records = []
    for m in messages:
        body = m["Body"]
        records.append(
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": body,
                "attributes": dict(m.get("Attributes", {})),
                "messageAttributes": dict(m.get("MessageAttributes", {})),
                "md5OfBody": m.get("MD5OfBody", hashlib.md5(body.encode()).hexdigest()),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def scheduled_event(rule: str, region: str, account: str = "000000000000") -> dict[str, Any]:
    """The event EventBridge sends a function on its schedule (the jobs sweeper's, every 5 minutes)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account}:rule/{rule}"],
        "detail": {},
    }


def start_sweeper(sweep: Handler, region: str, stop: threading.Event, every: float = 60.0) -> threading.Thread:
    """Call the jobs sweeper on a schedule until ``stop`` is set, as EventBridge would (locally every
    minute rather than every 5: a job waiting for the queue starts sooner)."""

    def run() -> None:
        while not stop.wait(every):
            try:
                sweep(scheduled_event("dossier-sweep-jobs", region), LambdaContext("dossier-local-sweep_jobs"))
            except Exception:
                log.exception("the jobs sweeper failed; it runs again in a minute")

    thread = threading.Thread(target=run, name="jobs-sweeper", daemon=True)
    thread.start()
    return thread


@dataclass
class JobPoller:
    sqs: Any  # a boto3 "sqs" client
    queue_url: str
    dead_url: str
    handler: Handler  # app.run_jobs
    dead_handler: Handler  # app.fail_dead_jobs
    batch_size: int = 1  # the mapping's BatchSize
    wait_seconds: int = 20  # long polling, as Lambda's pollers do
    retry_after: int | None = None
    region: str = "us-east-1"

    def _arn(self, url: str) -> str:
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        return str(attributes["QueueArn"])

    def _receive(self, url: str, count: int, wait: int) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        return messages

    def poll_once(self, wait: int | None = None) -> int:
        """One receive from each queue; the number of messages handled."""
        wait = self.wait_seconds if wait is None else wait
        handled = 0
        messages = self._receive(self.queue_url, self.batch_size, wait)
        if messages:
            handled += len(messages)
            failed = self._deliver(self.handler, messages, self._arn(self.queue_url))
            for m in messages:
                if m["MessageId"] in failed:
                    if self.retry_after is not None:
                        self.sqs.change_message_visibility(
                            QueueUrl=self.queue_url,
                            ReceiptHandle=m["ReceiptHandle"],
                            VisibilityTimeout=self.retry_after,
                        )
                else:
                    self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        dead = self._receive(self.dead_url, 10, 0)
        if dead:
            handled += len(dead)
            self._deliver(self.dead_handler, dead, self._arn(self.dead_url))
            for m in dead:
                self.sqs.delete_message(QueueUrl=self.dead_url, ReceiptHandle=m["ReceiptHandle"])
        return handled

    def _deliver(self, handler: Handler, messages: list[dict[str, Any]], arn: str) -> set[str]:
        """The ids of the messages that failed: those reported, or all when the handler raised."""
        event = lambda_sqs_event(messages, arn, self.region)
        try:
            result = handler(event, LambdaContext(function_name="dossier-local-run_jobs"))
        except Exception:
            log.exception("job worker raised; the batch will be delivered again")
            return {m["MessageId"] for m in messages}
        failures = (result or {}).get("batchItemFailures", []) if isinstance(result, dict) else []
        return {str(f["itemIdentifier"]) for f in failures}

    def drain(self, *, max_passes: int = 10_000) -> int:
        """Until both queues are empty (no wait); the messages handled. For tests and scripts."""
        total = 0
        for _ in range(max_passes):
            handled = self.poll_once(wait=0)
            total += handled
            if not handled:
                if not self._in_flight():
                    return total
                time.sleep(0.05)  # a failed message waits out its visibility timeout
        raise RuntimeError("the job queues did not drain")

    def _in_flight(self) -> bool:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        for url in (self.queue_url, self.dead_url):
            attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
            if any(int(attributes.get(n, "0")) for n in names):
                return True
        return False

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set (make run's thread)."""
        while not stop.is_set():
            try:
                self.poll_once()
            except Exception:
                log.exception("job poller pass failed")
                stop.wait(2.0)
