"""DynamoDB stops a Query at 1 MB; a page of a list must still hold `limit`
items (or end the list), never lose the rest (DynamoDB Local enforces it)."""

from __future__ import annotations

import pytest
from chalice.test import Client

from chalicelib.repo.table import Table
from tests.support.api import Api, ids, make_firm
from tests.support.factories import created, new_account

pytestmark = pytest.mark.integration


def test_a_page_larger_than_one_megabyte_keeps_every_item(local_table: Table) -> None:
    from app import app

    firm = make_firm(local_table)
    with Client(app) as client:
        api = Api(client, firm.owner_token)
        account = new_account(api, "Verbose Ltd")["id"]
        body = "€" * 10_000  # 30 KB per note: 40 notes are more than 1 MB
        notes = [created(api, f"/accounts/{account}/notes", {"title": f"Note {i}", "body": body}) for i in range(40)]

        page = api.get(f"/accounts/{account}/notes?limit=100")

        assert page.status == 200
        assert ids(page.body["items"]) == [n["id"] for n in reversed(notes)]
        assert page.body["next_cursor"] is None


@pytest.mark.parametrize("limit", ["²", "٣", "0", "101", "1.5", "-1"])
def test_limit_must_be_ascii_digits_in_range(local_table: Table, limit: str) -> None:
    from app import app

    firm = make_firm(local_table)
    with Client(app) as client:
        r = Api(client, firm.owner_token).get(f"/pipelines?limit={limit}")
    assert r.status == 400, r.body
