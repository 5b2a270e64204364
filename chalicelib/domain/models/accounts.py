"""Custom fields, accounts, QuickBooks and search."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    StringConstraints,
)

from chalicelib.domain.models.base import (
    MAX_CONTACTS_PER_REQUEST,
    MAX_TAGS,
    MAX_TEAM,
    AccountType,
    Currency,
    Id,
    InputModel,
    Name,
    OutputModel,
    PatchModel,
    SyncMode,
)
from chalicelib.domain.models.people import (
    Address,
    AddressOut,
    ContactLinkIn,
    CustomFieldValues,
    LinkedContactOut,
    MemberRef,
    TagRef,
)

# --- custom fields ------------------------------------------------------------

FieldTarget = Literal["account", "contact"]
FieldKind = Literal["text", "number", "date", "checkbox", "dropdown", "email", "phone", "address"]
FieldLabel = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
OptionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
MAX_OPTIONS = 100
MAX_FIELDS_PER_TARGET = 100


class CustomFieldCreate(InputModel):
    target: FieldTarget
    label: FieldLabel
    kind: FieldKind
    options: Annotated[list[OptionText], Field(max_length=MAX_OPTIONS)] = Field(
        default=[], description="A dropdown's choices (at least one); other kinds take none."
    )


class CustomFieldPatch(PatchModel):
    label: FieldLabel | None = None
    options: Annotated[list[OptionText], Field(max_length=MAX_OPTIONS)] | None = Field(
        default=None,
        description="A dropdown's full list of choices: every existing option must stay (values keep them); "
        "new ones are added, the order is the new order.",
    )


class CustomFieldOut(OutputModel):
    id: str
    target: FieldTarget
    label: str
    kind: FieldKind
    options: list[str]
    removed: bool = Field(description="Removed definitions hide their values; the values and history are kept.")
    created_at: str
    updated_at: str
    version: int


class CustomFieldValueOut(OutputModel):
    """A custom field of the account with its definition, for the Info tab."""

    id: str
    label: str
    kind: FieldKind
    options: list[str]
    value: Any


class CustomFieldRef(OutputModel):
    id: str
    label: str
    kind: FieldKind
    removed: bool


class CustomFieldChangeOut(OutputModel):
    id: str
    field: CustomFieldRef
    old: Any = Field(description="The value before (null: none).")
    new: Any = Field(description="The value after (null: cleared).")
    changed_by: MemberRef | None
    at: str


# --- accounts ---------------------------------------------------------------


class AccountCreate(InputModel):
    name: Name
    type: AccountType
    tags: Annotated[list[Id], Field(max_length=MAX_TAGS)] = []
    team_member_ids: Annotated[list[Id], Field(max_length=MAX_TEAM)] = []
    address: Address | None = None
    custom_fields: CustomFieldValues = {}
    quickbooks_sync_mode: SyncMode = "auto"
    currency: Currency | None = Field(default=None, description="Of its invoices and credit; default: the firm's.")
    contacts: Annotated[list[ContactLinkIn], Field(min_length=1, max_length=MAX_CONTACTS_PER_REQUEST)]


class AccountPatch(PatchModel):
    nullable = frozenset({"address"})

    quickbooks_sync_mode: SyncMode | None = None
    name: Name | None = None
    type: AccountType | None = None
    tags: Annotated[list[Id], Field(max_length=MAX_TAGS)] | None = None
    team_member_ids: Annotated[list[Id], Field(max_length=MAX_TEAM)] | None = None
    address: Address | None = None
    custom_fields: dict[Annotated[str, StringConstraints(min_length=1, max_length=64)], Any] | None = None
    currency: Currency | None = Field(
        default=None, description="Only while the account has no invoices and no credit (else 409 currency_locked)."
    )


class QuickBooksOut(OutputModel):
    status: Literal["not_connected", "not_eligible", "pending", "synced", "error"] = Field(
        description="not_connected: the firm has not connected QuickBooks; not_eligible: sync is off, or (auto) the "
        "account has no invoices or payments; pending: not synced since its last invoice or payment; error: the "
        "last sync failed (reason); synced."
    )
    synced_at: str | None = Field(description="The last successful sync.")
    reason: str | None
    sync_mode: SyncMode = Field(description="auto (default: only accounts with invoices or payments), always, never.")


class QuickBooksConnectionIn(InputModel):
    connected: bool
    company_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class QuickBooksConnectionOut(OutputModel):
    connected: bool
    company_name: str
    updated_at: str | None


class SyncResultIn(InputModel):
    status: Literal["synced", "error"]
    synced_at: Annotated[str, StringConstraints(min_length=10, max_length=40)] | None = Field(
        default=None, description="When the connector synced it (UTC, ISO 8601); default: now. Only for 'synced'."
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = Field(
        default=None, description="Why it failed; required for 'error'."
    )


class AccountRef(OutputModel):
    id: str
    name: str
    type: AccountType
    photo_url: str | None


class AccountSummaryOut(OutputModel):
    """One row of the clients list."""

    id: str
    name: str
    type: AccountType
    photo_url: str | None
    tags: list[TagRef]
    team_members: list[MemberRef]
    archived: bool


class ContactRef(OutputModel):
    id: str
    name: str


class SearchMatchOut(OutputModel):
    """What made an account a hit: a word of its name (as written), an
    address, or one of its contacts' names (a word as written) or phone
    numbers (as written); ``contact`` says which contact, for those."""

    field: Literal["name", "email", "first_name", "middle_name", "last_name", "phone"]
    value: str
    contact: ContactRef | None = None


class SearchHitOut(OutputModel):
    """One search hit. ``matched`` lists what each word of the query matched."""

    account_id: str
    name: str
    type: AccountType
    photo_url: str | None
    matched: list[SearchMatchOut]


class SearchOut(OutputModel):
    items: list[SearchHitOut]


class AccountOut(OutputModel):
    """The Info tab."""

    id: str
    name: str
    type: AccountType
    photo_url: str | None
    tags: list[TagRef]
    team_members: list[MemberRef]
    address: AddressOut | None
    custom_fields: dict[str, Any] = Field(description="Values by field id (fields removed since are left out).")
    custom_field_values: list[CustomFieldValueOut] = Field(
        description="The same values with their fields' labels and kinds, in the fields' order."
    )
    credit_balance: str = Field(description="With the currency's minor units.")
    currency: str = Field(description="ISO 4217: of the account's invoices and credit.")
    quickbooks: QuickBooksOut
    archived: bool
    created_at: str
    updated_at: str
    version: int
    contacts: list[LinkedContactOut]
    related_accounts: list[AccountRef]
