"""One pass of an erasure's clean-up (``services/gdpr.py`` makes the tombstone and runs the passes: the
request's, then the background job's chunks).

A pass does the steps after the tombstone that are not done yet: the files (once), the invitations and
addresses, then the person's accounts one by one, each its activity and then its audit trail, a page at a
time (``settings().erase_page_items`` items), and last the outbox, the entries about or by the person and the
tombstone's last write. Between two pages (and so between two accounts) it stops once its ``Deadline`` has
passed, after at least one page, so every pass moves on: an account cut short keeps its place on the tombstone
(``EraseCursor``: the account, the phase and the sort key the last page ended at), and the next pass goes on
from there. Finishing an account records it done (``erase_done``) and drops the cursor.

A record changed under the erasure (its conditional write refused) is read again alone and decided again, up
to ``_ATTEMPTS`` writes; one that keeps changing ends the pass, its page kept as the cursor, and is left to the
next pass (the job's next chunk): the request still answers ``finished: false``, never 409 for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from chalicelib.adapters import mail
from chalicelib.adapters.config import settings
from chalicelib.domain import erasure
from chalicelib.domain.errors import StaleVersionError
from chalicelib.domain.jobs import Deadline
from chalicelib.domain.traces import Trace
from chalicelib.repo.gdpr import ACTIVITY, AUDIT, FILES_STEP, EraseCursor, GdprRepo, Tombstone
from chalicelib.services import audit as audit_trail
from chalicelib.services import gdpr_files
from chalicelib.services.context import Ctx

_ATTEMPTS: Final = 3  # writes of one record that keeps changing under the erasure, before the pass leaves it


@dataclass(slots=True)
class Counts:
    """What one pass did (an erasure's answer, a chunk's tally): each record and entry counted by the pass
    whose write changed it, so the passes' counts add up to one pass's."""

    addresses_freed: int = 0
    links_removed: int = 0
    invitations_removed: int = 0
    records_deleted: int = 0
    records_pseudonymised: int = 0
    outbox_removed: int = 0
    audit_scrubbed: int = 0
    export_files_deleted: int = 0
    import_files_deleted: int = 0
    import_errors_deleted: int = 0


def run_pass(
    ctx: Ctx, repo: GdprRepo, contact_id: str, tombstone: Tombstone, counts: Counts, deadline: Deadline
) -> bool:
    """The steps after the tombstone that are not done yet; True once the erasure is finished (by this pass
    or, meanwhile, another). False: stopped at ``deadline`` (or at a record that kept changing), with its
    place recorded for the next pass."""
    values = tombstone.values or tombstone.addresses  # kept on the tombstone by the first step
    if FILES_STEP not in tombstone.done:
        # Files first: a running import stopped before the addresses are freed cannot create the person
        # again. Once only: an export made after the erasure began does not hold the person.
        files = gdpr_files.forget_files(ctx, values)
        counts.export_files_deleted = files.export_files_deleted
        counts.import_files_deleted = files.import_files_deleted
        counts.import_errors_deleted = files.import_errors_deleted
        if not _done(ctx, repo, contact_id, FILES_STEP):
            return True
    invitations = repo.invitations(ctx.firm_id, contact_id)
    repo.delete_invitations(ctx.firm_id, invitations)
    counts.invitations_removed = len(invitations)
    counts.addresses_freed = sum(repo.free_address(ctx.firm_id, contact_id, a) for a in tombstone.addresses)
    cleaner = _Cleaner(ctx, repo, contact_id, values, erasure.person(contact_id, tombstone.addresses), counts, deadline)
    resume = tombstone.cursor
    for account_id in (a for a in tombstone.account_ids if a not in tombstone.done):
        start = resume if resume is not None and resume.account_id == account_id else EraseCursor(account_id, ACTIVITY)
        stopped = cleaner.clean(start)
        if stopped is not None:
            return not _stopped_at(ctx, repo, contact_id, stopped)
        if not _done(ctx, repo, contact_id, account_id):
            return True
    counts.outbox_removed = mail.forget_mail_to(tombstone.addresses)
    trail = audit_trail.scrub_contact_from_entries
    counts.audit_scrubbed += trail(ctx.table, ctx.firm_id, contact_id, values, cleaner.scrubbed)
    # What the trail holds about or by a contact merged into the person: scrubbed as that contact (its alias,
    # its entries whole), so not skipped for having been scrubbed as the person's.
    for merged_id in tombstone.merged_ids:
        counts.audit_scrubbed += trail(ctx.table, ctx.firm_id, merged_id, values)
    repo.finish(ctx.firm_id, contact_id)
    return True


def _done(ctx: Ctx, repo: GdprRepo, contact_id: str, step: str) -> bool:
    """Record a finished step; False when another pass (the job, or the request sent again) has finished the
    whole erasure meanwhile."""
    try:
        repo.step_done(ctx.firm_id, contact_id, step)
    except StaleVersionError:
        return False
    return True


def _stopped_at(ctx: Ctx, repo: GdprRepo, contact_id: str, cursor: EraseCursor) -> bool:
    """Record where the pass stopped inside an account; False when the erasure was finished meanwhile. At an
    account's very start there is nothing to record: the next pass begins it anyway."""
    if cursor.phase == ACTIVITY and cursor.after is None:
        return True
    try:
        repo.stopped_at(ctx.firm_id, contact_id, cursor)
    except StaleVersionError:
        return False
    return True


@dataclass(slots=True)
class _Cleaner:
    """One pass's clean-up of the person's accounts, a page at a time."""

    ctx: Ctx
    repo: GdprRepo
    contact_id: str
    values: list[str]  # the person's names, numbers and addresses, for the audit scrub
    who: erasure.Person
    counts: Counts
    deadline: Deadline
    page_items: int = field(default_factory=lambda: settings().erase_page_items)
    pages: int = 0  # pages this pass has cleaned: the first is never cut short
    # Audit entries this pass rewrote: counted once whichever trail (an account's, the person's) holds them.
    scrubbed: set[str] = field(default_factory=set)

    def _out_of_time(self) -> bool:
        return self.pages > 0 and self.deadline.passed()

    def clean(self, start: EraseCursor) -> EraseCursor | None:
        """Clean one account from ``start`` on; None once it is clean, else where the next pass goes on."""
        account_id, after = start.account_id, start.after
        if start.phase == ACTIVITY:
            while True:
                if self._out_of_time():
                    return EraseCursor(account_id, ACTIVITY, after)
                records, following = self.repo.activity_page(self.ctx.firm_id, account_id, after, self.page_items)
                # Every record of the page is tried (a list, not a generator): one that kept changing leaves the
                # page to the next pass, which finds the others done.
                if not all([self._erase(record) for record in records]):
                    return EraseCursor(account_id, ACTIVITY, after)
                self.pages += 1
                if following is None:
                    break
                after = following
            after = None
        # Then the account's audit trail: the person's values in entries about others (mail received from them,
        # their logins).
        while True:
            if self._out_of_time():
                return EraseCursor(account_id, AUDIT, after)
            scrubbed, following = audit_trail.scrub_account_trail_page(
                self.ctx.table,
                self.ctx.firm_id,
                self.contact_id,
                self.values,
                account_id,
                after=after,
                limit=self.page_items,
                seen=self.scrubbed,
            )
            self.counts.audit_scrubbed += scrubbed
            self.pages += 1
            if following is None:
                return None
            after = following

    def _erase(self, record: Trace) -> bool:
        """Delete or rewrite the record if it names the person; one changed meanwhile is read again alone and
        decided again. False: it kept changing (left to the next pass)."""
        current: Trace | None = record
        for attempt in range(1, _ATTEMPTS + 1):
            if current is None:
                return True  # deleted meanwhile
            change = erasure.erased(current, self.who)
            if change is None:
                return True  # names them no more (or never did)
            try:
                if change.kept is None:
                    self.repo.delete_record(current)
                    self.counts.records_deleted += 1
                else:
                    self.repo.rewrite_record(current, change.kept)
                    self.counts.records_pseudonymised += 1
                return True
            except StaleVersionError:
                if attempt < _ATTEMPTS:
                    current = self.repo.record(current)  # that record alone, as it is now
        return False
