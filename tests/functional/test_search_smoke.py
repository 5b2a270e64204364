"""Search end to end through the API and the stream indexer (moto and DynamoDB Local)."""

from __future__ import annotations

from chalicelib.repo.table import Table
from tests.support.api import Api
from tests.support.factories import contact_spec, new_account
from tests.support.stream import search_poller


def test_name_prefix_email_part_and_accents(api: Api, table: Table) -> None:
    stream = search_poller(table)
    mueller = new_account(api, "Anna Müller", contacts=[contact_spec(emails=["anna.mueller@gmail.example"])])
    new_account(api, "Bernd Munoz", contacts=[contact_spec(emails=["bm@munoz.example"])])
    stream.drain()
    r = api.get("/search?q=muller")
    assert r.status == 200, r.body
    assert [h["account_id"] for h in r.body["items"]] == [mueller["id"]]
    assert r.body["items"][0]["matched"] == [{"field": "name", "value": "Müller", "contact": None}]
    r = api.get("/search?q=MU")
    assert [h["name"] for h in r.body["items"]] == ["Anna Müller", "Bernd Munoz"]
    r = api.get("/search?q=ueller@gm")
    assert [h["name"] for h in r.body["items"]] == ["Anna Müller"]
    assert r.body["items"][0]["matched"] == [{"field": "email", "value": "anna.mueller@gmail.example", "contact": None}]
    assert api.get("/search?q=").status == 400
