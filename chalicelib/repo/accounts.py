"""Accounts, their list entries, and account-contact links.

Invariants held by DynamoDB conditions (not by read-then-write):
- an account keeps ``contact_count >= 1``: every unlink decrements it in the
  same transaction that deletes the link, conditioned on ``contact_count > 1``;
- a link exists once per (account, contact);
- edits are conditioned on the version that was read (412 when stale).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.currencies import DEFAULT_CURRENCY
from chalicelib.domain.entities import Account, AccountSummary, Contact, CustomField, Email, Link, Member, Tag
from chalicelib.domain.errors import (
    ConcurrentWriteError,
    ConflictError,
    DossierError,
    NotFoundError,
    UnprocessableError,
)
from chalicelib.domain.text import email_key
from chalicelib.repo import keys
from chalicelib.repo.contacts import email_items_ops
from chalicelib.repo.firms import STALE
from chalicelib.repo.paging import key_attributes, paged
from chalicelib.repo.records import from_item, index_keys, is_erased, list_entries, to_item
from chalicelib.repo.table import (
    ITEM_ABSENT,
    ITEM_EXISTS,
    MAX_TRANSACTION_ITEMS,
    Condition,
    Delete,
    Op,
    Put,
    Table,
    Update,
    set_fields,
)

ACCOUNT_ARCHIVED = ConflictError("The account is archived; restore it first.", code="account_archived")
ACCOUNT_ACTIVE = Condition("attribute_exists(PK) AND #archived = :false", {"#archived": "archived"}, {":false": False})
# The account has no invoices and no credit (``billing_count`` counts invoices and credit ever added): its
# currency may still change. An invoice or credit written meanwhile fails it: the service reads again.
NO_MONEY = Condition(
    "(attribute_not_exists(#billing_count) OR #billing_count = :no_money) "
    "AND (attribute_not_exists(#credit_balance) OR #credit_balance = :no_money)",
    {"#billing_count": "billing_count", "#credit_balance": "credit_balance"},
    {":no_money": 0},
)
MONEY_ADDED = ConcurrentWriteError("Invoices or credit were added to the account meanwhile; read again.")
LAST_CONTACT = ConflictError(
    "An account keeps at least one contact; link another before unlinking this one.", code="last_contact"
)


def currency_is(currency: str) -> Condition:
    """The account is still in ``currency`` (an invoice or credit is written in the currency read)."""
    expression = "#currency = :currency"
    if currency == DEFAULT_CURRENCY:
        expression = f"attribute_not_exists(#currency) OR {expression}"
    return Condition(expression, {"#currency": "currency"}, {":currency": currency})


def _contact_missing(contact_id: str) -> UnprocessableError:
    return UnprocessableError(f"Contact {contact_id} does not exist.", code="unknown_reference")


@dataclass(slots=True)
class AccountView:
    """What one Query of an account partition returns: details and links."""

    account: Account
    links: list[Link]


def _attach_account(firm_id: str, contact_id: str, account_id: str) -> Update:
    return Update(
        keys.contact(firm_id, contact_id),
        "ADD #accounts :acc",
        {"#accounts": "account_ids"},
        {":acc": {account_id}},
        condition=ITEM_EXISTS,
        on_fail=_contact_missing(contact_id),
    )


def _detach_account(firm_id: str, contact_id: str, account_id: str) -> Update:
    return Update(
        keys.contact(firm_id, contact_id),
        "DELETE #accounts :acc",
        {"#accounts": "account_ids"},
        {":acc": {account_id}},
        condition=ITEM_EXISTS,
    )


class AccountRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    # reads ------------------------------------------------------------------

    def view(self, firm_id: str, account_id: str, *, consistent: bool = False) -> AccountView | None:
        """Details and links with one Query (the ``ACCOUNT`` sort-key range)."""
        items = self.table.query_all(
            pk=keys.account_pk(firm_id, account_id), sk_prefix=keys.ACCOUNT_SK, consistent=consistent
        )
        account: Account | None = None
        links: list[Link] = []
        for item in items:
            if item["entity"] == keys.ACCOUNT:
                account = from_item(Account, item)
            elif item["entity"] == keys.ACCOUNT_CONTACT:
                links.append(from_item(Link, item))
        return AccountView(account, links) if account else None

    def get(self, firm_id: str, account_id: str, *, consistent: bool = False) -> Account | None:
        item = self.table.get(keys.account(firm_id, account_id), consistent=consistent)
        return from_item(Account, item) if item else None

    def get_link(self, firm_id: str, account_id: str, contact_id: str) -> Link | None:
        item = self.table.get(keys.account_contact(firm_id, account_id, contact_id), consistent=True)
        return from_item(Link, item) if item else None

    def list_page(
        self,
        firm_id: str,
        *,
        archived: bool,
        team_of: str | None,
        tag: str | None,
        type_: str | None,
        with_member: str | None,
        viewer_id: str,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[AccountSummary], str | None]:
        """A page of the clients list, alphabetical.

        Each list is one partition of the name-sorted index: a team member's
        (``team_of``), else a tag's, else the firm's; the other criteria
        (``tag`` when it is not the list, ``type_``, ``with_member`` on the
        team) are applied by DynamoDB as a filter, so a page is one Query in
        the common case. The cursor is bound to the list and the viewer.
        """
        filters: list[Condition] = []
        if team_of is not None:
            list_pk = keys.team_list(firm_id, team_of, archived=archived)
            if with_member is not None:
                filters.append(Condition("contains(#team, :me)", {"#team": "team_member_ids"}, {":me": with_member}))
            if tag is not None:
                filters.append(Condition("contains(#tags, :tag)", {"#tags": "tags"}, {":tag": tag}))
        elif tag is not None:
            list_pk = keys.tag_list(firm_id, tag, archived=archived)
        else:
            list_pk = keys.accounts_list(firm_id, archived=archived)
        if type_ is not None:
            filters.append(Condition("#type = :type", {"#type": "type"}, {":type": type_}))
        combined: Condition | None = None
        for f in filters:
            combined = f if combined is None else combined & f
        # With a filter, DynamoDB drops rows after reading them: read wider pages.
        rows, next_cursor = paged(
            lambda start, n: self.table.query(
                pk=list_pk,
                index=keys.INDEX_LISTS_BY_NAME,
                start_key=start,
                limit=n if combined is None else max(limit * 4, 50),
                filter_=combined,
            ),
            scope=f"accounts|{firm_id}|{viewer_id}|{list_pk}|{type_}|{tag}",
            cursor=cursor,
            limit=limit,
            key_attrs=key_attributes(index=keys.INDEX_LISTS_BY_NAME),
        )
        return [from_item(AccountSummary, r) for r in rows], next_cursor

    def team_account_ids(self, firm_id: str, member_id: str) -> set[str]:
        """The active accounts on a member's team (their list: one Query)."""
        return self._ids(keys.team_list(firm_id, member_id))

    def all_ids(self, firm_id: str) -> set[str]:
        """Every account of the firm, archived ones included (two Queries)."""
        return self._ids(keys.accounts_list(firm_id)) | self._ids(keys.accounts_list(firm_id, archived=True))

    def _ids(self, list_pk: str) -> set[str]:
        return {i["id"] for i in self.table.query_all(pk=list_pk, index=keys.INDEX_LISTS_BY_NAME)}

    # writes -----------------------------------------------------------------

    def create(
        self,
        account: Account,
        links: Sequence[Link],
        new_contacts: Sequence[tuple[Contact, Sequence[Email]]],
        idem: Op | None = None,
        extra: Sequence[dict[str, Any]] = (),
        checks: Sequence[Op] = (),
    ) -> None:
        """Account, list entries, links, new contacts and their e-mails (and
        ``extra`` new items: custom field history; ``checks``: the fields
        written still exist): one transaction."""
        new_ids = {c.id for c, _ in new_contacts}
        ops: list[Op] = [idem] if idem else []
        ops += [Put(item, ITEM_ABSENT) for item in extra]
        ops += checks
        ops.append(Put(to_item(account), ITEM_ABSENT))
        ops += [Put(entry) for entry in list_entries(account)]
        for contact, emails in new_contacts:
            ops.append(Put(to_item(contact), ITEM_ABSENT))
            ops += email_items_ops(emails)
        for link in links:
            ops.append(Put(to_item(link), ITEM_ABSENT))
            if link.contact_id not in new_ids:
                ops.append(_attach_account(account.firm_id, link.contact_id, account.id))
        self.table.write(ops)

    def update(
        self,
        old: Account,
        new: Account,
        changed: Mapping[str, Any],
        guard: Condition,
        extra: Sequence[dict[str, Any]] = (),
        checks: Sequence[Op] = (),
        *,
        money_free: bool = False,
    ) -> None:
        """Changed fields, plus list entries rewritten so filtered lists stay in
        step, and ``extra`` new items (custom field history), all or nothing.
        ``money_free``: only while the account has no invoices and no credit
        (a currency change)."""
        fields = dict(changed)
        fields.update(index_keys(new))  # its place in the clients list (archived, name)
        condition, on_fail = (guard & NO_MONEY, MONEY_ADDED) if money_free else (guard, STALE)
        ops: list[Op] = [set_fields(keys.account(new.firm_id, new.id), fields, condition=condition, on_fail=on_fail)]
        before = {(e["PK"], e["SK"]) for e in list_entries(old)}
        after = {(e["PK"], e["SK"]) for e in list_entries(new)}
        for entry in list_entries(new):
            if (entry["PK"], entry["SK"]) in before:
                # Field by field, leaving the contact copies to the search indexer,
                # which may have updated them since this request read the account.
                row = {k: v for k, v in entry.items() if k not in ("PK", "SK", "contact_emails", "contact_people")}
                ops.append(set_fields(keys.Key(entry["PK"], entry["SK"]), row, bump_version=False))
            else:
                ops.append(Put(entry))
        ops += [Delete(keys.Key(*k)) for k in sorted(before - after)]
        ops += [Put(item, ITEM_ABSENT) for item in extra]
        ops += checks
        if len(ops) > MAX_TRANSACTION_ITEMS:
            raise UnprocessableError(
                "Too many changes for one request (tags, team members and custom field values "
                "together); make them in two edits.",
                code="too_many_changes",
            )
        self.table.write(ops)

    def link_existing(self, link: Link, idem: Op | None = None) -> None:
        ops: list[Op] = [idem] if idem else []
        ops += [
            Put(
                to_item(link),
                ITEM_ABSENT,
                on_fail=ConflictError("The contact is already linked to this account.", code="already_linked"),
            ),
            self._count_change(link.firm_id, link.account_id, +1, ACCOUNT_ACTIVE, ACCOUNT_ARCHIVED),
            _attach_account(link.firm_id, link.contact_id, link.account_id),
        ]
        self.table.write(ops)

    def link_new(self, link: Link, contact: Contact, emails: Sequence[Email], idem: Op | None = None) -> None:
        ops: list[Op] = [idem] if idem else []
        ops += [
            Put(to_item(contact), ITEM_ABSENT),
            *email_items_ops(emails),
            Put(to_item(link), ITEM_ABSENT),
            self._count_change(link.firm_id, link.account_id, +1, ACCOUNT_ACTIVE, ACCOUNT_ARCHIVED),
        ]
        self.table.write(ops)

    def update_link(self, link: Link, fields: Mapping[str, Any], guard: Condition) -> None:
        key = keys.account_contact(link.firm_id, link.account_id, link.contact_id)
        self.table.write([set_fields(key, fields, condition=guard, on_fail=STALE)])

    def unlink(self, link: Link, guard: Condition) -> None:
        """Delete the link unless it is the account's last (409), atomically."""
        more_than_one = ACCOUNT_ACTIVE & Condition("#count > :one", {"#count": "contact_count"}, {":one": 1})
        self.table.write(
            [
                Delete(
                    keys.account_contact(link.firm_id, link.account_id, link.contact_id),
                    guard,
                    on_fail=NotFoundError("The contact is not linked to this account."),
                ),
                self._count_change(link.firm_id, link.account_id, -1, more_than_one, LAST_CONTACT),
                _detach_account(link.firm_id, link.contact_id, link.account_id),
            ]
        )

    def _count_change(
        self, firm_id: str, account_id: str, delta: int, condition: Condition, on_fail: DossierError
    ) -> Update:
        return Update(
            keys.account(firm_id, account_id),
            "ADD #count :delta",
            {"#count": "contact_count"},
            {":delta": delta},
            condition=condition,
            on_fail=on_fail,
        )


@dataclass(slots=True)
class Opening:
    """What an account-scoped request reads before its work: the account, the caller and (for a route on
    one activity item) the item."""

    account: Account | None
    member: Member | None
    item: dict[str, Any] | None


def read_opening(
    table: Table, firm_id: str, account_id: str, *, member_id: str | None, item: tuple[str, str] | None = None
) -> Opening:
    """The account, the caller's member item (unless ``member_id`` is None: already read) and one activity
    item (``item``: section and id): one BatchGetItem, strongly consistent, since it holds the caller's rights
    and the versions a write is conditioned on. DynamoDB bills each key as a GetItem would."""
    account_key = keys.account(firm_id, account_id)
    member_key = keys.member(firm_id, member_id) if member_id is not None else None
    item_key = keys.item(firm_id, account_id, *item) if item is not None else None
    wanted = [k for k in (account_key, member_key, item_key) if k is not None]
    found = {(i["PK"], i["SK"]): i for i in table.batch_get(wanted, consistent=True)}

    def pick(key: keys.Key | None) -> dict[str, Any] | None:
        return found.get((key.pk, key.sk)) if key is not None else None

    account, member = pick(account_key), pick(member_key)
    return Opening(
        from_item(Account, account) if account else None,
        from_item(Member, member) if member else None,
        pick(item_key),
    )


@dataclass(slots=True)
class Batch:
    """Items of several entities read with one BatchGetItem (up to 100 keys)."""

    members: dict[str, Member]
    tags: dict[str, Tag]
    contacts: dict[str, Contact]
    emails: dict[str, Email]
    accounts: dict[str, AccountSummary]
    pipelines: dict[str, dict[str, Any]] = field(default_factory=dict)  # with their stages
    custom_fields: dict[str, CustomField] = field(default_factory=dict)
    quickbooks_connected: bool = False


def read_batch(
    table: Table,
    firm_id: str,
    *,
    member_ids: Sequence[str] = (),
    tag_ids: Sequence[str] = (),
    contact_ids: Sequence[str] = (),
    email_addresses: Sequence[str] = (),
    account_ids: Sequence[str] = (),
    pipeline_ids: Sequence[str] = (),
    custom_field_ids: Sequence[str] = (),
    quickbooks_connection: bool = False,
    consistent: bool = False,
) -> Batch:
    wanted = (
        [keys.member(firm_id, m) for m in member_ids]
        + [keys.tag(firm_id, t) for t in tag_ids]
        + [keys.contact(firm_id, c) for c in contact_ids]
        + [keys.email(firm_id, email_key(a)) for a in email_addresses]
        + [keys.account(firm_id, a) for a in account_ids]
        + [keys.pipeline(firm_id, p) for p in pipeline_ids]
        + [keys.custom_field(firm_id, f) for f in custom_field_ids]
        + ([keys.quickbooks_connection(firm_id)] if quickbooks_connection else [])
    )
    batch = Batch({}, {}, {}, {}, {})
    for item in table.batch_get(wanted, consistent=consistent):
        entity = item.get("entity")
        if entity == keys.MEMBER:
            batch.members[item["id"]] = from_item(Member, item)
        elif entity == keys.TAG:
            batch.tags[item["id"]] = from_item(Tag, item)
        elif entity == keys.CONTACT and not is_erased(item):
            batch.contacts[item["id"]] = from_item(Contact, item)
        elif entity == keys.EMAIL:
            batch.emails[email_key(item["address"])] = from_item(Email, item)
        elif entity == keys.ACCOUNT:
            batch.accounts[item["id"]] = from_item(AccountSummary, item)
        elif entity == keys.PIPELINE:
            batch.pipelines[item["id"]] = item
        elif entity == keys.CUSTOM_FIELD:
            batch.custom_fields[item["id"]] = from_item(CustomField, item)
        elif entity == keys.QUICKBOOKS_CONNECTION:
            batch.quickbooks_connected = bool(item.get("connected", False))
    return batch
