"""The activity sections tests' world: ``env`` (tests/support/sections.py)."""

from __future__ import annotations

import pytest
from chalice.test import Client

from tests.support.api import Api, TestFirm
from tests.support.factories import create_account
from tests.support.sections import MEMBER_NAME, OWNER_NAME, PORTAL_ADDRESSES, Env


@pytest.fixture
def env(api: Api, client: Client, firm: TestFirm) -> Env:
    member_id, token = firm.add_member(name=MEMBER_NAME)
    client_contact = {"first_name": "Anna", "last_name": "Client", "emails": list(PORTAL_ADDRESSES)}
    account = create_account(api, "Acme Ltd", team=[member_id], new_contact=client_contact)
    return Env(
        api,
        client,
        firm,
        account["id"],
        member_id,
        token,
        names={firm.owner_id: OWNER_NAME, member_id: MEMBER_NAME},
        contact_id=account["contacts"][0]["id"],
    )
