"""Metering in tests: the app's access log recorded as Lambda prints it
(Powertools' formatter), and shipped to the meter as CloudWatch Logs would
(subscription events, in batches)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from app import meter_usage
from chalicelib.adapters.log_subscription import LogEvent, encode
from chalicelib.adapters.observability import logger
from tests.support.api import Api, TestFirm
from tests.support.factories import new_account, new_tag


class Recording(logging.Handler):
    """Every line of the app's loggers, formatted as in Lambda, with its log time (epoch ms)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logger.registered_formatter)
        self.events: list[LogEvent] = []

    def emit(self, record: logging.LogRecord) -> None:
        at = int(record.created * 1000)
        # ids as CloudWatch's: unique per event, in order
        self.events.append(LogEvent(f"{at:020d}{len(self.events):036d}", at, self.format(record)))

    def served(self) -> list[dict[str, Any]]:
        """The access-log lines ("request served") recorded, parsed."""
        lines = [json.loads(e.message) for e in self.events if e.message.startswith("{")]
        return [line for line in lines if line.get("message") == "request served"]


@contextmanager
def recorded_log() -> Iterator[Recording]:
    recording = Recording()
    app_logger = logging.getLogger("dossier")
    app_logger.addHandler(recording)
    try:
        yield recording
    finally:
        app_logger.removeHandler(recording)


def batches(events: Sequence[LogEvent], size: int, stream: str = "2026/12/07/[$LATEST]abc") -> list[dict[str, Any]]:
    """The events as subscription events of at most ``size`` log events each."""
    return [encode("/aws/lambda/dossier-dev", stream, events[i : i + size]) for i in range(0, len(events), size)]


def ship(events: Sequence[dict[str, Any]]) -> int:
    """Each subscription event to the meter, as CloudWatch Logs invokes it; the requests metered."""
    return sum(int(meter_usage(event, None)["metered"]) for event in events)


def varied_burst(api: Api, firm: TestFirm, rounds: int) -> None:
    """Varied requests: creates, reads, edits, lists, 400s, 403s, 404s and 401s."""
    _, employee = firm.add_member("employee")
    staff = api.as_(employee)
    tag = new_tag(api, "VIP")
    for i in range(rounds):
        account = new_account(api, f"Burst {i} BV", tags=[tag])
        path = f"/accounts/{account['id']}"
        api.get(path)
        api.get(f"{path}/overview")
        api.post(f"{path}/tasks", {"title": f"Task {i}", "status": "planned"})
        api.get(f"{path}/tasks")
        api.patch(path, {"name": f"Burst {i} NV"})
        api.get("/accounts?limit=5")
        api.get("/search?q=burst")
        api.get("/tags")
        api.get("/me")
        api.post("/accounts", {"name": ""})  # 400
        api.get("/accounts/NOPE")  # 404
        staff.get(path)  # 404: not on the team
        staff.post("/members", {"name": "X", "email": f"x{i}@staff.example", "role": "admin"})  # 403
        api.as_(None).get("/me")  # 401: nobody's
        api.get("/health")  # no token: nobody's
