"""End to end on DynamoDB Local: writes through the API, both stream pollers
running in the background as ``make run`` runs them, and search polled (with
a deadline, no sleeps) until it shows each change."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from chalice.test import Client

from chalicelib.repo.table import Table
from tests.integration.test_overview_stream import eventually
from tests.support.api import Api, make_firm
from tests.support.factories import contact_spec, new_account
from tests.support.stream import poller, search_poller

pytestmark = pytest.mark.integration


@pytest.fixture
def owner(local_table: Table) -> Iterator[Api]:
    from app import app

    stop = threading.Event()
    workers = [
        threading.Thread(target=p.run, args=(stop, 0.05), daemon=True)
        for p in (poller(local_table), search_poller(local_table))
    ]
    for w in workers:
        w.start()
    firm = make_firm(local_table)
    with Client(app) as client:
        yield Api(client, firm.owner_token)
    stop.set()
    for w in workers:
        w.join(timeout=10)
        assert not w.is_alive()


def _names(api: Api, q: str) -> list[str]:
    r = api.get(f"/search?q={q}")
    assert r.status == 200, r.body
    return [h["name"] for h in r.body["items"]]


def test_search_follows_every_kind_of_change(owner: Api) -> None:
    account = new_account(owner, "Zephyr Dental", contacts=[contact_spec(emails=["frontdesk@zd-clinic.example"])])
    account_id, contact_id = account["id"], account["contacts"][0]["id"]
    eventually(lambda: _names(owner, "zeph"), lambda names: names == ["Zephyr Dental"])

    assert owner.patch(f"/accounts/{account_id}", {"name": "Quokka Dental"}).status == 200
    eventually(lambda: (_names(owner, "quokka"), _names(owner, "zephyr d")), lambda r: r == (["Quokka Dental"], []))

    assert owner.post(f"/contacts/{contact_id}/emails", {"address": "billing@xylo-mail.example"}).status == 201
    eventually(lambda: _names(owner, "xylo-m"), lambda names: names == ["Quokka Dental"])
    assert owner.delete(f"/contacts/{contact_id}/emails/billing@xylo-mail.example").status == 204
    eventually(lambda: _names(owner, "xylo-m"), lambda names: names == [])

    other = new_account(owner, "Walrus Bakery", contacts=[contact_spec(emails=["walrus@bakery.example"])])
    assert owner.post(f"/accounts/{other['id']}/contacts", {"contact_id": contact_id}).status == 201
    eventually(lambda: _names(owner, "frontdesk"), lambda names: names == ["Quokka Dental", "Walrus Bakery"])
    assert owner.delete(f"/accounts/{other['id']}/contacts/{contact_id}").status == 204
    eventually(lambda: _names(owner, "frontdesk"), lambda names: names == ["Quokka Dental"])

    assert owner.delete(f"/accounts/{account_id}").status == 204
    eventually(lambda: _names(owner, "quokka"), lambda names: names == [])
    assert owner.post(f"/accounts/{account_id}/restore").status == 200
    eventually(lambda: _names(owner, "quokka"), lambda names: names == ["Quokka Dental"])
