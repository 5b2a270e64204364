"""Every route of the matrix, and a case's check: the expected status, and for a refusal
problem+json and nothing written (the table, the mail outbox, the firms' photos).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final

import boto3

from chalicelib.adapters.config import settings
from tests.support.api import Api, Reply, snapshot
from tests.support.authz import routes_accounts, routes_firm
from tests.support.authz.routes import Route
from tests.support.authz.world import Req, World, send
from tests.support.problems import assert_problem

ROUTE_LIST: Final[list[Route]] = [*routes_firm.ROUTES, *routes_accounts.ROUTES]
ROUTES_BY_KEY: Final = {r.key: r for r in ROUTE_LIST}
assert len(ROUTES_BY_KEY) == len(ROUTE_LIST), "a route is in the matrix twice"


# --- nothing written -------------------------------------------------------------------------------


def _photos(prefixes: list[str]) -> list[tuple[str, str]]:
    s3 = boto3.client("s3", region_name="us-east-1")
    found: list[tuple[str, str]] = []
    for prefix in prefixes:
        listing = s3.list_objects_v2(Bucket=os.environ["PHOTOS_BUCKET"], Prefix=f"{prefix}/")
        found += [(o["Key"], o["ETag"]) for o in listing.get("Contents", [])]
    return sorted(found)


def _mails() -> list[str]:
    folder = Path(settings().mail_outbox_dir)
    return sorted(p.name for p in folder.glob("*.eml")) if folder.is_dir() else []


def state(w: World, req: Req) -> dict[str, Any]:
    """Everything a request could write: the whole table, the mail outbox, and
    for the routes that write to S3 (photos, a document's check) the firms' objects."""
    firms = [w.firm.firm_id] + ([w._other.firm.firm_id] if w._other else [])
    photos = _photos(firms) if req.path.endswith(("/photo", "/complete")) else []
    return {"table": snapshot(w.table), "photos": photos, "mails": _mails()}


def check(w: World, api: Api, req: Req, expected: int, *, twin: Req | None = None) -> Reply:
    """Send ``req``: the expected status; a refusal is problem+json and writes
    nothing. With ``twin`` (the same request for a resource that does not
    exist), a 404 must be answered exactly as the twin is (Visibility)."""
    if expected < 400:
        reply = send(api, req)
        assert reply.status == expected, (reply.status, reply.body)
        return reply
    before = state(w, req)
    reply = send(api, req)
    assert_problem(reply, expected)
    if twin is not None and expected == 404:
        absent = send(api, twin)
        assert (absent.status, absent.body) == (reply.status, reply.body), "an invisible resource must look absent"
    after = state(w, req)
    for part in ("table", "photos", "mails"):
        assert after[part] == before[part], f"the refused {req.method} {req.path} wrote to the {part}"
    return reply
