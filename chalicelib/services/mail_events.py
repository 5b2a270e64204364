"""What the mail service reports after sending: SES's bounce and complaint
events (published by the stack's configuration set to an SNS topic), recorded
on the firm's address so that staff see it and Dossier mails it no more; a
reply sent from a profile that bounced for good marks its e-mail item
``bounced`` (``email_replies.mark_bounced``).

Only a permanent bounce or a complaint is recorded: a transient bounce (a
full mailbox) may deliver next time. SES also keeps such addresses on the
account's suppression list (the configuration set's SuppressionOptions), so
a send to one fails even if this record were missing.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from chalicelib.domain.ids import now_iso
from chalicelib.repo.portal import PortalRepo
from chalicelib.repo.table import Table
from chalicelib.services import email_replies

log = logging.getLogger("dossier.mail_events")


def problems(event: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(firm id, address, "bounced" or "complained") for each recipient an SES event reports on; none for
    other events, transient bounces, or mail that names no firm (sent before mails were tagged)."""
    kind = event.get("eventType") or event.get("notificationType")
    mail = _object(event.get("mail"))
    firm_ids = _object(mail.get("tags")).get("firm") or []
    if not firm_ids or not isinstance(firm_ids, list):
        return []
    firm_id = str(firm_ids[0])
    if kind == "Bounce":
        bounce = _object(event.get("bounce"))
        if bounce.get("bounceType") != "Permanent":
            return []
        found = bounce.get("bouncedRecipients") or []
        problem = "bounced"
    elif kind == "Complaint":
        found = _object(event.get("complaint")).get("complainedRecipients") or []
        problem = "complained"
    else:
        return []
    if not isinstance(found, list):
        return []
    return [(firm_id, str(r["emailAddress"]), problem) for r in found if isinstance(r, dict) and r.get("emailAddress")]


def bounced_message(event: dict[str, Any]) -> tuple[str, str] | None:
    """(firm id, SES message id) of a mail that bounced for good: its e-mail
    item, if it was a reply sent from a profile, becomes ``bounced``."""
    bounce, mail = _object(event.get("bounce")), _object(event.get("mail"))
    kind = event.get("eventType") or event.get("notificationType")
    firm_ids = _object(mail.get("tags")).get("firm") or []
    ses_id = mail.get("messageId")
    if kind != "Bounce" or bounce.get("bounceType") != "Permanent" or not isinstance(firm_ids, list):
        return None
    if not firm_ids or not isinstance(ses_id, str) or not ses_id:
        return None
    return str(firm_ids[0]), ses_id


def _object(value: Any) -> dict[str, Any]:
    """A JSON object of the event, or an empty one for anything else (a record of another shape)."""
    return value if isinstance(value, dict) else {}


def record(table: Table, sns_records: list[dict[str, Any]]) -> int:
    """Record every problem in a batch of SNS records; the number recorded. A message that is not an SES
    event is logged and skipped (retrying cannot make it one)."""
    repo, recorded, at = PortalRepo(table), 0, now_iso()
    for record in sns_records:
        try:
            event = json.loads(record["Sns"]["Message"])
        except (KeyError, TypeError, ValueError):
            log.warning("an SNS record that is not an SES event was skipped")
            continue
        event = event if isinstance(event, dict) else {}
        for firm_id, address, problem in problems(event):
            recorded += repo.record_delivery_problem(firm_id, address, problem, at)
        bounced = bounced_message(event)
        if bounced:
            email_replies.mark_bounced(table, *bounced)
    return recorded
