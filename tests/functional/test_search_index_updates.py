"""``GET /search`` end to end (docs/api.md "Accounts" and "Conventions": Visibility): how the
stream-kept index follows changes: renames, contacts' addresses, links, and an edit racing the
indexer.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture); the index is brought up to date with
``stream.drain()`` (``stream``: tests/functional/conftest.py). Addresses are chosen by hand (never
``unique_email``) so that no random id can make a query match by accident: addresses are unique per firm
and every test has its own firm.
"""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from chalicelib.repo.accounts import AccountRepo
from devtools.stream_poller import StreamPoller
from tests.support.api import Api, TestFirm
from tests.support.factories import contact_spec, create_contact, new_account
from tests.support.search import account, contact_of, email, found, hits, matched, name, ok

# --- the index follows changes --------------------------------------------------------------


def test_renamed_account_old_name_gone_new_name_found(
    api: Api, client: Client, firm: TestFirm, stream: StreamPoller
) -> None:
    emp_id, emp_token = firm.add_member()
    emp = Api(client, emp_token)
    acc = account(api, "Oldname Holdings", "desk@holdco.io", team=[emp_id])
    stream.drain()
    assert found(api, "oldname") == [acc]
    assert hits(api, "oldname")[0]["type"] == "company"

    ok(api.patch(f"/accounts/{acc}", {"type": "other"}))
    stream.drain()
    assert hits(api, "oldname")[0]["type"] == "other"
    assert hits(emp, "oldname")[0]["type"] == "other"

    ok(api.patch(f"/accounts/{acc}", {"name": "Freshly Renamed", "type": "individual"}))
    stream.drain()

    for caller in (api, emp):
        assert found(caller, "oldname") == []
        assert found(caller, "holdings") == []
        assert found(caller, "fresh") == [acc]
        assert found(caller, "renamed") == [acc]
        assert found(caller, "holdco") == [acc]  # addresses stay
        assert hits(caller, "fresh")[0] == {
            "account_id": acc,
            "name": "Freshly Renamed",
            "type": "individual",
            "photo_url": None,
            "matched": [name("Freshly")],
        }
        assert hits(caller, "holdco")[0]["name"] == "Freshly Renamed"


def test_contact_email_added_removed_and_changed(
    api: Api, client: Client, firm: TestFirm, stream: StreamPoller
) -> None:
    emp_id, emp_token = firm.add_member()
    emp = Api(client, emp_token)
    acc = account(api, "Firma Eins", "first@alpha.io", team=[emp_id])
    contact_id = contact_of(api, acc)
    stream.drain()

    ok(api.post(f"/contacts/{contact_id}/emails", {"address": "Second@Delta.io"}), 201)
    stream.drain()
    for caller in (api, emp):
        assert found(caller, "delta.io") == [acc]
        assert matched(caller, "delta.io") == {acc: [email("Second@Delta.io")]}
        assert found(caller, "alpha.io") == [acc]

    ok(api.delete(f"/contacts/{contact_id}/emails/first@alpha.io"), 204)
    stream.drain()
    for caller in (api, emp):
        assert found(caller, "alpha.io") == []
        assert found(caller, "first@") == []
        assert found(caller, "delta.io") == [acc]

    # changed: removed and another added
    ok(api.post(f"/contacts/{contact_id}/emails", {"address": "third@eps.io"}), 201)
    ok(api.delete(f"/contacts/{contact_id}/emails/Second@Delta.io"), 204)
    stream.drain()
    for caller in (api, emp):
        assert found(caller, "delta.io") == []
        assert found(caller, "eps.io") == [acc]
        assert found(caller, "firma") == [acc]


def test_contact_linked_to_another_account_and_unlinked(
    api: Api, client: Client, firm: TestFirm, stream: StreamPoller
) -> None:
    emp_id, emp_token = firm.add_member()
    emp = Api(client, emp_token)
    shared = create_contact(api, "Sam", "Shared", emails=["sam@shared.io"])
    home = new_account(api, "Home Account", contacts=[{"contact_id": shared["id"]}])["id"]
    away = account(api, "Away Account", "desk@away.io", team=[emp_id])
    stream.drain()
    assert found(api, "shared.io") == [home]
    assert found(emp, "shared.io") == []

    ok(api.post(f"/accounts/{away}/contacts", {"contact_id": shared["id"]}), 201)
    stream.drain()
    assert found(api, "shared.io") == [away, home]
    assert found(emp, "shared.io") == [away]
    assert found(api, "away sam@") == [away]

    # an address added to the shared contact shows on both accounts
    ok(api.post(f"/contacts/{shared['id']}/emails", {"address": "sam2@extra.io"}), 201)
    stream.drain()
    assert found(api, "extra.io") == [away, home]

    ok(api.delete(f"/accounts/{away}/contacts/{shared['id']}"), 204)
    stream.drain()
    assert found(api, "shared.io") == [home]
    assert found(api, "extra.io") == [home]
    assert found(emp, "shared.io") == []
    assert found(api, "away") == [away]

    # a new contact linked inline
    ok(api.post(f"/accounts/{away}/contacts", contact_spec("Nina", "New", emails=["nina@inline.io"])), 201)
    stream.drain()
    assert found(api, "inline.io") == [away]
    assert found(emp, "inline.io") == [away]


def test_an_edit_racing_the_indexer_does_not_leave_team_lists_stale(
    api: Api, client: Client, firm: TestFirm, stream: StreamPoller, monkeypatch: pytest.MonkeyPatch
) -> None:
    emp_id, emp_token = firm.add_member()
    emp = Api(client, emp_token)
    acc = account(api, "Racing Ltd", "one@race1.io", team=[emp_id])
    contact_id = contact_of(api, acc)
    stream.drain()
    ok(api.post(f"/contacts/{contact_id}/emails", {"address": "two@race2.io"}), 201)

    real_update = AccountRepo.update

    def update_after_the_indexer_ran(self: AccountRepo, *args: Any, **kwargs: Any) -> None:
        stream.drain()  # the indexer runs between the edit's read and its write
        real_update(self, *args, **kwargs)

    monkeypatch.setattr(AccountRepo, "update", update_after_the_indexer_ran)
    ok(api.patch(f"/accounts/{acc}", {"name": "Racing Renamed"}))
    monkeypatch.undo()
    stream.drain()

    assert found(api, "race2") == [acc]
    assert found(emp, "racing") == [acc]
    assert found(emp, "race2") == [acc]
