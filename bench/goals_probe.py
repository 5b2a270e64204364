"""Issue 20's figures for one tree of the code: run by bench/goals.py in a
subprocess, once in this tree and once in a tree whose ``app.py``,
``chalicelib/``, ``infra/`` and ``.chalice/`` are those of the commit before
issue 20 (the bench code, the test support and the dev tools are this tree's,
so both trees are seeded and measured by the same code).

It uses only what both trees share: the HTTP API through chalice.test.Client,
the stream functions through the local pollers, ``tests.support`` and
``bench.common``. It prints nothing of its own and writes raw figures as
JSON to the file named by its argument; bench/goals.py prices and compares
them.

    python -m bench.goals_probe OUT.json   (DYNAMODB_ENDPOINT and DOSSIER_TABLE set)
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from chalice.test import Client

from bench.common import Usage, interleaved, median_ms, metered, ok
from bench.overview_reads import bare_query
from bench.overview_seed import SECTION_ITEMS, Seeded, seed_account, seed_items
from chalicelib.repo.schema import ensure_table
from chalicelib.repo.table import Table
from tests.support import tokens
from tests.support.api import Api, Reply, make_firm
from tests.support.stream import poller, search_poller
from tests.support.tokens import member_token

ROUNDS = 101  # interleaved latency samples per role (odd: the median is one sample)
PEOPLE = (("Jonathan", "Whitfield"), ("Alicia", "Fernandez-Ruiz"))


def _units(usage: Usage) -> dict[str, Any]:
    return {
        "requests": usage.total_requests,
        "by_op": dict(usage.requests),
        "rru": usage.rru,
        "billed_rru": usage.billed_rru,
        "wru": usage.wru,
        "transactions": usage.requests.get("TransactWriteItems", 0),
    }


def _metered(table: Table, call: Callable[[], Reply], status: int = 200) -> dict[str, Any]:
    with metered(table.client) as usage:
        reply = call()
    ok(reply, status)
    return _units(usage)


def _latency(call: Callable[[], object], bare: Callable[[], object]) -> tuple[float, float]:
    """Medians of the endpoint and the bare Query, interleaved so machine noise hits both alike."""
    ends, bares = interleaved([call, bare], ROUNDS)
    return median_ms(ends), median_ms(bares)


def _seed(table: Table, client: Client) -> Seeded:
    firm = make_firm(table, "Goals & Co")
    api = Api(client, firm.owner_token)
    seed = seed_account(api, firm)
    # The cost table's main account: three contacts of two addresses each, QuickBooks connected.
    ok(api.put("/quickbooks/connection", {"connected": True, "company_name": "Northwind CPA"}))
    maria = ok(api.get(seed.base))["contacts"][0]["id"]
    ok(api.post(f"/contacts/{maria}/emails", {"address": "maria@gonzalez-family.example"}), 201)
    for first, last in PEOPLE:
        slug = f"{first}.{last}".lower()
        body = {"first_name": first, "last_name": last, "emails": [f"{slug}@home.example", f"{slug}@work.example"]}
        ok(api.post(f"{seed.base}/contacts", body), 201)
    seed_items(seed)
    return seed


def _overview(table: Table, seed: Seeded, client: Client) -> dict[str, Any]:
    path = f"{seed.base}/overview"
    employee = seed.member_ids[0]
    roles = {
        "owner": seed.api,
        "admin": Api(client, seed.admin_token),
        "team member": Api(client, member_token(employee, "member0@firm.example")),
    }
    bare = bare_query(table, seed)
    out: dict[str, Any] = {}
    for role, api in roles.items():
        ok(api.get(path))  # a first sign-in binds the identity; lazy imports
        figures = _metered(table, lambda api=api: api.get(path))  # type: ignore[misc]
        figures["endpoint_ms"], figures["bare_ms"] = _latency(lambda api=api: api.get(path), bare)  # type: ignore[misc]
        out[role] = figures
    return out


def _writes(table: Table, seed: Seeded) -> dict[str, Any]:
    api, base = seed.api, seed.base
    task = seed.ids["tasks"][0]
    note = seed.ids["notes"][0]
    chat = seed.ids["chats"][0]
    etag = api.get(base).etag
    message = {"body": "Could you send the December statement too?", "author": "firm"}
    out = {
        "info": _metered(table, lambda: api.get(base)),
        "rename": _metered(
            table, lambda: api.patch(base, {"name": "Northwind Landscaping LLC"}, headers={"If-Match": etag or "*"})
        ),
        "get task": _metered(table, lambda: api.get(f"{base}/tasks/{task}")),
        "patch task": _metered(table, lambda: api.patch(f"{base}/tasks/{task}", {"status": "done"})),
        "get note": _metered(table, lambda: api.get(f"{base}/notes/{note}")),
        "chat message": _metered(table, lambda: api.post(f"{base}/chats/{chat}/messages", message), 201),
    }
    etag = api.get(base).etag
    minimal = {"If-Match": etag or "*", "Prefer": "return=minimal"}
    with metered(table.client) as usage:
        reply = api.patch(base, {"name": "Northwind Landscaping & Design LLC"}, headers=minimal)
    out["rename, Prefer: return=minimal"] = {**_units(usage), "status": reply.status}
    return out


def _search(table: Table, seed: Seeded) -> dict[str, Any]:
    """What the search indexer writes for a new account (2 contacts, 2 addresses each) and for its rename."""
    api = seed.api
    indexer = search_poller(table)
    account = {
        "name": "Cedar Hollow Veterinary Clinic PLLC",
        "type": "company",
        "address": {
            "line1": "44 Riverside Drive",
            "city": "Asheville",
            "region": "NC",
            "postal_code": "28801",
            "country": "US",
        },
        "contacts": [
            {
                "first_name": "Hannah",
                "last_name": "Kowalczyk",
                "emails": ["hannah@cedarvet.example", "h.k@home.example"],
            },
            {"first_name": "Samuel", "last_name": "Oyelaran", "emails": ["sam@cedarvet.example", "samo@home.example"]},
        ],
    }
    created = ok(api.post("/accounts", account), 201)
    with metered(table.client) as index:
        indexer.drain()
    path = f"/accounts/{created['id']}"
    ok(api.patch(path, {"name": "Cedar Hollow Animal Hospital PLLC"}, headers={"If-Match": api.get(path).etag or "*"}))
    with metered(table.client) as rename:
        indexer.drain()
    return {"new account": _units(index), "rename": _units(rename)}


def main(out_file: str) -> None:
    logging.disable(logging.INFO)  # the app's access log would flood the parent's output
    os.environ.update(tokens.environment())  # this process's signing key and JWKS server, not the parent's
    table = Table.from_settings()
    ensure_table(table.client, table.name)
    with Client(__import__("app").app) as client:
        projector = poller(table)
        seed = _seed(table, client)
        projector.drain()
        figures = {
            "overview": _overview(table, seed, client),
            "items": SECTION_ITEMS,
            **_writes(table, seed),
            "search": _search(table, seed),
        }
    with open(out_file, "w", encoding="utf-8") as f:
        json.dump(figures, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
