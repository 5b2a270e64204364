"""Search (``GET /search``) on DynamoDB Local, over a firm of 10,000 accounts.

Seeding: one firm (``create_firm``), an employee without *view all accounts*
on the team of 30 accounts, and 10,000 accounts with 15,000 contacts (varied
names with accents, companies, addresses on common domains with unique local
parts; some contacts linked to two accounts). The items are written directly
with BatchWriteItem from a few threads, built by the production record classes
(``to_item``, ``list_entries``); the search index is the production
``services.search.desired_entries`` of each account, and the linked contacts'
addresses are set on the account and its list entries (``contact_emails``),
as the indexer would (reindexing a few accounts afterwards must write nothing).

A separate baseline table, on a second DynamoDB Local, holds only the source
items (accounts, contacts, links, e-mail items) with a folded copy of the name
(accounts) and of the addresses (contacts): the naive design, a Scan with a
FilterExpression paged to the end.

Seeding takes most of the run (about 8.5 minutes of some 12 on the 2-core
machine): DynamoDB Local handles one write at a time, about 1,000-1,300 items
a second on this table, and the index is some 60 items per account.

Measured side by side in one run, rounds interleaved (order rotating):

- per kind of query, as the owner: the service (``services.search.search``
  with a fresh ``Ctx``, so the caller's member item is read as in a request),
  the endpoint through the Chalice test client, the bare GSI3 Query the search
  makes first, and the Scan (twice: it takes seconds). Requests,
  read units (``ReturnConsumedCapacity``), items read, hits; and whether the
  20 hits are the 20 best by the documented ranking over every match;
- an employee who opens only their team's 30 accounts: search (their team
  list, GSI1) and the clients list ``GET /accounts``, against the firm's list
  filtered on the team;
- the index's write cost: accounts created through the API, then indexed by
  ``services.search.reindex``; the same again (a duplicate record); an
  address added to a contact linked to two accounts; an account renamed.
"""

from __future__ import annotations

import copy
import json
import os
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import boto3
from botocore.config import Config
from chalice.app import Chalice
from chalice.test import Client

from bench.common import Usage, item_bytes, median_ms, metered, p90_ms
from chalicelib.adapters.auth import Claims
from chalicelib.domain import search_terms as rules
from chalicelib.domain.entities import Account, Contact, Email, Link, Member
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.domain.search_people import Person
from chalicelib.domain.text import email_key, fold, sort_name
from chalicelib.repo import keys
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.identities import IdentityRepo
from chalicelib.repo.records import list_entries, to_item
from chalicelib.repo.search import SearchRepo
from chalicelib.repo.table import MAX_BATCH_WRITE, Table, to_wire
from chalicelib.services import search as service
from chalicelib.services.context import Ctx
from chalicelib.services.members import create_firm
from devtools.dynamodb_local import DynamoDBLocal
from tests.support.api import Api, Reply
from tests.support.tokens import member_token

# BENCH_SEARCH_ACCOUNTS=2000 for a quick run (the figures in docs/performance.md are for 10,000).
ACCOUNTS = int(os.environ.get("BENCH_SEARCH_ACCOUNTS", "10000"))
EXTRA_CONTACTS = ACCOUNTS // 2  # second contacts of half the accounts: 15,000 contacts for 10,000
SHARED_CONTACTS = ACCOUNTS * 15 // 100  # people also linked to a second account (their company)
TEAM_ACCOUNTS = 30  # on the restricted employee's team
CREATED = 50  # accounts created through the API for the write cost
CHANGED = 10  # addresses added, accounts renamed
ROUNDS = 30
SLOW_EVERY = ROUNDS  # a Scan takes seconds: it runs in round 0 only, and its metered run is a second sample
SEED_THREADS = 4
SEED = 20261126
MEMBER_EMAILS = {True: "owner@search.example", False: "priya@search.example"}  # the owner's, the employee's

FIRST_NAMES = (
    "Anna", "Zoë", "José", "María", "François", "Émilie", "Jürgen", "Søren", "Łukasz", "Chloé", "Agnès", "André",
    "Björn", "Céline", "Dominique", "Élodie", "Fátima", "Günter", "Hélène", "Inès", "Jérôme", "Katarzyna", "Lucía",
    "Mathéo", "Noémie", "Óscar", "Paweł", "Raphaël", "Sébastien", "Thérèse", "Ulrich", "Valérie", "Xavier",
    "Yasmin", "Maximilian", "Siobhán", "Seán", "Niamh", "Ana", "João", "Marta", "Ingrid", "Åsa", "Lars", "Hannah",
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William",
    "Barbara", "Richard", "Susan", "Thomas", "Sarah", "Daniel", "Karen", "Matthew", "Emily", "Priya", "Wei",
    "Hiroshi", "Aisha", "Mohammed", "Olga", "Dmitri", "Giulia", "Lorenzo", "Chiara", "Minh", "Mei", "Kenji",
    "Amara", "Kwame",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun",
    "Krüger", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Köhler", "Weiß", "Groß", "Böhm", "Jäger",
    "Martin", "Bernard", "Dubois", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Lefebvre",
    "Michel", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "Lemaître", "Mercier", "Dupont",
    "Lambert", "Bonnet", "García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez",
    "Gómez", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Núñez", "Peña",
    "Ibáñez", "Gonçalves", "Magalhães", "Araújo", "Simões", "Fernandes", "Nowak", "Kowalski", "Wiśniewski",
    "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Woźniak", "Dąbrowski", "Kozłowski", "Dvořák",
    "Novák", "Černý", "Procházka", "Růžička", "Johansson", "Andersson", "Karlsson", "Nilsson", "Eriksson",
    "Larsen", "Sørensen", "Jørgensen", "Østergaard", "Håkansson", "Lindqvist", "Ström", "Smith", "Johnson",
    "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "White",
    "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams",
    "Nelson", "Campbell", "Mitchell", "Roberts", "Carter", "O'Brien", "O'Connor", "McCarthy", "Murphy",
    "Ó Súilleabháin", "MacDonald", "Fitzgerald", "D'Angelo", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi",
    "Romano", "Colombo", "Ricci", "Marino", "Greco", "De Luca", "Conti", "Yılmaz", "Kaya", "Demir", "Şahin",  # noqa: RUF001
    "Çelik", "Öztürk", "Nguyễn", "Trần", "Lê", "Phạm", "Wang", "Li", "Zhang", "Chen", "Liu", "Tanaka", "Suzuki",
    "Satō", "Kim", "Park", "Patel", "Sharma", "Singh", "Gupta", "de Vries", "van den Berg", "van Dijk", "Bakker",
    "Janssen", "Visser",
)  # fmt: skip
COMPANY_WORDS = (
    "Northwind", "Blue Harbor", "Silver Creek", "Golden Gate", "Red Maple", "Evergreen", "Summit", "Riverside",
    "Lakeview", "Oakridge", "Pinecrest", "Sunrise", "Harborview", "Cedar Hollow", "Iron Bridge", "Crystal Springs",
    "Stonebridge", "Bright Path", "Clearwater", "Alpenblick", "Rive Gauche", "Costa Brava", "Nordlys", "Vía Láctea",
)  # fmt: skip
TRADES = (
    "Landscaping", "Dental", "Bakery", "Construction", "Consulting", "Realty", "Plumbing", "Logistics", "Design",
    "Auto Repair", "Veterinary Clinic", "Coffee Roasters", "Brewing", "Architecture", "Physiotherapy", "Florist",
    "Electric", "Roofing", "Catering", "Marketing", "Software", "Imports",
)  # fmt: skip
SHOPS = ("Bäckerei", "Café", "Atelier", "Éditions", "Taller", "Boulangerie", "Pâtisserie", "Brasserie", "Trattoria")
LEGAL_FORMS = {
    "LLC": "com", "Inc.": "com", "LLP": "com", "PLLC": "com", "Co.": "com", "GmbH": "de", "SARL": "fr",
    "S.L.": "es", "Ltd": "co.uk", "B.V.": "nl", "S.r.l.": "it", "AB": "se", "ApS": "dk", "sp. z o.o.": "pl",
}  # fmt: skip
# Personal domains by weight (about a third of the addresses are on gmail.com).
DOMAINS = (
    ("gmail.com", 30), ("outlook.com", 10), ("yahoo.com", 8), ("hotmail.com", 6), ("icloud.com", 6),
    ("gmx.de", 5), ("web.de", 4), ("orange.fr", 4), ("comcast.net", 4), ("free.fr", 3), ("proton.me", 3),
    ("t-online.de", 3), ("live.com", 3), ("wanadoo.fr", 2), ("libero.it", 2), ("seznam.cz", 2), ("wp.pl", 2),
    ("aol.com", 2), ("me.com", 2),
)  # fmt: skip
STREETS = ("Cedar Hollow Road", "Main Street", "Rue de la République", "Hauptstraße", "Calle Mayor", "Elm Avenue")
CITIES = (("Asheville", "NC", "US"), ("Lyon", "", "FR"), ("München", "BY", "DE"), ("Sevilla", "", "ES"))

# The queries, as typed. The 4-character and the 2-character name prefixes, a
# domain and a local-part fragment (inside "martinez", never a word's start),
# and two words (a first name and a surname prefix, read over several pages).
QUERIES = (
    ("name prefix, 4 characters", "Müll", True),
    ("name prefix, 2 characters", "ko", True),
    ("e-mail domain part", "outlook", True),
    ("e-mail local-part fragment", "rtinez", True),
    # No Scan: a filter cannot say "each word in the name or in one same address".
    ("two words: first name + surname prefix", "anna mül", False),
)

# More 4-character surname prefixes, searched once each for the ranking check.
RANKING_ONLY = ("schm", "kowa", "mart")


# --- the seeded firm ---------------------------------------------------------------------------


@dataclass
class Firm:
    firm_id: str
    owner_id: str
    employee_id: str
    names: dict[str, str] = field(default_factory=dict)  # account id -> name
    addresses: dict[str, list[str]] = field(default_factory=dict)  # account id -> what the indexer reads
    people: dict[str, list[Person]] = field(default_factory=dict)  # account id -> its contacts, as indexed
    team: list[str] = field(default_factory=list)
    # Contacts linked to two accounts: (contact id, first name, last name, account ids).
    shared: list[tuple[str, str, str, list[str]]] = field(default_factory=list)
    given: _People | None = None  # the names and addresses given out, for more of them
    baseline: Table | None = None  # the naive design's table
    counts: Counter[str] = field(default_factory=Counter)
    entries: list[int] = field(default_factory=list)  # search entries per account
    sampled_bytes: list[int] = field(default_factory=list)  # sizes of a sample of entries
    seconds: float = 0.0

    def token(self, member_id: str) -> str:
        return member_token(member_id, MEMBER_EMAILS[member_id == self.owner_id])


def _slug(text: str) -> str:
    return "".join(c for c in fold(text) if c.isascii() and c.isalnum())


class _People:
    """Names and unique addresses."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.domains = [d for d, _ in DOMAINS]
        self.weights = [w for _, w in DOMAINS]

    def name(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def address(self, first: str, last: str, domain: str | None = None) -> str:
        f, la = _slug(first), _slug(last)
        styles = (f"{f}.{la}", f"{f}{la}", f"{f[0]}{la}", f"{f}_{la}", f"{la}.{f}", f"{f}.{la[0]}", f"{f}{la[:4]}")
        local = self.rng.choice(styles)
        if domain is None:
            domain = self.rng.choices(self.domains, self.weights)[0]
            if self.rng.random() < 0.4:
                local += str(self.rng.randint(1, 99))
        address, n = f"{local}@{domain}", 2
        while address in self.used:
            address, n = f"{local}{n}@{domain}", n + 1
        self.used.add(address)
        return address


# Phone numbers as people write them: (share of contacts, pattern; each "#" a random digit).
PHONE_STYLES = (
    (0.20, "+31 6 ########"), (0.10, "06-########"), (0.15, "+49 151 ########"), (0.10, "+33 6 ## ## ## ##"),
    (0.10, "+1 (828) ###-####"), (0.05, "+34 6## ### ###"), (0.05, "(020) ###-####"),
)  # fmt: skip
PHONE_SHARE = 0.75  # of the contacts that have a phone number


def _phone(rng: random.Random) -> list[dict[str, str]]:
    """No number, or one in one of ``PHONE_STYLES``."""
    if rng.random() >= PHONE_SHARE:
        return []
    pattern = rng.choices([p for _, p in PHONE_STYLES], [w for w, _ in PHONE_STYLES])[0]
    return [{"number": "".join(str(rng.randint(0, 9)) if c == "#" else c for c in pattern), "label": "mobile"}]


def _company(rng: random.Random, last: str) -> tuple[str, str]:
    """(name, domain) of a company."""
    form, tld = rng.choice(list(LEGAL_FORMS.items()))
    style = rng.random()
    if style < 0.4:
        core = f"{rng.choice(COMPANY_WORDS)} {rng.choice(TRADES)}"
        return f"{core} {form}", f"{_slug(core)}.{tld}"
    if style < 0.65:
        core = f"{last} {rng.choice(TRADES)}"
        return f"{core} {form}", f"{_slug(last)}-{_slug(core.split(' ', 1)[1])}.{tld}"
    if style < 0.8:
        other = rng.choice(LAST_NAMES)
        return f"{last} & {other} {form}", f"{_slug(last)}{_slug(other)}.{tld}"
    shop = rng.choice(SHOPS)
    return f"{shop} {last}", f"{_slug(shop)}-{_slug(last)}.{tld}"


@dataclass
class _Plan:
    account: Account
    contact_ids: list[str]
    domain: str | None  # a company's own domain


def _plan_accounts(firm: Firm, people: _People, now: str) -> tuple[list[_Plan], dict[str, Contact]]:
    """10,000 accounts, each with its first contact; second contacts; shared contacts."""
    rng = people.rng
    plans: list[_Plan] = []
    contacts: dict[str, Contact] = {}

    def contact(first: str, last: str, address: str) -> Contact:
        emails = [address] + ([people.address(first, last)] if rng.random() < 0.25 else [])
        phones = _phone(rng)
        c = Contact(firm.firm_id, new_id(), first, "", last, phones, None, {}, emails, set(), now, now, firm.owner_id)
        contacts[c.id] = c
        return c

    for _ in range(ACCOUNTS):
        first, last = people.name()
        kind, domain = rng.choices(("individual", "company", "other"), (6, 3, 1))[0], None
        if kind == "individual":
            name = f"{first} {last}" if rng.random() < 0.9 else f"{first} {last}-{rng.choice(LAST_NAMES)}"
        elif kind == "company":
            name, domain = _company(rng, last)
        else:
            name = rng.choice((f"{last} Family Trust", f"Estate of {first} {last}", f"{last} Household"))
        city, region, country = rng.choice(CITIES)
        address = {
            "line1": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
            "line2": "",
            "city": city,
            "region": region,
            "postal_code": str(rng.randint(10000, 99999)),
            "country": country,
        }
        account = Account(
            firm.firm_id, new_id(), name, kind, [], [], address, {}, now, now, firm.owner_id, contact_count=1
        )
        first_contact = contact(first, last, people.address(first, last, domain))
        plans.append(_Plan(account, [first_contact.id], domain))
    for plan in rng.sample(plans, EXTRA_CONTACTS):
        first, last = people.name()
        if plan.account.type == "individual" and rng.random() < 0.5:
            last = contacts[plan.contact_ids[0]].last_name  # a spouse
        plan.contact_ids.append(contact(first, last, people.address(first, last, plan.domain)).id)
    companies = [p for p in plans if p.account.type == "company"]
    shared = [
        p.contact_ids[0] for p in rng.sample([p for p in plans if p.account.type == "individual"], SHARED_CONTACTS)
    ]
    for contact_id in shared:
        rng.choice(companies).contact_ids.append(contact_id)
    for plan in plans:
        plan.account.contact_count = len(plan.contact_ids)
        for contact_id in plan.contact_ids:
            contacts[contact_id].account_ids.add(plan.account.id)
    firm.shared = [(c, contacts[c].first_name, contacts[c].last_name, sorted(contacts[c].account_ids)) for c in shared]
    for plan in rng.sample(plans, TEAM_ACCOUNTS):
        plan.account.team_member_ids = [firm.employee_id]
        firm.team.append(plan.account.id)
    return plans, contacts


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


class _Writer:
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


def _write_account(main: _Writer, base: _Writer, firm: Firm, plan: _Plan, contacts: dict[str, Contact]) -> None:
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
    people = firm.given = _People(random.Random(SEED))
    plans, contacts = _plan_accounts(firm, people, now_iso())
    main, base = _Writer(table, SEED_THREADS), _Writer(baseline, 2)
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


def _people_queries(firm: Firm) -> list[tuple[str, str, bool]]:
    """Queries through contacts, taken from the seeded firm: a shared contact's
    first name and surname prefix (its own account by name, a company through
    it), a mobile prefix, digits inside a number, and a whole number as typed."""
    _, first, last, _ = firm.shared[0]
    number = next(
        p.phones[0] for people in firm.people.values() for p in people if p.phones and p.phones[0].startswith("+31 6")
    )
    digits = "".join(c for c in number if c.isdigit())
    return [
        ("contact: first name + surname prefix", f"{first} {last[:3]}", False),
        ("phone: national mobile prefix", "0612", False),
        ("phone: 6 digits inside a number", digits[5:11], False),
        ("phone: a whole number as typed", number, False),
    ]


# --- the ways of searching -----------------------------------------------------------------------


def _ctx(table: Table, firm: Firm, member_id: str) -> Ctx:
    return Ctx(claims=Claims(firm.firm_id, member_id), table=table)


def _service(table: Table, firm: Firm, member_id: str, q: str) -> Callable[[], list[str]]:
    """``services.search.search`` as a request runs it: a fresh context, so the caller is read."""

    def run() -> list[str]:
        return [h.account_id for h in service.search(_ctx(table, firm, member_id), q).items]

    return run


def _endpoint(api: Api, q: str) -> Callable[[], list[str]]:
    headers = {"Authorization": f"Bearer {api.token}"}
    path = f"/search?q={quote(q)}"

    def run() -> list[str]:
        response = api.client.http.get(path, headers=headers)
        assert response.status_code == 200, response.body
        return [h["account_id"] for h in json.loads(response.body)["items"]]

    return run


def _bare_tokens(table: Table, firm: Firm, q: str) -> Callable[[], list[str]]:
    """The first GSI3 Query the search makes, with boto3 alone: the request
    is taken from a search run once (so it is exactly the service's, keys,
    Limit and all), then sent again as it is."""
    captured: list[dict[str, Any]] = []

    def grab(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "Query" and params.get("IndexName") == keys.INDEX_SEARCH and not captured:
            captured.append(copy.deepcopy(params))

    events = table.client.meta.events
    events.register("provide-client-params.dynamodb", grab)
    try:
        service.search(_ctx(table, firm, firm.owner_id), q)
    finally:
        events.unregister("provide-client-params.dynamodb", grab)
    (request,) = captured

    def run() -> list[str]:
        page = table.client.query(**request)
        return list(dict.fromkeys(keys.account_of(i["PK"]["S"]) for i in page["Items"]))

    return run


def _scan(firm: Firm, q: str) -> Callable[[], list[str]]:
    """The naive design: Scan the baseline table to the end, keeping accounts
    whose folded name has a word starting with each word of q, and contacts
    whose folded addresses contain each term (3+ characters). The matching
    accounts are those found by name and those the matching contacts are
    linked to (reading those accounts' names would be one more BatchGet per
    100; not done: a lower bound)."""
    baseline = firm.baseline
    assert baseline is not None
    terms = rules.parse_query(q)
    values: dict[str, Any] = {":f": firm.firm_id, ":a": keys.ACCOUNT}
    by_name = []
    for i, w in enumerate(w for t in terms for w in t.words):
        values[f":w{i}"] = " " + w
        by_name.append(f"contains(fn, :w{i})")
    either = [f"(entity = :a AND {' AND '.join(by_name)})"]
    values[":c"] = keys.CONTACT
    either.append(f"(entity = :c AND {' AND '.join(by_name)})")  # through a contact's name
    parts = [t.text for t in terms if len(t.text) >= rules.MIN_EMAIL_PART]
    if len(parts) == len(terms):
        for i, part in enumerate(parts):
            values[f":e{i}"] = part
        either.append(f"(entity = :c AND {' AND '.join(f'contains(fe, :e{i})' for i in range(len(parts)))})")
    request: dict[str, Any] = {
        "TableName": baseline.name,
        "FilterExpression": f"firm_id = :f AND {either[0] if len(either) == 1 else '(' + ' OR '.join(either) + ')'}",
        "ExpressionAttributeValues": to_wire(values),
        "ProjectionExpression": "entity, id, account_ids",
    }

    def run() -> list[str]:
        found: list[str] = []
        kwargs = dict(request)
        while True:
            page = baseline.client.scan(**kwargs)
            for item in page["Items"]:
                if item["entity"]["S"] == keys.ACCOUNT:
                    found.append(item["id"]["S"])
                else:
                    found += item.get("account_ids", {}).get("SS", [])
            if "LastEvaluatedKey" not in page:
                return list(dict.fromkeys(found))
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    return run


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Way:
    label: str
    run: Callable[[], list[str]]
    every: int = 1  # runs in every n-th round only
    client: Any = None  # the client it calls, when not the table's
    usage: Usage = field(default_factory=Usage)
    found: list[str] = field(default_factory=list)
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return median_ms(self.samples)


def _measure(table: Table, ways: list[Way], rounds: int) -> None:
    """One metered call each, then ``rounds`` interleaved rounds (order
    rotating). A slow way runs in every ``every``-th round only, and its
    metered call counts as one more sample (the hooks cost microseconds)."""
    for way in ways:
        with metered(way.client or table.client) as usage:
            start = time.perf_counter()
            way.found = way.run()
            if way.every > 1:
                way.samples.append(time.perf_counter() - start)
        way.usage = usage
    for way in ways:  # warm-up
        if way.every == 1:
            way.run()
    for r in range(rounds):
        for offset in range(len(ways)):
            way = ways[(r + offset) % len(ways)]
            if r % way.every:
                continue
            start = time.perf_counter()
            way.run()
            way.samples.append(time.perf_counter() - start)


def _all_matches(firm: Firm, q: str, among: list[str] | None = None) -> list[str]:
    """Every account that matches q, in the documented order (the full ranking)."""
    terms = rules.parse_query(q)
    ranked = []
    for account_id in among if among is not None else firm.names:
        name = firm.names[account_id]
        found = rules.match(terms, name, firm.addresses[account_id], firm.people[account_id])
        if found is not None:
            ranked.append((rules.rank_key(found, sort_name(name), account_id), account_id))
    return [account_id for _, account_id in sorted(ranked)]


def _row(query: str, way: Way, hits: str, scan: Way | None) -> str:
    u = way.usage
    ratio = f"{scan.median / way.median:.0f}" if scan is not None else "—"
    return (
        f"| {query} | {way.label} | {u.requests_text()} | {u.units_text('read')} | {u.items_read} | {hits} "
        f"| {way.median:.2f} | {p90_ms(way.samples):.2f} | {ratio} |"
    )


@dataclass
class _Kind:
    kind: str
    q: str
    service: Way
    endpoint: Way
    bare: Way
    scan: Way | None
    full: list[str]  # every match, best first

    @property
    def label(self) -> str:
        return f"{self.kind}: `{self.q}`"


def _owner_search(table: Table, firm: Firm, api: Api, kind: str, q: str, with_scan: bool) -> _Kind:
    service_way = Way(
        "`services.search.search` (caller's GetItem + GSI3 Query)", _service(table, firm, firm.owner_id, q)
    )
    endpoint = Way("`GET /search` (Chalice test client)", _endpoint(api, q))
    bare = Way(f"bare boto3: the first GSI3 Query (Limit {service.FIRST_PAGE})", _bare_tokens(table, firm, q))
    assert firm.baseline is not None
    scan = Way(
        "naive: Scan of the source items, filtered, to the end", _scan(firm, q), SLOW_EVERY, firm.baseline.client
    )
    _measure(table, [service_way, endpoint, bare, *([scan] if with_scan else [])], ROUNDS)
    full = _all_matches(firm, q)
    if with_scan:
        assert set(scan.found) == set(full), (q, len(scan.found), len(full))
    assert service_way.found == endpoint.found, q
    hits = service_way.found
    assert set(hits) <= set(full), q
    if len(rules.parse_query(q)) == 1:  # a multi-word search reads at most 630 entries, and may miss some
        assert len(hits) == min(len(full), rules.MAX_HITS), (q, len(hits), len(full))
    return _Kind(kind, q, service_way, endpoint, bare, scan if with_scan else None, full)


def _search_table(kinds: list[_Kind]) -> list[str]:
    lines = [
        "| query | way | requests | read units | items read | hits (accounts) | median ms | p90 ms | Scan ÷ this |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for k in kinds:
        hits = f"{len(k.service.found)} of {len(k.full)}"
        lines += [
            _row(k.label, k.service, hits, k.scan),
            _row(k.label, k.endpoint, hits, k.scan),
            _row(k.label, k.bare, f"{len(k.bare.found)} among its entries", k.scan),
        ]
        if k.scan is not None:
            lines.append(_row(k.label, k.scan, f"{len(k.scan.found)} (all)", k.scan))
    return lines


def _goal_table(kinds: list[_Kind]) -> list[str]:
    lines = [
        "| query | hits | the search's GSI3 Queries | their read units | goal: 1 Query, ≤ 1 RRU for 20 hits "
        "| Scan ÷ search (`services.search.search`, medians) | goal ≥ 20 |",
        "|---|---|---|---|---|---|---|",
    ]
    for k in kinds:
        queries, rru = k.service.usage.requests["Query"], k.service.usage.rru_by_op["Query"]
        met = queries == 1 and rru <= 1 and len(k.service.found) == min(rules.MAX_HITS, len(k.full))
        ratio = k.scan.median / k.service.median if k.scan is not None else None
        lines.append(
            f"| {k.label} | {len(k.service.found)} | {queries} | {rru:g} | {'met' if met else 'NOT met'} "
            f"| {f'{ratio:.0f}' if ratio else '—'} | {'—' if ratio is None else 'met' if ratio >= 20 else 'NOT met'} |"
        )
    return lines


def _ranking_table(firm: Firm, searched: list[tuple[str, list[str]]]) -> list[str]:
    """Whether the 20 hits of each (query, hits) are the 20 best of every
    match by the documented order (exact before prefix; account name, contact
    name, e-mail, phone; then alphabetical), and whether matches by the
    account's name were left out while hits that match otherwise were shown."""
    lines = [
        "| query | accounts matching | of them by the account's name | through a contact (name or phone) | hits "
        "| hits among the 20 best of all matches | hits not by the account's name | name matches left out meanwhile |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for q, hits in searched:
        full = _all_matches(firm, q)
        terms = rules.parse_query(q)
        by_name = {a for a in full if rules.match(terms, firm.names[a], []) is not None}
        by_contact = {a for a in full if rules.match(terms, "", [], firm.people[a]) is not None}
        other = [a for a in hits if a not in by_name]
        left_out = len(by_name - set(hits)) if other else 0
        lines.append(
            f"| `{q}` | {len(full)} | {len(by_name)} | {len(by_contact)} | {len(hits)} "
            f"| {len(set(full[: rules.MAX_HITS]) & set(hits))} | {len(other)} | {left_out} |"
        )
    return lines


# --- the restricted employee -------------------------------------------------------------------


def _bare_team(table: Table, firm: Firm) -> Callable[[], list[str]]:
    values = to_wire({":pk": keys.team_list(firm.firm_id, firm.employee_id)})

    def run() -> list[str]:
        page = table.client.query(
            TableName=table.name,
            IndexName=keys.INDEX_LISTS_BY_NAME,
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues=values,
        )
        return [i["id"]["S"] for i in page["Items"]]

    return run


def _list_endpoint(api: Api, path: str) -> Callable[[], list[str]]:
    def run() -> list[str]:
        reply = api.get(path)
        assert reply.status == 200, reply.body
        return [a["id"] for a in reply.body["items"]]

    return run


def _filtered_firm_list(table: Table, firm: Firm) -> Callable[[], list[str]]:
    """A design without team lists: the firm's list filtered on the team, read to the end."""
    values = to_wire({":pk": keys.accounts_list(firm.firm_id), ":me": firm.employee_id})

    def run() -> list[str]:
        found: list[str] = []
        kwargs: dict[str, Any] = {
            "TableName": table.name,
            "IndexName": keys.INDEX_LISTS_BY_NAME,
            "KeyConditionExpression": "GSI1PK = :pk",
            "FilterExpression": "contains(team_member_ids, :me)",
            "ExpressionAttributeValues": values,
        }
        while True:
            page = table.client.query(**kwargs)
            found += [i["id"]["S"] for i in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    return run


def _restricted(table: Table, firm: Firm, api: Api) -> list[str]:
    team_name = firm.names[firm.team[0]]
    queries = (rules.words(team_name)[0][:3], "gmail")
    as_employee = "`services.search.search` as the employee (caller's GetItem + team list Query)"
    rows: list[tuple[str, Way]] = [
        (f"search `{q}`", Way(as_employee, _service(table, firm, firm.employee_id, q))) for q in queries
    ]
    naive = Way("naive: the firm's list filtered on the team, to the end", _filtered_firm_list(table, firm), SLOW_EVERY)
    rows += [
        ("search (any query)", Way("bare boto3: the team list's GSI1 Query", _bare_team(table, firm))),
        ("clients list", Way("`GET /accounts` as the employee (page of 25)", _list_endpoint(api, "/accounts"))),
        ("clients list", Way("`GET /accounts?limit=50` as the employee", _list_endpoint(api, "/accounts?limit=50"))),
        ("clients list", naive),
    ]
    _measure(table, [w for _, w in rows], ROUNDS)
    for q, (_, way) in zip(queries, rows, strict=False):
        expected = _all_matches(firm, q, firm.team)
        assert way.found == expected[: rules.MAX_HITS], (q, way.found, expected)
    assert sorted(naive.found) == sorted(firm.team)
    lines = [
        "| read | way | requests | read units | items read | rows returned | median ms | p90 ms | naive list ÷ this |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for what, way in rows:
        u = way.usage
        ratio = f"{naive.median / way.median:.1f}" if what == "clients list" else "—"
        lines.append(
            f"| {what} | {way.label} | {u.requests_text()} | {u.units_text('read')} | {u.items_read} "
            f"| {len(way.found)} | {way.median:.2f} | {p90_ms(way.samples):.2f} | {ratio} |"
        )
    return lines


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


def _new_account(people: _People) -> dict[str, Any]:
    """An individual with 1-2 new contacts and 1-3 addresses, like the seeded ones."""
    rng = people.rng
    first, last = people.name()
    contacts: list[dict[str, Any]] = [
        {"first_name": first, "last_name": last, "emails": [people.address(first, last)], "phones": _phone(rng)}
    ]
    if rng.random() < 0.25:
        contacts[0]["emails"].append(people.address(first, last))
    if rng.random() < 0.5:
        other, _ = people.name()
        contacts.append(
            {"first_name": other, "last_name": last, "emails": [people.address(other, last)], "phones": _phone(rng)}
        )
    return {"name": f"{first} {last}", "type": "individual", "contacts": contacts}


def _index(table: Table, firm: Firm, account_ids: list[str]) -> tuple[Usage, int]:
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
    index, written = _index(table, firm, targets)
    again, rewritten = _index(table, firm, targets)
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


def _write_costs(table: Table, firm: Firm, api: Api) -> list[str]:
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


# --- the run -----------------------------------------------------------------------------------


def _seeded_check(table: Table, firm: Firm) -> str:
    """The seeded index is what the indexer computes: reindexing writes nothing."""
    sample = random.Random(SEED + 2).sample(sorted(firm.names), 20)
    usage, written = _index(table, firm, sample)
    assert written == 0, f"the seeded index differs from the indexer's for {written} items"
    return (
        f"Reindexing 20 seeded accounts wrote nothing (the seeded index is the indexer's), "
        f"and read {usage.rru / 20:.1f} RRU per account in {usage.total_requests / 20:.1f} requests "
        f"({usage.requests_text()} in all): the cost of a duplicate record for a seeded account."
    )


def _seed_summary(firm: Firm) -> list[str]:
    c = firm.counts
    per = firm.entries
    entries = sum(per)
    size = statistics.mean(firm.sampled_bytes)
    return [
        f"Seeded in {firm.seconds:.0f} s (BatchWriteItem, {SEED_THREADS} threads): {c['accounts']:,} accounts, "
        f"{c['contacts']:,} contacts, {c['links']:,} links, {c['addresses']:,} addresses, "
        f"{len(firm.team)} accounts on the employee's team; {c['items']:,} items in the table, of which "
        f"{entries:,} search entries, and {c['baseline_items']:,} source items in the baseline table.",
        "",
        f"Search entries per account: mean {statistics.mean(per):.1f}, median {statistics.median(per):g}, "
        f"max {max(per)}; {size:.0f} bytes each on average (a sample of {len(firm.sampled_bytes):,}), "
        f"{size * entries / len(per) / 1024:.1f} KB per account, {size * entries / 2**20:.0f} MB in all, "
        f"stored once in the table and once more in GSI3.",
    ]


def run(table: Table, app: Chalice) -> str:
    """Seed, measure; the results as Markdown tables."""
    with DynamoDBLocal() as server:
        return _run(table, baseline_table(server.endpoint, table), app)


def _run(table: Table, baseline: Table, app: Chalice) -> str:
    print(f"  seeding {ACCOUNTS:,} accounts ...", flush=True)
    firm = seed(table, baseline)
    print(f"  seeded in {firm.seconds:.0f} s", flush=True)
    with Client(app) as client:
        owner = Api(client, firm.token(firm.owner_id))
        employee = Api(client, firm.token(firm.employee_id))
        for member in (owner, employee):  # first sign-ins bind the members: not part of what is measured
            assert member.get("/me").status == 200
        check = _seeded_check(table, firm)
        kinds = []
        for kind, q, with_scan in (*QUERIES, *_people_queries(firm)):
            kinds.append(_owner_search(table, firm, owner, kind, q, with_scan))
            print(f"  {kind}: done", flush=True)
        ranked = [(k.q, k.service.found) for k in kinds]
        ranked += [(q, _service(table, firm, firm.owner_id, q)()) for q in RANKING_ONLY]
        restricted = _restricted(table, firm, employee)
        print("  restricted employee: done", flush=True)
        costs = _write_costs(table, firm, owner)
    return "\n".join(
        [
            *_seed_summary(firm),
            "",
            check,
            "",
            *_search_table(kinds),
            "",
            *_goal_table(kinds),
            "",
            *_ranking_table(firm, ranked),
            "",
            *restricted,
            "",
            *costs,
        ]
    )
