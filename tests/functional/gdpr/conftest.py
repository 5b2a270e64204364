"""The fixtures of the erasure tests: the search indexer, started before the person exists, and
the person (tests/support/gdpr.py).
"""

from __future__ import annotations

import pytest

from chalicelib.repo.table import Table
from devtools.stream_poller import StreamPoller
from tests.support.api import Api, TestFirm
from tests.support.gdpr import Person, everything
from tests.support.stream import search_poller


@pytest.fixture
def stream(table: Table) -> StreamPoller:
    """The search indexer, from before the person exists."""
    return search_poller(table)


@pytest.fixture
def person(api: Api, firm: TestFirm, table: Table, stream: StreamPoller) -> Person:
    return everything(api, firm, table)
