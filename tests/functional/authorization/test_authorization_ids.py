"""Ids that are not the caller's to use (docs/api.md "Conventions": Visibility): firm A's ids
used by firm B, an activity item of account A under account B's path, and a contact not linked to
the account are all not found, as if absent, and write nothing (tests/support/authz/).
"""

from __future__ import annotations

from typing import Final

import pytest

from tests.support.authz.matrix import ROUTE_LIST, ROUTES_BY_KEY, check
from tests.support.authz.routes import Route
from tests.support.authz.rules import expected_status
from tests.support.authz.world import Req, World
from tests.support.factories import created, new_account, unique_email

# --- (a) firm A's ids used by firm B's admin ----------------------------------------------------------


def _keys(routes: list[Route]) -> list[tuple[str, str]]:
    return [r.key for r in routes]


def _ids(routes: list[Route]) -> list[str]:
    return [f"{r.method} {r.path}" for r in routes]


ROUTES_WITH_IDS: Final = [r for r in ROUTE_LIST if r.has_ids]
# Routes with a parent and a child id: firm B's own parent with firm A's child.
NESTED: Final = [r for r in ROUTES_WITH_IDS if r.path.count("{") >= 2]


def test_firm_a_ids_are_not_found_for_firm_b_on_every_route_with_ids() -> None:
    """The matrix's ``other_firm`` column is the swap of every firm-A id to
    firm B (its owner, who passes every role check): all 404, nothing written."""
    assert ROUTES_WITH_IDS
    for r in ROUTES_WITH_IDS:
        assert expected_status(r.rule, "other_firm", r.ok) == 404, r.key


@pytest.mark.parametrize("key", _keys(NESTED), ids=_ids(NESTED))
def test_firm_a_child_ids_under_firm_b_parents_are_not_found(world: World, key: tuple[str, str]) -> None:
    req = ROUTES_BY_KEY[key].build(world)
    other = world.other
    if req.path.startswith("/accounts/"):
        req = req.moved(world.account_id, other.account_id)
    else:
        req = req.moved(world.contact_id, other.contact_id)
    check(world, other.admin, req, 404)


# --- (b) an activity item of account A under account B's path (same firm, the owner) ------------------

ITEM_ROUTES: Final = [r for r in NESTED if r.path.startswith("/accounts/") and "{item_id}" in r.path] + [
    ROUTES_BY_KEY[("GET", "/accounts/{account_id}/credits/{entry_id}")]
]


@pytest.mark.parametrize("key", _keys(ITEM_ROUTES), ids=_ids(ITEM_ROUTES))
def test_an_item_of_account_a_is_not_found_under_account_b(world: World, key: tuple[str, str]) -> None:
    req = ROUTES_BY_KEY[key].build(world)
    # Account B is one the owner may open and change, with what the request
    # would need to succeed there: credit to pay with, and account A's contact
    # (an active signer on the sign route) linked to it too.
    link = {"contact_id": world.contact_id, "description": "Shared"}
    b: str = new_account(world.owner, "Bravo Ltd", contacts=[link])["id"]
    world.add_credit("100.00", b)
    check(world, world.owner, req.moved(world.account_id, b), 404)


# --- (c) a contact not linked to the account --------------------------------------------------------

LINK_ROUTES: Final = [r for r in ROUTE_LIST if r.path == "/accounts/{account_id}/contacts/{contact_id}"]


def _unlinked_contact(w: World, how: str) -> str:
    if how == "linked to another account":
        other = new_account(w.owner, "Charlie Ltd")
        contact_id: str = other["contacts"][0]["id"]
        return contact_id
    return str(created(w.owner, "/contacts", {"first_name": "Solo", "emails": [unique_email("solo")]})["id"])


@pytest.mark.parametrize("how", ["linked to another account", "linked to no account"])
@pytest.mark.parametrize("key", _keys(LINK_ROUTES), ids=_ids(LINK_ROUTES))
def test_a_contact_not_linked_to_the_account_is_not_found(world: World, key: tuple[str, str], how: str) -> None:
    w = world
    w.linked_contact()  # two contacts: an unlink would not be refused as the last one
    stranger = _unlinked_contact(w, how)
    body = {"description": "Stranger"} if key[0] == "PATCH" else None
    check(w, w.owner, Req(key[0], w.path(f"/contacts/{stranger}"), body), 404)
