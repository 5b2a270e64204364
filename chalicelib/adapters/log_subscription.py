"""CloudWatch Logs subscription events: a Lambda subscriber gets
``{"awslogs": {"data": <base64 of gzipped JSON>}}``, the JSON naming the log
group and stream and holding ``logEvents`` [{``id``, ``timestamp``,
``message``}]. Decoded for the meter (handlers/usage.py), encoded for the
local stand-in (devtools/usage_poller.py) and the tests."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class LogEvent:
    id: str
    timestamp: int  # epoch milliseconds
    message: str


@dataclass(frozen=True, slots=True)
class LogBatch:
    log_group: str
    log_stream: str
    events: tuple[LogEvent, ...]

    @property
    def batch_id(self) -> str:
        """The same for every delivery of this batch: its log stream and its events' ids (unique per event)."""
        digest = hashlib.sha256(f"{self.log_group}\n{self.log_stream}".encode())
        for event in self.events:
            digest.update(b"\n" + event.id.encode())
        return digest.hexdigest()[:40]


def decode(event: Any) -> LogBatch | None:
    """The batch of a subscription event; ``None`` for a control message (CloudWatch Logs' own check)
    or anything that is not a data message."""
    try:
        raw = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    except (KeyError, TypeError, ValueError, OSError):
        return None
    if not isinstance(raw, dict) or raw.get("messageType") != "DATA_MESSAGE":
        return None
    events = tuple(
        LogEvent(str(e.get("id", "")), int(e.get("timestamp", 0)), str(e.get("message", "")))
        for e in raw.get("logEvents") or []
        if isinstance(e, dict)
    )
    return LogBatch(str(raw.get("logGroup", "")), str(raw.get("logStream", "")), events)


def encode(
    log_group: str, log_stream: str, events: Sequence[LogEvent], *, filter_name: str = "metering"
) -> dict[str, Any]:
    """A subscription event as CloudWatch Logs delivers it to a Lambda function."""
    payload = {
        "messageType": "DATA_MESSAGE",
        "owner": "000000000000",
        "logGroup": log_group,
        "logStream": log_stream,
        "subscriptionFilters": [filter_name],
        "logEvents": [{"id": e.id, "timestamp": e.timestamp, "message": e.message} for e in events],
    }
    data = base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()
    return {"awslogs": {"data": data}}
