"""A stage's settings for one test: ``env`` set, the settings read again and the function instance's throttle
buckets fresh; all restored after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from chalicelib.adapters.config import reset_settings
from chalicelib.handlers.http import throttle


@contextmanager
def stage_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Iterator[None]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    throttle.forget()
    try:
        yield
    finally:
        monkeypatch.undo()
        reset_settings()
        throttle.forget()
