"""Members, the firm, tags, contacts and their addresses, links and e-mail settings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
)

from chalicelib.domain import audit
from chalicelib.domain.countries import known_country
from chalicelib.domain.models.base import (
    MAX_EMAILS_PER_CONTACT,
    MAX_PHONES,
    AssignableRole,
    Color,
    Currency,
    Description,
    EmailAddress,
    Id,
    InputModel,
    Language,
    Login,
    Name,
    NotificationEvent,
    OptionalText,
    OutputModel,
    PatchModel,
    Role,
    SignerPriority,
    SigningOrder,
)

# --- members and firm ---------------------------------------------------------

AuditRetentionDays = Annotated[int, Field(ge=audit.RETENTION_MIN_DAYS, le=audit.RETENTION_MAX_DAYS, strict=True)]


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
    status: Literal["active", "deactivated"] = Field(
        description="`deactivated` (DELETE /members/{member_id}): every token of theirs is refused (401)."
    )
    created_at: str
    version: int


class FirmRef(OutputModel):
    id: str
    name: str


class FirmOut(OutputModel):
    """The firm's settings (GET /firm)."""

    id: str
    name: str
    currency: str = Field(description="ISO 4217: the default of new accounts.")
    language: Language = Field(description="The default of new contacts, of mails and of the web client.")
    signing_order: SigningOrder = Field(
        description="any: signers sign in any order; sequential: by signer_priority (a lower one signs first)."
    )
    audit_retention_days: int = Field(
        description="Days an audit entry is kept (default 365; 30 to 3650); a change applies to new entries."
    )
    version: int


class FirmPatch(PatchModel):
    """Owner only. A new currency is the default of accounts created after it; existing accounts keep theirs."""

    name: Name | None = None
    currency: Currency | None = None
    language: Language | None = None
    signing_order: SigningOrder | None = None
    audit_retention_days: AuditRetentionDays | None = None


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
    country: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=2),
        AfterValidator(known_country),
        Field(description="ISO 3166-1 alpha-2 (NL, US), lower case accepted and stored in capitals; '' for none."),
    ] = ""


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
    language: Language | None = Field(default=None, description="Of the contact's mails; default: the firm's.")


class ContactCreate(ContactFields):
    pass


class ContactMerge(InputModel):
    source_contact_id: Id = Field(
        description="The contact merged into this one: its links, addresses (with their settings and portal "
        "access) and signatures move here, and it is removed."
    )


class ContactPatch(PatchModel):
    nullable = frozenset({"address"})

    first_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    middle_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    last_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    phones: Annotated[list[Phone], Field(max_length=MAX_PHONES)] | None = None
    address: Address | None = None
    custom_fields: CustomFieldValues | None = None
    language: Language | None = None


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
    address: EmailAddress | None = Field(
        default=None,
        description="Corrects the address itself (a typo): its settings are kept, an active login keeps working, "
        "an outstanding invitation is sent again to the new address; unique per firm (409 email_taken).",
    )
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
    delivery_problem: Literal["bounced", "complained"] | None = Field(
        default=None,
        description="The mail service's report: a permanent bounce, or the recipient marked a mail as spam. "
        "Dossier mails the address no more (a portal invitation to it is 409).",
    )
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
    language: Language = Field(description="Of the contact's mails (en, nl).")
    created_at: str
    updated_at: str
    version: int


class LinkedContactOut(ContactOut):
    description: str
    signer_priority: int | None
    link_version: int
