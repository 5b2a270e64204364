"""The audit trail: every change is recorded from the change stream with its
actor, IP and field changes (secrets redacted); GET /audit and
GET /accounts/{account_id}/audit read it, on moto and DynamoDB Local."""

from __future__ import annotations

import json
import time
from typing import Any

from chalicelib.domain import audit
from chalicelib.domain.text import email_key
from chalicelib.repo import keys
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.table import ITEM_EXISTS, Table
from chalicelib.services.audit import entries_about_or_by_contact, scrub_contact_from_entries
from tests.support.api import Api, TestFirm
from tests.support.factories import contact_spec, created, new_account, new_contact
from tests.support.portal import invite
from tests.support.problems import assert_refused
from tests.support.stream import poller, search_poller

IP = "127.0.0.1"  # the test client's source address


def _all(api: Api, path: str = "/audit", **params: str) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in {"limit": "100", **params}.items())
    r = api.get(f"{path}?{query}")
    assert r.status == 200, r.body
    assert r.body["next_cursor"] is None
    items: list[dict[str, Any]] = r.body["items"]
    return items


def _one(entries: list[dict[str, Any]], type_: str, action: str, resource_id: str | None = None) -> dict[str, Any]:
    found = [
        e
        for e in entries
        if e["resource"]["type"] == type_
        and e["action"] == action
        and (resource_id is None or e["resource"]["id"] == resource_id)
    ]
    assert len(found) == 1, (type_, action, [(e["resource"], e["action"]) for e in entries])
    return found[0]


def _fields(entry: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {c["field"]: (c["old"], c["new"]) for c in entry["changes"]}


def test_each_change_is_recorded_with_its_actor_ip_and_fields(api: Api, firm: TestFirm, table: Table) -> None:
    stream = poller(table)
    admin_id, admin = firm.add_member("admin", name="Ada Admin")
    employee_id, _ = firm.add_member("employee", name="Eve Employee")
    account = new_account(api, "Acme Ltd")
    account_id = account["id"]
    r = api.patch(f"/accounts/{account_id}", {"name": "Acme Holding"}, headers={"If-Match": '"1"'})
    assert r.status == 200, r.body
    contact_id = account["contacts"][0]["id"]
    assert api.as_(admin).patch(f"/contacts/{contact_id}", {"first_name": "Annie"}).status == 200
    other = new_contact(api, "Bob", "Other")
    created(api, f"/accounts/{account_id}/contacts", {"contact_id": other["id"], "description": "CFO"})
    task = created(api, f"/accounts/{account_id}/tasks", {"title": "File VAT", "status": "planned"})
    assert api.patch(f"/accounts/{account_id}/tasks/{task['id']}", {"status": "done"}).status == 200
    assert api.delete(f"/accounts/{account_id}/tasks/{task['id']}").status == 204
    assert api.patch(f"/members/{employee_id}", {"rights": {"manage_accounts": True}}).status == 200
    assert api.as_(admin).delete(f"/accounts/{account_id}").status == 204
    stream.drain()

    entries = _all(api)
    owner = {"kind": "member", "id": firm.owner_id, "name": "Olivia Owner"}
    by_admin = {"kind": "member", "id": admin_id, "name": "Ada Admin"}

    made = _one(entries, "account", "create", account_id)
    assert made["actor"] == owner and made["ip"] == IP
    assert made["resource"] == {"type": "account", "id": account_id, "account_id": account_id}
    assert _fields(made)["name"] == (None, "Acme Ltd")

    edited = _one(entries, "account", "update", account_id)
    assert edited["actor"] == owner and _fields(edited) == {"name": ("Acme Ltd", "Acme Holding")}

    archived = _one(entries, "account", "archive", account_id)
    assert archived["actor"] == by_admin and _fields(archived)["archived"] == (False, True)

    person = _one(entries, "contact", "update", contact_id)
    assert person["actor"] == by_admin and _fields(person) == {"first_name": ("Anna", "Annie")}

    link = _one(entries, "account_contact", "create", other["id"])
    assert link["resource"]["account_id"] == account_id and _fields(link)["description"] == (None, "CFO")

    task_edit = _one(entries, "tasks", "update", task["id"])
    assert task_edit["actor"] == owner and _fields(task_edit)["status"] == ("planned", "done")
    gone = _one(entries, "tasks", "delete", task["id"])
    assert gone["actor"] == owner and gone["ip"] == IP and _fields(gone)["title"] == ("File VAT", None)

    rights = _one(entries, "member", "update", employee_id)
    assert rights["actor"] == owner and _fields(rights) == {"manage_accounts": (False, True)}

    # newest first, ids unique; derived data (overview items, search entries, list copies) is never recorded
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    assert len({e["id"] for e in entries}) == len(entries)
    assert not {e["resource"]["type"] for e in entries} & {"overview", "search", "account_list_entry", "idempotency"}

    # the account's own trail: its changes, its links, its items, and its contacts' edits
    trail = _all(api, f"/accounts/{account_id}/audit")
    assert {(e["resource"]["type"], e["action"]) for e in trail} >= {
        ("account", "create"),
        ("account", "archive"),
        ("contact", "update"),
        ("account_contact", "create"),
        ("tasks", "delete"),
    }
    assert ("member", "update") not in {(e["resource"]["type"], e["action"]) for e in trail}


def test_the_search_indexers_writes_are_not_recorded(api: Api, firm: TestFirm, table: Table) -> None:
    stream, indexer = poller(table), search_poller(table)
    account = new_account(api, "Indexed BV")
    indexer.drain()  # writes the account's address copies (an Update of the account) and its search entries
    stream.drain()
    entries = _all(api)
    assert all(e["actor"]["kind"] != "derived" for e in entries)
    assert not [e for e in entries if "contact_emails" in _fields(e) or e["resource"]["type"] == "search"]
    assert (
        len(
            [
                e
                for e in entries
                if e["resource"] == {"type": "account", "id": account["id"], "account_id": account["id"]}
            ]
        )
        == 1
    )


def test_secrets_and_tokens_are_never_recorded_and_portal_callers_are_contacts(
    api: Api, firm: TestFirm, table: Table
) -> None:
    stream = poller(table)
    account = new_account(api, "Secretive BV", contacts=[contact_spec("Sam", "Quixley")])
    contact = account["contacts"][0]
    address = contact["emails"][0]["address"]
    token = invite(api, contact["id"], address)
    stored = table.get(keys.email(firm.firm_id, email_key(address)), consistent=True)
    assert stored is not None and stored["invite_hash"]
    invite_hash = stored["invite_hash"]
    r = api.as_(None).post("/portal/invites/accept", {"token": token})
    assert r.status == 200, r.body
    stream.drain()

    entries = _all(api)
    invited = [e for e in entries if e["resource"]["type"] == "email" and "invite_hash" in _fields(e)]
    hashes = [_fields(e)["invite_hash"] for e in invited]
    assert (None, audit.REDACTED) in hashes and all(set(h) <= {None, audit.REDACTED} for h in hashes)
    text = json.dumps(entries)
    assert invite_hash not in text and token not in text and token.split(".")[-1] not in text
    # accepting is the contact's own act, from its IP
    accepted = [e for e in entries if e["actor"]["kind"] == "contact"]
    assert accepted and {e["actor"]["id"] for e in accepted} == {contact["id"]}
    login = [e for e in accepted if e["resource"]["type"] == "email" and "login" in _fields(e)]
    assert login and _fields(login[0])["login"] == ("invited", "active") and login[0]["ip"] == IP
    assert _all(api, actor_id=contact["id"]) == accepted

    # for the GDPR helper: the contact's entries (about it, or by it), then scrubbed
    about = entries_about_or_by_contact(table, firm.firm_id, contact["id"])
    assert {e["id"] for e in accepted} <= {e.id for e in about}
    assert any(e.resource.type == "contact" and e.action == "create" for e in about)
    assert scrub_contact_from_entries(table, firm.firm_id, contact["id"], ["Sam", "Quixley", address]) > 0
    for reader in (_all(api), _all(api, f"/accounts/{account['id']}/audit"), _all(api, actor_id=contact["id"])):
        flat = json.dumps(reader)
        assert address not in flat and "Quixley" not in flat, flat
    again = entries_about_or_by_contact(table, firm.firm_id, contact["id"])
    assert {e.id for e in again} == {e.id for e in about}
    assert all(
        e.actor.name == audit.pseudonym(contact["id"]) and e.ip is None for e in again if e.actor.kind == "contact"
    )
    assert scrub_contact_from_entries(table, firm.firm_id, contact["id"], ["Sam", "Quixley", address]) == 0


def test_system_writes_are_recorded_as_the_system(api: Api, firm: TestFirm, table: Table) -> None:
    stream = poller(table)
    # a write with no request behind it (a job, mail sync, the connector's callbacks)
    FirmRepo(table).update_firm(firm.firm_id, {"name": "Renamed by a job"}, ITEM_EXISTS)
    stream.drain()
    entry = _one(_all(api), "firm", "update")
    assert entry["actor"] == {"kind": "system", "id": "system", "name": "Dossier"} and entry["ip"] is None
    assert _fields(entry) == {"name": ("Test & Co", "Renamed by a job")}


def test_filters_and_paging(api: Api, firm: TestFirm, table: Table) -> None:
    stream = poller(table)
    admin_id, admin = firm.add_member("admin", name="Ada Admin")
    first = new_account(api, "First Ltd")
    middle = time.time()
    time.sleep(1.1)
    second = new_account(api.as_(admin), "Second Ltd")
    for name in ("Second A", "Second B", "Second C"):
        r = api.as_(admin).patch(f"/accounts/{second['id']}", {"name": name})
        assert r.status == 200, r.body
    stream.drain()

    everything = _all(api)
    by_admin = _all(api, actor_id=admin_id)
    assert by_admin and all(e["actor"]["id"] == admin_id for e in by_admin)
    assert [e["id"] for e in by_admin] == [e["id"] for e in everything if e["actor"]["id"] == admin_id]
    of_first = _all(api, account_id=first["id"])
    assert of_first and all(second["id"] not in json.dumps(e["resource"]) for e in of_first)
    assert not _all(api, account_id=first["id"], actor_id=admin_id)
    assert _all(api, account_id=second["id"], actor_id=admin_id) == _all(api, f"/accounts/{second['id']}/audit")

    cut = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(middle + 1))
    later = _all(api, since=cut)
    earlier = _all(api, until=cut)
    assert later and earlier and {e["id"] for e in later} | {e["id"] for e in earlier} >= {e["id"] for e in everything}
    assert all(e["at"] >= cut for e in later) and all(e["at"] <= cut for e in earlier)
    assert not {e["id"] for e in later if e["resource"]["id"] == first["id"]}

    # pages of 2, newest first, nothing twice, nothing missed
    seen: list[str] = []
    cursor = ""
    while True:
        r = api.get("/audit?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status == 200 and len(r.body["items"]) <= 2, r.body
        seen += [e["id"] for e in r.body["items"]]
        if r.body["next_cursor"] is None:
            break
        cursor = r.body["next_cursor"]
    assert seen == [e["id"] for e in everything]

    # a cursor is only valid for the list (and filters) it came from
    r = api.get("/audit?limit=1")
    foreign = api.get(f"/audit?limit=1&actor_id={admin_id}&cursor={r.body['next_cursor']}")
    assert foreign.status == 400 and foreign.body["code"] == "invalid_cursor"


def test_who_may_read_the_trail(api: Api, firm: TestFirm, table: Table) -> None:
    stream = poller(table)
    _, employee = firm.add_member("employee")
    _, viewer = firm.add_member("employee", view_all=True)
    _, admin = firm.add_member("admin")
    account = new_account(api, "Private Ltd")
    stream.drain()
    body = assert_refused(table, 403, lambda: api.as_(employee).get("/audit"))
    assert body["code"] == "forbidden"
    assert api.as_(admin).get("/audit").status == 200
    body = assert_refused(table, 404, lambda: api.as_(employee).get(f"/accounts/{account['id']}/audit"))
    assert body["code"] == "not_found"
    assert api.as_(viewer).get(f"/accounts/{account['id']}/audit").body["items"]
    assert api.get("/accounts/01ZZZZZZZZZZZZZZZZZZZZZZZZ/audit").status == 404


def test_bad_filters_are_refused(api: Api, firm: TestFirm, table: Table) -> None:
    account = new_account(api, "Filtered Ltd")
    for query in (
        "since=yesterday",
        "until=2026-13-01T00:00:00Z",
        "since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z",
        "actor_id=not%20an%20id",
        "account_id=a%2Fb",
        "limit=0",
        "limit=101",
        "cursor=garbage",
        "color=red",
    ):
        assert_refused(table, 400, lambda q=query: api.get(f"/audit?{q}"))  # type: ignore[misc]
    assert_refused(table, 400, lambda: api.get(f"/accounts/{account['id']}/audit?since=soon"))
    assert_refused(table, 400, lambda: api.get(f"/accounts/{account['id']}/audit?account_id={account['id']}"))


def test_the_retention_setting_sets_the_ttl_of_new_entries(api: Api, firm: TestFirm, table: Table) -> None:
    stream = poller(table)
    assert api.get("/firm").body["audit_retention_days"] == audit.RETENTION_DEFAULT_DAYS
    first = new_account(api, "Kept Long")
    stream.drain()
    r = api.patch("/firm", {"audit_retention_days": 30})
    assert r.status == 200 and r.body["audit_retention_days"] == 30, r.body
    second = new_account(api, "Kept Short")
    stream.drain()

    def ttl_days(account_id: str) -> float:
        rows = table.query_all(pk=keys.audit_account_pk(firm.firm_id, account_id), consistent=True)
        made = [r for r in rows if r["resource_type"] == "account" and r["action"] == "create"]
        assert len(made) == 1
        at = time.mktime(time.strptime(made[0]["at"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        return (int(made[0][keys.TTL_ATTRIBUTE]) - at) / 86400

    assert round(ttl_days(first["id"])) == 365
    assert round(ttl_days(second["id"])) == 30
    # the retention change itself is recorded
    assert _fields(_one(_all(api), "firm", "update"))["audit_retention_days"] == (365, 30)
    for bad in (29, 3651, "90", 365.5):
        assert_refused(table, 400, lambda b=bad: api.patch("/firm", {"audit_retention_days": b}))  # type: ignore[misc]
