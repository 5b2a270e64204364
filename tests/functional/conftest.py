"""Fixtures shared by the functional tests (tests/conftest.py has the backends)."""

from __future__ import annotations

import pytest

from chalicelib.repo.table import Table
from devtools.stream_poller import StreamPoller
from tests.support.stream import search_poller


@pytest.fixture
def stream(table: Table) -> StreamPoller:
    """The search indexer's poller, from the stream's end (taken before any write of the test): request it
    before the fixtures that write, and ``stream.drain()`` brings the index up to date."""
    return search_poller(table)
