"""Who may open and edit what (docs/api.md, "Conventions": Auth and Visibility). Plain functions, no database."""

from __future__ import annotations

from collections.abc import Collection

from chalicelib.domain.entities import Contact, Member


def opens_every_account(member: Member) -> bool:
    return member.role in ("owner", "admin") or member.view_all_accounts


def may_open(member: Member, team_member_ids: Collection[str]) -> bool:
    """Owner and admins open every account; an employee one they are on the
    team of, or every account with the right *view all accounts*."""
    return opens_every_account(member) or member.id in team_member_ids


def manages_accounts(member: Member) -> bool:
    return member.role in ("owner", "admin") or member.manage_accounts


def may_edit(member: Member, team_member_ids: Collection[str]) -> bool:
    """The *manage accounts* right applies to the accounts the member may open."""
    return may_open(member, team_member_ids) and manages_accounts(member)


def manages_firm(member: Member) -> bool:
    """The firm's settings (currency, language, signing order): the owner only."""
    return member.role == "owner"


def manages_members(member: Member) -> bool:
    return member.role in ("owner", "admin")


def may_see_contact(member: Member, contact: Contact, openable_account_ids: Collection[str]) -> bool:
    """A contact is visible through an account the member may open; a contact
    linked to no account is visible to those who open every account and to
    the member who created it (so a fresh contact does not vanish)."""
    if opens_every_account(member):
        return True
    if contact.account_ids:
        return any(a in openable_account_ids for a in contact.account_ids)
    return contact.created_by == member.id


def sees_usage(member: Member) -> bool:
    """The firm's metered use and its price (GET /firm/usage): owner and admins."""
    return member.role in ("owner", "admin")
