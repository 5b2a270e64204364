"""The authorization matrix (docs/api.md "Conventions": Auth and Visibility;
chalicelib/domain/access.py): every route of ``chalicelib.handlers.http.endpoint.ROUTES`` by ten
principals, each case the exact status the contract gives, and for every
refused request nothing written (the whole table and the mail outbox, and on
the photo routes the photo bucket, are the same before and after; POSTs carry
an Idempotency-Key, so a stored key would show too).

The principals, all of firm A unless said otherwise:

- ``owner``, ``admin``;
- ``employee_on_team``: an employee without rights on the account's team;
- ``employee_off_team``: an employee without rights, not on the team;
- ``employee_view_all``: an employee with *view all accounts* (not on the team);
- ``employee_manage``: an employee with *manage accounts* (not on the team);
- ``other_firm``: the owner of firm B, the strongest member of another tenant
  (so a 404 there comes from tenant isolation, never from a missing right);
- ``no_token``, ``bad_signature`` (signed with another key), ``expired``:
  firm A owner's identity, never accepted;
- ``unbound``: a valid token of the issuer whose subject no member is bound to;
- ``deactivated``: firm A's admin after DELETE /members/{id}: never accepted.

Expected statuses, by rule (``RULES``):

- ``public``: no auth (health, OpenAPI, invitation acceptance): success for all;
- ``any``: any member, in their own firm (other_firm acts in firm B): success;
- ``open``: the account (or a contact linked only to it) may be opened: success;
  otherwise 404. The activity sections, document views and chat messages are
  ``open`` too: any member who may open the account records, changes and
  deletes its activity (chalicelib/services/activity.py, the routes' summaries;
  the contract names no right for them);
- ``edit``: may open and holds the manage right: success; may open without it:
  403 (a visible resource the caller may not change); may not open: 404. Also
  credit, paying from credit and recording a signature (their routes'
  summaries: the manage right);
- ``firm_manage``/``firm_manage_id``: firm-level writes for owner, admin and
  *manage accounts* (tags, contacts, accounts); others 403; a firm-A id used
  from firm B: 404;
- ``admin``/``admin_id``: owner and admin only (members, custom fields,
  pipelines, the QuickBooks connection); employees 403; firm-A id from B: 404;
- ``firm_read_id``: any member of firm A; from firm B: 404;
- ``owner``: the owner only (the firm's settings); everyone else 403 (other_firm
  acts on firm B's own settings);
- ``admin_account``: owner and admin on an account: employees who may open it
  403, who may not open it 404 (Visibility).

The token failures answer 401 on every authenticated route. A 404 of the
matrix is answered exactly (status and body) as the same request for an id
that does not exist; the lists answered to anyone (clients, contacts) show
account A and its contact exactly to those who may open it.

The bulk edit (``POST /accounts/bulk``) answers 200 to every member; its
result for account A is what ``PATCH /accounts/{account_id}`` answers that
principal (rule ``edit``), the same problem body, and a refusal writes nothing.

Then the id swaps (test_authorization_ids.py): (a) firm-A ids used by firm B: the matrix's ``other_firm``
column on every route with ids, and firm-A child ids under firm B's own parent
(account or contact), as firm B's admin; (b) an activity item of account A
under account B's path (same firm, the owner); (c) a contact not linked to the
account in the ``/accounts/{id}/contacts/{contact_id}`` routes. Every one is
404 and writes nothing.

Each case is its own test with a fresh firm on a fresh moto table (one moto
per module, a new table per test: see conftest.py's ``table``); the state is built through
the API (the principals themselves through ``TestFirm``). Cases where the code
contradicts the contract are strict xfails (``KNOWN_BUGS``), each with its
reason. The principals, the rules, the world and the routes are tests/support/authz/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import pytest

from chalicelib.domain.ids import new_id
from tests.support.api import Api
from tests.support.authz.matrix import ROUTE_LIST, ROUTES_BY_KEY, check, state
from tests.support.authz.routes import Route
from tests.support.authz.rules import OK, PRINCIPALS, RULES, TOKEN_FAILURES, Body, expected_status
from tests.support.authz.world import Req, World, send

# --- contract deviations found (strict xfails: each is a bug to fix) ------------------------------

# Fixed: services/quickbooks.record_result checked the role (403) before loading the account (404).
KNOWN_BUGS: Final[dict[tuple[str, str, str], str]] = {}


# --- the matrix -----------------------------------------------------------------------------------------


# Lists answered to anyone: they show account A (or its contact) exactly to those who may open it.
OPENERS: Final = frozenset(p for p, code in RULES["open"].items() if code == OK)
LISTS: Final[dict[tuple[str, str], Callable[[World, list[Body]], bool]]] = {
    ("GET", "/accounts"): lambda w, items: w.account_id in [i["id"] for i in items],
    ("GET", "/contacts"): lambda w, items: w.contact_id in [i["id"] for i in items],
}

# The bulk edit answers 200 to any member; account A's result is what PATCH /accounts/{account_id} answers
# that principal (rule ``edit``): ok, or the same problem (403, or 404 exactly as for an absent account).
BULK: Final = ("POST", "/accounts/bulk")


def check_bulk(w: World, api: Api, req: Req, principal: str) -> None:
    expected = expected_status("edit", principal, 200)
    before = state(w, req)
    reply = send(api, req)
    assert reply.status == 200, (reply.status, reply.body)
    (result,) = reply.body["results"]
    if expected == 200:
        assert (result["account_id"], result["status"], result["problem"]) == (w.account_id, "ok", None)
        return
    assert (result["status"], result["problem"]["status"]) == ("error", expected), result
    assert state(w, req) == before, f"{principal}'s refused bulk edit wrote something"
    single = api.patch(w.path(), {"type": "other"})
    assert (single.status, single.body) == (expected, result["problem"]), "the single edit's answer"
    if expected == 404:
        absent = send(api, Req("POST", req.path, {"account_ids": [new_id()], "type": "other"}))
        assert absent.body["results"][0]["problem"] == result["problem"], "an invisible account must look absent"


def absent_twin(r: Route, req: Req) -> Req | None:
    """``req`` with its first path id (the account, contact, tag, ... that decides
    visibility) replaced by one that does not exist."""
    for part, value in zip(r.path.split("?")[0].split("/"), req.path.split("?")[0].split("/"), strict=True):
        if part.startswith("{"):
            return req.moved(value, new_id())
    return None


def _case_id(r: Route, principal: str) -> str:
    return f"{r.method} {r.path} [{principal}]"


def _cases() -> list[Any]:
    cases = []
    for r in ROUTE_LIST:
        for principal in PRINCIPALS:
            reason = KNOWN_BUGS.get((r.method, r.path, principal))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(r.key, principal, id=_case_id(r, principal), marks=marks))
    return cases


@pytest.mark.parametrize(("key", "principal"), _cases())
def test_authorization(world: World, key: tuple[str, str], principal: str) -> None:
    r = ROUTES_BY_KEY[key]
    req = r.build(world)
    api = world.as_(principal)  # firm B (other_firm) exists before the snapshot
    if key == BULK and principal not in TOKEN_FAILURES:
        check_bulk(world, api, req, principal)
        return
    reply = check(world, api, req, expected_status(r.rule, principal, r.ok), twin=absent_twin(r, req))
    if key in LISTS and reply.status == 200:
        shown = LISTS[key](world, reply.body["items"])
        assert shown == (principal in OPENERS), f"{principal} {'sees' if shown else 'misses'} account A in {key}"


def test_the_matrix_covers_every_registered_route() -> None:
    from chalicelib.handlers.http.routing import load_all

    registered = {(d.method, d.path): d for d in load_all()}
    covered = set(ROUTES_BY_KEY)
    assert covered == set(registered), {
        "not in the matrix": sorted(set(registered) - covered),
        "no longer registered": sorted(covered - set(registered)),
    }
    for key, doc in registered.items():
        spec = ROUTES_BY_KEY[key]
        assert spec.ok == doc.status, (key, spec.ok, doc.status)
        assert (spec.rule == "public") == (not doc.auth), (key, spec.rule, doc.auth)
        for code in {expected_status(spec.rule, p, spec.ok) for p in PRINCIPALS} - {spec.ok, 401}:
            # the refusals the matrix expects are the ones the route documents
            assert code in doc.errors, (key, code, doc.errors)
    assert set(KNOWN_BUGS) <= {(*r.key, p) for r in ROUTE_LIST for p in PRINCIPALS}, "a stale KNOWN_BUGS entry"
