"""A local stand-in for the CloudWatch Logs subscription that meters the API
(infra/template.json, ``ApiAccessLogMeter``), as devtools/job_poller.py is
for the jobs queue.

Under ``make run`` the API server (devtools/api_server.py) also writes its
app log lines, as Lambda would print them, to ``logs/api-app.jsonl``
(``DOSSIER_APP_LOG``). This poller reads what was added to that file every
few seconds, keeps the lines the subscription's filter pattern passes (read
from the template), and hands them to the same function the deployed
subscription invokes (``app.meter_usage``), in the event CloudWatch Logs
sends: base64 of gzipped JSON, ``logEvents`` with ids and timestamps. An
event's id is its byte offset in the file, so a batch delivered again after
a crash (the offset is saved only once the meter returned) is the same batch,
and the meter counts it once.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from chalicelib.adapters.log_subscription import LogEvent, encode
from devtools.stream_poller import LambdaContext

log = logging.getLogger("dossier.poller")

Handler = Callable[[dict[str, Any], Any], Any]
LOG_GROUP = "/aws/lambda/dossier-local-api_handler"
MAX_EVENTS = 10_000  # CloudWatch Logs delivers at most this many events (1 MB) in one batch
_PATTERN = re.compile(r'^\{\s*\$\.(\w+)\s*=\s*"([^"]*)"\s*\}$')


def subscription_filter(template: Path) -> tuple[str, str]:
    """The subscription's filter pattern, ``{ $.field = "value" }``, as (field, value)."""
    resources = json.loads(template.read_text())["Resources"]
    (pattern,) = [
        r["Properties"]["FilterPattern"] for r in resources.values() if r.get("Type") == "AWS::Logs::SubscriptionFilter"
    ]
    found = _PATTERN.match(pattern)
    if found is None:
        raise ValueError(f'the local meter understands only {{ $.field = "value" }}, not {pattern}')
    return found.group(1), found.group(2)


def _timestamp(record: dict[str, Any]) -> int:
    """The line's time (Powertools: "2026-12-07 17:34:15,123+0000"), as CloudWatch stamps the event."""
    try:
        return int(datetime.strptime(str(record["timestamp"]), "%Y-%m-%d %H:%M:%S,%f%z").timestamp() * 1000)
    except (KeyError, ValueError):
        return int(time.time() * 1000)


@dataclass
class UsagePoller:
    app_log: Path  # the API server's app log lines (JSON, one a line)
    checkpoint: Path  # the byte offset metered so far
    handler: Handler  # app.meter_usage
    template: Path
    interval: float = 5.0  # well inside the 5 minutes GET /firm/usage may be behind

    def __post_init__(self) -> None:
        self.field, self.value = subscription_filter(self.template)

    def _offset(self) -> int:
        try:
            return int(self.checkpoint.read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def poll_once(self) -> int:
        """Ship what the log gained since the checkpoint; the events delivered."""
        if not self.app_log.exists():
            return 0
        start = self._offset()
        if start > self.app_log.stat().st_size:  # the log was started afresh
            start = 0
        events: list[LogEvent] = []
        end = start
        with self.app_log.open("rb") as f:
            f.seek(start)
            for raw in f:
                if not raw.endswith(b"\n") or len(events) >= MAX_EVENTS:
                    break  # a line being written: the next pass takes it
                offset, end = end, end + len(raw)
                try:
                    record = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(record, dict) and record.get(self.field) == self.value:
                    events.append(LogEvent(f"{offset:056d}", _timestamp(record), raw.decode().rstrip("\n")))
        if events:
            self.handler(encode(LOG_GROUP, "local", events), LambdaContext(function_name="dossier-local-meter_usage"))
        if end != start:
            self.checkpoint.write_text(str(end))
        return len(events)

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set (make run's thread)."""
        while not stop.wait(self.interval):
            try:
                while self.poll_once() >= MAX_EVENTS:
                    pass
            except Exception:
                log.exception("usage poller pass failed; the same lines are sent again next time")


def start_usage_poller(app_log: Path, checkpoint: Path, say: Callable[[str], None]) -> Callable[[], None]:
    """The meter on make run's access log, in a thread (devtools/stack.py); returns what stops it."""
    from app import meter_usage
    from chalicelib.repo.schema import TEMPLATE

    poller = UsagePoller(app_log, checkpoint, meter_usage, TEMPLATE)
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,), name="usage-meter", daemon=True)
    thread.start()
    say(f"Usage meter reading the API's access log every {poller.interval:.0f} s (GET /firm/usage)")

    def stop_poller() -> None:
        stop.set()
        thread.join(timeout=10)

    return stop_poller
