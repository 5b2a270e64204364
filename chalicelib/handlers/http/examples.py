"""Request body examples for the OpenAPI document, by route id ("METHOD /path") and example name: what a
Dutch accounting firm's staff would send. Each is valid against its route's schema
(tests/unit/test_openapi_examples.py), and those that name no other resource are sent to the API
(tests/functional/test_openapi_examples.py). Ids in examples are placeholders of the right form."""

from __future__ import annotations

from typing import Any

_A = "/accounts/{account_id}"
_EMAIL = "/contacts/{contact_id}/emails/{email}"
_ADDRESS = {"line1": "Keizersgracht 123", "city": "Amsterdam", "postal_code": "1015 CJ", "country": "NL"}
_PHONE = {"number": "+31 6 12345678", "label": "mobile"}
# placeholders for ids of other resources (an example naming one is not sent by the functional test)
_MEMBER_ID = "01JF3Z8Q4W6X7Y8Z9A0B1C2D3E"
_TAG_ID = "01JF3Z9K2M4N6P8R0S2T4V6W8X"
_CONTACT_ID = "01JF3ZA7B9C1D3E5F7G9H1J3K5"
_PIPELINE_ID = "01JF3ZB2C4D6E8F0G2H4J6K8M0"
_STAGE_ID = "01JF3ZB2C4D6E8F0G2H4J6K8M1"
PLACEHOLDER_IDS = (_MEMBER_ID, _TAG_ID, _CONTACT_ID, _PIPELINE_ID, _STAGE_ID)

EXAMPLES: dict[str, dict[str, dict[str, Any]]] = {
    # accounts
    "POST /accounts": {
        "company": {
            "name": "De Vries Bouw B.V.",
            "type": "company",
            "address": _ADDRESS,
            "contacts": [
                {
                    "first_name": "Jan",
                    "last_name": "de Vries",
                    "emails": ["jan@devriesbouw.nl"],
                    "phones": [_PHONE],
                    "description": "Director",
                    "signer_priority": 1,
                }
            ],
        },
        "with tags, team and an existing contact": {
            "name": "Bakkerij Jansen",
            "type": "company",
            "tags": [_TAG_ID],
            "team_member_ids": [_MEMBER_ID],
            "contacts": [{"contact_id": _CONTACT_ID, "description": "Owner"}],
        },
    },
    f"PATCH {_A}": {"rename": {"name": "De Vries Bouw en Onderhoud B.V.", "quickbooks_sync_mode": "always"}},
    "POST /accounts/bulk": {
        "tag and assign": {
            "account_ids": ["01JF3ZD1E3F5G7H9J1K3M5N7P9", "01JF3ZD1E3F5G7H9J1K3M5N7PA"],
            "add_tags": [_TAG_ID],
            "add_team_member_ids": [_MEMBER_ID],
        },
        "set the type": {"account_ids": ["01JF3ZD1E3F5G7H9J1K3M5N7P9"], "type": "individual"},
    },
    # an account's contacts
    f"POST {_A}/contacts": {
        "new contact": {
            "first_name": "Sanne",
            "last_name": "Bakker",
            "emails": ["sanne.bakker@example.nl"],
            "description": "Bookkeeper",
        },
        "existing contact": {"contact_id": _CONTACT_ID, "description": "Co-owner", "signer_priority": 2},
    },
    f"PATCH {_A}/contacts/{{contact_id}}": {"priority": {"description": "Director", "signer_priority": 1}},
    # sections
    f"POST {_A}/documents": {"client upload": {"name": "Jaarrekening 2025.pdf", "uploaded_by": "client"}},
    f"PATCH {_A}/documents/{{item_id}}": {"rename": {"name": "Jaarrekening 2025 (definitief).pdf"}},
    f"POST {_A}/tasks": {
        "task": {
            "title": "Prepare the VAT return for Q4",
            "status": "planned",
            "due_date": "2027-01-31",
            "description": "Sales and purchase invoices are in Documents.",
        }
    },
    f"PATCH {_A}/tasks/{{item_id}}": {"start": {"status": "in_progress", "assignee_id": _MEMBER_ID}},
    f"POST {_A}/emails": {
        "received": {
            "subject": "Invoices for December",
            "direction": "inbound",
            "from_address": "jan@devriesbouw.nl",
            "to_addresses": ["office@dossier.example"],
            "snippet": "Attached are the invoices for December.",
        }
    },
    f"PATCH {_A}/emails/{{item_id}}": {"subject": {"subject": "Invoices for December 2026"}},
    f"POST {_A}/jobs": {
        "job": {
            "name": "Annual accounts 2026",
            "pipeline_id": _PIPELINE_ID,
            "stage_id": _STAGE_ID,
            "due_date": "2027-05-31",
        }
    },
    f"PATCH {_A}/jobs/{{item_id}}": {"complete": {"status": "completed"}},
    f"POST {_A}/chats": {"chat": {"subject": "Questions about the annual accounts"}},
    f"PATCH {_A}/chats/{{item_id}}": {"close": {"status": "closed"}},
    f"POST {_A}/invoices": {
        "invoice": {"number": "2026-0142", "amount": "1250.00", "currency": "USD", "due_date": "2027-01-15"}
    },
    f"PATCH {_A}/invoices/{{item_id}}": {"paid": {"status": "paid"}},
    f"POST {_A}/approvals": {"approval": {"document_name": "Jaarrekening 2025.pdf"}},
    f"PATCH {_A}/approvals/{{item_id}}": {"approve": {"status": "approved"}},
    f"POST {_A}/signatures": {"signature": {"document_name": "Engagement letter 2027.pdf"}},
    f"PATCH {_A}/signatures/{{item_id}}": {"signed": {"status": "signed"}},
    f"POST {_A}/organizers": {"organizer": {"name": "Income tax organizer 2026"}},
    f"PATCH {_A}/organizers/{{item_id}}": {"progress": {"status": "in_progress"}},
    f"POST {_A}/logins": {"login": {"email": "jan@devriesbouw.nl", "at": "2026-12-01T09:15:00Z"}},
    f"PATCH {_A}/logins/{{item_id}}": {"nothing to change": {}},
    f"POST {_A}/notes": {
        "note": {"title": "Call with Jan", "body": "Wants to discuss moving the bookkeeping to us from January."}
    },
    f"PATCH {_A}/notes/{{item_id}}": {"body": {"body": "Agreed: we take over the bookkeeping from January."}},
    f"POST {_A}/time_entries": {
        "time entry": {"minutes": 90, "date": "2026-12-04", "description": "VAT return Q4", "billable": True}
    },
    f"PATCH {_A}/time_entries/{{item_id}}": {"correct": {"minutes": 75}},
    f"POST {_A}/proposals": {"engagement letter": {"name": "Engagement letter 2027", "kind": "engagement_letter"}},
    f"PATCH {_A}/proposals/{{item_id}}": {"send": {"status": "sent"}},
    f"POST {_A}/proposals/{{item_id}}/sign": {"signer": {"email": "jan@devriesbouw.nl"}},
    f"POST {_A}/chats/{{item_id}}/messages": {
        "from the firm": {"body": "Could you send the bank statements for December?", "author": "firm"}
    },
    f"POST {_A}/credits": {"prepayment": {"amount": "500.00", "note": "Prepayment for the annual accounts"}},
    # contacts
    "POST /contacts": {
        "contact": {
            "first_name": "Pieter",
            "middle_name": "",
            "last_name": "van den Berg",
            "emails": ["pieter@vandenberg.nl"],
            "phones": [{"number": "020 123 4567", "label": "office"}],
            "address": _ADDRESS,
        }
    },
    "PATCH /contacts/{contact_id}": {"phones": {"phones": [_PHONE]}},
    "POST /contacts/{contact_id}/emails": {"address": {"address": "j.devries@devriesbouw.nl"}},
    "POST /contacts/{contact_id}/merge": {"duplicate": {"source_contact_id": _CONTACT_ID}},
    f"PATCH {_EMAIL}": {
        "invite and sync": {
            "login": "invited",
            "email_sync": True,
            "signing_authority": True,
            "notification_preferences": {"invoice_sent": True, "new_message": False},
        }
    },
    "POST /portal/invites/accept": {"accept": {"token": "b3JkZXItaW52aXRlLXRva2VuLWZyb20tdGhlLW1haWw"}},
    # members
    "POST /members": {
        "employee": {
            "name": "Eva Smit",
            "email": "eva.smit@kantoor.example",
            "role": "employee",
            "rights": {"view_all_accounts": True, "manage_accounts": False},
        }
    },
    "PATCH /members/{member_id}": {"grant": {"rights": {"manage_accounts": True}}},
    # tags
    "PATCH /firm": {"euro": {"currency": "EUR", "language": "nl", "signing_order": "sequential"}},
    "POST /tags": {"tag": {"name": "VAT quarterly", "color": "#1E88E5"}},
    "PATCH /tags/{tag_id}": {"recolour": {"color": "#43A047"}},
    # custom fields
    "POST /custom-fields": {
        "dropdown": {
            "target": "account",
            "label": "Fiscal year end",
            "kind": "dropdown",
            "options": ["31 December", "31 March", "30 June"],
        }
    },
    "PATCH /custom-fields/{field_id}": {"rename": {"label": "Financial year end"}},
    # pipelines
    "POST /pipelines": {
        "annual accounts": {
            "name": "Annual accounts",
            "stages": [{"name": "Waiting for documents"}, {"name": "In progress"}, {"name": "Review"}],
        }
    },
    "PATCH /pipelines/{pipeline_id}": {
        "add a stage": {"stages": [{"id": _STAGE_ID, "name": "Waiting for documents"}, {"name": "Filed"}]}
    },
    # exports
    "POST /exports": {
        "accounts as CSV": {"kind": "accounts", "format": "csv"},
        "contacts as JSON": {"kind": "contacts", "format": "json"},
    },
    # imports
    "POST /imports": {"accounts from a spreadsheet": {"kind": "accounts", "format": "csv", "size": 48213}},
    "POST /imports/{import_id}/start": {"dry run": {"dry_run": True}, "import": {"dry_run": False}},
    # QuickBooks
    "PUT /quickbooks/connection": {"connected": {"connected": True, "company_name": "Kantoor De Boer"}},
    f"POST {_A}/quickbooks/sync-results": {
        "synced": {"status": "synced", "synced_at": "2026-12-04T16:00:00Z"},
        "failed": {"status": "error", "reason": "The customer was merged in QuickBooks."},
    },
}
