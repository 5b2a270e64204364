"""The firm's settings: name, currency (new accounts' default), language (new
contacts', mails' and the web client's default) and signing order."""

from __future__ import annotations

from typing import Any

from chalicelib.domain import access
from chalicelib.domain.entities import Firm
from chalicelib.domain.errors import ForbiddenError, NotFoundError
from chalicelib.domain.models.people import FirmOut, FirmPatch
from chalicelib.repo.firms import version_guard
from chalicelib.services.clashes import retried_on_clash
from chalicelib.services.context import Ctx

SETTINGS = ("name", "currency", "language", "signing_order", "audit_retention_days")


def firm_out(firm: Firm) -> FirmOut:
    return FirmOut(
        id=firm.id,
        name=firm.name,
        currency=firm.currency,
        language=firm.language,  # type: ignore[arg-type]
        signing_order=firm.signing_order,  # type: ignore[arg-type]
        audit_retention_days=firm.audit_retention_days,
        version=firm.version,
    )


def get_firm(ctx: Ctx) -> FirmOut:
    _ = ctx.member  # any active member of the firm
    return firm_out(ctx.firm)


@retried_on_clash
def patch_firm(ctx: Ctx, body: FirmPatch, if_match: int | None) -> FirmOut:
    if not access.manages_firm(ctx.member):
        raise ForbiddenError("Only the owner changes the firm's settings.")
    firm = ctx.firms.get_firm(ctx.firm_id, consistent=True)  # read again on each attempt (retried_on_clash)
    if firm is None:
        raise NotFoundError("Firm not found.")
    guard = version_guard(if_match, firm.version)
    changed: dict[str, Any] = {}
    for name in SETTINGS:
        value = getattr(body, name)
        if value is not None and value != getattr(firm, name):
            changed[name] = value
    if not changed:
        return firm_out(firm)
    ctx.firms.update_firm(firm.id, changed, guard)
    for name, value in changed.items():
        setattr(firm, name, value)
    firm.version += 1
    return firm_out(firm)
