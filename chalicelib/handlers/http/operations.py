"""Every operation's stable operationId and its tag (the resource it belongs to), by route id
("METHOD /path"): what code generators name their functions and modules after (openapi-python-client
writes ``api/<tag>/<operation_id>.py``). An operationId is part of the contract: never rename one.
A new route adds its line here; tests/unit/test_operations.py fails on a route without one."""

from __future__ import annotations

from typing import NamedTuple


class Operation(NamedTuple):
    operation_id: str
    tag: str


# The tags in the order a reader meets them, with what each groups.
TAGS: dict[str, str] = {
    "accounts": "Client accounts: the list, the Info and Overview tabs, photo, archive and restore.",
    "contacts": "Contacts, their e-mail addresses, and their links to accounts.",
    "documents": "An account's documents section.",
    "tasks": "An account's tasks section.",
    "emails": "An account's emails section.",
    "jobs": "An account's jobs section.",
    "chats": "An account's chats and their messages.",
    "invoices": "An account's invoices, and paying one from credit.",
    "credit": "An account's credit ledger.",
    "approvals": "An account's approvals section.",
    "signatures": "An account's signature requests.",
    "organizers": "An account's organizers section.",
    "logins": "An account's portal login activity.",
    "notes": "An account's notes.",
    "time_entries": "An account's time entries.",
    "proposals": "An account's proposals and engagement letters, and their signing.",
    "search": "Finding accounts.",
    "firm": "The firm's settings: name, currency, language, signing order; its metered usage.",
    "members": "The firm's members, and the caller.",
    "tags": "The firm's tag catalogue.",
    "custom-fields": "The firm's custom field definitions, and an account's value history.",
    "pipelines": "The firm's job pipelines.",
    "audit": "The audit trail: who changed what, when and from where.",
    "quickbooks": "The firm's QuickBooks connector.",
    "exports": "Exports of the firm's accounts or contacts (CSV, JSON), run in the background.",
    "portal": "The client portal: invitations, their acceptance, and an account's signers.",
    "imports": "CSV imports of accounts and contacts, run as background jobs.",
    "operations": "Liveness and this document.",
}

# The account sections (their path segment = their tag): the singular and plural in operationIds.
_SECTIONS = (
    ("documents", "Document", "Documents"),
    ("tasks", "Task", "Tasks"),
    ("emails", "Email", "Emails"),
    ("jobs", "Job", "Jobs"),
    ("chats", "Chat", "Chats"),
    ("invoices", "Invoice", "Invoices"),
    ("approvals", "Approval", "Approvals"),
    ("signatures", "Signature", "Signatures"),
    ("organizers", "Organizer", "Organizers"),
    ("logins", "Login", "Logins"),
    ("notes", "Note", "Notes"),
    ("time_entries", "TimeEntry", "TimeEntries"),
    ("proposals", "Proposal", "Proposals"),
)


def _section_operations() -> dict[str, Operation]:
    table: dict[str, Operation] = {}
    for key, one, many in _SECTIONS:
        items, item = f"/accounts/{{account_id}}/{key}", f"/accounts/{{account_id}}/{key}/{{item_id}}"
        table[f"GET {items}"] = Operation(f"list{many}", key)
        table[f"POST {items}"] = Operation(f"create{one}", key)
        table[f"GET {item}"] = Operation(f"get{one}", key)
        table[f"PATCH {item}"] = Operation(f"update{one}", key)
        table[f"DELETE {item}"] = Operation(f"delete{one}", key)
    return table


_A = "/accounts/{account_id}"
_EMAIL = "/contacts/{contact_id}/emails/{email}"

OPERATIONS: dict[str, Operation] = {
    # accounts
    "GET /accounts": Operation("listAccounts", "accounts"),
    "POST /accounts": Operation("createAccount", "accounts"),
    "POST /accounts/bulk": Operation("bulkEditAccounts", "accounts"),
    f"GET {_A}": Operation("getAccount", "accounts"),
    f"PATCH {_A}": Operation("updateAccount", "accounts"),
    f"DELETE {_A}": Operation("archiveAccount", "accounts"),
    f"POST {_A}/restore": Operation("restoreAccount", "accounts"),
    f"GET {_A}/overview": Operation("getAccountOverview", "accounts"),
    f"PUT {_A}/photo": Operation("uploadAccountPhoto", "accounts"),
    f"DELETE {_A}/photo": Operation("deleteAccountPhoto", "accounts"),
    # an account's contacts (the links)
    f"POST {_A}/contacts": Operation("linkAccountContact", "contacts"),
    f"GET {_A}/contacts/{{contact_id}}": Operation("getAccountContact", "contacts"),
    f"PATCH {_A}/contacts/{{contact_id}}": Operation("updateAccountContact", "contacts"),
    f"DELETE {_A}/contacts/{{contact_id}}": Operation("unlinkAccountContact", "contacts"),
    # the sections, and what some of them do beyond their items
    **_section_operations(),
    f"POST {_A}/documents/{{item_id}}/view": Operation("markDocumentViewed", "documents"),
    f"POST {_A}/documents/{{item_id}}/complete": Operation("completeDocumentUpload", "documents"),
    f"GET {_A}/documents/{{item_id}}/download": Operation("downloadDocument", "documents"),
    f"GET {_A}/chats/{{item_id}}/messages": Operation("listChatMessages", "chats"),
    f"POST {_A}/chats/{{item_id}}/messages": Operation("createChatMessage", "chats"),
    f"POST {_A}/invoices/{{item_id}}/apply-credit": Operation("applyCreditToInvoice", "invoices"),
    f"POST {_A}/proposals/{{item_id}}/sign": Operation("signProposal", "proposals"),
    f"GET {_A}/credits": Operation("listCredits", "credit"),
    f"POST {_A}/credits": Operation("addCredit", "credit"),
    f"GET {_A}/credits/{{entry_id}}": Operation("getCredit", "credit"),
    # contacts
    "GET /contacts": Operation("listContacts", "contacts"),
    "POST /contacts": Operation("createContact", "contacts"),
    "GET /contacts/{contact_id}": Operation("getContact", "contacts"),
    "PATCH /contacts/{contact_id}": Operation("updateContact", "contacts"),
    "GET /contacts/{contact_id}/accounts": Operation("listContactAccounts", "contacts"),
    "POST /contacts/{contact_id}/merge": Operation("mergeContact", "contacts"),
    "GET /contacts/{contact_id}/export": Operation("exportContactData", "contacts"),
    "POST /contacts/{contact_id}/erase": Operation("eraseContact", "contacts"),
    "POST /contacts/{contact_id}/emails": Operation("addContactEmail", "contacts"),
    f"GET {_EMAIL}": Operation("getContactEmail", "contacts"),
    f"PATCH {_EMAIL}": Operation("updateContactEmail", "contacts"),
    f"DELETE {_EMAIL}": Operation("removeContactEmail", "contacts"),
    # the portal
    f"POST {_EMAIL}/invite": Operation("sendPortalInvitation", "portal"),
    "POST /portal/invites/accept": Operation("acceptPortalInvitation", "portal"),
    f"GET {_A}/signers": Operation("listSigners", "portal"),
    # search
    "GET /search": Operation("searchAccounts", "search"),
    # members
    "GET /firm": Operation("getFirm", "firm"),
    "PATCH /firm": Operation("updateFirm", "firm"),
    "GET /firm/usage": Operation("getFirmUsage", "firm"),
    "GET /me": Operation("getMe", "members"),
    "GET /members": Operation("listMembers", "members"),
    "POST /members": Operation("createMember", "members"),
    "GET /members/{member_id}": Operation("getMember", "members"),
    "PATCH /members/{member_id}": Operation("updateMember", "members"),
    "DELETE /members/{member_id}": Operation("deactivateMember", "members"),
    # tags
    "GET /tags": Operation("listTags", "tags"),
    "POST /tags": Operation("createTag", "tags"),
    "GET /tags/{tag_id}": Operation("getTag", "tags"),
    "PATCH /tags/{tag_id}": Operation("updateTag", "tags"),
    "DELETE /tags/{tag_id}": Operation("deleteTag", "tags"),
    # custom fields
    "GET /custom-fields": Operation("listCustomFields", "custom-fields"),
    "POST /custom-fields": Operation("createCustomField", "custom-fields"),
    "GET /custom-fields/{field_id}": Operation("getCustomField", "custom-fields"),
    "PATCH /custom-fields/{field_id}": Operation("updateCustomField", "custom-fields"),
    "DELETE /custom-fields/{field_id}": Operation("removeCustomField", "custom-fields"),
    f"GET {_A}/custom-fields/history": Operation("listAccountCustomFieldHistory", "custom-fields"),
    # pipelines
    "GET /pipelines": Operation("listPipelines", "pipelines"),
    "POST /pipelines": Operation("createPipeline", "pipelines"),
    "GET /pipelines/{pipeline_id}": Operation("getPipeline", "pipelines"),
    "PATCH /pipelines/{pipeline_id}": Operation("updatePipeline", "pipelines"),
    # QuickBooks
    "GET /quickbooks/connection": Operation("getQuickbooksConnection", "quickbooks"),
    "PUT /quickbooks/connection": Operation("setQuickbooksConnection", "quickbooks"),
    f"POST {_A}/quickbooks/sync-results": Operation("recordQuickbooksSyncResult", "quickbooks"),
    # exports (background jobs)
    "GET /exports": Operation("listExports", "exports"),
    "POST /exports": Operation("createExport", "exports"),
    "GET /exports/{export_id}": Operation("getExport", "exports"),
    # imports
    "GET /imports": Operation("listImports", "imports"),
    "POST /imports": Operation("createImport", "imports"),
    "POST /imports/{import_id}/start": Operation("startImport", "imports"),
    "GET /imports/{import_id}": Operation("getImport", "imports"),
    "GET /imports/{import_id}/errors": Operation("listImportErrors", "imports"),
    "DELETE /imports/{import_id}": Operation("cancelImport", "imports"),
    # audit trail
    "GET /audit": Operation("listAuditEntries", "audit"),
    f"GET {_A}/audit": Operation("listAccountAuditEntries", "audit"),
    # operations
    "GET /health": Operation("getHealth", "operations"),
    "GET /openapi.json": Operation("getOpenapiDocument", "operations"),
}


def operation(method: str, path: str) -> Operation:
    """The route's operation; a route not yet in the table gets a derived one (the unit test refuses
    that, so it never ships), so that the document stays valid while a route is being added."""
    found = OPERATIONS.get(f"{method} {path}")
    if found is not None:
        return found
    words = [w for w in path.replace("{", "").replace("}", "").replace("-", "_").split("/") if w]
    camel = "".join(part.capitalize() for w in words for part in w.split("_"))
    return Operation(method.lower() + camel, words[0] if words else "operations")
