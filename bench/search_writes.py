"""The search index's write cost: source writes through the API, then the
indexer, then the same records again."""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.common import Usage, metered
from bench.search_firm import SEED, Firm, People, phone
from chalicelib.repo import keys
from chalicelib.repo.search import SearchRepo
from chalicelib.repo.table import Table, to_wire
from chalicelib.services import search as service
from tests.support.api import Api, Reply

CREATED = 50  # accounts created through the API for the write cost
CHANGED = 10  # addresses added, accounts renamed


# --- the write cost ----------------------------------------------------------------------------


@dataclass
class _Cost:
    label: str
    n: int
    source: Usage
    index: Usage
    written: int
    again: Usage


def _ok(reply: Reply, status: int = 201) -> Any:
    assert reply.status == status, reply.body
    return reply.body


def _new_account(people: People) -> dict[str, Any]:
    """An individual with 1-2 new contacts and 1-3 addresses, like the seeded ones."""
    rng = people.rng
    first, last = people.name()
    contacts: list[dict[str, Any]] = [
        {"first_name": first, "last_name": last, "emails": [people.address(first, last)], "phones": phone(rng)}
    ]
    if rng.random() < 0.25:
        contacts[0]["emails"].append(people.address(first, last))
    if rng.random() < 0.5:
        other, _ = people.name()
        contacts.append(
            {"first_name": other, "last_name": last, "emails": [people.address(other, last)], "phones": phone(rng)}
        )
    return {"name": f"{first} {last}", "type": "individual", "contacts": contacts}


def index_accounts(table: Table, firm: Firm, account_ids: list[str]) -> tuple[Usage, int]:
    """The indexer, as the stream function runs it for each account a record names."""
    repo = SearchRepo(table)
    with metered(table.client) as usage:
        written = sum(service.reindex(repo, firm.firm_id, a) for a in account_ids)
    return usage, written


def _cost(table: Table, firm: Firm, label: str, writes: list[Callable[[], list[str]]]) -> _Cost:
    """Run the source writes (each returns the accounts it re-indexes), index
    them, then index them again (a duplicate delivery: must write nothing)."""
    targets: list[str] = []
    with metered(table.client) as source:
        for write in writes:
            targets += write()
    index, written = index_accounts(table, firm, targets)
    again, rewritten = index_accounts(table, firm, targets)
    assert written > 0 and rewritten == 0, (label, written, rewritten)
    return _Cost(label, len(writes), source, index, written, again)


def _transaction_probe(table: Table) -> tuple[float, float]:
    """The write units DynamoDB Local reports for a TransactWriteItems of 1 and of 9 small Puts."""
    reported = []
    for n in (1, 9):
        probe = [keys.Key("BENCH#probe", f"{n}#{i}") for i in range(n)]
        with metered(table.client) as usage:
            table.client.transact_write_items(
                TransactItems=[{"Put": {"TableName": table.name, "Item": to_wire(k.as_dict())}} for k in probe]
            )
        table.delete_many(probe)
        reported.append(usage.wru)
    return reported[0], reported[1]


def write_costs(table: Table, firm: Firm, api: Api) -> list[str]:
    people = firm.given
    assert people is not None
    in_transaction: list[int] = []  # items each create writes in its transaction
    gsi1_copies: list[int] = []  # of them, items that are also written to GSI1 (the account, its contacts)

    def create() -> list[str]:
        body = _new_account(people)
        contacts = body["contacts"]
        in_transaction.append(1 + 2 * len(contacts) + sum(len(c["emails"]) for c in contacts))
        gsi1_copies.append(1 + len(contacts))
        return [_ok(api.post("/accounts", body))["id"]]

    def add_address(contact_id: str, first: str, last: str, account_ids: list[str]) -> Callable[[], list[str]]:
        body = {"address": people.address(first, last)}
        return lambda: (_ok(api.post(f"/contacts/{contact_id}/emails", body)), account_ids)[1]

    def rename_contact(contact_id: str, account_ids: list[str]) -> Callable[[], list[str]]:
        _, last = people.name()
        return lambda: (_ok(api.patch(f"/contacts/{contact_id}", {"last_name": last}), 200), account_ids)[1]

    def rename(account_id: str) -> Callable[[], list[str]]:
        first, last = people.name()
        return lambda: (_ok(api.patch(f"/accounts/{account_id}", {"name": f"{first} {last}"}), 200), [account_id])[1]

    seeded = random.Random(SEED + 1).sample(sorted(firm.names), CHANGED)
    costs = [
        _cost(
            table,
            firm,
            "create an account (`POST /accounts`: 1 or 2 new contacts, 1 to 3 addresses)",
            [create] * CREATED,
        ),
        _cost(
            table,
            firm,
            "add an address to a contact linked to 2 accounts (`POST /contacts/{id}/emails`)",
            [add_address(*shared) for shared in firm.shared[:CHANGED]],
        ),
        _cost(table, firm, "rename a seeded account (`PATCH /accounts/{id}`)", [rename(a) for a in seeded]),
        _cost(
            table,
            firm,
            "rename a contact linked to 2 accounts (`PATCH /contacts/{id}`, `last_name`)",
            [rename_contact(c, accounts) for c, _, _, accounts in firm.shared[CHANGED : 2 * CHANGED]],
        ),
    ]
    one, nine = _transaction_probe(table)
    items, copies = statistics.mean(in_transaction), statistics.mean(gsi1_copies)
    by_rule = 2 * items + copies
    index_wcu = costs[0].index.wru / costs[0].n
    return [
        *_cost_table(costs),
        "",
        f"DynamoDB Local reports a TransactWriteItems of 1 Put as {one:g} WCU and one of 9 Puts as {nine:g}: "
        f"it does not count a transaction's items, so the creates' source WCU above are too low. By DynamoDB's "
        f"rule (2 WCU per transactional item up to 1 KB) a create here wrote {items:.1f} items in its "
        f"transaction (account, contacts, addresses, links): {2 * items:.1f} WCU, plus {copies:.1f} for the "
        f"GSI1 copies of the account and its contacts, about {by_rule:.0f} WCU. The index then adds "
        f"{index_wcu:.1f} WCU: {index_wcu / by_rule:.1f} times the create itself.",
    ]


def _cost_table(costs: list[_Cost]) -> list[str]:
    lines = [
        "| write (per write, mean of n) | n | source write: requests | source write: RRU / WCU | indexer: requests "
        "| indexer: RRU | indexer: WCU | index items written | same records again: requests, RRU / WCU |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in costs:
        n = c.n
        lines.append(
            f"| {c.label} | {n} | {c.source.total_requests / n:.1f} | {c.source.rru / n:.1f} / "
            f"{c.source.units_text('write', n)} | {c.index.total_requests / n:.1f} ({c.index.requests_text()} in all) "
            f"| {c.index.units_text('read', n)} | {c.index.units_text('write', n)} | {c.written / n:.1f} "
            f"| {c.again.total_requests / n:.1f}, {c.again.rru / n:.1f} / {c.again.wru / n:g} |"
        )
    return lines
