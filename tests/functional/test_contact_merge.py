"""Merging two contacts (POST /contacts/{contact_id}/merge; docs/api.md "Data in and out",
docs/data-model.md "Merging two contacts").

Every test runs on moto and on DynamoDB Local (the ``table`` fixture); the
search index is brought up to date with the indexer's poller (``drain``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from chalice.test import Client

from chalicelib.adapters.auth import Claims
from chalicelib.domain.models.people import ContactMerge
from chalicelib.repo import keys
from chalicelib.repo.table import Table
from chalicelib.services import merges
from chalicelib.services.context import Ctx
from devtools.stream_poller import StreamPoller
from tests.support.api import Api, Reply, TestFirm, make_firm, snapshot
from tests.support.factories import contact_spec, created, new_account, new_contact, unique_email
from tests.support.portal import activate, invite
from tests.support.problems import assert_problem, assert_refused
from tests.support.stream import poller

Body = dict[str, Any]


def ok(r: Reply, status: int = 200) -> Reply:
    assert r.status == status, (r.status, r.body)
    return r


def merge(api: Api, target_id: str, source_id: str, **kw: Any) -> Reply:
    return api.post(f"/contacts/{target_id}/merge", {"source_contact_id": source_id}, **kw)


def addresses(contact: Body) -> list[str]:
    return [e["address"] for e in contact["emails"]]


def linked(api: Api, account_id: str) -> list[Body]:
    contacts: list[Body] = ok(api.get(f"/accounts/{account_id}")).body["contacts"]
    return contacts


@dataclass
class Pair:
    """Sam (the source) on his own account and on a shared one; Tara (the
    target) on hers and the shared one; each with one address."""

    source: Body
    target: Body
    source_account: Body
    target_account: Body
    shared: Body

    @property
    def source_id(self) -> str:
        return str(self.source["id"])

    @property
    def target_id(self) -> str:
        return str(self.target["id"])


def pair(api: Api) -> Pair:
    source_account = new_account(
        api, "Sam Works", contacts=[contact_spec("Sam", "Source", emails=[unique_email("sam")], phones=[])]
    )
    target_account = new_account(
        api, "Tara Trading", contacts=[contact_spec("Tara", "Target", emails=[unique_email("tara")])]
    )
    source, target = source_account["contacts"][0], target_account["contacts"][0]
    shared = new_account(
        api,
        "Shared Holding",
        contacts=[
            {"contact_id": source["id"], "description": "Bookkeeper", "signer_priority": 2},
            {"contact_id": target["id"], "description": "Director", "signer_priority": 1},
        ],
    )
    return Pair(source, target, source_account, target_account, shared)


# --- the merge ----------------------------------------------------------------------------------


def test_merge_moves_links_and_addresses_and_removes_the_source(api: Api) -> None:
    p = pair(api)
    source_address = addresses(p.source)[0]

    r = ok(merge(api, p.target_id, p.source_id))

    assert r.body["id"] == p.target_id
    assert r.etag == f'"{r.body["version"]}"'
    assert addresses(r.body) == [*addresses(p.target), source_address]
    assert ok(api.get(f"/contacts/{p.target_id}")).body == r.body
    # The source's own account now has the target, with the source's description.
    on_source_account = linked(api, p.source_account["id"])
    assert [c["id"] for c in on_source_account] == [p.target_id]
    # The shared account keeps one link: the target's, with its description and priority.
    on_shared = linked(api, p.shared["id"])
    assert [(c["id"], c["description"], c["signer_priority"]) for c in on_shared] == [(p.target_id, "Director", 1)]
    accounts = ok(api.get(f"/contacts/{p.target_id}/accounts")).body["items"]
    assert sorted(a["id"] for a in accounts) == sorted([p.source_account["id"], p.target_account["id"], p.shared["id"]])
    # The address moved with its settings and is found under the target.
    email = ok(api.get(f"/contacts/{p.target_id}/emails/{quote(source_address, safe='@')}")).body
    assert email["address"] == source_address
    # Related accounts follow: the target's own account now relates to the source's.
    info = ok(api.get(f"/accounts/{p.target_account['id']}")).body
    assert p.source_account["id"] in [a["id"] for a in info["related_accounts"]]


def test_the_source_answers_404_on_every_route_afterwards(api: Api) -> None:
    p = pair(api)
    source_address = quote(addresses(p.source)[0], safe="@")
    ok(merge(api, p.target_id, p.source_id))

    for r in (
        api.get(f"/contacts/{p.source_id}"),
        api.patch(f"/contacts/{p.source_id}", {"first_name": "Again"}),
        api.get(f"/contacts/{p.source_id}/accounts"),
        api.get(f"/contacts/{p.source_id}/emails/{source_address}"),
        api.post(f"/contacts/{p.source_id}/emails", {"address": unique_email("late")}),
        api.get(f"/accounts/{p.source_account['id']}/contacts/{p.source_id}"),
        api.get(f"/accounts/{p.shared['id']}/contacts/{p.source_id}"),
        merge(api, p.source_id, p.target_id),
    ):
        assert_problem(r, 404)
    listed = ok(api.get("/contacts?limit=100")).body["items"]
    assert p.source_id not in [c["id"] for c in listed]


def test_counts_stay_right_on_the_shared_account(api: Api) -> None:
    """The shared account lost one contact: unlinking the target now is its last contact (409)."""
    p = pair(api)
    ok(merge(api, p.target_id, p.source_id))

    r = api.delete(f"/accounts/{p.shared['id']}/contacts/{p.target_id}")

    assert assert_problem(r, 409)["code"] == "last_contact"


def test_details_of_the_target_win_and_the_source_fills_gaps(api: Api) -> None:
    target = new_contact(api, "Tara", "Target", phones=[{"number": "+31 20 1234567"}])
    source = new_contact(
        api,
        "Sam",
        "Source",
        phones=[{"number": "+31 20 1234567", "label": "same"}, {"number": "+31 6 7654321"}],
        address={"line1": "Dam 1", "city": "Amsterdam", "country": "NL"},
    )

    body = ok(merge(api, target["id"], source["id"])).body

    assert (body["first_name"], body["last_name"]) == ("Tara", "Target")
    assert [ph["number"] for ph in body["phones"]] == ["+31 20 1234567", "+31 6 7654321"]
    assert body["address"]["line1"] == "Dam 1"


def test_retry_is_idempotent(api: Api, table: Table) -> None:
    """The same request again, If-Match included, answers the same and writes nothing."""
    p = pair(api)
    etag = ok(api.get(f"/contacts/{p.target_id}")).etag
    assert etag is not None
    first = ok(merge(api, p.target_id, p.source_id, headers={"If-Match": etag}))
    after = snapshot(table)

    again = ok(merge(api, p.target_id, p.source_id, headers={"If-Match": etag}))

    assert again.body == first.body
    assert snapshot(table) == after


def test_a_merge_interrupted_half_way_is_finished_by_a_retry(api: Api, firm: TestFirm, table: Table) -> None:
    """Forced through the stepped path (one unit per transaction: 4 items, a deletion note included) and stopped
    after two writes, as a crash would; the same request again finishes it."""
    p = pair(api)
    extra = unique_email("extra")
    ok(api.post(f"/contacts/{p.source_id}/emails", {"address": extra}), 201)
    ctx = Ctx(claims=Claims(firm.firm_id, firm.owner_id), table=table)
    body = ContactMerge(source_contact_id=p.source_id)

    merges.merge_contacts(ctx, p.target_id, body, None, batch_items=4, stop_after=2)

    # Half way: the merge has started, the source still exists, one unit has moved.
    assert table.get(keys.contact_merge(firm.firm_id, p.source_id), consistent=True) is not None
    assert ok(api.get(f"/contacts/{p.source_id}")).body["id"] == p.source_id
    # Another merge of either contact meanwhile is refused.
    third = new_contact(api, "Theo", "Third")
    assert assert_problem(merge(api, third["id"], p.source_id), 409)["code"] == "merge_in_progress"
    assert assert_problem(merge(api, third["id"], p.target_id), 409)["code"] == "merge_in_progress"
    # Erasing either side meanwhile is refused too (it would strand what the merge has still to move).
    for side in (p.source_id, p.target_id):
        erase = lambda side=side: api.post(f"/contacts/{side}/erase")  # noqa: E731
        assert assert_refused(table, 409, erase)["code"] == "merge_in_progress"

    r = ok(merge(api, p.target_id, p.source_id))

    assert addresses(r.body) == [*addresses(p.target), addresses(p.source)[0], extra]
    assert_problem(api.get(f"/contacts/{p.source_id}"), 404)
    assert [c["id"] for c in linked(api, p.source_account["id"])] == [p.target_id]
    assert [c["id"] for c in linked(api, p.shared["id"])] == [p.target_id]
    # and a further retry is answered the same
    assert ok(merge(api, p.target_id, p.source_id)).body == r.body


def test_a_large_merge_in_steps_ends_as_one_transaction_would(api: Api, firm: TestFirm, table: Table) -> None:
    p = pair(api)
    ctx = Ctx(claims=Claims(firm.firm_id, firm.owner_id), table=table)

    merges.merge_contacts(ctx, p.target_id, ContactMerge(source_contact_id=p.source_id), None, batch_items=4)

    target = ok(api.get(f"/contacts/{p.target_id}")).body
    assert addresses(target) == [*addresses(p.target), *addresses(p.source)]
    assert_problem(api.get(f"/contacts/{p.source_id}"), 404)
    on_shared = linked(api, p.shared["id"])
    assert [(c["id"], c["description"]) for c in on_shared] == [(p.target_id, "Director")]
    # The target counts no merge in progress any more: it can be merged itself.
    other = new_contact(api, "Olga", "Other")
    ok(merge(api, other["id"], p.target_id))


# --- portal access, signatures and activity follow -----------------------------------------------------


def test_portal_access_and_pending_invitations_move(api: Api) -> None:
    p = pair(api)
    active = addresses(p.source)[0]
    invited = unique_email("invited")
    ok(api.post(f"/contacts/{p.source_id}/emails", {"address": invited}), 201)
    activate(api, p.source_id, active)
    token = invite(api, p.source_id, invited)

    ok(merge(api, p.target_id, p.source_id))

    emails = {e["address"]: e for e in ok(api.get(f"/contacts/{p.target_id}")).body["emails"]}
    assert emails[active]["login"] == "active"
    assert emails[invited]["login"] == "invited"
    # The invitation sent to the source still works, now for the target.
    ok(api.as_(None).post("/portal/invites/accept", {"token": token}))
    assert ok(api.get(f"/contacts/{p.target_id}/emails/{quote(invited, safe='@')}")).body["login"] == "active"
    # A login on the source's account is recorded for the moved address.
    created(api, f"/accounts/{p.source_account['id']}/logins", {"email": active})


def test_signatures_move_to_the_target(api: Api, table: Table) -> None:
    """Sam signs; after the merge his address (now Tara's) is corrected; the
    other signer's signature completes the proposal only if Sam's signature
    counts as Tara's (signatures name their contact)."""
    account = new_account(api, "Signing Co", contacts=[contact_spec("Sam", "Source"), contact_spec("Xena", "X")])
    sam, xena = account["contacts"]
    sam_address, xena_address = addresses(sam)[0], addresses(xena)[0]
    activate(api, sam["id"], sam_address)
    activate(api, xena["id"], xena_address)
    target = new_contact(api, "Tara", "Target")
    path = f"/accounts/{account['id']}/proposals"
    proposal = created(api, path, {"name": "Engagement 2027", "kind": "engagement_letter", "status": "sent"})
    sign = f"{path}/{proposal['id']}/sign"
    assert ok(api.post(sign, {"email": sam_address})).body["status"] == "sent"
    projection = poller(table)

    ok(merge(api, target["id"], sam["id"]))
    corrected = unique_email("sam.new")
    ok(api.patch(f"/contacts/{target['id']}/emails/{quote(sam_address, safe='@')}", {"address": corrected}))

    signed = ok(api.post(sign, {"email": xena_address})).body
    assert signed["status"] == "signed"
    assert [s["address"] for s in signed["signed_by"]] == [sam_address, xena_address]
    # The overview follows the proposal's rewrites (its stream records are items).
    projection.drain()
    shown = ok(api.get(f"/accounts/{account['id']}/overview")).body["proposals"]["items"]
    assert [(s["id"], s["status"]) for s in shown] == [(proposal["id"], "signed")]


def authored(api: Api, p: Pair) -> tuple[str, str, str]:
    """Sam writes a chat message and uploads a document on his account (both naming him), and has a
    pending invitation; returns the chat's path, the document's path and the invited address."""
    account = f"/accounts/{p.source_account['id']}"
    chat = created(api, f"{account}/chats", {"subject": "Question"})
    messages = f"{account}/chats/{chat['id']}/messages"
    created(api, messages, {"body": "Hello from Sam", "author": "client", "contact_id": p.source_id})
    document = created(
        api, f"{account}/documents", {"name": "Scan.pdf", "uploaded_by": "client", "contact_id": p.source_id}
    )
    invited = unique_email("invited")
    ok(api.post(f"/contacts/{p.source_id}/emails", {"address": invited}), 201)
    invite(api, p.source_id, invited)
    return messages, f"{account}/documents/{document['id']}", invited


@pytest.mark.parametrize("batch_items", [None, 3], ids=["one transaction", "in steps"])
def test_chat_messages_and_documents_of_the_source_name_the_target(
    api: Api, firm: TestFirm, table: Table, batch_items: int | None
) -> None:
    p = pair(api)
    messages, document, _ = authored(api, p)

    if batch_items is None:
        ok(merge(api, p.target_id, p.source_id))
    else:  # the stepped path moves them in its idempotent steps
        ctx = Ctx(claims=Claims(firm.firm_id, firm.owner_id), table=table)
        merges.merge_contacts(ctx, p.target_id, ContactMerge(source_contact_id=p.source_id), None, batch_items=4)

    written = ok(api.get(messages)).body["items"]
    assert [(m["author"], m["body"], m["contact_id"]) for m in written] == [("client", "Hello from Sam", p.target_id)]
    assert ok(api.get(document)).body["contact_id"] == p.target_id


def test_the_targets_gdpr_export_holds_what_moved(api: Api) -> None:
    """The invitation moved to the target's GSI1 partition; the message and document name the target."""
    p = pair(api)
    _, _, invited = authored(api, p)

    ok(merge(api, p.target_id, p.source_id))

    out = ok(api.get(f"/contacts/{p.target_id}/export")).body
    assert [(i["address"], i["state"]) for i in out["invitations"]] == [(invited, "pending")]
    assert [m["body"] for m in out["chat_messages"]] == ["Hello from Sam"]
    assert [d["name"] for d in out["documents"]] == ["Scan.pdf"]


def test_the_merge_record_holds_ids_only(api: Api, firm: TestFirm, table: Table) -> None:
    p = pair(api)
    ok(merge(api, p.target_id, p.source_id))

    record = table.get(keys.contact_merge(firm.firm_id, p.source_id), consistent=True)
    assert record is not None
    assert set(record) == {"PK", "SK", "entity", "firm_id", "contact_id", "merged_into", "state", "at"}
    assert (record["contact_id"], record["merged_into"], record["state"]) == (p.source_id, p.target_id, "done")


# --- search follows -------------------------------------------------------------------------------------


def test_search_finds_the_target_by_the_sources_address(api: Api, stream: StreamPoller) -> None:
    p = pair(api)
    source_address = addresses(p.source)[0]
    stream.drain()
    before = ok(api.get(f"/search?q={quote(source_address, safe='')}")).body["items"]
    assert sorted(h["account_id"] for h in before) == sorted([p.source_account["id"], p.shared["id"]])

    ok(merge(api, p.target_id, p.source_id))
    stream.drain()

    # The address is the target's now: every account of the target is found by it.
    everyone = sorted([p.source_account["id"], p.target_account["id"], p.shared["id"]])
    hits = ok(api.get(f"/search?q={quote(source_address, safe='')}")).body["items"]
    assert sorted(h["account_id"] for h in hits) == everyone
    named = {(m.get("contact") or {}).get("id") for h in hits for m in h["matched"]} - {None}
    assert p.source_id not in named
    by_name = ok(api.get("/search?q=sam%20source")).body["items"]
    assert by_name == []
    by_target = ok(api.get("/search?q=tara%20target")).body["items"]
    assert sorted(h["account_id"] for h in by_target) == everyone


# --- refusals: nothing written ------------------------------------------------------------------------


def test_merging_a_contact_into_itself_is_refused(api: Api, table: Table) -> None:
    p = pair(api)
    body = assert_refused(table, 422, lambda: merge(api, p.target_id, p.target_id), field="source_contact_id")
    assert body["code"] == "merge_into_itself"


def test_unknown_and_foreign_ids_are_404(api: Api, client: Client, table: Table) -> None:
    p = pair(api)
    other = make_firm(table, "Other & Co")
    theirs = Api(client, other.owner_token)
    foreign = new_account(theirs, "Foreign BV")["contacts"][0]["id"]

    assert_refused(table, 404, lambda: merge(api, p.target_id, "01UNKNOWN0000000000000000"))
    assert_refused(table, 404, lambda: merge(api, "01UNKNOWN0000000000000000", p.source_id))
    assert_refused(table, 404, lambda: merge(api, p.target_id, foreign))
    assert_refused(table, 404, lambda: merge(api, foreign, p.source_id))
    # firm B's owner with firm A's ids
    assert_refused(table, 404, lambda: merge(theirs, p.target_id, p.source_id))
    assert_refused(table, 404, lambda: merge(theirs, foreign, p.source_id))


def test_an_erased_contact_is_neither_source_nor_target(api: Api, table: Table) -> None:
    p = pair(api)
    erased = new_contact(api, "Eva", "Erased")
    ok(api.post(f"/contacts/{erased['id']}/erase"))

    assert_refused(table, 404, lambda: merge(api, p.target_id, erased["id"]))
    assert_refused(table, 404, lambda: merge(api, erased["id"], p.source_id))


def test_stale_if_match_is_412(api: Api, table: Table) -> None:
    p = pair(api)
    stale = ok(api.get(f"/contacts/{p.target_id}")).etag
    assert stale is not None
    ok(api.patch(f"/contacts/{p.target_id}", {"middle_name": "van"}))
    assert_refused(table, 412, lambda: merge(api, p.target_id, p.source_id, headers={"If-Match": stale}))


def test_too_many_addresses_together_is_409(api: Api, table: Table) -> None:
    target = new_contact(api, "Tara", "Target", emails=[unique_email("t") for _ in range(6)])
    source = new_contact(api, "Sam", "Source", emails=[unique_email("s") for _ in range(5)])
    body = assert_refused(table, 409, lambda: merge(api, target["id"], source["id"]))
    assert body["code"] == "too_many_emails"


def test_rights_on_every_account_of_both(api: Api, firm: TestFirm, table: Table) -> None:
    """An employee with *manage accounts* merges only when they may open every
    account of both contacts; without the right: 403; without sight of a contact: 404."""
    p = pair(api)
    manager_id, manager_token = firm.add_member(manage=True)
    plain_id, plain_token = firm.add_member()
    for account in (p.target_account, p.shared):
        ok(api.patch(f"/accounts/{account['id']}", {"team_member_ids": [manager_id, plain_id]}))
    manager, plain = api.as_(manager_token), api.as_(plain_token)

    # Sees both (through the shared account) but may not open Sam's own account.
    body = assert_refused(table, 403, lambda: merge(manager, p.target_id, p.source_id))
    assert body["code"] == "forbidden"
    # Without the manage right at all.
    assert_refused(table, 403, lambda: merge(plain, p.target_id, p.source_id))
    # A contact the employee cannot see at all.
    hidden = new_contact(api, "Hugo", "Hidden")
    assert_refused(table, 404, lambda: merge(manager, p.target_id, hidden["id"]))

    ok(api.patch(f"/accounts/{p.source_account['id']}", {"team_member_ids": [manager_id]}))
    ok(merge(manager, p.target_id, p.source_id))
