"""Request and response models: the shared types and base classes. Input models forbid unknown fields and are
strict about types; output models are separate, so no internal attribute
(keys, entity names, guards) can leak into a response.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib.domain import entities
from chalicelib.domain.currencies import known_currency
from chalicelib.domain.text import address_problem, normal_address

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


def _checked_address(value: str) -> str:
    address = normal_address(value)
    problem = address_problem(address)
    if problem:
        raise PydanticCustomError("email_address", "The e-mail address {problem}.", {"problem": problem})
    return address


EMAIL_RULES = (
    "An e-mail address, kept as typed in Unicode NFC. Refused: invisible, control and text-direction "
    "characters (U+200B-U+200F, U+202A-U+202E, U+2066-U+2069, U+FEFF, …), and a part before the @ or a domain label "
    "that mixes scripts (one script, or Latin with Han and kana, Bopomofo or Hangul: UTS #39 'highly restrictive'). "
    "Compared ignoring case and compatibility forms: a fullwidth 'a' (U+FF41) is an 'a'."
)
EmailAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=254, pattern=r"^[^@\s#]+@[^@\s#]+\.[^@\s#]+$"),
    AfterValidator(_checked_address),
    Field(description=EMAIL_RULES),
]
Color = Annotated[str, StringConstraints(max_length=7, pattern=r"^#[0-9A-Fa-f]{6}$")]
SignerPriority = Annotated[int, Field(ge=1, le=100)]
# Any number of decimals here: the currency's minor units decide (chalicelib/domain/currencies.py), so that
# too many is the field code ``too_many_decimals`` whatever the currency.
Money = Annotated[
    str,
    StringConstraints(max_length=20, pattern=r"^[0-9]{1,9}(\.[0-9]+)?$"),
    Field(description="A decimal string with at most the currency's minor units (JPY 0, EUR 2, KWD 3)."),
]
# No pattern: every code that is not an active ISO 4217 one is the field code ``unknown_currency``.
Currency = Annotated[
    str,
    AfterValidator(known_currency),
    Field(description="An active ISO 4217 code, e.g. EUR.", max_length=3, examples=["EUR"]),
]
Language = Literal["en", "nl"]  # of mails, the web client and a contact's mails
SigningOrder = Literal["any", "sequential"]

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
MAX_EMAILS_PER_CONTACT = entities.MAX_EMAILS_PER_CONTACT
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
