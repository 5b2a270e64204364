"""Request and response models. Input models forbid unknown fields and are
strict about types; output models are separate, so no internal attribute
(keys, entity names, guards) can leak into a response.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
EmailAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=254, pattern=r"^[^@\s#]+@[^@\s#]+\.[^@\s#]+$"),
]
Color = Annotated[str, StringConstraints(max_length=7, pattern=r"^#[0-9A-Fa-f]{6}$")]
SignerPriority = Annotated[int, Field(ge=1, le=100)]

Role = Literal["owner", "admin", "employee"]
AssignableRole = Literal["admin", "employee"]
AccountType = Literal["individual", "company", "other"]
SyncMode = Literal["auto", "always", "never"]  # QuickBooks, per account
Login = Literal["none", "invited", "active"]

# The event types of chalicelib.domain.portal_rules.EVENT_TYPES (a unit test keeps them equal).
NotificationEvent = Literal[
    "new_message",
    "document_requested",
    "document_shared",
    "organizer_sent",
    "invoice_sent",
    "signature_requested",
    "proposal_sent",
]

MAX_TAGS = 20
MAX_TEAM = 20
MAX_CONTACTS_PER_REQUEST = 25
MAX_EMAILS_PER_CONTACT = 10
MAX_PHONES = 10


class InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class PatchModel(InputModel):
    """A partial update: absent fields are kept. Only fields named in
    ``nullable`` accept an explicit ``null`` (to clear them); elsewhere a null
    is a wrong type, not "keep"."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _no_null_for_required(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise PydanticCustomError("null_not_allowed", "null is not allowed here; omit the field to keep it")
        return value


class OutputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


# --- members and firm ---------------------------------------------------------


class Rights(InputModel):
    view_all_accounts: bool = False
    manage_accounts: bool = False


class RightsPatch(PatchModel):
    view_all_accounts: bool | None = None
    manage_accounts: bool | None = None


class MemberCreate(InputModel):
    name: Name
    email: EmailAddress
    role: AssignableRole = "employee"
    rights: Rights = Field(default_factory=Rights)


class MemberPatch(PatchModel):
    name: Name | None = None
    role: AssignableRole | None = None
    rights: RightsPatch | None = None


class RightsOut(OutputModel):
    view_all_accounts: bool
    manage_accounts: bool


class MemberOut(OutputModel):
    id: str
    name: str
    email: str
    role: Role
    rights: RightsOut
    created_at: str
    version: int


class FirmRef(OutputModel):
    id: str
    name: str


class MeOut(MemberOut):
    firm: FirmRef


class MemberRef(OutputModel):
    id: str
    name: str


# --- tags -------------------------------------------------------------------


class TagCreate(InputModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    color: Color = "#9E9E9E"


class TagPatch(PatchModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None = None
    color: Color | None = None


class TagOut(OutputModel):
    id: str
    name: str
    color: str
    version: int


class TagRef(OutputModel):
    id: str
    name: str
    color: str


# --- addresses, phones, contacts --------------------------------------------


class Address(InputModel):
    line1: OptionalText = ""
    line2: OptionalText = ""
    city: OptionalText = ""
    region: OptionalText = ""
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] = ""
    country: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2, pattern=r"^([A-Z]{2})?$")] = ""


class AddressOut(OutputModel):
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str


PhoneNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=40, pattern=r"^[0-9+()./ -]+$")
]


class Phone(InputModel):
    number: PhoneNumber
    label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""


class PhoneOut(OutputModel):
    number: str
    label: str


CustomFieldValues = dict[Annotated[str, StringConstraints(min_length=1, max_length=64)], Any]


class ContactFields(InputModel):
    first_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    middle_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    last_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    phones: Annotated[list[Phone], Field(max_length=MAX_PHONES)] = []
    address: Address | None = None
    custom_fields: CustomFieldValues = {}
    emails: Annotated[list[EmailAddress], Field(max_length=MAX_EMAILS_PER_CONTACT)] = []


class ContactCreate(ContactFields):
    pass


class ContactPatch(PatchModel):
    nullable = frozenset({"address"})

    first_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    middle_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    last_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    phones: Annotated[list[Phone], Field(max_length=MAX_PHONES)] | None = None
    address: Address | None = None
    custom_fields: CustomFieldValues | None = None


class NewContactLink(ContactFields):
    """A new contact created inline and linked to the account."""

    description: Description = ""
    signer_priority: SignerPriority | None = None


class ExistingContactLink(InputModel):
    contact_id: Id
    description: Description = ""
    signer_priority: SignerPriority | None = None


def _link_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "existing" if "contact_id" in value else "new"
    return "existing" if isinstance(value, ExistingContactLink) else "new"


ContactLinkIn = Annotated[
    Annotated[ExistingContactLink, Tag("existing")] | Annotated[NewContactLink, Tag("new")],
    Discriminator(_link_kind),
]


class LinkPatch(PatchModel):
    nullable = frozenset({"signer_priority"})

    description: Description | None = None
    signer_priority: SignerPriority | None = None


class EmailAdd(InputModel):
    address: EmailAddress


class EmailSettingsPatch(PatchModel):
    login: Login | None = None
    notify: bool | None = None
    notification_preferences: Annotated[dict[NotificationEvent, bool], Field(max_length=20)] | None = None
    email_sync: bool | None = None
    signing_authority: bool | None = None


class InvitationOut(OutputModel):
    """The outstanding portal invitation of an address (its token is only in the mail)."""

    sent_at: str
    expires_at: str
    delivery: Literal["sending", "sent", "failed"] = Field(
        description="Whether the mail service took the invitation; after 'failed', resend it."
    )


class EmailOut(OutputModel):
    address: str
    login: Login
    notify: bool
    notification_preferences: dict[str, bool] = Field(
        description="Per event type (new_message, document_requested, document_shared, organizer_sent, "
        "invoice_sent, signature_requested, proposal_sent); a type not listed is on."
    )
    email_sync: bool
    signing_authority: bool
    invitation: InvitationOut | None = Field(description="While login is 'invited'.")
    login_since: str | None = Field(description="When the address accepted its invitation (login 'active').")
    version: int


class InviteAccept(InputModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class InviteAcceptedOut(OutputModel):
    address: str
    login: Literal["active"]
    login_since: str
    firm: FirmRef


class SignerOut(OutputModel):
    contact_id: str
    contact_name: str
    address: str
    signer_priority: int | None


class SignersOut(OutputModel):
    items: list[SignerOut]


class SignIn(InputModel):
    email: EmailAddress


class ContactOut(OutputModel):
    id: str
    first_name: str
    middle_name: str
    last_name: str
    display_name: str
    phones: list[PhoneOut]
    address: AddressOut | None
    custom_fields: dict[str, Any]
    emails: list[EmailOut]
    created_at: str
    updated_at: str
    version: int


class LinkedContactOut(ContactOut):
    description: str
    signer_priority: int | None
    link_version: int


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


class SearchMatchOut(OutputModel):
    """What made an account a hit: a word of its name (as written) or an address."""

    field: Literal["name", "email"]
    value: str


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
    credit_balance: str
    currency: str
    quickbooks: QuickBooksOut
    archived: bool
    created_at: str
    updated_at: str
    version: int
    contacts: list[LinkedContactOut]
    related_accounts: list[AccountRef]


# --- lists and errors -------------------------------------------------------


class ErrorDetail(OutputModel):
    loc: list[str | int]
    msg: str


class Problem(OutputModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[ErrorDetail]


class HealthOut(OutputModel):
    status: Literal["ok"]
    table: str


# --- pipelines ----------------------------------------------------------------

MAX_STAGES = 30
StageName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class StageIn(InputModel):
    id: Id | None = None
    name: StageName


class PipelineCreate(InputModel):
    name: Name
    stages: Annotated[list[StageIn], Field(min_length=1, max_length=MAX_STAGES)]


class PipelinePatch(PatchModel):
    name: Name | None = None
    stages: Annotated[list[StageIn], Field(min_length=1, max_length=MAX_STAGES)] | None = Field(
        default=None,
        description="The full ordered list: existing stages by id (renamed or moved), new ones without an id. "
        "A stage cannot be removed, since jobs may be in it.",
    )


class StageOut(OutputModel):
    id: str
    name: str


class PipelineOut(OutputModel):
    id: str
    name: str
    stages: list[StageOut]
    created_at: str
    updated_at: str
    version: int


# --- credit -------------------------------------------------------------------


class CreditCreate(InputModel):
    amount: Annotated[str, StringConstraints(max_length=12, pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$")] = Field(
        description="Decimal string in the account's currency, more than zero."
    )
    note: Description = ""


class CreditOut(OutputModel):
    id: str
    kind: Literal["credit", "applied"] = Field(description="credit: added; applied: spent on an invoice.")
    amount: str
    currency: str
    note: str
    invoice_id: str | None
    created_at: str
    created_by: MemberRef | None
