"""Hypothesis campaigns against a served API, for inputs a generator driven
by /openapi.json does not make (devtools/fuzz.py runs them after Schemathesis):

- ``deep_nesting``: JSON bodies nested 1,000 to 50,000 deep, as arrays,
  objects, both, unclosed, inside a field, with brackets in strings, sent to
  routes with and without a token. Any answer but a 5xx passes.
- ``addresses``: look-alikes of the addresses a contact and a member already
  have: a confusable letter of another script, a fullwidth letter, an
  invisible or bidi control, the NFD form, another case. Each must be refused
  (400: invisible or mixed scripts) or found taken (409: the same address),
  and a refused one writes nothing: the contact's addresses and version and
  the member list stay as they were.

The oracle is the kind of change made, not the API's own rules.
"""

from __future__ import annotations

import json
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as fixed_seed
from hypothesis import strategies as st

from chalicelib.domain.ids import new_id

MIN_DEPTH, MAX_DEPTH = 1_000, 50_000
# no deadline (a 50,000-deep body takes its time), no example database (runs are reproducible by seed)
BASE = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Target:
    """A served API, a token of a member who may manage accounts and members, and an account and contact of it."""

    base_url: str
    token: str
    account_id: str
    contact_id: str


def send(target: Target, method: str, path: str, body: bytes | None, *, auth: bool = True) -> tuple[int, Any]:
    """(status, parsed JSON body or None); an HTTP error status is an answer, a broken connection raises."""
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = f"Bearer {target.token}"
    request = urllib.request.Request(target.base_url + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw[:200]


def _json(target: Target, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    return send(target, method, path, None if body is None else json.dumps(body).encode())


# --- deep nesting ----------------------------------------------------------------------------------------------


@st.composite
def deep_bodies(draw: st.DrawFn) -> bytes:
    depth = draw(st.integers(MIN_DEPTH, MAX_DEPTH))
    shape = draw(st.sampled_from(("array", "object", "mixed", "unclosed", "in_field", "strings")))
    if shape == "array":
        return b"[" * depth + b"]" * depth
    if shape == "object":
        return b'{"a":' * depth + b"1" + b"}" * depth
    if shape == "mixed":
        half = depth // 2
        return b'[{"a":' * half + b"null" + b"}]" * half
    if shape == "unclosed":
        return b"[" * depth
    if shape == "in_field":
        return b'{"name": "x", "token": ' + b"[" * depth + b"]" * depth + b"}"
    return b'["[{",' * depth + b'"]"' + b"]" * depth  # brackets inside strings count for nothing


def deep_targets(target: Target) -> list[tuple[str, str, bool]]:
    """(method, path, with a token): a public route and routes behind the authorizer."""
    return [
        ("POST", "/portal/invites/accept", False),
        ("POST", f"/accounts/{target.account_id}/notes", True),
        ("PATCH", f"/accounts/{target.account_id}", True),
        ("POST", "/contacts", True),
        ("POST", f"/contacts/{target.contact_id}/emails", True),
    ]


def deep_nesting(target: Target, *, max_examples: int, seed: int | None = None) -> None:
    """Raises AssertionError with the first body (shrunk) that got a 5xx."""

    @settings(BASE, max_examples=max_examples)
    @given(route=st.sampled_from(deep_targets(target)), body=deep_bodies())
    def check(route: tuple[str, str, bool], body: bytes) -> None:
        method, path, auth = route
        status, answer = send(target, method, path, body, auth=auth)
        assert status < 500, f"{method} {path}: {len(body)} bytes nested deep → {status} {answer}"

    (fixed_seed(seed)(check) if seed is not None else check)()


# --- look-alike addresses ----------------------------------------------------------------------------------------

LOCAL_PARTS = ("anna.berg", "jörg.weiß", "liam.garcía", "zoë.ångström", "chloé.dupont")  # NFC
# Latin letters and a look-alike of another script (Cyrillic, Greek)
CONFUSABLE = {
    "a": "\u0430\u03b1",
    "e": "\u0435\u03b5",
    "o": "\u043e\u03bf",
    "p": "\u0440\u03c1",
    "c": "\u0441",
    "i": "\u0456\u03b9",
    "x": "\u0445\u03c7",
    "n": "\u043f",
    "b": "\u044c",
    "r": "\u0433",
}
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff\u00ad"
INVISIBLE += "\u034f\u180e\u3164\ufe0f\u115f"
REFUSED, SAME = "refused", "same"  # what a change makes of an address: 400, or the address it imitates (409)


@st.composite
def look_alikes(draw: st.DrawFn, domain: str) -> tuple[str, str, str]:
    """(address sent, the taken address it imitates, what is expected: REFUSED or SAME)."""
    original = f"{draw(st.sampled_from(LOCAL_PARTS))}@{domain}"
    changes = draw(
        st.lists(st.sampled_from(("confusable", "fullwidth", "invisible", "nfd", "case")), min_size=1, max_size=3)
    )
    address, expected = original, SAME
    for change in changes:
        letters = [i for i, c in enumerate(address) if c.isascii() and c.isalpha()]
        if change == "confusable":
            spots = [i for i in letters if address[i] in CONFUSABLE]  # before the @ or in a domain label
            if spots:
                i = draw(st.sampled_from(spots))
                address = address[:i] + draw(st.sampled_from(CONFUSABLE[address[i]])) + address[i + 1 :]
                expected = REFUSED
        elif change == "fullwidth" and letters:
            i = draw(st.sampled_from(letters))
            address = address[:i] + chr(ord(address[i]) + 0xFEE0) + address[i + 1 :]
        elif change == "invisible":
            i = draw(st.integers(0, len(address)))
            address = address[:i] + draw(st.sampled_from(INVISIBLE)) + address[i:]
            expected = REFUSED
        elif change == "nfd":
            address = unicodedata.normalize("NFD", address)
        else:
            address = draw(st.sampled_from((address.upper(), address.title(), address.swapcase())))
    return address, original, expected


def _state(target: Target, contact_id: str) -> tuple[list[str], int, list[str]]:
    status, contact = _json(target, "GET", f"/contacts/{contact_id}")
    assert status == 200, contact
    members_status, members = _json(target, "GET", "/members")
    assert members_status == 200, members
    return [e["address"] for e in contact["emails"]], contact["version"], sorted(m["email"] for m in members["items"])


def addresses(target: Target, *, max_examples: int, seed: int | None = None) -> None:
    """Gives a new contact and new members the LOCAL_PARTS at a fresh domain, then sends look-alikes of them
    to POST /contacts/{id}/emails and POST /members. Raises AssertionError on a 5xx, a look-alike accepted, an
    answer other than the one expected, or a refusal that changed something."""
    domain = f"fuzz-{new_id().lower()}.example"
    taken = [f"{local}@{domain}" for local in LOCAL_PARTS]
    status, contact = _json(target, "POST", "/contacts", {"first_name": "Fuzz", "emails": taken})
    assert status == 201, contact
    contact_id = contact["id"]
    for address in taken:
        status, answer = _json(target, "POST", "/members", {"name": "Fuzz", "email": address.replace("@", "@m.")})
        assert status == 201, answer

    @settings(BASE, max_examples=max_examples)
    @given(case=look_alikes(domain), as_member=st.booleans())
    def check(case: tuple[str, str, str], as_member: bool) -> None:
        address, original, expected = case
        before = _state(target, contact_id)
        if as_member:
            status, answer = _json(
                target, "POST", "/members", {"name": "Look Alike", "email": address.replace("@", "@m.")}
            )
        else:
            status, answer = _json(target, "POST", f"/contacts/{contact_id}/emails", {"address": address})
        shown = f"{address!r} ({address!a}) imitating {original!r}"
        if status == 201 and not as_member:  # undo, so that Hypothesis replays the example as it was (members stay)
            _json(target, "DELETE", f"/contacts/{contact_id}/emails/{quote(answer['address'], safe='')}")
        assert status < 500, f"{shown} → {status} {answer}"
        assert status == (400 if expected == REFUSED else 409), f"{shown}: expected {expected}, got {status} {answer}"
        assert _state(target, contact_id) == before, f"{shown} was refused ({status}) but something changed"
        if status == 400:
            field = "email" if as_member else "address"
            assert any(e["loc"] == ["body", field] for e in answer["errors"]), answer
            found, _ = _json(target, "GET", f"/contacts/{contact_id}/emails/{quote(address, safe='')}")
            assert found == 404, f"{shown}: refused, yet found"

    (fixed_seed(seed)(check) if seed is not None else check)()
