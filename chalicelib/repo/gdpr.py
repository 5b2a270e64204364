"""GDPR/AVG: a person's data gathered (export) and erased.

An erasure starts with one transaction that turns the contact item into a
tombstone (``records.ERASED_AT``: every read treats it as absent) holding
what the remaining steps need (the addresses and accounts to clean), and
removes the contact's links with the accounts' counts. Each later step is
idempotent (a conditional delete, or a rewrite of what still names the
person), and the last one removes those working attributes; so a rerun of
an interrupted erasure finishes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from chalicelib.domain.entities import Contact, Invitation, Link
from chalicelib.domain.errors import ConflictError, StaleVersionError
from chalicelib.domain.text import email_key
from chalicelib.domain.traces import Trace
from chalicelib.repo import keys, traces
from chalicelib.repo.accounts import LAST_CONTACT
from chalicelib.repo.firms import STALE
from chalicelib.repo.merge_marks import MERGE_IN_PROGRESS, MERGED_FROM, NO_INCOMING
from chalicelib.repo.records import ERASED_AT, from_item
from chalicelib.repo.table import (
    ITEM_ABSENT,
    ITEM_EXISTS,
    Check,
    Condition,
    Delete,
    Item,
    Op,
    Put,
    Table,
    Update,
    set_fields,
    version_is,
)

# Working attributes of a tombstone while its erasure is unfinished.
_PENDING_ADDRESSES = "erase_addresses"
_PENDING_ACCOUNTS = "erase_account_ids"
_PENDING_VALUES = "erase_values"  # names and phone numbers, for the audit scrub of a resumed erasure
# What an erasure that runs over several passes (a request, then background chunks) has finished: ``FILES``
# and the accounts cleaned; and the job that finishes it, so a second request does not queue another.
_DONE = "erase_done"
_JOB = "erase_job_id"
# Where a pass stopped inside an account (``EraseCursor``, as JSON): removed once that account is done.
_CURSOR = "erase_cursor"
FILES_STEP = "files"
# A transaction holds 100 items: the tombstone and, per account, the link, its deletion note (the audit
# trail's: repo/stamps.py) and the account's count.
MAX_ERASE_LINKS = 33

# An account's clean-up, in order: its activity, then its audit trail.
ACTIVITY: Final = "activity"
AUDIT: Final = "audit"
Phase = Literal["activity", "audit"]


@dataclass(frozen=True, slots=True)
class EraseCursor:
    """Where the clean-up of one account goes on: its phase, and the sort key of the last item of the phase's
    last page read (None: from the phase's start). A sort key names no person (section, ids, times); the
    partition follows from the firm, the account and the phase."""

    account_id: str
    phase: Phase
    after: str | None = None


def cursor_text(cursor: EraseCursor) -> str:
    """The cursor as the tombstone stores it."""
    return json.dumps({"account_id": cursor.account_id, "phase": cursor.phase, "after": cursor.after})


def cursor_of(text: object) -> EraseCursor | None:
    """A stored cursor read back; None for none, or for one that does not parse (the account is then cleaned
    from its start: every write of the clean-up is idempotent)."""
    if not isinstance(text, str):
        return None
    try:
        raw = json.loads(text)
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    account_id, phase, after = raw.get("account_id"), raw.get("phase"), raw.get("after")
    if not isinstance(account_id, str) or not account_id or phase not in (ACTIVITY, AUDIT):
        return None
    if after is not None and (not isinstance(after, str) or not after):
        return None
    return EraseCursor(account_id, ACTIVITY if phase == ACTIVITY else AUDIT, after)


def _activity_range(firm_id: str, account_id: str) -> dict[str, Any]:
    """An account's chat messages, credit lines and section items, strongly consistent: a rewrite is
    conditioned on the version just read."""
    return {
        "pk": keys.account_pk(firm_id, account_id),
        "sk_between": (keys.ACTIVITY_START, keys.ACTIVITY_END),
        "consistent": True,
    }


def _traces(items: Sequence[Item]) -> list[Trace]:
    return [t for t in map(traces.trace_of, items) if t is not None]


CHANGED_MEANWHILE = ConflictError("The contact's links changed meanwhile; retry.", code="changed_meanwhile")


def _not_last(firm_id: str, account_id: str) -> Update:
    """One link fewer: refused on an active account that would keep no contact (an archived one may)."""
    return Update(
        keys.account(firm_id, account_id),
        "ADD #count :minus",
        {"#count": "contact_count"},
        {":minus": -1},
        condition=Condition(
            "attribute_exists(PK) AND (#count > :one OR #archived = :true)",
            {"#count": "contact_count", "#archived": "archived"},
            {":one": 1, ":true": True},
        ),
        on_fail=LAST_CONTACT,
    )


class Tombstone:
    """An erased contact's item, as the erasure reads it back."""

    def __init__(self, item: Mapping[str, Any]) -> None:
        self.erased_at: str = str(item[ERASED_AT])
        self.pseudonym: str = str(item.get("pseudonym", ""))
        self.addresses: list[str] = list(item.get(_PENDING_ADDRESSES) or [])
        self.account_ids: list[str] = sorted(item.get(_PENDING_ACCOUNTS) or [])
        self.values: list[str] = list(item.get(_PENDING_VALUES) or [])
        self.done: set[str] = set(item.get(_DONE) or ())  # steps finished: FILES_STEP, account ids
        self.erased_by: str = str(item.get("erased_by", ""))
        self.job_id: str | None = item.get(_JOB)
        self.cursor = cursor_of(item.get(_CURSOR))  # where the last pass stopped inside an account
        self.finished = _PENDING_ADDRESSES not in item and _PENDING_ACCOUNTS not in item
        self.merged_ids: list[str] = sorted(item.get(MERGED_FROM) or [])  # kept: ids only, no personal data


class GdprRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    # --- reads -----------------------------------------------------------------------

    def unfinished(self, started_before: str, limit: int) -> list[tuple[str, str]]:
        """(firm id, contact id) of the erasures begun before ``started_before`` and not finished, oldest
        first: one Query of GSI1 (eventually consistent: each is read again before it is acted on)."""
        page = self.table.query(
            pk=keys.UNFINISHED_ERASURES,
            sk_between=("0", started_before),  # times sort after "0"; a key value may not be empty
            index=keys.INDEX_LISTS_BY_NAME,
            limit=limit,
        )
        return [(str(i["firm_id"]), str(i["id"])) for i in page.items]

    def erased(self, firm_id: str, contact_id: str) -> bool:
        """Whether the contact's erasure began (one consistent GetItem)."""
        item = self.table.get(keys.contact(firm_id, contact_id), consistent=True)
        return item is not None and ERASED_AT in item

    def contact(self, firm_id: str, contact_id: str) -> Contact | Tombstone | None:
        """The contact, or its tombstone once an erasure began (strongly consistent)."""
        item = self.table.get(keys.contact(firm_id, contact_id), consistent=True)
        if item is None:
            return None
        return Tombstone(item) if ERASED_AT in item else from_item(Contact, item)

    def merged_ids(self, firm_id: str, contact_id: str) -> list[str]:
        """The ids of the contacts merged into this one (one consistent GetItem of its item)."""
        item = self.table.get(keys.contact(firm_id, contact_id), consistent=True) or {}
        return sorted(item.get(MERGED_FROM) or [])

    def links(self, firm_id: str, contact_id: str, account_ids: Sequence[str]) -> list[Link]:
        """The contact's links (one BatchGet: in the accounts' partitions)."""
        wanted = [keys.account_contact(firm_id, a, contact_id) for a in account_ids]
        found = [from_item(Link, i) for i in self.table.batch_get(wanted, consistent=True)]
        return sorted(found, key=lambda link: link.account_id)

    def invitations(self, firm_id: str, contact_id: str) -> list[Invitation]:
        """Every invitation sent to the contact's addresses, oldest first: one Query of GSI1."""
        items = self.table.query_all(pk=keys.contact_invitations(firm_id, contact_id), index=keys.INDEX_LISTS_BY_NAME)
        return [from_item(Invitation, i, token_hash=str(i["PK"]).rsplit("#INVITE#", 1)[1]) for i in items]

    def activity(self, firm_id: str, account_id: str) -> list[Trace]:
        """What of an account's activity can name a person (its e-mails, logins, proposals, documents and chat
        messages; ``repo/traces.py``): one Query of its chat messages, credit lines and section items (paged by
        DynamoDB), strongly consistent, so a rewrite is conditioned on the version just read."""
        return _traces(self.table.query_all(**_activity_range(firm_id, account_id)))

    def activity_page(
        self, firm_id: str, account_id: str, after: str | None, limit: int
    ) -> tuple[list[Trace], str | None]:
        """One page of ``activity`` (its first ``limit`` items after the sort key ``after``; None: from the
        start): the records on it that can name a person, and the sort key to read the next page after (None:
        the last page). One Query, strongly consistent; an erasure holds one page at a time."""
        pk = keys.account_pk(firm_id, account_id)
        start = None if after is None else {"PK": pk, "SK": after}
        page = self.table.query(**_activity_range(firm_id, account_id), limit=limit, start_key=start)
        return _traces(page.items), None if page.last_key is None else str(page.last_key["SK"])

    def record(self, trace: Trace) -> Trace | None:
        """The record ``trace`` was read from, as it is now (one consistent GetItem); None once deleted."""
        item = self.table.get(traces.key_of(trace), consistent=True)
        return None if item is None else traces.trace_of(item)

    # --- the erasure's steps -------------------------------------------------------------

    def begin(
        self,
        contact: Contact,
        links: Sequence[Link],
        *,
        erased_at: str,
        erased_by: str,
        pseudonym: str,
        merged_ids: Sequence[str] = (),
        values: Sequence[str] = (),
    ) -> Tombstone:
        """Step 1, one transaction: the contact becomes its tombstone (its id, ``created_at``, who erased
        it and when, its pseudonym) if still at the version read, and its links go, each account
        one contact fewer unless that would leave an active account with none (409 ``last_contact``).
        Until ``finish``, it keeps what the later steps need: the addresses to free, the accounts to
        clean and the person's ``values`` to scrub (a resumed erasure has no contact to read them from)."""
        item: Item = {
            **keys.contact(contact.firm_id, contact.id).as_dict(),
            "entity": keys.CONTACT,
            "firm_id": contact.firm_id,
            "id": contact.id,
            "version": contact.version + 1,
            "created_at": contact.created_at,
            ERASED_AT: erased_at,
            "erased_by": erased_by,
            "pseudonym": pseudonym,
            # Until ``finish``: in the sweep's index of unfinished erasures (services/gdpr.sweep_unfinished).
            "GSI1PK": keys.UNFINISHED_ERASURES,
            "GSI1SK": keys.unfinished_erasure_sort(erased_at, contact.firm_id, contact.id),
            _PENDING_ADDRESSES: list(contact.emails),
            _PENDING_ACCOUNTS: sorted(contact.account_ids),
            **({MERGED_FROM: set(merged_ids)} if merged_ids else {}),
            **({_PENDING_VALUES: list(values)} if values else {}),
        }
        # Neither side of an unfinished merge (services/gdpr.py refuses it first; these catch a race):
        # erasing one would strand the links and addresses the merge has still to move.
        ops: list[Op] = [
            Put(item, ITEM_EXISTS & version_is(contact.version) & NO_INCOMING, on_fail=STALE),
            Check(keys.contact_merge(contact.firm_id, contact.id), ITEM_ABSENT, on_fail=MERGE_IN_PROGRESS),
        ]
        for link in links:
            key = keys.account_contact(link.firm_id, link.account_id, link.contact_id)
            ops += [Delete(key, ITEM_EXISTS, on_fail=CHANGED_MEANWHILE), _not_last(link.firm_id, link.account_id)]
        self.table.write(ops)
        return Tombstone(item)

    def delete_invitations(self, firm_id: str, invitations: Sequence[Invitation]) -> None:
        self.table.delete_many([keys.invitation(firm_id, i.token_hash) for i in invitations])

    def free_address(self, firm_id: str, contact_id: str, address: str) -> bool:
        """Delete the address's item if the contact still owns it (a resumed erasure leaves an
        address a new contact took since alone). False: nothing to delete."""
        owned = Condition("#contact = :contact", {"#contact": "contact_id"}, {":contact": contact_id})
        try:
            self.table.write([Delete(keys.email(firm_id, email_key(address)), owned, on_fail=STALE)])
        except StaleVersionError:  # only "not this contact's (any more)": a clash or throttle must be retried
            return False
        return True

    def delete_record(self, record: Trace) -> None:
        """Delete an activity record if unchanged since read (else 412: read again)."""
        self.table.write([traces.removal(record)])

    def rewrite_record(self, record: Trace, kept: Trace) -> None:
        """Rewrite whom an activity record names, as ``kept`` names them, if unchanged since read (else 412)."""
        self.table.write([traces.rewrite(record, kept)])

    def step_done(self, firm_id: str, contact_id: str, step: str) -> None:
        """Record that one step (``FILES_STEP``, or an account's clean-up) is finished, so a resumed erasure
        goes on after it; the cursor inside that account goes with it. Only while the erasure is unfinished
        (a finished tombstone keeps nothing)."""
        done = self._on_unfinished(
            firm_id,
            contact_id,
            "ADD #done :step REMOVE #cursor",
            {"#done": _DONE, "#cursor": _CURSOR},
            {":step": {step}},
        )
        self.table.write([done])

    def stopped_at(self, firm_id: str, contact_id: str, cursor: EraseCursor) -> None:
        """Record where a pass stopped inside an account, so the next goes on from there (one UpdateItem,
        only while the erasure is unfinished)."""
        saved = self._on_unfinished(
            firm_id, contact_id, "SET #cursor = :cursor", {"#cursor": _CURSOR}, {":cursor": cursor_text(cursor)}
        )
        self.table.write([saved])

    def job_queued(self, firm_id: str, contact_id: str, job_id: str) -> None:
        """Name the job that finishes the erasure in the background."""
        named = self._on_unfinished(firm_id, contact_id, "SET #job = :job", {"#job": _JOB}, {":job": job_id})
        self.table.write([named])

    def _on_unfinished(
        self, firm_id: str, contact_id: str, expression: str, names: dict[str, str], values: dict[str, Any]
    ) -> Update:
        unfinished = Condition("attribute_exists(#pending)", {"#pending": _PENDING_ACCOUNTS})
        return Update(keys.contact(firm_id, contact_id), expression, names, values, unfinished, on_fail=STALE)

    def finish(self, firm_id: str, contact_id: str) -> None:
        """The last step: the tombstone keeps no address, no account and no progress."""
        key = keys.contact(firm_id, contact_id)
        pending = {_PENDING_ADDRESSES: None, _PENDING_ACCOUNTS: None, _PENDING_VALUES: None, _DONE: None, _JOB: None}
        pending[_CURSOR] = None
        pending |= {"GSI1PK": None, "GSI1SK": None}  # out of the unfinished erasures' index
        self.table.write([set_fields(key, pending, bump_version=False)])
