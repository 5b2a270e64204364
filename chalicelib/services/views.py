"""Output shapes built from stored records (no database access here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.domain import field_values, quickbooks_status
from chalicelib.domain.currencies import money_text
from chalicelib.domain.entities import Account, AccountSummary, Contact, CustomField, Email, Link, Member, Tag
from chalicelib.domain.models.accounts import (
    AccountOut,
    AccountRef,
    AccountSummaryOut,
    CustomFieldValueOut,
    QuickBooksOut,
)
from chalicelib.domain.models.people import (
    AddressOut,
    ContactOut,
    EmailOut,
    InvitationOut,
    LinkedContactOut,
    MemberRef,
    PhoneOut,
    TagRef,
)
from chalicelib.domain.text import email_key, fold
from chalicelib.services.photo_links import photo_url


def tag_refs(tag_ids: Sequence[str], tags: Mapping[str, Tag]) -> list[TagRef]:
    # A deleted tag's id may linger on an account until its next edit; skip it.
    return [TagRef(id=t, name=tags[t].name, color=tags[t].color) for t in tag_ids if t in tags]


def member_refs(member_ids: Sequence[str], members: Mapping[str, Member]) -> list[MemberRef]:
    return [MemberRef(id=m, name=members[m].name) for m in member_ids if m in members]


def address_out(address: Mapping[str, str] | None) -> AddressOut | None:
    if not address:
        return None
    return AddressOut(**{k: address.get(k, "") for k in AddressOut.model_fields})


def email_out(email: Email) -> EmailOut:
    return EmailOut(
        address=email.address,
        login=email.login,  # type: ignore[arg-type]
        notify=email.notify,
        notification_preferences=dict(email.notification_preferences),
        email_sync=email.email_sync,
        signing_authority=email.signing_authority,
        invitation=(
            InvitationOut(
                sent_at=email.invited_at,
                expires_at=email.invite_expires_at,
                delivery=email.invite_delivery or "sending",  # type: ignore[arg-type]
            )
            if email.login == "invited" and email.invited_at and email.invite_expires_at
            else None
        ),
        login_since=email.login_since if email.login == "active" else None,
        delivery_problem=email.delivery_problem,  # type: ignore[arg-type]
        version=email.version,
    )


def visible_values(values: Mapping[str, Any], defs: Mapping[str, CustomField]) -> dict[str, Any]:
    """Values whose field exists and was not removed, as JSON."""
    return {k: field_values.as_json(v) for k, v in values.items() if k in defs and not defs[k].removed}


def value_list(values: Mapping[str, Any], defs: Mapping[str, CustomField]) -> list[CustomFieldValueOut]:
    shown = visible_values(values, defs)
    return [
        CustomFieldValueOut(id=f.id, label=f.label, kind=f.kind, options=list(f.options), value=shown[f.id])  # type: ignore[arg-type]
        for f in sorted((defs[k] for k in shown), key=lambda f: f.id)
    ]


def contact_out(
    contact: Contact, emails: Mapping[str, Email], defs: Mapping[str, CustomField] | None = None
) -> ContactOut:
    return ContactOut(
        id=contact.id,
        first_name=contact.first_name,
        middle_name=contact.middle_name,
        last_name=contact.last_name,
        display_name=contact.display_name,
        phones=[PhoneOut(number=p["number"], label=p.get("label", "")) for p in contact.phones],
        address=address_out(contact.address),
        custom_fields=visible_values(contact.custom_fields, defs or {}),
        emails=[email_out(emails[email_key(a)]) for a in contact.emails if email_key(a) in emails],
        language=contact.language,  # type: ignore[arg-type]
        created_at=contact.created_at,
        updated_at=contact.updated_at,
        version=contact.version,
    )


def contact_order(contact: Contact) -> tuple[str, str]:
    """Alphabetical by the name as displayed, case- and accent-insensitive."""
    return (fold(contact.display_name), contact.id)


def linked_contacts_out(
    links: Sequence[Link],
    contacts: Mapping[str, Contact],
    emails: Mapping[str, Email],
    defs: Mapping[str, CustomField] | None = None,
) -> list[LinkedContactOut]:
    rows = [(contacts[link.contact_id], link) for link in links if link.contact_id in contacts]
    rows.sort(key=lambda row: contact_order(row[0]))
    return [
        LinkedContactOut(
            **contact_out(contact, emails, defs).model_dump(),
            description=link.description,
            signer_priority=link.signer_priority,
            link_version=link.version,
        )
        for contact, link in rows
    ]


def account_ref(summary: AccountSummary) -> AccountRef:
    return AccountRef(id=summary.id, name=summary.name, type=summary.type, photo_url=photo_url(summary.photo_key))  # type: ignore[arg-type]


def account_summary_out(
    summary: AccountSummary, tags: Mapping[str, Tag], members: Mapping[str, Member]
) -> AccountSummaryOut:
    return AccountSummaryOut(
        id=summary.id,
        name=summary.name,
        type=summary.type,  # type: ignore[arg-type]
        photo_url=photo_url(summary.photo_key),
        tags=tag_refs(summary.tags, tags),
        team_members=member_refs(summary.team_member_ids, members),
        archived=summary.archived,
    )


def quickbooks_out(account: Account, connected: bool) -> QuickBooksOut:
    raw = account.qb_result
    result = None
    if raw:
        result = quickbooks_status.SyncResult(
            raw["status"], raw["at"], raw.get("synced_at"), raw.get("reason"), raw.get("covers")
        )
    found = quickbooks_status.block(
        connected=connected,
        sync_mode=account.quickbooks_sync_mode,
        billing_count=account.billing_count,
        billing_updated_at=account.billing_updated_at,
        result=result,
    )
    return QuickBooksOut(
        status=found.status,  # type: ignore[arg-type]
        synced_at=found.synced_at,
        reason=found.reason,
        sync_mode=account.quickbooks_sync_mode,  # type: ignore[arg-type]
    )


def account_out(
    account: Account,
    *,
    tags: Mapping[str, Tag],
    members: Mapping[str, Member],
    contacts: list[LinkedContactOut],
    related: Sequence[AccountSummary],
    defs: Mapping[str, CustomField],
    quickbooks_connected: bool,
) -> AccountOut:
    return AccountOut(
        id=account.id,
        name=account.name,
        type=account.type,  # type: ignore[arg-type]
        photo_url=photo_url(account.photo_key),
        tags=tag_refs(account.tags, tags),
        team_members=member_refs(account.team_member_ids, members),
        address=address_out(account.address),
        custom_fields=visible_values(account.custom_fields, defs),
        custom_field_values=value_list(account.custom_fields, defs),
        credit_balance=money_text(account.credit_balance, account.currency),
        currency=account.currency,
        quickbooks=quickbooks_out(account, quickbooks_connected),
        archived=account.archived,
        created_at=account.created_at,
        updated_at=account.updated_at,
        version=account.version,
        contacts=contacts,
        related_accounts=sorted((account_ref(r) for r in related), key=lambda r: (fold(r.name), r.id)),
    )
