"""The projection tests' fixtures: the app's test client and a firm with its stream tap, on moto."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from chalice.test import Client

from app import app
from chalicelib.repo.table import Table
from tests.support.projection import Tenant, open_tenant


@pytest.fixture
def http(moto_table: Table) -> Iterator[Client]:
    with Client(app) as c:
        yield c


@pytest.fixture
def tenant(moto_table: Table, http: Client) -> Tenant:
    return open_tenant(moto_table, http)
