"""The audit trail of issue 19's operations on many items: a contact merge (with a shared account) and a
bulk edit by a member with mixed rights are recorded entry by entry, with the caller as actor; what the
caller could not change leaves no entry. Imports (test_imports.py) and erasure (test_gdpr.py) have their own.
Both engines (the ``table`` fixture); the recorder runs from the change stream (tests/support/stream.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.adapters.auth import Claims
from chalicelib.domain.audit import Actor, acting_as
from chalicelib.domain.models.people import ContactMerge
from chalicelib.repo import table as table_module
from chalicelib.repo.table import Table
from chalicelib.services import merges
from chalicelib.services.context import Ctx
from tests.support.api import Api, TestFirm
from tests.support.factories import contact_spec, create_account, new_account, new_tag
from tests.support.stream import poller


def _trail(api: Api, path: str = "/audit") -> list[dict[str, Any]]:
    r = api.get(f"{path}?limit=100")
    assert r.status == 200 and r.body["next_cursor"] is None, r.body
    items: list[dict[str, Any]] = r.body["items"]
    return items


def _changes(entry: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {c["field"]: (c["old"], c["new"]) for c in entry["changes"]}


def test_a_merge_with_a_shared_account_is_recorded(api: Api, firm: TestFirm, table: Table) -> None:
    stream = poller(table)
    own = new_account(api, "Sam Works", contacts=[contact_spec("Sam", "Source", emails=["sam@works.example"])])
    theirs = new_account(api, "Tara Trading", contacts=[contact_spec("Tara", "Target", emails=["tara@t.example"])])
    source, target = own["contacts"][0], theirs["contacts"][0]
    shared = new_account(
        api,
        "Shared Holding",
        contacts=[{"contact_id": source["id"], "description": "Bookkeeper"}, {"contact_id": target["id"]}],
    )
    admin_id, admin = firm.add_member("admin", name="Ada Admin")
    stream.drain()
    before = {e["id"] for e in _trail(api)}

    r = api.as_(admin).post(f"/contacts/{target['id']}/merge", {"source_contact_id": source["id"]})
    assert r.status == 200, r.body
    stream.drain()

    merged = [e for e in _trail(api) if e["id"] not in before]
    assert merged and all(e["actor"] == {"kind": "member", "id": admin_id, "name": "Ada Admin"} for e in merged)
    seen = {(e["resource"]["type"], e["action"], e["resource"]["id"], e["resource"].get("account_id")) for e in merged}
    # the source is gone, its link to its own account moved to the target, the shared account kept one link
    assert ("contact", "delete", source["id"], None) in seen
    assert ("account_contact", "delete", source["id"], own["id"]) in seen
    assert ("account_contact", "create", target["id"], own["id"]) in seen
    assert ("account_contact", "delete", source["id"], shared["id"]) in seen
    assert ("account_contact", "create", target["id"], shared["id"]) not in seen  # the target's link stays
    # the target gained the source's address
    gained = [e for e in merged if e["resource"]["type"] == "contact" and e["resource"]["id"] == target["id"]]
    assert gained and any("sam@works.example" in str(_changes(e)) for e in gained), gained
    # each account's own trail shows what happened to it
    shared_trail = _trail(api, f"/accounts/{shared['id']}/audit")
    assert any(e["resource"]["id"] == source["id"] and e["action"] == "delete" for e in shared_trail)


def test_a_bulk_edit_with_mixed_rights_records_only_what_changed(api: Api, firm: TestFirm, table: Table) -> None:
    stream = poller(table)
    manager_id, manager = firm.add_member("employee", manage=True, name="Mo Manager")
    tag = new_tag(api, "Payroll")
    mine = create_account(api, "Mine", team=[manager_id])["id"]
    others = create_account(api, "Someone else's")["id"]  # the manager may not open it
    stream.drain()
    before = {e["id"] for e in _trail(api)}

    r = api.as_(manager).post("/accounts/bulk", {"account_ids": [mine, others], "add_tags": [tag], "type": "other"})
    assert r.status == 200, r.body
    assert [x["status"] for x in r.body["results"]] == ["ok", "error"]
    stream.drain()

    new = [e for e in _trail(api) if e["id"] not in before]
    accounts = [e for e in new if e["resource"]["type"] == "account"]
    assert [(e["resource"]["id"], e["action"]) for e in accounts] == [(mine, "update")]
    entry = accounts[0]
    assert entry["actor"] == {"kind": "member", "id": manager_id, "name": "Mo Manager"}
    changes = _changes(entry)
    assert changes["type"] == ("company", "other")
    assert tag in str(changes["tags"][1]) and tag not in str(changes["tags"][0])
    assert not [e for e in new if e["resource"].get("account_id") == others]
    assert {e["id"] for e in _trail(api, f"/accounts/{others}/audit")} <= before


def test_a_merge_in_many_full_transactions_notes_every_deletion(
    api: Api, firm: TestFirm, table: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Transactions filled to DynamoDB's limit (lowered to 6 items here, as 100 would take some 30 shared
    accounts) still hold each audited delete's note: the packing counts them, so no removal is left to the
    recorder's "expired by the system" guess."""
    monkeypatch.setattr(table_module, "MAX_TRANSACTION_ITEMS", 6)
    stream = poller(table)
    source = new_account(api, "Sam Works", contacts=[contact_spec("Sam", "Source", emails=["sam@w.example"])])
    target = new_account(api, "Tara Trading", contacts=[contact_spec("Tara", "Target", emails=["tara@w.example"])])
    sam, tara = source["contacts"][0]["id"], target["contacts"][0]["id"]
    for i in range(3):
        new_account(api, f"Shared {i}", contacts=[{"contact_id": sam}, {"contact_id": tara}])
    stream.drain()
    before = {e["id"] for e in _trail(api)}
    ctx = Ctx(claims=Claims(firm.firm_id, firm.owner_id), table=table)

    with acting_as(Actor("member", firm.owner_id, "Olivia Owner")):
        merges.merge_contacts(ctx, tara, ContactMerge(source_contact_id=sam), None, batch_items=6)
    stream.drain()

    new = [e for e in _trail(api) if e["id"] not in before]
    removed = [e for e in new if e["action"] in {"delete", "expire"}]
    assert len(removed) >= 4  # the source, and its link on each shared account (at least)
    assert {(e["action"], e["actor"]["kind"]) for e in removed} == {("delete", "member")}


def test_erasing_a_merge_target_forgets_the_merged_contact_in_the_trail(api: Api, firm: TestFirm, table: Table) -> None:
    """The source's own entries (its creation, its address) stay in the firm's trail under its id after a
    merge: the target's GDPR export shows them, and the target's erasure scrubs them."""
    stream = poller(table)
    own = new_account(api, "Sam Works", contacts=[contact_spec("Sam", "Source", emails=["sam@works.example"])])
    theirs = new_account(api, "Tara Trading", contacts=[contact_spec("Tara", "Target", emails=["tara@t.example"])])
    sam, tara = own["contacts"][0]["id"], theirs["contacts"][0]["id"]
    assert api.post(f"/contacts/{tara}/merge", {"source_contact_id": sam}).status == 200
    stream.drain()
    assert "sam@works.example" in json.dumps(_trail(api))

    exported = api.get(f"/contacts/{tara}/export")
    assert exported.status == 200, exported.body
    assert {e["resource"]["id"] for e in exported.body["audit"]} >= {sam, tara}  # the merged contact's entries

    for account in (own, theirs):  # she is their last contact: archived accounts may be left with none
        assert api.delete(f"/accounts/{account['id']}").status == 204
    erased = api.post(f"/contacts/{tara}/erase")
    assert erased.status == 200, erased.body
    stream.drain()
    trail = json.dumps(_trail(api))
    for former in ("sam@works.example", "Source", "tara@t.example", "Target"):
        assert former not in trail, former
