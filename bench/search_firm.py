"""The Search bench's synthetic firm: names, companies, addresses and phone
numbers as people write them, and the plan of its accounts and contacts."""

from __future__ import annotations

import os
import random
from collections import Counter
from dataclasses import dataclass, field

from chalicelib.domain.entities import Account, Contact
from chalicelib.domain.ids import new_id
from chalicelib.domain.search_people import Person
from chalicelib.domain.text import fold
from chalicelib.repo.table import Table
from tests.support.tokens import member_token

# BENCH_SEARCH_ACCOUNTS=2000 for a quick run (the figures in docs/performance.md are for 10,000).
ACCOUNTS = int(os.environ.get("BENCH_SEARCH_ACCOUNTS", "10000"))
EXTRA_CONTACTS = ACCOUNTS // 2  # second contacts of half the accounts: 15,000 contacts for 10,000
SHARED_CONTACTS = ACCOUNTS * 15 // 100  # people also linked to a second account (their company)
TEAM_ACCOUNTS = 30  # on the restricted employee's team
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
    given: People | None = None  # the names and addresses given out, for more of them
    baseline: Table | None = None  # the naive design's table
    counts: Counter[str] = field(default_factory=Counter)
    entries: list[int] = field(default_factory=list)  # search entries per account
    sampled_bytes: list[int] = field(default_factory=list)  # sizes of a sample of entries
    seconds: float = 0.0

    def token(self, member_id: str) -> str:
        return member_token(member_id, MEMBER_EMAILS[member_id == self.owner_id])


def _slug(text: str) -> str:
    return "".join(c for c in fold(text) if c.isascii() and c.isalnum())


class People:
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


def phone(rng: random.Random) -> list[dict[str, str]]:
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
class Plan:
    account: Account
    contact_ids: list[str]
    domain: str | None  # a company's own domain


def plan_accounts(firm: Firm, people: People, now: str) -> tuple[list[Plan], dict[str, Contact]]:
    """10,000 accounts, each with its first contact; second contacts; shared contacts."""
    rng = people.rng
    plans: list[Plan] = []
    contacts: dict[str, Contact] = {}

    def contact(first: str, last: str, address: str) -> Contact:
        emails = [address] + ([people.address(first, last)] if rng.random() < 0.25 else [])
        phones = phone(rng)
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
        plans.append(Plan(account, [first_contact.id], domain))
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
