"""Rebuilding overviews from the source (what an operator runs after stream
records were given up on): the result equals what the projection keeps."""

from __future__ import annotations

from chalicelib.repo import keys
from chalicelib.repo.activity import ActivityRepo
from chalicelib.repo.table import Table
from chalicelib.services.overview import rebuild
from tests.support.api import Api, TestFirm
from tests.support.factories import created, new_account
from tests.support.stream import poller


def test_rebuild_restores_lost_and_damaged_overview_items(api: Api, firm: TestFirm, table: Table) -> None:
    stream = poller(table)
    account = new_account(api, "Rebuilt Ltd")["id"]
    for i in range(7):
        created(api, f"/accounts/{account}/notes", {"title": f"Note {i}"})
    created(api, f"/accounts/{account}/tasks", {"title": "Call", "status": "in_progress"})
    stream.drain()
    projected = api.get(f"/accounts/{account}/overview").body

    # An overview item lost (records given up on) and one left stale.
    table.client.delete_item(
        TableName=table.name,
        Key={"PK": {"S": keys.account_pk(firm.firm_id, account)}, "SK": {"S": keys.OVERVIEW_PREFIX + "notes"}},
    )
    stale = table.get(keys.overview(firm.firm_id, account, "tasks"), consistent=True)
    assert stale is not None
    table.client.put_item(
        TableName=table.name,
        Item={
            **{k: {"S": v} for k, v in keys.overview(firm.firm_id, account, "tasks").as_dict().items()},
            "entity": {"S": "overview"},
            "section": {"S": "tasks"},
            "f": {"S": stale["f"]},
            "s": {"S": "[]"},
            "has_more": {"BOOL": False},
            "rev": {"N": "99"},
        },
    )
    assert api.get(f"/accounts/{account}/overview").body != projected

    assert rebuild(ActivityRepo(table), firm.firm_id, [account]) == 2
    assert api.get(f"/accounts/{account}/overview").body == projected
    assert rebuild(ActivityRepo(table), firm.firm_id, [account]) == 0  # nothing left to fix
