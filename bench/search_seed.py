"""Writing the Search bench's firm: BatchWriteItem from a few threads into the
main table (with its search index) and the naive design's baseline table."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from decimal import Decimal
from typing import Any

import boto3
from botocore.config import Config

from bench.common import item_bytes
from bench.search_firm import MEMBER_EMAILS, SEED, Firm, People, Plan, plan_accounts
from chalicelib.domain import search_terms as rules
from chalicelib.domain.entities import Contact, Email, Link, Member
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.domain.search_people import Person
from chalicelib.domain.text import email_key
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.identities import IdentityRepo
from chalicelib.repo.records import list_entries, to_item
from chalicelib.repo.table import MAX_BATCH_WRITE, Table, to_wire
from chalicelib.services import search as service
from chalicelib.services.members import create_firm

SEED_THREADS = 4


# --- writing -----------------------------------------------------------------------------------


def _value(value: Any) -> dict[str, Any]:
    """boto3's TypeSerializer for the types records hold, several times faster."""
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, dict):
        return {"M": {k: _value(v) for k, v in value.items()}}
    if isinstance(value, list):
        return {"L": [_value(v) for v in value]}
    if isinstance(value, set) and all(isinstance(v, str) for v in value):
        return {"SS": list(value)}
    raise TypeError(f"no wire form for {type(value)}")


_checked: set[str] = set()


def _wire(item: Mapping[str, Any]) -> dict[str, Any]:
    """``to_wire`` (None dropped at the top), checked against it once per entity."""
    wire = {k: _value(v) for k, v in item.items() if v is not None}
    if item["entity"] not in _checked:
        _checked.add(item["entity"])
        assert wire == to_wire(item), item
    return wire


def _seeding_client(client: Any) -> Any:
    """A client for seeding: no parameter validation (Python time), more connections."""
    return boto3.client(
        "dynamodb",
        endpoint_url=client.meta.endpoint_url,
        region_name=client.meta.region_name,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(parameter_validation=False, max_pool_connections=SEED_THREADS * 2, retries={"mode": "standard"}),
    )


class Writer:
    """Unconditional Puts into one table by BatchWriteItem from a few threads.
    DynamoDB Local handles one request at a time (about 1,000-1,500 items a
    second on this table); the threads keep it busy while Python builds the
    next items."""

    def __init__(self, table: Table, threads: int) -> None:
        self.client = _seeding_client(table.client)
        self.name = table.name
        self.threads = threads
        self.pool = ThreadPoolExecutor(threads)
        self.batch: list[dict[str, Any]] = []
        self.futures: set[Future[None]] = set()
        self.items = 0

    def put(self, item: Mapping[str, Any]) -> dict[str, Any]:
        wire = _wire(item)
        self.batch.append({"PutRequest": {"Item": wire}})
        self.items += 1
        if len(self.batch) == MAX_BATCH_WRITE:
            self._submit()
        return wire

    def _submit(self) -> None:
        batch, self.batch = self.batch, []
        if len(self.futures) >= 4 * self.threads:
            done, self.futures = wait(self.futures, return_when=FIRST_COMPLETED)
            for f in done:
                f.result()
        self.futures.add(self.pool.submit(self._send, batch))

    def _send(self, batch: list[dict[str, Any]]) -> None:
        pending: dict[str, Any] = {self.name: batch}
        while pending:
            pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    def close(self) -> None:
        if self.batch:
            self._submit()
        for f in self.futures:
            f.result()
        self.pool.shutdown()


def baseline_table(endpoint: str, like: Table) -> Table:
    """The naive design's table (keys only, no indexes, no stream), on its own
    DynamoDB Local: it is seeded alongside the main table on the other core,
    and its Scans do not share an engine with the 500,000 items of the main
    table (which only makes the baseline faster)."""
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=like.client.meta.region_name,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=60),
    )
    name = like.name + "-scan"
    client.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return Table(client, name)


def _folded_name(name: str) -> str:
    """' word word': a word starts with w where ' w' occurs."""
    return " " + " ".join(rules.words(name))


def _folded_emails(addresses: list[str]) -> str:
    return " ".join(rules.email_form(a) for a in addresses)


def _indexed_addresses(contacts: list[Contact]) -> list[str]:
    """As ``SearchRepo.source`` reads them: the linked contacts' addresses, sorted, once each."""
    by_key = {email_key(a): a for c in contacts for a in c.emails}
    return [by_key[k] for k in sorted(by_key)]


def _indexed_people(contacts: list[Contact]) -> list[Person]:
    """As ``SearchRepo.source`` reads them: the linked contacts, by id."""
    return [
        Person(c.id, c.first_name, c.middle_name, c.last_name, tuple(p["number"] for p in c.phones))
        for c in sorted(contacts, key=lambda c: c.id)
    ]


def _write_account(main: Writer, base: Writer, firm: Firm, plan: Plan, contacts: dict[str, Contact]) -> None:
    account, now = plan.account, plan.account.created_at
    addresses = _indexed_addresses([contacts[c] for c in plan.contact_ids])
    people = _indexed_people([contacts[c] for c in plan.contact_ids])
    firm.names[account.id] = account.name
    firm.addresses[account.id] = addresses
    firm.people[account.id] = people
    emails, rows = service.desired_copies(addresses, people)
    indexed = replace(account, contact_emails=emails, contact_people=rows)
    main.put(to_item(indexed))
    for entry in list_entries(indexed):
        main.put(entry)
    base.put(to_item(account) | {"fn": _folded_name(account.name)})
    for contact_id in plan.contact_ids:
        link = to_item(Link(firm.firm_id, account.id, contact_id, "", None, now))
        main.put(link)
        base.put(link)
    entries = service.desired_entries(indexed, addresses, people)
    firm.entries.append(len(entries))
    sampled = len(firm.entries) % 10 == 0  # sizes of every tenth account's entries
    for item in entries.values():
        wire = main.put(item)
        if sampled:
            firm.sampled_bytes.append(item_bytes(wire))


def seed(table: Table, baseline: Table) -> Firm:
    """The firm, its employee and 10,000 accounts, in both tables."""
    started = time.perf_counter()
    f, owner = create_firm(
        FirmRepo(table), name="Search & Co", owner_name="Olivia Owner", owner_email=MEMBER_EMAILS[True]
    )
    employee = Member(f.id, new_id(), "Priya Raman", MEMBER_EMAILS[False], "employee", False, False, now_iso())
    FirmRepo(table).add_member(employee, IdentityRepo(table).await_first_sign_in(employee))
    firm = Firm(f.id, owner.id, employee.id, baseline=baseline)
    people = firm.given = People(random.Random(SEED))
    plans, contacts = plan_accounts(firm, people, now_iso())
    main, base = Writer(table, SEED_THREADS), Writer(baseline, 2)
    for contact in contacts.values():
        main.put(to_item(contact))
        folded = _folded_name(" ".join((contact.first_name, contact.middle_name, contact.last_name)))
        base.put(to_item(contact) | {"fe": _folded_emails(contact.emails), "fn": folded})
        for address in contact.emails:
            email = to_item(Email(firm.firm_id, address, contact.id, created_at=contact.created_at))
            main.put(email)
            base.put(email)
    for plan in plans:
        _write_account(main, base, firm, plan, contacts)
    main.close()
    base.close()
    firm.counts.update(
        accounts=len(plans),
        contacts=len(contacts),
        links=sum(len(p.contact_ids) for p in plans),
        addresses=sum(len(c.emails) for c in contacts.values()),
        items=main.items,
        baseline_items=base.items,
    )
    firm.seconds = time.perf_counter() - started
    return firm
