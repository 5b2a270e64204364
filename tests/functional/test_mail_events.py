"""SES's bounce and complaint events (as the stack's SNS topic delivers them to
``record_mail_events``) are recorded on the firm's address, shown to staff,
and that address is mailed no more: a portal invitation to it is refused
(409, nothing written) and notifications skip it."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.ids import new_id
from chalicelib.repo.table import Table
from chalicelib.services.portal import recipients
from tests.support.api import Api, TestFirm, snapshot
from tests.support.factories import contact_spec, new_account, unique_email
from tests.support.portal import email_path
from tests.support.problems import assert_problem


def _sns(event: dict[str, Any]) -> dict[str, Any]:
    """An SNS delivery to Lambda of one SES event (the shapes of SES's event publishing)."""
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"Type": "Notification", "Message": json.dumps(event)}}]}


def _bounce(firm_id: str, address: str, bounce_type: str = "Permanent") -> dict[str, Any]:
    return {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": address, "action": "failed", "status": "5.1.1"}],
            "timestamp": "2026-12-07T08:00:00.000Z",
        },
        "mail": {
            "messageId": "0100-abc",
            "destination": [address],
            "tags": {"firm": [firm_id], "kind": ["invitation"]},
        },
    }


def _complaint(firm_id: str, address: str) -> dict[str, Any]:
    return {
        "eventType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": address}], "complaintFeedbackType": "abuse"},
        "mail": {"messageId": "0100-def", "destination": [address], "tags": {"firm": [firm_id]}},
    }


def _record(event: dict[str, Any]) -> int:
    from app import record_mail_events

    recorded: int = record_mail_events(event, None)["recorded"]
    return recorded


def _account_with(api: Api, address: str) -> tuple[str, str]:
    account = new_account(api, "Bounce Ltd", contacts=[contact_spec(emails=[address])])
    return account["id"], account["contacts"][0]["id"]


def _email(api: Api, contact_id: str) -> dict[str, Any]:
    reply = api.get(f"/contacts/{contact_id}")
    assert reply.status == 200, reply.body
    email: dict[str, Any] = reply.body["emails"][0]
    return email


def test_a_permanent_bounce_is_shown_and_stops_invitations(api: Api, firm: TestFirm, table: Table) -> None:
    address = unique_email("gone")
    _, contact_id = _account_with(api, address)
    assert _email(api, contact_id)["delivery_problem"] is None

    assert _record(_sns(_bounce(firm.firm_id, address.upper()))) == 1  # addresses compare case-insensitively
    assert _email(api, contact_id)["delivery_problem"] == "bounced"

    before = snapshot(table)
    assert_problem(api.post(email_path(contact_id, address) + "/invite"), 409)
    assert snapshot(table) == before


def test_a_complaint_is_recorded_and_notifications_skip_the_address(api: Api, firm: TestFirm, table: Table) -> None:
    address = unique_email("annoyed")
    account_id, contact_id = _account_with(api, address)
    assert [e.address for e in recipients(table, firm.firm_id, account_id, "new_message")] == [address]

    assert _record(_sns(_complaint(firm.firm_id, address))) == 1
    assert _email(api, contact_id)["delivery_problem"] == "complained"
    assert recipients(table, firm.firm_id, account_id, "new_message") == []


def test_what_is_not_a_lasting_problem_of_this_firms_address_records_nothing(
    api: Api, firm: TestFirm, table: Table
) -> None:
    address = unique_email("full")
    _, contact_id = _account_with(api, address)
    before = snapshot(table)
    events = [
        _sns(_bounce(firm.firm_id, address, "Transient")),  # a full mailbox: may deliver next time
        _sns(_bounce(new_id(), address)),  # another firm's mail to the same address
        _sns(_bounce(firm.firm_id, unique_email("unknown"))),  # an address the firm no longer has
        _sns({**_bounce(firm.firm_id, address), "mail": {"messageId": "x"}}),  # an untagged mail
        _sns({"eventType": "Delivery", "mail": {"tags": {"firm": [firm.firm_id]}}}),
        {"Records": [{"Sns": {"Message": "not json"}}, {"Sns": {}}, {}]},
        _sns({"eventType": "Bounce", "mail": ["not", "an", "object"], "bounce": "x"}),
        _sns(
            {
                "eventType": "Complaint",
                "mail": {"tags": {"firm": [firm.firm_id]}},
                "complaint": {"complainedRecipients": "x"},
            }
        ),
        {},
    ]
    assert [_record(e) for e in events] == [0] * len(events)
    assert snapshot(table) == before
    assert _email(api, contact_id)["delivery_problem"] is None
