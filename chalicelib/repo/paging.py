"""Paging: signed cursors that hold a Query page's last key, the check that a
start key a client sent back is a position of the list it came from, and the
loop that reads one page of a list."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.config import settings
from chalicelib.adapters.secrets import signing_key
from chalicelib.domain.errors import BadRequestError, FieldError
from chalicelib.repo import keys

Item = dict[str, Any]


@dataclass(slots=True)
class Page:
    items: list[Item]
    last_key: dict[str, Any] | None


# --- cursors ----------------------------------------------------------------


def _cursor_mac(secret: bytes, payload: bytes) -> str:
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()[:16]


def encode_cursor(scope: str, last_key: Mapping[str, Any]) -> str:
    """An opaque cursor bound to one list (``scope`` names the list and firm)."""
    payload = json.dumps({"s": scope, "k": last_key}, separators=(",", ":"), sort_keys=True).encode()
    mac = _cursor_mac(_cursor_secret(), payload)
    return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + mac


def bad_cursor() -> BadRequestError:
    return BadRequestError(
        "The cursor is not valid for this list.",
        [FieldError(("query", "cursor"), "invalid cursor", "invalid_cursor")],
        code="invalid_cursor",
    )


def decode_cursor(scope: str, cursor: str, *, fields: Sequence[str] | None = None) -> dict[str, Any]:
    """The position ``cursor`` holds, if this server signed it for ``scope``;
    with ``fields``, exactly those, each a string (else a 400)."""
    bad = bad_cursor()
    if not cursor.isascii():  # hmac.compare_digest refuses non-ASCII strings with a TypeError
        raise bad
    try:
        body, mac = cursor.rsplit(".", 1)
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, binascii.Error) as exc:
        raise bad from exc
    if not hmac.compare_digest(mac, _cursor_mac(_cursor_secret(), payload)):
        raise bad
    try:
        decoded = json.loads(payload)
    except ValueError as exc:
        raise bad from exc
    if not isinstance(decoded, dict) or decoded.get("s") != scope or not isinstance(decoded.get("k"), dict):
        raise bad
    last_key: dict[str, Any] = decoded["k"]
    if fields is not None and (set(last_key) != set(fields) or not all(isinstance(v, str) for v in last_key.values())):
        raise bad
    return last_key


def _cursor_secret() -> bytes:
    # Cursors are signed so a client cannot forge a start key (e.g. into another
    # firm's partition), with the stack's own key; the table name keeps tables of one key apart.
    return b"dossier-cursor:" + settings().table_name.encode() + b":" + signing_key()


def key_attributes(*, index: str | None = None, lsi: str | None = None) -> tuple[str, ...]:
    """The attributes of a Query page's last key (what a cursor holds): the
    table's keys, plus the global index's keys or the local index's sort key
    (named as :meth:`Table.query` names them)."""
    if index in keys.HASH_ONLY_INDEXES:
        return ("PK", "SK", f"{index}PK")
    if index:
        return ("PK", "SK", f"{index}PK", f"{index}SK")
    if lsi:
        return ("PK", "SK", f"{lsi}SK")
    return ("PK", "SK")


def paged(
    read: Callable[[Mapping[str, Any] | None, int], Page],
    *,
    scope: str,
    cursor: str | None,
    limit: int,
    key_attrs: Sequence[str],
    keep: Callable[[Item], bool] | None = None,
    budget: int | None = None,
) -> tuple[list[Item], str | None]:
    """One page of a list: ``limit`` rows (those ``keep`` accepts) and the
    cursor to the next page, None on the last one.

    ``read(start_key, wanted)`` reads one Query page. Asking for one row more
    than the page shows tells whether another page exists, so the last page
    needs no empty follow-up; reading goes on when DynamoDB stops early (at
    1 MB, or when a filter drops rows). Every list pages this way. With
    ``budget``, reading stops once that many items were read: the page may
    then hold fewer rows (even none), and its cursor goes on from the last
    item read.
    """
    start = decode_cursor(scope, cursor) if cursor else None
    rows: list[Item] = []
    seen = 0
    while True:
        page = read(start, limit + 1 - len(rows))
        seen += len(page.items)
        rows.extend(r for r in page.items if keep is None or keep(r))
        if len(rows) > limit or page.last_key is None:
            break
        start = page.last_key
        if budget is not None and seen >= budget:
            return rows, encode_cursor(scope, {k: start[k] for k in key_attrs})
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(scope, {k: rows[-1][k] for k in key_attrs})


# --- start keys ---------------------------------------------------------------

MAX_PARTITION_KEY_BYTES = 2048  # DynamoDB's limits on key values
MAX_SORT_KEY_BYTES = 1024


def sk_test(prefix: str | None, equals: str | None, between: tuple[str, str] | None) -> Callable[[str], bool]:
    if prefix is not None:
        return lambda sk: sk.startswith(prefix)
    if equals is not None:
        return lambda sk: sk == equals
    if between is not None:
        low, high = between
        return lambda sk: low <= sk <= high
    return lambda sk: True


def check_start_key(
    start_key: Mapping[str, Any], *, index: str | None, lsi: str | None, pk: str, in_range: Callable[[str], bool]
) -> None:
    """A Query's start key (from a cursor the client sent back) has exactly the
    shape the Query's own pages end with: the key attributes of the table and
    index, all non-empty strings, in the queried partition and sort key range,
    and every partition key in the same firm. DynamoDB would refuse anything
    else with a ValidationException (a 500), or read from where it points.
    Cursors are signed, so this guards against a leaked or derived signing key."""
    bad = bad_cursor()
    expected = key_attributes(index=index, lsi=lsi)
    if set(start_key) != set(expected):
        raise bad
    for name in expected:
        value = start_key[name]
        limit = MAX_PARTITION_KEY_BYTES if name.endswith("PK") else MAX_SORT_KEY_BYTES
        if not isinstance(value, str) or not value or len(value.encode()) > limit:
            raise bad
    pk_attr, sk_attr = (f"{index}PK", f"{index}SK") if index else ("PK", f"{lsi}SK" if lsi else "SK")
    firm = "#".join(pk.split("#", 2)[:2])  # FIRM#<firm_id>: every partition key starts with it
    partitions = [start_key[name] for name in expected if name.endswith("PK")]
    if start_key[pk_attr] != pk or (sk_attr in expected and not in_range(start_key[sk_attr])):
        raise bad  # (a hash-only index has no sort key, and its Query no range)
    if not all(p == firm or p.startswith(firm + "#") for p in partitions):
        raise bad
