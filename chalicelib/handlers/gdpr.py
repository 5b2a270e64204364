"""GDPR/AVG: a person's data exported and erased (owner and admins)."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.domain.models.gdpr import ErasureOut, PersonExportOut
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import gdpr


@endpoint(
    "/contacts/{contact_id}/export",
    "GET",
    summary="Everything held about a person (GDPR/AVG access request): the contact, its e-mails and their "
    "settings, links, portal invitations and logins, mails from and to them, chat messages they wrote, "
    "documents they uploaded, signatures and audit entries. Owner and admins.",
    response=PersonExportOut,
    errors=(403, 404),
)
def export_contact(call: Call) -> Response:
    return reply(gdpr.export(call.ctx, call.id("contact_id")))


@endpoint(
    "/contacts/{contact_id}/erase",
    "POST",
    summary="Erase a person's personal data everywhere (GDPR/AVG): the contact answers 404 from then on, "
    "its addresses are free, financial records keep a pseudonym. Refused for the last contact of an active "
    "account. The firm's export files and import files are deleted too (running exports and imports are "
    "stopped), with the import errors that quote the person. Sending it again finishes an interrupted "
    "erasure. Owner and admins.",
    response=ErasureOut,
    errors=(403, 404, 409, 412, "last_contact", "too_many_links", "merge_in_progress", "busy", "changed_meanwhile"),
)
def erase_contact(call: Call) -> Response:
    return reply(gdpr.erase(call.ctx, call.id("contact_id"), call.if_match()))
