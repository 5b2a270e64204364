"""Merging a contact (the source) into another (the target): the reads that
plan it and the conditional writes that carry it out (docs/data-model.md,
"Merging two contacts").

Every write is conditioned on the state the plan was read from, and the plan
is read from the table on every run, so a rerun (after a retry, a crash or a
lost race) plans only what is left. A merge that fits one transaction is one
transaction; a larger one is a started record, units of moves, and a last
transaction that removes the source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from chalicelib.domain import merges as rules
from chalicelib.domain.entities import Contact, Email, Invitation, Link
from chalicelib.domain.errors import ConcurrentWriteError
from chalicelib.domain.text import email_key
from chalicelib.domain.traces import Document, Message, Proposal, Signature
from chalicelib.repo import keys, traces
from chalicelib.repo.firms import STALE
from chalicelib.repo.gdpr import GdprRepo
from chalicelib.repo.merge_marks import INCOMING, MERGE_IN_PROGRESS, MERGED_FROM, NO_INCOMING
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
    version_is,
)

# Another merge of one of the two contacts landed between the plan's reads and its transaction: the
# service reads again (a retry of this same merge is then answered from its record).
RACED = ConcurrentWriteError("Another merge of one of these contacts was written meanwhile.", code="concurrent_write")
# The fixed items of a merge's transaction besides the moves: the target, the
# source, the note of who deleted it, the merge record and the check that the
# target is not being merged away.
FIXED_ITEMS: Final = 5


@dataclass(frozen=True, slots=True)
class MergeRecord:
    """``merged_into``: the target; ``done``: the source is removed."""

    source_id: str
    target_id: str
    done: bool
    at: str


@dataclass(slots=True)
class MergePlan:
    """What is still to move from the source, as read; ``units``: the moves,
    each a list of operations that must land together."""

    units: list[list[Op]] = field(default_factory=list)

    @property
    def size(self) -> int:
        """The items its transactions hold (deletion notes included)."""
        return sum(Table.items_of(u) for u in self.units)


def _owned_by(contact_id: str) -> Condition:
    return Condition("#contact = :contact", {"#contact": "contact_id"}, {":contact": contact_id})


def _record_item(firm_id: str, source_id: str, target_id: str, *, done: bool, at: str) -> dict[str, Any]:
    return {
        **keys.contact_merge(firm_id, source_id).as_dict(),
        "entity": keys.CONTACT_MERGE,
        "firm_id": firm_id,
        "contact_id": source_id,
        "merged_into": target_id,
        "state": "done" if done else "started",
        "at": at,
    }


def _into(target_id: str) -> Condition:
    return Condition("#into = :into", {"#into": "merged_into"}, {":into": target_id})


def _invitation_move(invitation: Invitation, target_id: str) -> Update:
    """An invitation now the target's, in the target's GSI1 partition (its GDPR export and erasure)."""
    index = index_keys(replace(invitation, contact_id=target_id))
    return Update(
        keys.invitation(invitation.firm_id, invitation.token_hash),
        "SET #contact = :target, #pk = :pk, #sk = :sk",
        {"#contact": "contact_id", "#pk": "GSI1PK", "#sk": "GSI1SK"},
        {":target": target_id, ":pk": index["GSI1PK"], ":sk": index["GSI1SK"]},
        condition=ITEM_EXISTS & _owned_by(invitation.contact_id),
        on_fail=STALE,
    )


def _resigned(proposal: Proposal, signed: Sequence[Signature], now: str) -> Update:
    return Update(
        traces.key_of(proposal),
        "SET #signed = :signed, #updated = :now ADD #v :one",
        {"#signed": "signed_by", "#updated": "updated_at", "#v": "version"},
        {":signed": [traces.signature_item(s) for s in signed], ":now": now, ":one": 1},
        condition=version_is(proposal.version),
        on_fail=STALE,
    )


class MergeRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    # reads ------------------------------------------------------------------

    def record(self, firm_id: str, contact_id: str) -> MergeRecord | None:
        """The merge record of ``contact_id`` as a source, if any (consistent)."""
        item = self.table.get(keys.contact_merge(firm_id, contact_id), consistent=True)
        if item is None:
            return None
        return MergeRecord(item["contact_id"], item["merged_into"], item["state"] == "done", item["at"])

    def contact(self, firm_id: str, contact_id: str) -> tuple[Contact | None, int]:
        """A contact (consistent) and how many merges into it are in progress."""
        item = self.table.get(keys.contact(firm_id, contact_id), consistent=True)
        if item is None or is_erased(item):
            return None, 0  # an erased contact (its tombstone) is neither source nor target
        return from_item(Contact, item), int(item.get(INCOMING, 0))

    def plan(self, source: Contact, target: Contact, emails: Mapping[str, Email], now: str) -> MergePlan:
        """The moves still to make, read strongly consistently: per account of
        the source its link (moved, or dropped where the target is linked too),
        per address of the source still its own the address (and its pending
        invitation), every other invitation still naming it, and on each of
        its accounts its signatures and the chat messages and documents that
        name it as their author."""
        firm_id = source.firm_id
        plan = MergePlan()
        accounts = sorted(source.account_ids)
        wanted = [keys.account_contact(firm_id, a, c) for a in accounts for c in (source.id, target.id)]
        links: dict[tuple[str, str], Link] = {}
        for item in self.table.batch_get(wanted, consistent=True):
            link = from_item(Link, item)
            links[(link.account_id, link.contact_id)] = link
        for account_id in accounts:
            moved = links.get((account_id, source.id))
            if moved is not None:
                plan.units.append(self._link_ops(moved, target.id, (account_id, target.id) in links, now))
        own = [e for e in emails.values() if e.contact_id == source.id]
        invitations = self._invitations(source, {e.invite_hash for e in own if e.invite_hash})
        for email in sorted(own, key=lambda e: email_key(e.address)):
            unit: list[Op] = [
                Update(
                    keys.email(firm_id, email_key(email.address)),
                    "SET #contact = :target ADD #v :one",
                    {"#contact": "contact_id", "#v": "version"},
                    {":target": target.id, ":one": 1},
                    condition=ITEM_EXISTS & _owned_by(source.id),
                    on_fail=STALE,
                )
            ]
            pending = invitations.pop(email.invite_hash or "", None)
            if pending is not None:
                unit.append(_invitation_move(pending, target.id))
            plan.units.append(unit)
        # Invitations no address of the source points at any more (accepted, or replaced by a newer one).
        plan.units += [[_invitation_move(i, target.id)] for _, i in sorted(invitations.items())]
        for account_id in accounts:
            # One Query per account (the GDPR export's): proposals, chat messages, documents.
            for record in GdprRepo(self.table).activity(firm_id, account_id):
                if isinstance(record, Proposal):
                    signed = rules.resigned(record.signed_by, source.id, target.id)
                    if signed is not None:
                        plan.units.append([_resigned(record, signed, now)])
                elif isinstance(record, Message | Document) and record.contact_id == source.id:  # its author
                    plan.units.append([traces.rewrite(record, replace(record, contact_id=target.id))])
        return plan

    def _invitations(self, source: Contact, hashes: set[str]) -> dict[str, Invitation]:
        """The invitations still naming the source, by token hash: those its addresses point at and
        those in its GSI1 partition (eventually consistent: every one is read again consistently)."""
        firm_id = source.firm_id
        hashes |= {i.token_hash for i in GdprRepo(self.table).invitations(firm_id, source.id)}
        found = self.table.batch_get([keys.invitation(firm_id, h) for h in sorted(hashes)], consistent=True)
        read = (from_item(Invitation, i, token_hash=str(i["PK"]).rsplit("#INVITE#", 1)[1]) for i in found)
        return {i.token_hash: i for i in read if i.contact_id == source.id}

    @staticmethod
    def _link_ops(link: Link, target_id: str, target_linked: bool, now: str) -> list[Op]:
        """The source's link to one account: dropped where the target is
        linked too (which keeps its own description and signer priority: the
        account keeps one link, one contact fewer), else moved to the target."""
        firm_id, account_id = link.firm_id, link.account_id
        drop = Delete(keys.account_contact(firm_id, account_id, link.contact_id), ITEM_EXISTS, on_fail=STALE)
        if target_linked:
            fewer = Update(
                keys.account(firm_id, account_id),
                "ADD #count :minus",
                {"#count": "contact_count"},
                {":minus": -1},
                condition=ITEM_EXISTS,
                on_fail=STALE,
            )
            return [drop, fewer, Check(keys.account_contact(firm_id, account_id, target_id), ITEM_EXISTS)]
        moved = Link(firm_id, account_id, target_id, link.description, link.signer_priority, now)
        return [drop, Put(to_item(moved), ITEM_ABSENT, on_fail=STALE)]

    # writes -----------------------------------------------------------------

    def _target_update(
        self, target: Contact, merged: Contact, source_id: str, added_accounts: set[str], incoming: int
    ) -> Update:
        """The target with the merged addresses and details, linked to the source's accounts (ADD: a concurrent link
        is kept), on the version read; the source's id is added to the ids merged into it."""
        names = {
            "#emails": "emails",
            "#phones": "phones",
            "#custom": "custom_fields",
            "#updated": "updated_at",
            "#gsi1sk": "GSI1SK",
            "#v": "version",
        }
        values: dict[str, Any] = {
            ":emails": merged.emails,
            ":phones": merged.phones,
            ":custom": merged.custom_fields,
            ":now": merged.updated_at,
            ":gsi1sk": index_keys(merged)["GSI1SK"],
            ":one": 1,
        }
        sets = "#emails = :emails, #phones = :phones, #custom = :custom, #updated = :now, #gsi1sk = :gsi1sk"
        if merged.address is not None and target.address is None:
            names["#address"] = "address"
            values[":address"] = merged.address
            sets += ", #address = :address"
        adds = "#v :one, #from :from"
        names["#from"] = MERGED_FROM
        values[":from"] = {source_id}
        if incoming:
            names["#in"] = INCOMING
            values[":incoming"] = incoming
            adds += ", #in :incoming"
        if added_accounts:
            names["#accounts"] = "account_ids"
            values[":accounts"] = added_accounts
            adds += ", #accounts :accounts"
        return Update(
            keys.contact(target.firm_id, target.id),
            f"SET {sets} ADD {adds}",
            names,
            values,
            condition=ITEM_EXISTS & version_is(target.version),
            on_fail=STALE,
        )

    def merge_at_once(self, source: Contact, target: Contact, merged: Contact, plan: MergePlan) -> None:
        """The whole merge as one transaction (it fits): the moves, the target,
        the source removed and its merge record, each on the state read."""
        firm_id = source.firm_id
        ops: list[Op] = [
            Put(
                _record_item(firm_id, source.id, target.id, done=True, at=merged.updated_at),
                ITEM_ABSENT,
                on_fail=RACED,
            ),
            Check(keys.contact_merge(firm_id, target.id), ITEM_ABSENT, on_fail=RACED),
            self._target_update(target, merged, source.id, source.account_ids - target.account_ids, 0),
            Delete(
                keys.contact(firm_id, source.id),
                ITEM_EXISTS & version_is(source.version) & NO_INCOMING,
                on_fail=STALE,
            ),
            *[op for unit in plan.units for op in unit],
        ]
        self.table.write(ops)

    def start(self, source: Contact, target: Contact, now: str) -> None:
        """A merge too large for one transaction starts with its record
        (``started``), the target's count of incoming merges, and the
        source's version bumped (so an edit read before fails its condition)."""
        firm_id = source.firm_id
        self.table.write(
            [
                Put(_record_item(firm_id, source.id, target.id, done=False, at=now), ITEM_ABSENT, RACED),
                Check(keys.contact_merge(firm_id, target.id), ITEM_ABSENT, on_fail=RACED),
                Update(
                    keys.contact(firm_id, target.id),
                    "ADD #in :one",
                    {"#in": INCOMING},
                    {":one": 1},
                    condition=ITEM_EXISTS & version_is(target.version),
                    on_fail=STALE,
                ),
                Update(
                    keys.contact(firm_id, source.id),
                    "ADD #v :one",
                    {"#v": "version"},
                    {":one": 1},
                    condition=ITEM_EXISTS & version_is(source.version) & NO_INCOMING,
                    on_fail=STALE,
                ),
            ]
        )

    def move(self, batch: Sequence[Op]) -> None:
        """One batch of whole units of moves (``rules.packed``), as one transaction."""
        self.table.write(batch)

    def finish(self, source: Contact, target: Contact, merged: Contact) -> None:
        """The last step of a started merge: the target (addresses, details,
        accounts; one incoming merge fewer), the source removed on the version
        read (an address added meanwhile fails it: the rerun moves it), the
        record ``done``."""
        firm_id = source.firm_id
        self.table.write(
            [
                Update(
                    keys.contact_merge(firm_id, source.id),
                    "SET #state = :done",
                    {"#state": "state"},
                    {":done": "done"},
                    condition=ITEM_EXISTS & _into(target.id),
                    on_fail=MERGE_IN_PROGRESS,
                ),
                self._target_update(target, merged, source.id, source.account_ids - target.account_ids, -1),
                Delete(
                    keys.contact(firm_id, source.id),
                    ITEM_EXISTS
                    & version_is(source.version)
                    & Condition("size(#accounts) = :n", {"#accounts": "account_ids"}, {":n": len(source.account_ids)})
                    if source.account_ids
                    else ITEM_EXISTS & version_is(source.version) & Condition("attribute_not_exists(account_ids)"),
                    on_fail=STALE,
                ),
            ]
        )
