"""The one definition of Dossier's single-table key schema.

Every key starts with the firm (``FIRM#<firm_id>``), so a key built for one
firm can never address another firm's item. Attributes are generic (``PK``,
``SK``, ``GSI1PK``, ``GSI1SK``) and every item stores its entity type in
``entity``; those values are never renamed. ``docs/data-model.md`` lists the
access patterns these keys serve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

INDEX_GSI1: Final = "GSI1"

# Entity type names, stored on every item as ``entity``.
FIRM: Final = "firm"
MEMBER: Final = "member"
MEMBER_EMAIL: Final = "member_email"
TAG: Final = "tag"
TAG_NAME: Final = "tag_name"
ACCOUNT: Final = "account"
ACCOUNT_LIST_ENTRY: Final = "account_list_entry"
ACCOUNT_CONTACT: Final = "account_contact"
CONTACT: Final = "contact"
EMAIL: Final = "email"
IDEMPOTENCY: Final = "idempotency"

# Sort-key prefixes inside an account partition.  The Info tab reads the
# whole ``ACCOUNT`` range (details + contact links) with one Query.
ACCOUNT_SK: Final = "ACCOUNT"
LINK_PREFIX: Final = "ACCOUNT#CONTACT#"
LIST_ENTRY_PREFIX: Final = "LIST#"


@dataclass(frozen=True, slots=True)
class Key:
    pk: str
    sk: str

    def as_dict(self) -> dict[str, str]:
        return {"PK": self.pk, "SK": self.sk}


def firm_pk(firm_id: str) -> str:
    return f"FIRM#{firm_id}"


def firm(firm_id: str) -> Key:
    return Key(firm_pk(firm_id), "FIRM")


def member(firm_id: str, member_id: str) -> Key:
    return Key(firm_pk(firm_id), f"MEMBER#{member_id}")


MEMBER_PREFIX: Final = "MEMBER#"


def member_email(firm_id: str, email_norm: str) -> Key:
    """Uniqueness guard: one member per e-mail address in a firm."""
    return Key(firm_pk(firm_id), f"MEMBEREMAIL#{email_norm}")


TAG_PREFIX: Final = "TAG#"


def tag(firm_id: str, tag_id: str) -> Key:
    return Key(firm_pk(firm_id), f"TAG#{tag_id}")


def tag_name(firm_id: str, name_norm: str) -> Key:
    """Uniqueness guard: tag names are unique per firm, case-insensitively."""
    return Key(firm_pk(firm_id), f"TAGNAME#{name_norm}")


def account_pk(firm_id: str, account_id: str) -> str:
    return f"FIRM#{firm_id}#ACCOUNT#{account_id}"


def account(firm_id: str, account_id: str) -> Key:
    return Key(account_pk(firm_id, account_id), ACCOUNT_SK)


def account_contact(firm_id: str, account_id: str, contact_id: str) -> Key:
    """The link between an account and a contact (description, signer priority)."""
    return Key(account_pk(firm_id, account_id), f"{LINK_PREFIX}{contact_id}")


def account_list_entry(firm_id: str, account_id: str, list_name: str) -> Key:
    """A copy of the account's list summary placed in one filtered list.

    ``list_name`` is ``TEAM#<member_id>`` or ``TAG#<tag_id>``; the entry's GSI1
    keys put it in that list, sorted by name, so filtered lists are one Query.
    """
    return Key(account_pk(firm_id, account_id), f"{LIST_ENTRY_PREFIX}{list_name}")


def contact_pk(firm_id: str, contact_id: str) -> str:
    return f"FIRM#{firm_id}#CONTACT#{contact_id}"


def contact(firm_id: str, contact_id: str) -> Key:
    return Key(contact_pk(firm_id, contact_id), "CONTACT")


def email(firm_id: str, address_norm: str) -> Key:
    """An e-mail address: which contact owns it, and its per-address settings."""
    return Key(f"FIRM#{firm_id}#EMAIL#{address_norm}", "EMAIL")


def idempotency(firm_id: str, member_id: str, route: str, idem_key: str) -> Key:
    """A stored create response, replayed when a POST is retried with the same key."""
    return Key(f"FIRM#{firm_id}#IDEMPOTENCY#{member_id}", f"{route}#{idem_key}")


# --- GSI1: lists sorted by name -------------------------------------------


def accounts_list(firm_id: str, *, archived: bool = False) -> str:
    return f"FIRM#{firm_id}#ACCOUNTS#{'ARCHIVED' if archived else 'ACTIVE'}"


def team_list(firm_id: str, member_id: str, *, archived: bool = False) -> str:
    return f"FIRM#{firm_id}#TEAM#{member_id}#{'ARCHIVED' if archived else 'ACTIVE'}"


def tag_list(firm_id: str, tag_id: str, *, archived: bool = False) -> str:
    return f"FIRM#{firm_id}#TAG#{tag_id}#{'ARCHIVED' if archived else 'ACTIVE'}"


def contacts_list(firm_id: str) -> str:
    return f"FIRM#{firm_id}#CONTACTS"


def name_sort_key(sort_name: str, item_id: str) -> str:
    """Alphabetical order by normalised name; the id breaks ties stably."""
    return f"{sort_name}#{item_id}"
