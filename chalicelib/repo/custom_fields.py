"""Custom field definitions (in the firm's partition, with a label guard per
target) and accounts' custom field history (in the account's partition)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.domain.entities import CustomField
from chalicelib.domain.errors import BadRequestError, ConflictError, FieldError, UnprocessableError
from chalicelib.domain.text import fold
from chalicelib.repo import keys
from chalicelib.repo.firms import STALE
from chalicelib.repo.paging import key_attributes, paged
from chalicelib.repo.records import from_item, to_item
from chalicelib.repo.table import (
    ITEM_ABSENT,
    Check,
    Condition,
    Delete,
    Item,
    Op,
    Put,
    Table,
    Update,
    set_fields,
    version_is,
)


def _label_taken(field: CustomField) -> ConflictError:
    return ConflictError(f"A {field.target} field labelled {field.label!r} already exists.", code="label_taken")


def _label_guard(field: CustomField) -> dict[str, Any]:
    return {
        **keys.custom_field_label(field.firm_id, field.target, fold(field.label)).as_dict(),
        "entity": keys.CUSTOM_FIELD_LABEL,
        "field_id": field.id,
    }


def _count(
    field: CustomField, delta: int, condition: Condition | None = None, on_fail: UnprocessableError | None = None
) -> Update:
    return Update(
        keys.custom_field_count(field.firm_id, field.target),
        "SET #entity = :entity ADD #n :delta",
        {"#entity": "entity", "#n": "active"},
        {":entity": "custom_field_count", ":delta": delta},
        condition=condition,
        on_fail=on_fail,
    )


class CustomFieldRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    def list(self, firm_id: str, *, consistent: bool = True) -> list[CustomField]:
        """Every definition of the firm, removed ones included, in creation order
        (one Query; strongly consistent so a field just defined can be used)."""
        items = self.table.query_all(
            pk=keys.firm_pk(firm_id), sk_prefix=keys.CUSTOM_FIELD_PREFIX, consistent=consistent
        )
        return [from_item(CustomField, i) for i in items]

    def get(self, firm_id: str, field_id: str) -> CustomField | None:
        item = self.table.get(keys.custom_field(firm_id, field_id), consistent=True)
        return from_item(CustomField, item) if item else None

    def create(self, field: CustomField, limit: int, idem: Op | None = None) -> None:
        """The definition, its label guard and the target's count (below ``limit``): all or nothing."""
        room = Condition("attribute_not_exists(#n) OR #n < :max", {"#n": "active"}, {":max": limit})
        full = UnprocessableError(
            f"A firm has at most {limit} {field.target} custom fields.", code="too_many_custom_fields"
        )
        ops: list[Op] = [idem] if idem else []
        ops += [
            Put(to_item(field), ITEM_ABSENT),
            Put(_label_guard(field), ITEM_ABSENT, on_fail=_label_taken(field)),
            _count(field, +1, room, full),
        ]
        self.table.write(ops)

    def update(self, old: CustomField, new: CustomField, fields: Mapping[str, Any], version: int) -> None:
        ops: list[Op] = [
            set_fields(keys.custom_field(new.firm_id, new.id), fields, condition=version_is(version), on_fail=STALE)
        ]
        if fold(old.label) != fold(new.label):
            ops.append(Delete(keys.custom_field_label(old.firm_id, old.target, fold(old.label))))
            ops.append(Put(_label_guard(new), ITEM_ABSENT, on_fail=_label_taken(new)))
        self.table.write(ops)

    def remove(self, field: CustomField, version: int, now: str) -> None:
        """Hide the field: its values and history stay; its label is free again."""
        self.table.write(
            [
                set_fields(
                    keys.custom_field(field.firm_id, field.id),
                    {"removed": True, "updated_at": now},
                    condition=version_is(version),
                    on_fail=STALE,
                ),
                Delete(keys.custom_field_label(field.firm_id, field.target, fold(field.label))),
                _count(field, -1),
            ]
        )

    def history_page(
        self, firm_id: str, account_id: str, *, cursor: str | None, limit: int
    ) -> tuple[Sequence[Item], str | None]:
        """A page of an account's custom field changes, newest first."""
        return paged(
            lambda start, n: self.table.query(
                pk=keys.account_pk(firm_id, account_id),
                sk_prefix=keys.CUSTOM_FIELD_CHANGE_PREFIX,
                forward=False,
                limit=n,
                start_key=start,
            ),
            scope=f"cf-history|{firm_id}|{account_id}",
            cursor=cursor,
            limit=limit,
            key_attrs=key_attributes(),
        )


def still_defined(firm_id: str, field_ids: Sequence[str]) -> list[Check]:
    """Checks, for a write's transaction, that the fields it sets were not
    removed meanwhile (the write validated them against an earlier read)."""
    return [
        Check(
            keys.custom_field(firm_id, field_id),
            Condition("#removed = :false", {"#removed": "removed"}, {":false": False}),
            on_fail=BadRequestError(
                "A custom field was removed meanwhile.",
                [FieldError(("body", "custom_fields", field_id), "the field was removed")],
                code="custom_field_removed",
            ),
        )
        for field_id in field_ids
    ]
