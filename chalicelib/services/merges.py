"""Merging two contacts (POST /contacts/{contact_id}/merge): the source's
links, addresses (with their settings, portal access and invitations, which
move to the target's GSI1 partition), signatures, and the authorship of chat
messages and documents move to the target, and the source is removed. An
erased contact (a tombstone) is neither source nor target: 404.

Idempotent: every run plans from the table what is left to move (repo/merges),
so a retry after success, after a crash half way or after a lost race ends
in the same state. The merge record on the source's key answers a retry once
the source is gone (200 with the target) and refuses other merges meanwhile.
"""

from __future__ import annotations

from dataclasses import replace

from chalicelib.domain import access
from chalicelib.domain import merges as rules
from chalicelib.domain.entities import Contact
from chalicelib.domain.errors import ConflictError, FieldError, ForbiddenError, NotFoundError, UnprocessableError
from chalicelib.domain.ids import now_iso
from chalicelib.domain.models.base import MAX_EMAILS_PER_CONTACT, MAX_PHONES
from chalicelib.domain.models.people import ContactMerge
from chalicelib.repo.firms import version_guard
from chalicelib.repo.merge_marks import MERGE_IN_PROGRESS
from chalicelib.repo.merges import FIXED_ITEMS, MergeRepo
from chalicelib.repo.table import MAX_TRANSACTION_ITEMS, Table
from chalicelib.services.clashes import retried_on_clash
from chalicelib.services.contacts import CONTACT_NOT_FOUND, load_visible, openable_account_ids, visible_contacts
from chalicelib.services.context import Ctx

# Moves a rerun may find added meanwhile (an address added to the source during a started merge) before
# giving up with 409 busy; each round is a plan read and its transactions.
ROUNDS = 3


def _merged(target: Contact, source: Contact, now: str) -> Contact:
    """The target as it is after the merge: its details win, the source fills gaps."""
    emails = rules.merged_addresses(target.emails, source.emails)
    if len(emails) > MAX_EMAILS_PER_CONTACT:
        raise ConflictError(
            f"Together the two contacts have {len(emails)} e-mail addresses; a contact has at most "
            f"{MAX_EMAILS_PER_CONTACT}. Remove some first.",
            code="too_many_emails",
        )
    return replace(
        target,
        emails=emails,
        phones=rules.merged_phones(target.phones, source.phones, MAX_PHONES),
        custom_fields=rules.merged_custom_fields(target.custom_fields, source.custom_fields),
        address=target.address if target.address is not None else source.address,
        account_ids=target.account_ids | source.account_ids,
        updated_at=now,
    )


def _check_rights(ctx: Ctx, target: Contact, source: Contact) -> None:
    """The manage right on every account linked to either contact: owner and
    admins; an employee with *manage accounts* who may open each of them."""
    if not access.manages_accounts(ctx.member):
        raise ForbiddenError("Merging contacts needs the owner, an admin or the right 'manage accounts'.")
    wanted = sorted(target.account_ids | source.account_ids)
    if len(openable_account_ids(ctx, wanted)) < len(wanted):
        raise ForbiddenError(
            "Merging these contacts needs the manage right on every account linked to either of them.",
            code="forbidden",
        )


@retried_on_clash
def merge_contacts(
    ctx: Ctx,
    target_id: str,
    body: ContactMerge,
    if_match: int | None,
    *,
    batch_items: int = MAX_TRANSACTION_ITEMS,
    stop_after: int | None = None,
) -> None:
    """Merge ``body.source_contact_id`` into ``target_id``. ``If-Match`` is the
    target's version; it is checked when the merge starts, not when a retry
    resumes or repeats it. ``batch_items``: the most operations a transaction
    holds; ``stop_after``: return after that many write requests, as a crash
    would (both for tests of the stepped path and its resumption)."""
    merges = MergeRepo(ctx.table)
    target = load_visible(ctx, target_id, for_edit=True)
    source_id = body.source_contact_id
    if source_id == target.id:
        raise UnprocessableError(
            "A contact cannot be merged into itself.",
            [FieldError(("body", "source_contact_id"), "is the contact merged into")],
            code="merge_into_itself",
        )
    # The source before its record: the last step removes one and marks the other done together.
    source, incoming = merges.contact(ctx.firm_id, source_id)
    record = merges.record(ctx.firm_id, source_id)
    if source is None or source.id not in visible_contacts(ctx, [source]):
        if source is None and record is not None and record.done and record.target_id == target.id:
            return  # merged already: a retry is answered like the first request
        raise NotFoundError(CONTACT_NOT_FOUND)
    if record is not None and record.target_id != target.id:
        raise MERGE_IN_PROGRESS
    if incoming or merges.record(ctx.firm_id, target.id) is not None:
        raise MERGE_IN_PROGRESS  # another contact is being merged into the source, or the target into another
    _check_rights(ctx, target, source)
    resuming = record is not None
    if not resuming:
        version_guard(if_match, target.version)
    now = now_iso()
    merged = _merged(target, source, now)
    plan = merges.plan(source, target, ctx.contacts.emails_of([source], consistent=True), now)
    if not resuming and plan.size + FIXED_ITEMS <= batch_items:
        merges.merge_at_once(source, target, merged, plan)
        return
    writes = 0
    if not resuming:
        merges.start(source, target, now)
        writes += 1
    _resume(ctx, merges, source_id, target_id, batch_items, writes, stop_after)


def _resume(
    ctx: Ctx,
    merges: MergeRepo,
    source_id: str,
    target_id: str,
    batch_items: int,
    writes: int,
    stop_after: int | None,
) -> None:
    """A started merge: the moves left, a transaction per batch of whole
    units, then the last transaction once a fresh read finds nothing left
    (an address added to the source meanwhile moves in the next round)."""
    for _ in range(ROUNDS):
        source = ctx.contacts.get(ctx.firm_id, source_id, consistent=True)
        target = ctx.contacts.get(ctx.firm_id, target_id, consistent=True)
        if source is None and target is not None:
            record = merges.record(ctx.firm_id, source_id)
            if record is not None and record.done and record.target_id == target_id:
                return  # a concurrent run of the same merge finished it
        if source is None or target is None:
            raise NotFoundError(CONTACT_NOT_FOUND)
        now = now_iso()
        merged = _merged(target, source, now)
        plan = merges.plan(source, target, ctx.contacts.emails_of([source], consistent=True), now)
        batches = rules.packed(plan.units, batch_items, Table.items_of)
        if not batches:
            if stop_after is None or writes < stop_after:
                merges.finish(source, target, merged)
            return
        for batch in batches:
            if stop_after is not None and writes >= stop_after:
                return
            merges.move(batch)
            writes += 1
    raise ConflictError("The contact kept changing during the merge; retry.", code="busy")
