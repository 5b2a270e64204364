"""Custom field definitions, values on accounts and contacts, and accounts'
custom field history. The value rules are in ``chalicelib/domain/field_values.py``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from chalicelib.adapters.concurrency import beside
from chalicelib.domain import access, field_values
from chalicelib.domain.entities import CustomField
from chalicelib.domain.errors import (
    BadRequestError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    UnprocessableError,
)
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.domain.models.accounts import (
    MAX_FIELDS_PER_TARGET,
    CustomFieldChangeOut,
    CustomFieldCreate,
    CustomFieldOut,
    CustomFieldPatch,
    CustomFieldRef,
)
from chalicelib.domain.models.people import MemberRef
from chalicelib.domain.text import fold
from chalicelib.repo.accounts import read_batch
from chalicelib.repo.custom_fields import CustomFieldRepo
from chalicelib.repo.firms import version_guard
from chalicelib.repo.records import custom_field_change, from_item, to_item
from chalicelib.services.clashes import retried_on_clash
from chalicelib.services.context import Ctx, idempotent_create
from chalicelib.services.openable import load_openable

FIELD_NOT_FOUND = "Custom field not found."


# --- values ---------------------------------------------------------------------------


def _definition(field: CustomField) -> field_values.Definition:
    return field_values.Definition(field.id, field.kind, tuple(field.options))


def check_values(
    definitions: Mapping[str, CustomField], target: str, values: Mapping[str, Any], loc: tuple[str | int, ...]
) -> dict[str, Any]:
    """``values`` in their stored forms (a null stays null: it clears). An
    unknown or removed field id, a field of the other target, or a value
    that does not fit its kind → 400 naming each."""
    if len(values) > field_values.MAX_VALUES:
        raise BadRequestError(
            f"At most {field_values.MAX_VALUES} custom field values per request.",
            [FieldError(loc, "too many values")],
            code="too_many_values",
        )
    errors: list[FieldError] = []
    out: dict[str, Any] = {}
    for field_id, value in values.items():
        field = definitions.get(field_id)
        if field is None or field.removed or field.target != target:
            errors.append(FieldError((*loc, field_id), f"unknown {target} custom field"))
            continue
        if value is None:
            out[field_id] = None
            continue
        try:
            out[field_id] = field_values.stored(_definition(field), value)
        except field_values.BadValue as exc:
            errors.append(FieldError((*loc, field_id), f"{field.label} ({field.kind}): {exc}"))
    if errors:
        raise BadRequestError("Some custom field values are invalid.", errors, code="invalid_custom_fields")
    return out


def definitions(ctx: Ctx) -> dict[str, CustomField]:
    if ctx.custom_fields is None:
        ctx.custom_fields = {f.id: f for f in CustomFieldRepo(ctx.table).list(ctx.firm_id)}
    return ctx.custom_fields


def definitions_beside(ctx: Ctx) -> Future[dict[str, CustomField]]:
    """The firm's definitions for showing values (labels, kinds, removed), read on the reader pool while
    the caller reads something else: this request's own when it already read them (a just-defined field
    must be usable), else one eventually consistent Query (a firm's definitions are a few KB, so it costs
    less than reading the definition of each value shown)."""
    if ctx.custom_fields is not None:
        done: Future[dict[str, CustomField]] = Future()
        done.set_result(ctx.custom_fields)
        return done
    repo, firm_id = CustomFieldRepo(ctx.table), ctx.firm_id
    return beside(lambda: {f.id: f for f in repo.list(firm_id, consistent=False)})


def new_values(
    ctx: Ctx, target: str, values: Mapping[str, Any], loc: tuple[str | int, ...], *, base: Mapping[str, Any] = {}
) -> dict[str, Any]:
    """``base`` with ``values`` merged in by field id (null clears one); reads
    the definitions only when there are values to check."""
    if not values:
        return dict(base)
    checked = check_values(definitions(ctx), target, values, loc)
    merged = {k: v for k, v in {**base, **checked}.items() if v is not None}
    if field_values.stored_size(merged) > field_values.MAX_STORED_BYTES:
        raise UnprocessableError(
            f"The {target}'s custom field values would take more than {field_values.MAX_STORED_BYTES // 1024} KB; "
            "shorten or clear some.",
            [FieldError(loc, "too large in all")],
            code="custom_fields_too_large",
        )
    return merged


def history_lines(
    firm_id: str, account_id: str, member_id: str, old: Mapping[str, Any], new: Mapping[str, Any], at: str
) -> list[dict[str, Any]]:
    """One history item per changed value, written with the change itself."""
    return [
        custom_field_change(firm_id, account_id, new_id(), field_id, before, after, member_id, at)
        for field_id, before, after in field_values.changes(old, new)
    ]


# --- definitions ----------------------------------------------------------------------


def field_out(field: CustomField) -> CustomFieldOut:
    return CustomFieldOut(
        id=field.id,
        target=field.target,  # type: ignore[arg-type]
        label=field.label,
        kind=field.kind,  # type: ignore[arg-type]
        options=list(field.options),
        removed=field.removed,
        created_at=field.created_at,
        updated_at=field.updated_at,
        version=field.version,
    )


def _require_writer(ctx: Ctx) -> None:
    if not access.manages_members(ctx.member):
        raise ForbiddenError("Defining custom fields needs the owner or an admin.")


def _options_fit(kind: str, options: Sequence[str], loc: tuple[str | int, ...]) -> None:
    if kind == "dropdown" and not options:
        raise UnprocessableError(
            "A dropdown needs at least one option.", [FieldError(loc, "no options")], code="options_required"
        )
    if kind != "dropdown" and options:
        raise UnprocessableError(
            f"A {kind} field has no options.",
            [FieldError(loc, "only dropdowns have options")],
            code="options_not_allowed",
        )
    if len({o.casefold() for o in options}) != len(options):
        raise UnprocessableError(
            "Options must differ.", [FieldError(loc, "an option is given twice")], code="duplicate_options"
        )


def list_fields(ctx: Ctx, target: str | None, include_removed: bool) -> list[CustomFieldOut]:
    _ = ctx.member  # any member of the firm reads the definitions
    found = CustomFieldRepo(ctx.table).list(ctx.firm_id)
    return [
        field_out(f) for f in found if (target is None or f.target == target) and (include_removed or not f.removed)
    ]


def get_field(ctx: Ctx, field_id: str) -> CustomFieldOut:
    _ = ctx.member
    return field_out(_load(ctx, field_id))


def _load(ctx: Ctx, field_id: str) -> CustomField:
    field = CustomFieldRepo(ctx.table).get(ctx.firm_id, field_id)
    if field is None:
        raise NotFoundError(FIELD_NOT_FOUND)
    return field


def _label_fits(label: str) -> None:
    if not fold(label).strip():
        raise UnprocessableError(
            "A label needs a letter or digit.",
            [FieldError(("body", "label"), "no letters or digits")],
            code="label_without_letters",
        )


def create_field(ctx: Ctx, body: CustomFieldCreate, idem: Idempotency | None) -> str:
    _require_writer(ctx)
    _label_fits(body.label)
    _options_fit(body.kind, body.options, ("body", "options"))
    repo = CustomFieldRepo(ctx.table)
    now = now_iso()
    field = CustomField(ctx.firm_id, new_id(), body.target, body.label, body.kind, list(body.options), now, now)
    return idempotent_create(ctx, idem, field.id, lambda op: repo.create(field, MAX_FIELDS_PER_TARGET, op))


@retried_on_clash
def patch_field(ctx: Ctx, field_id: str, body: CustomFieldPatch, if_match: int | None) -> None:
    """Rename, or add dropdown options: existing values keep their meaning,
    so an option in use cannot disappear, and the kind and target are fixed."""
    _require_writer(ctx)
    old = _load(ctx, field_id)
    version_guard(if_match, old.version)
    if old.removed:
        raise NotFoundError(FIELD_NOT_FOUND)
    changed: dict[str, Any] = {}
    if body.label is not None and body.label != old.label:
        _label_fits(body.label)
        changed["label"] = body.label
    if body.options is not None:
        _options_fit(old.kind, body.options, ("body", "options"))
        missing = [o for o in old.options if o not in body.options]
        if missing:
            raise UnprocessableError(
                "Options can be added or reordered, not removed: values may hold them.",
                [FieldError(("body", "options"), f"missing: {', '.join(missing)}")],
                code="options_removed",
            )
        if list(body.options) != old.options:
            changed["options"] = list(body.options)
    if not changed:
        return
    changed["updated_at"] = now_iso()
    new = from_item(CustomField, {**to_item(old), **changed})
    CustomFieldRepo(ctx.table).update(old, new, changed, old.version)


@retried_on_clash
def remove_field(ctx: Ctx, field_id: str, if_match: int | None) -> None:
    """The definition is hidden with its values; values and history are kept."""
    _require_writer(ctx)
    field = _load(ctx, field_id)
    version_guard(if_match, field.version)
    if field.removed:
        return
    CustomFieldRepo(ctx.table).remove(field, field.version, now_iso())


# --- history ----------------------------------------------------------------------------


def history(
    ctx: Ctx, account_id: str, *, limit: int, cursor: str | None
) -> tuple[list[CustomFieldChangeOut], str | None]:
    """Newest first; one Query per page, plus the fields and members named."""
    load_openable(ctx, account_id, for_edit=False)
    rows, next_cursor = CustomFieldRepo(ctx.table).history_page(ctx.firm_id, account_id, cursor=cursor, limit=limit)
    found = read_batch(
        ctx.table,
        ctx.firm_id,
        member_ids=sorted({r["member_id"] for r in rows if r.get("member_id")}),
        custom_field_ids=sorted({r["field_id"] for r in rows}),
    )
    out = []
    for r in rows:
        field = found.custom_fields.get(r["field_id"])
        ref = CustomFieldRef(
            id=r["field_id"],
            label=field.label if field else "Deleted field",
            kind=(field.kind if field else "text"),  # type: ignore[arg-type]
            removed=field is None or field.removed,
        )
        member = found.members.get(r.get("member_id", ""))
        out.append(
            CustomFieldChangeOut(
                id=r["id"],
                field=ref,
                old=field_values.as_json(r.get("old")),
                new=field_values.as_json(r.get("new")),
                changed_by=MemberRef(id=member.id, name=member.name) if member else None,
                at=r["at"],
            )
        )
    return out, next_cursor
