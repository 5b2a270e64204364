"""Contacts and their e-mail addresses.

An e-mail item (``FIRM#f#EMAIL#<address>``) is both the per-address settings
and the guarantee that an address belongs to one contact per firm: it is
written with ``attribute_not_exists``, so of concurrent adds exactly one wins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chalicelib.domain.entities import MAX_EMAILS_PER_CONTACT, Contact, Email
from chalicelib.domain.errors import ConflictError, ForbiddenError, NotFoundError
from chalicelib.domain.text import email_key
from chalicelib.repo import keys
from chalicelib.repo.firms import STALE
from chalicelib.repo.paging import key_attributes, paged
from chalicelib.repo.records import from_item, index_keys, is_erased, to_item
from chalicelib.repo.table import (
    ITEM_ABSENT,
    ITEM_EXISTS,
    Check,
    Condition,
    Delete,
    Op,
    Put,
    Table,
    Update,
    set_fields,
    version_is,
)


def address_taken(address: str) -> ConflictError:
    return ConflictError(f"The e-mail address {address} already belongs to a contact of this firm.", code="email_taken")


def email_items_ops(emails: Sequence[Email]) -> list[Op]:
    return [Put(to_item(e), ITEM_ABSENT, on_fail=address_taken(e.address)) for e in emails]


def may_still_sign(email: Email) -> Check:
    """For a signature's transaction: the address, as the signature is
    written, still has an active login and signing authority and belongs to
    the same contact."""
    return Check(
        keys.email(email.firm_id, email_key(email.address)),
        Condition(
            "#login = :active AND #authority = :true AND #contact = :contact",
            {"#login": "login", "#authority": "signing_authority", "#contact": "contact_id"},
            {":active": "active", ":true": True, ":contact": email.contact_id},
        ),
        on_fail=ForbiddenError(
            f"{email.address} may no longer sign: its portal access or authority changed.", code="signer_not_allowed"
        ),
    )


def _owned_by(contact_id: str) -> Condition:
    return Condition("#contact = :contact", {"#contact": "contact_id"}, {":contact": contact_id})


class ContactRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, firm_id: str, contact_id: str, *, consistent: bool = False) -> Contact | None:
        item = self.table.get(keys.contact(firm_id, contact_id), consistent=consistent)
        return from_item(Contact, item) if item and not is_erased(item) else None

    def get_email(self, firm_id: str, address: str, *, consistent: bool = False) -> Email | None:
        item = self.table.get(keys.email(firm_id, email_key(address)), consistent=consistent)
        return from_item(Email, item) if item else None

    def emails_of(self, contacts: Sequence[Contact], *, consistent: bool = False) -> dict[str, Email]:
        """Settings of every address of ``contacts``, by normalised address."""
        wanted = [keys.email(c.firm_id, email_key(a)) for c in contacts for a in c.emails]
        items = self.table.batch_get(wanted, consistent=consistent)
        return {email_key(i["address"]): from_item(Email, i) for i in items}

    def list_page(
        self,
        firm_id: str,
        *,
        viewer_id: str,
        cursor: str | None,
        limit: int,
        visible: Callable[[Contact], bool] | None = None,
        query: str | None = None,
        budget: int | None = None,
    ) -> tuple[list[Contact], str | None]:
        """A page of the firm's contacts, alphabetically by display name (the
        contacts list of the name-sorted index); with ``visible``, only those
        it accepts (read 100 at a time), and at most ``budget`` read. The
        cursor is bound to the viewer (and to ``query``, the filter's text)."""
        scope = f"contacts|{firm_id}|{viewer_id}" + ("" if query is None else f"|q={query}")
        rows, next_cursor = paged(
            lambda start, n: self.table.query(
                pk=keys.contacts_list(firm_id),
                index=keys.INDEX_LISTS_BY_NAME,
                start_key=start,
                limit=n if visible is None else 100,
            ),
            scope=scope,
            cursor=cursor,
            limit=limit,
            key_attrs=key_attributes(index=keys.INDEX_LISTS_BY_NAME),
            keep=None if visible is None else lambda item: visible(from_item(Contact, item)),
            budget=budget,
        )
        return [from_item(Contact, r) for r in rows], next_cursor

    def create(self, contact: Contact, emails: Sequence[Email], idem: Op | None = None) -> None:
        ops: list[Op] = [idem] if idem else []
        ops += [Put(to_item(contact), ITEM_ABSENT), *email_items_ops(emails)]
        self.table.write(ops)

    def update(self, after: Contact, fields: Mapping[str, Any], guard: Condition) -> None:
        """Set ``fields`` of the contact, and its place in the contacts list
        from its display name as ``after`` (the contact with ``fields``) has it."""
        fields = {**fields, "GSI1SK": index_keys(after)["GSI1SK"]}
        self.table.write([set_fields(keys.contact(after.firm_id, after.id), fields, condition=guard, on_fail=STALE)])

    def add_email(self, contact: Contact, email: Email, updated_at: str, idem: Op | None = None) -> None:
        room = ITEM_EXISTS & Condition("size(#emails) < :max", {"#emails": "emails"}, {":max": MAX_EMAILS_PER_CONTACT})
        ops: list[Op] = [idem] if idem else []
        ops += [
            *email_items_ops([email]),
            Update(
                keys.contact(contact.firm_id, contact.id),
                "SET #emails = list_append(#emails, :new), #updated = :now ADD #v :one",
                {"#emails": "emails", "#updated": "updated_at", "#v": "version"},
                {":new": [email.address], ":now": updated_at, ":one": 1},
                condition=room,
                on_fail=ConflictError(
                    f"A contact has at most {MAX_EMAILS_PER_CONTACT} e-mail addresses.", code="too_many_emails"
                ),
            ),
        ]
        self.table.write(ops)

    def remove_email(self, contact: Contact, email: Email, index: int, updated_at: str, guard: Condition) -> None:
        """Remove ``contact.emails[index]``; conditioned so a concurrent change cannot
        make us remove a different address or the contact's last one."""
        still_there = Condition(
            f"#emails[{index}] = :address AND size(#emails) > :one",
            {"#emails": "emails"},
            {":address": email.address, ":one": 1},
        )
        self.table.write(
            [
                Delete(
                    keys.email(email.firm_id, email_key(email.address)),
                    Condition("#contact = :contact", {"#contact": "contact_id"}, {":contact": contact.id}),
                    on_fail=NotFoundError("The contact has no such e-mail address."),
                ),
                Update(
                    keys.contact(contact.firm_id, contact.id),
                    f"REMOVE #emails[{index}] SET #updated = :now ADD #v :one1",
                    {"#emails": "emails", "#updated": "updated_at", "#v": "version"},
                    {":now": updated_at, ":one1": 1},
                    condition=guard & still_there,
                    on_fail=ConflictError(
                        "The contact's e-mail addresses changed meanwhile, or this is its last one.",
                        code="changed_meanwhile",
                    ),
                ),
            ]
        )

    def correct_email(self, contact: Contact, old: Email, new: Email, index: int, updated_at: str) -> None:
        """Replace ``old`` by ``new`` (the corrected address with its settings) in one
        transaction: the item moves to its new key (absent, or the same key for a
        change of case only), conditioned on the version read and the owner, and
        ``contact.emails[index]`` follows if it still holds the old address."""
        same_key = email_key(old.address) == email_key(new.address)
        as_read = ITEM_EXISTS & version_is(old.version) & _owned_by(contact.id)
        ops: list[Op] = []
        if not same_key:
            ops.append(Delete(keys.email(old.firm_id, email_key(old.address)), as_read, on_fail=STALE))
        taken = ConflictError(
            f"The e-mail address {new.address} already belongs to a contact of this firm.", code="email_taken"
        )
        ops += [
            Put(to_item(new), as_read if same_key else ITEM_ABSENT, on_fail=STALE if same_key else taken),
            Update(
                keys.contact(contact.firm_id, contact.id),
                f"SET #emails[{index}] = :new, #updated = :now ADD #v :one",
                {"#emails": "emails", "#updated": "updated_at", "#v": "version"},
                {":new": new.address, ":now": updated_at, ":one": 1},
                condition=ITEM_EXISTS
                & Condition(f"#emails[{index}] = :old", {"#emails": "emails"}, {":old": old.address}),
                on_fail=STALE,
            ),
        ]
        self.table.write(ops)

    def update_email(self, email: Email, fields: Mapping[str, Any], guard: Condition) -> None:
        key = keys.email(email.firm_id, email_key(email.address))
        self.table.write([set_fields(key, fields, condition=guard, on_fail=STALE)])
