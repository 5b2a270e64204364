"""moto's stream shard numbers each record by the shard's list length, with
no lock (moto/dynamodb/models/table.py ``StreamShard.add``). Writes from
several threads at once (the search indexer's) can give two records one
sequence number, and a reader that resumes AFTER that number is handed the
second again, for ever: the pollers then never drain. Taking one lock per add
makes moto's numbering what DynamoDB's is, unique and increasing."""

from __future__ import annotations

import threading
from typing import Any

from moto.dynamodb.models.table import StreamShard

_LOCK = threading.Lock()
_unlocked_add = StreamShard.add


def _add(self: StreamShard, old: Any, new: Any) -> None:
    with _LOCK:
        _unlocked_add(self, old, new)


def number_records_safely() -> None:
    """Idempotent: the patch is applied once per process."""
    if StreamShard.add is not _add:
        StreamShard.add = _add  # type: ignore[method-assign]
