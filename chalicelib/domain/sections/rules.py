"""What a write derives (times, defaults, amounts due) and each section's
cross-field rules, as plain functions of the item and the change."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.errors import FieldError
from chalicelib.domain.sections.values import Item


@dataclass(frozen=True, slots=True)
class Change:
    """What a write knows besides the input: the previous item (None on
    create), the time, the caller, and the account's currency."""

    old: Item | None
    now: str
    member_id: str
    currency: str

    def became(self, item: Item, status: str) -> bool:
        return item.get("status") == status and (self.old is None or self.old.get("status") != status)


def no_derivation(item: Item, change: Change) -> None:
    return None


def no_rules(item: Item, change: Change) -> list[FieldError]:
    return []


def document(item: Item, change: Change) -> None:
    item.setdefault("uploaded_at", change.now)
    if change.old is None and item["uploaded_by"] == "firm":
        # The firm uploaded it, so someone at the firm has seen it: never "New".
        item["viewed_at"], item["viewed_by"] = item["uploaded_at"], change.member_id


def email(item: Item, change: Change) -> None:
    item.setdefault("at", change.now)
    if item.get("status") is None:
        item["status"] = "received" if item["direction"] == "inbound" else "draft"


def email_rules(item: Item, change: Change) -> list[FieldError]:
    inbound = item["direction"] == "inbound"
    if inbound != (item["status"] == "received"):
        allowed = "received" if inbound else "draft, sent, delivered, opened or bounced"
        return [FieldError(("body", "status"), f"an {item['direction']} e-mail's status is {allowed}")]
    return []


def chat(item: Item, change: Change) -> None:
    if change.old is None:
        item.update(last_at=change.now, message_count=0)


def invoice(item: Item, change: Change) -> None:
    item.setdefault("issued_at", change.now)
    item["amount"] = Decimal(item["amount"])
    item.setdefault("currency", change.currency)
    item["amount_due"] = item["amount"] if item["status"] == "unpaid" else Decimal(0)
    if change.became(item, "paid"):
        item["paid_at"] = change.now


def invoice_rules(item: Item, change: Change) -> list[FieldError]:
    errors: list[FieldError] = []
    if item["amount"] <= 0:
        errors.append(FieldError(("body", "amount"), "must be more than zero"))
    old = change.old
    if old is not None and old["status"] != "unpaid":
        if item["status"] != old["status"]:
            errors.append(FieldError(("body", "status"), f"a {old['status']} invoice's status is final"))
        if item["amount"] != old["amount"]:
            errors.append(FieldError(("body", "amount"), f"a {old['status']} invoice's amount cannot change"))
    return errors


def _stamp_outcome(item: Item, change: Change, field_name: str) -> None:
    """When a pending request was answered (approved, signed, ...); cleared if it is pending again."""
    if item["status"] == "pending":
        item.pop(field_name, None)
    elif change.old is None or change.old["status"] != item["status"]:
        item[field_name] = change.now


def approval(item: Item, change: Change) -> None:
    item.setdefault("requested_at", change.now)
    _stamp_outcome(item, change, "decided_at")


def signature(item: Item, change: Change) -> None:
    item.setdefault("sent_at", change.now)
    _stamp_outcome(item, change, "completed_at")


def organizer(item: Item, change: Change) -> None:
    item.setdefault("sent_at", change.now)


def login(item: Item, change: Change) -> None:
    item.setdefault("at", change.now)


def note(item: Item, change: Change) -> None:
    item.setdefault("at", change.now)
    if change.old is None:
        item["author_id"] = change.member_id


def time_entry(item: Item, change: Change) -> None:
    if item.get("member_id") is None:
        item["member_id"] = change.member_id
    if item.get("date") is None:
        item["date"] = change.now[:10]


def proposal(item: Item, change: Change) -> None:
    if item["status"] != "draft" and item.get("sent_at") is None:
        item["sent_at"] = change.now
    if change.old is not None and change.old["status"] == "declined" and item["status"] != "declined":
        # Sent again after it was declined: earlier signatures were for what was declined.
        item.pop("signed_by", None)


def proposal_rules(item: Item, change: Change) -> list[FieldError]:
    old_status = None if change.old is None else change.old["status"]
    if old_status == "signed" and item["status"] != "signed":
        return [FieldError(("body", "status"), "a signed proposal is final")]
    if item["status"] == "signed" and old_status != "signed":
        return [FieldError(("body", "status"), "a proposal is signed by its signers (POST .../sign)")]
    if old_status not in (None, "draft") and item["status"] == "draft":
        return [FieldError(("body", "status"), "a proposal that was sent cannot become a draft again")]
    if item["status"] == "draft" and item.get("sent_at") is not None:
        return [FieldError(("body", "sent_at"), "a draft has not been sent")]
    return []
