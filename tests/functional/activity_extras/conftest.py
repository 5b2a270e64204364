"""The activity extras tests' world: ``env`` (tests/support/activity.py)."""

from __future__ import annotations

import pytest
from chalice.test import Client

from tests.support.activity import MEMBER_NAME, Env
from tests.support.api import Api, TestFirm
from tests.support.factories import create_account


@pytest.fixture
def env(api: Api, client: Client, firm: TestFirm) -> Env:
    member_id, token = firm.add_member(name=MEMBER_NAME)
    account = create_account(api, "Acme Ltd", team=[member_id])
    return Env(api, client, firm, account["id"], member_id, Api(client, token))
