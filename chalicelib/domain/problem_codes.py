"""Every problem ``code`` the API answers, with its status and meaning.

Clients translate errors by code (the web client in English and Dutch), so a
code, once served, keeps its name and its status. The OpenAPI document lists,
per route and status, the codes that route may answer: the generic ones of the
status (any route may meet them) and the ones its declaration names.
A unit test checks that every ``code=`` in the code base is listed here.
"""

from __future__ import annotations

from typing import Final

# code -> (status, meaning)
CODES: Final[dict[str, tuple[int, str]]] = {
    # 400: the request is malformed (the field errors say where)
    "bad_request": (400, "the request is malformed"),
    "invalid_body": (400, "the body breaks its schema (field errors name each field and a code per field)"),
    "invalid_json": (400, "the body is not JSON"),
    "body_missing": (400, "a JSON body is required"),
    "body_too_large": (400, "the body exceeds 256 KB"),
    "body_too_deep": (400, "the body nests deeper than 32 levels"),
    "unknown_query_parameter": (400, "a query parameter the route does not take"),
    "invalid_query": (400, "a query parameter's value is not valid"),
    "invalid_header": (400, "a malformed If-Match or Idempotency-Key header"),
    "invalid_cursor": (400, "the cursor does not belong to this list"),
    "query_empty": (400, "the search text is empty"),
    "query_too_long": (400, "the search text is too long"),
    "query_without_letters": (400, "the search text has no letter or digit"),
    "too_many_values": (400, "too many custom field values in one request"),
    "invalid_custom_fields": (400, "custom field values do not fit their fields"),
    "custom_field_removed": (400, "a custom field was removed meanwhile"),
    "too_many_decimals": (400, "an amount has more decimals than its currency's minor units"),
    "email_refused": (400, "the identity provider does not accept this e-mail address"),
    "duplicate_account_ids": (400, "a bulk edit lists an account twice"),
    "nothing_to_change": (400, "a bulk edit names no change"),
    "added_and_removed": (400, "a bulk edit both adds and removes a tag or team member"),
    "invalid_month": (400, "month is missing or not a month as YYYY-MM"),
    # 401: who is calling is not established
    "unauthorized": (401, "the request is not authenticated"),
    "token_missing": (401, "no bearer token"),
    "token_malformed": (401, "the Authorization header is not 'Bearer <token>'"),
    "token_invalid": (401, "the token is invalid, expired, or names no member of this firm"),
    "token_wrong_client": (401, "the token is not an access token of this application's client"),
    "not_invited": (401, "the sign-in is bound to no member of any firm"),
    "member_deactivated": (401, "the member has been deactivated"),
    "invalid_firm_header": (401, "the Dossier-Firm header is not a firm id"),
    "not_a_member": (401, "the sign-in is not a member of the firm the Dossier-Firm header names"),
    # 403: visible, but not the caller's to change
    "forbidden": (403, "the caller's role or rights do not allow this"),
    "firm_not_enabled": (403, "the firm has no usage plan on this API (the deployed gateway)"),
    "signer_not_allowed": (403, "this address may not sign: no portal access or no authority"),
    # 404
    "not_found": (404, "does not exist, or the caller may not open it"),
    "thread_not_found": (404, "in_reply_to names no e-mail item of this account"),
    "idempotency_expired": (404, "the resource this Idempotency-Key created is gone"),
    "job_not_found": (404, "no background job (import, export) of this kind with this id in the firm"),
    # 405, 410, 415
    "method_not_allowed": (405, "the path does not take this method"),
    "invitation_expired": (410, "the portal invitation expired"),
    "unsupported_media_type": (415, "the route does not take this Content-Type"),
    # 409: the current state does not allow it
    "conflict": (409, "conflicts with the current state"),
    "job_not_startable": (409, "the job is not waiting for its file, nor a finished dry run"),
    "job_finished": (409, "the job has already finished (completed, failed or cancelled)"),
    "busy": (409, "the resource kept changing under concurrent requests; retry"),
    "changed_meanwhile": (409, "another request changed the resource meanwhile; retry"),
    "concurrent_write": (409, "a concurrent request changed the same resources; retry"),
    "account_archived": (409, "the account is archived; restore it first"),
    "last_contact": (409, "an account keeps at least one contact"),
    "too_many_links": (409, "a contact linked to more than 33 accounts cannot be erased at once"),
    "last_email": (409, "a contact keeps at least one e-mail address"),
    "already_linked": (409, "the contact is already linked to this account"),
    "email_taken": (409, "the e-mail address belongs to another contact of the firm"),
    "too_many_emails": (409, "a contact has at most 10 e-mail addresses"),
    "merge_in_progress": (409, "one of the contacts is being merged with another contact: finish that merge first"),
    "label_taken": (409, "a custom field with this label exists"),
    "name_taken": (409, "a tag with this name exists"),
    "member_exists": (409, "a member with this e-mail address exists"),
    "firm_exists": (409, "the firm exists"),
    "identity_taken": (409, "this sign-in is already a member of the firm"),
    "owner_protected": (409, "the owner cannot be demoted or deactivated"),
    "not_enough_credit": (409, "the account's credit does not cover the invoice"),
    "invoice_not_unpaid": (409, "only an unpaid invoice can be paid from credit"),
    "currency_mismatch": (409, "the credit and the invoice are in different currencies"),
    "portal_access_active": (409, "the address already has portal access"),
    "delivery_problem": (409, "mail to the address bounced or was marked as spam"),
    "invitation_accepted": (409, "the invitation was already accepted"),
    "invitation_superseded": (409, "a newer invitation was sent, or portal access was withdrawn"),
    "email_sync_off": (409, "mail goes only to addresses of the account's contacts with email sync on"),
    "address_undeliverable": (409, "mail to the address bounced or was marked as spam"),
    "currency_locked": (409, "the account has invoices or credit: its currency can no longer change"),
    "currency_changed": (409, "the account's currency changed meanwhile; read it again"),
    "not_your_turn": (409, "signers sign in order of priority: the problem's next_signers sign first"),
    "not_uploaded": (409, "nothing was uploaded to the document's upload_url yet"),
    "no_file": (409, "the document is a record without a file"),
    "upload_pending": (409, "the document's upload is not completed yet"),
    "not_signable": (409, "only a sent proposal can be signed"),
    "import_file_missing": (409, "nothing was uploaded to the import's upload_url yet"),
    # 412
    "version_mismatch": (412, "If-Match is stale: the resource is at another version"),
    # 422: well-formed, but breaks a rule
    "unprocessable": (422, "breaks a rule"),
    # 422: an import's file refused as a whole (nothing is written)
    "not_csv": (422, "the import's file is not a CSV text file"),
    "unknown_column": (422, "the import's file has a column that is not known (or a custom:<label> of no field)"),
    "duplicate_column": (422, "the import's file names a column twice"),
    "missing_column": (422, "the import's file has neither an account_id nor an account_name column"),
    "too_many_rows": (422, "the import's file has more than 50,000 rows"),
    "unknown_reference": (422, "a referenced tag, member, contact, pipeline or document does not exist"),
    "contact_listed_twice": (422, "a contact is listed twice"),
    "duplicate_email": (422, "an e-mail address is given twice"),
    "too_many_changes": (422, "too many changes for one request"),
    "too_many_tags": (422, "an account has at most 20 tags"),
    "too_many_team_members": (422, "an account has at most 20 team members"),
    "rule_broken": (422, "the item breaks a rule of its section (field errors say which)"),
    "amount_not_positive": (422, "an amount must be more than zero"),
    "merge_into_itself": (422, "a contact cannot be merged into itself"),
    "name_or_email_required": (422, "a contact needs a first name, a last name or an e-mail address"),
    "login_not_settable": (422, "portal login becomes active only by accepting the invitation"),
    "idempotency_key_reused": (422, "the Idempotency-Key was used with a different request"),
    "custom_fields_too_large": (422, "the custom field values are too large in all"),
    "too_many_custom_fields": (422, "the firm has the most custom fields it may have"),
    "options_required": (422, "a dropdown needs at least one option"),
    "options_not_allowed": (422, "only dropdowns have options"),
    "duplicate_options": (422, "options must differ"),
    "options_removed": (422, "options can be added or reordered, not removed"),
    "label_without_letters": (422, "a label needs a letter or digit"),
    "invalid_stages": (422, "the stages are not valid"),
    "stage_ids_not_allowed": (422, "a new pipeline's stages get their ids from the server"),
    "invalid_sync_result": (422, "the QuickBooks sync result is not consistent"),
    "not_an_account_address": (422, "the address is not one of this account's contacts'"),
    "no_recipients": (422, "name the recipients: the e-mail answers none"),
    "not_sendable": (422, "the e-mail cannot be sent as given (field errors say why)"),
    "file_too_large": (422, "the uploaded file is larger than allowed (a document 25 MB, an import's CSV 10 MB)"),
    "size_mismatch": (422, "the uploaded file's size is not the declared one"),
    "unsupported_file_type": (422, "the uploaded file is none of the accepted types (by its content)"),
    "file_type_mismatch": (422, "the uploaded file's type (by its content) is not the declared one"),
    "login_not_active": (422, "the address has no active portal access"),
    # 429, 500, 503
    "rate_limited": (429, "too many requests from the firm; retry after Retry-After seconds"),
    "internal": (500, "an unexpected error (logged)"),
    "unavailable": (503, "a service Dossier uses is unavailable; retry after Retry-After seconds"),
    "identity_provider_unavailable": (503, "the identity provider is unavailable; retry shortly"),
    "bad_gateway": (502, "the function behind the gateway failed (the deployed API)"),
    "timeout": (504, "the request took longer than the gateway waits (the deployed API)"),
}

# The codes any route may answer with a status it documents: its input checks,
# token checks, shared rules (an account's visibility, concurrency) and outages.
GENERIC: Final[dict[int, tuple[str, ...]]] = {
    400: (
        "bad_request",
        "invalid_body",
        "invalid_json",
        "body_missing",
        "body_too_large",
        "body_too_deep",
        "unknown_query_parameter",
        "invalid_query",
        "invalid_header",
        "invalid_cursor",
    ),
    401: (
        "unauthorized",
        "token_missing",
        "token_malformed",
        "token_invalid",
        "token_wrong_client",
        "not_invited",
        "member_deactivated",
        "invalid_firm_header",
        "not_a_member",
    ),
    403: ("forbidden",),
    404: ("not_found",),
    405: ("method_not_allowed",),
    409: ("conflict", "busy", "changed_meanwhile", "concurrent_write"),
    410: ("invitation_expired",),
    412: ("version_mismatch",),
    415: ("unsupported_media_type",),
    422: ("unprocessable", "idempotency_key_reused"),
    429: ("rate_limited",),
    500: ("internal",),
    503: ("unavailable", "identity_provider_unavailable"),
}

# A body with custom field values (an account's, a contact's, an inline new contact's) may meet these.
CUSTOM_FIELD_CODES: Final = (
    "invalid_custom_fields",
    "too_many_values",
    "custom_field_removed",
    "custom_fields_too_large",
)

# Field error codes: pydantic's error types by the names clients translate.
FIELD_CODES: Final[dict[str, str]] = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_too_short": "too_short",
    "string_too_long": "too_long",
    "too_short": "too_few",
    "too_long": "too_many",
    "literal_error": "not_allowed_value",
    "enum": "not_allowed_value",
    "greater_than": "out_of_range",
    "greater_than_equal": "out_of_range",
    "less_than": "out_of_range",
    "less_than_equal": "out_of_range",
    "string_pattern_mismatch": "invalid_format",
    "email_address": "not_an_email",
    "null_not_allowed": "null_not_allowed",
    "decimal_max_places": "too_many_decimals",
    "decimal_max_digits": "too_many_digits",
    "value_error": "invalid",
    "assertion_error": "invalid",
}
_TYPE_SUFFIXES: Final = ("_type", "_parsing", "_from_datetime_parsing")


def status_of(code: str) -> int:
    return CODES[code][0]


def field_code(pydantic_type: str) -> str:
    """The field error code for one of pydantic's error types: wrong types are
    ``wrong_type``; dates ``invalid_date``; anything else its own snake_case name."""
    if pydantic_type in FIELD_CODES:
        return FIELD_CODES[pydantic_type]
    if pydantic_type.startswith(("date", "time")):
        return "invalid_date"
    if pydantic_type.endswith(_TYPE_SUFFIXES):
        return "wrong_type"
    return pydantic_type
