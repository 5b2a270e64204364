"""The reads a request makes, recorded through the DynamoDB client's event hooks, with the
consistency each asked for.

moto and DynamoDB Local are always consistent, so a reply read eventually consistent right after its
own write never shows stale data in a test; only the flag on the read can be checked: what the
request wrote must be read with ``ConsistentRead`` (or not read at all), the rest without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from chalicelib.repo.keys import Key
from chalicelib.repo.table import Table

READS = ("GetItem", "BatchGetItem", "Query")


@dataclass(frozen=True, slots=True)
class Read:
    operation: str
    keys: tuple[tuple[str, str], ...]  # the (PK, SK) asked for; a Query's: its partition, SK ""
    index: str | None  # a Query's index (never consistent when global)
    consistent: bool

    def touches(self, key: Key) -> bool:
        """Whether the read asked for ``key``: by its key, or a base-table Query of its partition."""
        if self.operation == "Query":
            return self.index is None and any(pk == key.pk for pk, _ in self.keys)
        return (key.pk, key.sk) in self.keys


def _s(value: Any) -> str:
    return str(value.get("S", "")) if isinstance(value, dict) else ""


def _read(operation: str, params: dict[str, Any]) -> Read:
    if operation == "GetItem":
        key = params["Key"]
        return Read(operation, ((_s(key["PK"]), _s(key["SK"])),), None, bool(params.get("ConsistentRead")))
    if operation == "BatchGetItem":
        ((_, asked),) = params["RequestItems"].items()
        keys = tuple((_s(k["PK"]), _s(k["SK"])) for k in asked["Keys"])
        return Read(operation, keys, None, bool(asked.get("ConsistentRead")))
    pk = _s(params.get("ExpressionAttributeValues", {}).get(":pk"))
    return Read(operation, ((pk, ""),), params.get("IndexName"), bool(params.get("ConsistentRead")))


@contextmanager
def recorded_reads(table: Table) -> Iterator[list[Read]]:
    """Every GetItem, BatchGetItem and Query sent on ``table``'s client meanwhile (the app's client:
    one per endpoint), as asked (a batch's retry of unprocessed keys is a read of its own)."""
    reads: list[Read] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in READS:
            reads.append(_read(model.name, params))  # list.append is atomic: reads beside the main one are kept

    table.client.meta.events.register("provide-client-params.dynamodb", record)
    try:
        yield reads
    finally:
        table.client.meta.events.unregister("provide-client-params.dynamodb", record)


def reads_of(reads: list[Read], *keys: Key) -> list[Read]:
    """The reads that asked for any of ``keys``."""
    return [r for r in reads if any(r.touches(k) for k in keys)]


def assert_read_consistently(reads: list[Read], *keys: Key) -> None:
    """``keys`` were read, and every read of them was strongly consistent."""
    touching = reads_of(reads, *keys)
    assert touching, f"none of {keys} was read"
    assert all(r.consistent for r in touching), touching


def assert_read_eventually(reads: list[Read], *keys: Key) -> None:
    """``keys`` were read, and no read of them was strongly consistent (it would cost twice the units)."""
    touching = reads_of(reads, *keys)
    assert touching, f"none of {keys} was read"
    assert not any(r.consistent for r in touching), touching
