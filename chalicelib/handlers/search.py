"""/search: find an account by a word of its name or part of an address."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.domain.models.accounts import SearchOut
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import search


@endpoint(
    "/search",
    "GET",
    summary="Accounts the caller may open (never archived ones) with a word of the name starting with q, "
    "or a contact address containing q (3+ characters); case and accents ignored. Each word of q must match "
    "a word of the name or part of an address (the same address for every word matched by an address). "
    "At most 20 hits, best first: exact word before prefix, name before e-mail, then alphabetical. "
    "q empty, longer than 100 characters or without a letter or digit: 400. Not paged (no cursor); the "
    "index follows changes within about a second of them.",
    response=SearchOut,
    query=("q",),
    errors=("query_empty", "query_too_long", "query_without_letters"),
)
def search_accounts(call: Call) -> Response:
    params = call.query()
    return reply(search.search(call.ctx, params.get("q")))
