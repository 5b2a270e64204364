"""What a bulk edit of accounts reads in one go, and the answer it keeps for
its Idempotency-Key. The writes are the single edit's (``AccountRepo.update``)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.entities import Account, Member
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.idempotency import Idempotency
from chalicelib.repo import keys
from chalicelib.repo.firms import IDEMPOTENCY_TTL_SECONDS
from chalicelib.repo.records import from_item
from chalicelib.repo.table import ITEM_ABSENT, Put, Table


@dataclass(slots=True)
class BulkRead:
    accounts: dict[str, Account]
    members: dict[str, Member]
    tag_ids: set[str]


def read_for_bulk(
    table: Table, firm_id: str, *, account_ids: Sequence[str], member_ids: Sequence[str], tag_ids: Sequence[str]
) -> BulkRead:
    """The accounts (whole items: an edit rewrites their list entries), the
    members (the caller and those named) and the tags named, strongly
    consistent: one BatchGetItem per 100 keys (two for 100 accounts and a few
    references), not one GetItem per account."""
    wanted = (
        [keys.account(firm_id, a) for a in account_ids]
        + [keys.member(firm_id, m) for m in member_ids]
        + [keys.tag(firm_id, t) for t in tag_ids]
    )
    found = BulkRead({}, {}, set())
    for item in table.batch_get(wanted, consistent=True):
        entity = item.get("entity")
        if entity == keys.ACCOUNT:
            found.accounts[item["id"]] = from_item(Account, item)
        elif entity == keys.MEMBER:
            found.members[item["id"]] = from_item(Member, item)
        elif entity == keys.TAG:
            found.tag_ids.add(item["id"])
    return found


def stored_answer(table: Table, idem: Idempotency) -> tuple[str, dict[str, Any]] | None:
    """The request hash and the answer kept for this Idempotency-Key, if it was used."""
    item = table.get(keys.idempotency(idem.firm_id, idem.member_id, idem.route, idem.key), consistent=True)
    if item is None or "answer" not in item:
        return None
    answer: dict[str, Any] = json.loads(item["answer"])
    return str(item.get("request_hash", "")), answer


def keep_answer(table: Table, idem: Idempotency, answer: dict[str, Any]) -> None:
    """Keep the answer for a retry with the same key (24 hours); the first one
    kept wins when two attempts finish together (they changed the same)."""
    record = {
        **keys.idempotency(idem.firm_id, idem.member_id, idem.route, idem.key).as_dict(),
        "entity": keys.IDEMPOTENCY,
        "request_hash": idem.request_hash,
        "answer": json.dumps(answer, separators=(",", ":")),
        keys.TTL_ATTRIBUTE: int(time.time()) + IDEMPOTENCY_TTL_SECONDS,
    }
    with suppress(ConflictError):
        table.write([Put(record, ITEM_ABSENT, on_fail=ConflictError("kept already", code="conflict"))])
