"""The person of the erasure tests (tests/support/gdpr.py), made after the search indexer's poller
(``stream``, tests/functional/conftest.py) starts, so that the index sees everything of them.
"""

from __future__ import annotations

import pytest

from chalicelib.repo.table import Table
from devtools.stream_poller import StreamPoller
from tests.support.api import Api, TestFirm
from tests.support.gdpr import Person, everything


@pytest.fixture
def person(api: Api, firm: TestFirm, table: Table, stream: StreamPoller) -> Person:
    return everything(api, firm, table)
