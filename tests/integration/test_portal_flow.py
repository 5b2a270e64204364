"""End to end on DynamoDB Local: a client is invited, accepts, logs in, and
the Overview's logins section shows it once the stream poller (running in the
background as ``make run`` runs it) has projected the change."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.repo.table import Table
from tests.integration.test_overview_stream import eventually, section
from tests.support.api import Api, make_firm
from tests.support.factories import contact_spec, new_account, unique_email
from tests.support.portal import email_path, invite
from tests.support.stream import poller

pytestmark = pytest.mark.integration


@pytest.fixture
def owner(local_table: Table) -> Iterator[Api]:
    from app import app

    stop = threading.Event()
    worker = threading.Thread(target=poller(local_table).run, args=(stop, 0.05), daemon=True)
    worker.start()
    firm = make_firm(local_table)
    with Client(app) as client:
        yield Api(client, firm.owner_token)
    stop.set()
    worker.join(timeout=10)
    assert not worker.is_alive()


def logins(api: Api, account_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = section(api, account_id, "logins")["items"]
    return items


def test_invite_accept_login_shows_in_the_overview(owner: Api) -> None:
    address = unique_email("flow")
    account = new_account(owner, "Flow Partners", contacts=[contact_spec(emails=[address])])
    account_id, contact_id = account["id"], account["contacts"][0]["id"]
    path = f"/accounts/{account_id}/logins"

    token = invite(owner, contact_id, address)
    refused = owner.post(path, {"email": address})
    assert refused.status == 422, refused.body  # invited is not yet active

    accepted = owner.as_(None).post("/portal/invites/accept", {"token": token})
    assert accepted.status == 200, accepted.body
    assert owner.get(email_path(contact_id, address)).body["login"] == "active"

    recorded = owner.post(path, {"email": address, "at": "2024-05-01T08:00:00Z"})
    assert recorded.status == 201, recorded.body
    shown = eventually(lambda: logins(owner, account_id), lambda items: len(items) == 1)
    assert shown[0]["id"] == recorded.body["id"]
    assert shown[0]["email"] == address
    assert shown[0]["at"] == recorded.body["at"]

    # Six more: the overview keeps the latest five, newest first.
    ids = [recorded.body["id"]]
    for day in range(2, 8):
        r = owner.post(path, {"email": address, "at": f"2024-05-0{day}T08:00:00Z"})
        assert r.status == 201, r.body
        ids.append(r.body["id"])
    latest = list(reversed(ids))[:5]
    eventually(lambda: [i["id"] for i in logins(owner, account_id)], lambda got: got == latest)
    listed = owner.get(path)
    assert listed.status == 200, listed.body
    assert [i["id"] for i in listed.body["items"]][:5] == latest
