"""Output fields computed when an item is read: names of what it refers to,
excerpts, money as text, and fields read from the account (never stored)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from chalicelib.domain.currencies import DEFAULT_CURRENCY
from chalicelib.domain.sections.values import Item, excerpt, money_out


@dataclass(frozen=True, slots=True)
class Names:
    """Names of what items refer to, resolved once per page or overview."""

    members: Mapping[str, str] = field(default_factory=dict)
    pipelines: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def member(self, member_id: str | None) -> dict[str, str] | None:
        if not member_id:
            return None
        return {"id": member_id, "name": self.members.get(member_id, "Former member")}

    def pipeline(self, pipeline_id: str) -> dict[str, str]:
        found = self.pipelines.get(pipeline_id)
        return {"id": pipeline_id, "name": found["name"] if found else "Removed pipeline"}

    def stage(self, pipeline_id: str, stage_id: str) -> dict[str, str]:
        found = self.pipelines.get(pipeline_id)
        stages = {s["id"]: s["name"] for s in (found or {}).get("stages", [])}
        return {"id": stage_id, "name": stages.get(stage_id, "Removed stage")}


def refs_none(item: Item, names: Names) -> Item:
    return {}


def email_out(item: Item, names: Names) -> Item:
    # Items recorded before threads existed start their own thread.
    return {"thread_id": item.get("thread_id") or item["id"], "text": item.get("text", "")}


def document_out(item: Item, names: Names) -> Item:
    opener = names.member(item.get("viewed_by"))
    opened_at = item.get("viewed_at")
    return {"new": opened_at is None, "viewed_by": opener, "opened_by": opener, "opened_at": opened_at}


def task_out(item: Item, names: Names) -> Item:
    return {"assignee": names.member(item.get("assignee_id"))}


def job_out(item: Item, names: Names) -> Item:
    return {
        "assignee": names.member(item.get("assignee_id")),
        "pipeline": names.pipeline(item["pipeline_id"]),
        "stage": names.stage(item["pipeline_id"], item["stage_id"]),
    }


def invoice_out(item: Item, names: Names) -> Item:
    currency = str(item.get("currency") or DEFAULT_CURRENCY)
    return {
        "amount": money_out(item["amount"], currency),
        "amount_due": money_out(item["amount_due"], currency),
        "paid_with_credit": bool(item.get("paid_with_credit", False)),
    }


def proposal_out(item: Item, names: Names) -> Item:
    # Each stored signature also names the member who recorded it (kept for audit).
    return {"signed_by": [{"address": s["address"], "at": s["at"]} for s in item.get("signed_by") or []]}


def note_out(item: Item, names: Names) -> Item:
    return {"excerpt": excerpt(item.get("body", "")), "author": names.member(item.get("author_id"))}


def time_entry_out(item: Item, names: Names) -> Item:
    return {"member": names.member(item.get("member_id"))}


# Fields computed from the account when an item is read, never stored: a
# credit change shows at once on every unpaid invoice without rewriting any.
READ_TIME_FIELDS: Final = frozenset({"payable_with_credit"})


def add_read_time_fields(view: Item, wanted: Collection[str], credit_balance: Decimal, currency: str) -> None:
    if "payable_with_credit" in wanted:
        view["payable_with_credit"] = payable_with_credit(view, credit_balance, currency)


def payable_with_credit(invoice: Mapping[str, Any], credit_balance: Decimal, currency: str) -> bool:
    """Read-time, from the account's current credit: a credit change shows at
    once on every unpaid invoice without rewriting any of them."""
    return (
        invoice.get("status", "unpaid") == "unpaid"
        and invoice["currency"] == currency
        and Decimal(invoice["amount_due"]) <= credit_balance
    )
