"""GDPR/AVG: everything held about a person (export), and erasing it.

Both are the owner's and admins'. The export reads: the contact and its
e-mail items (as ``GET /contacts/{id}``), its links (one BatchGet), its
invitations (one Query of GSI1), and per linked account one Query of the
account's activity, matched by ``domain/erasure.trace_kind``.

The erasure (``repo/gdpr.py`` for its steps) first makes the contact a
tombstone and removes its links in one transaction (412 on a stale
If-Match, 409 ``last_contact`` for an active account it is the last
contact of: nothing written). Then passes of its clean-up
(``services/gdpr_erase.py``) delete the firm's export and import files and
the import cell errors that quote the person (``services/gdpr_files.py``),
free the addresses, delete the invitations, rewrite or delete the activity
that names the person and scrub the audit trail, account by account and page
by page, then the local outbox's mail to them and the entries about or by
them, and finally drop the tombstone's working attributes. The request runs
one pass for ``ERASE_REQUEST_SECONDS``; a background job (``run_erase_chunk``)
runs the next ones. Every step after the first is idempotent and each pass
starts where the last stopped (progress is kept on the tombstone), so a rerun
of an interrupted erasure (the same request again) finishes it.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, Final

from chalicelib.adapters import mail
from chalicelib.adapters.config import settings
from chalicelib.domain import access, audit, erasure
from chalicelib.domain.entities import Contact
from chalicelib.domain.errors import ConflictError, ForbiddenError, NotFoundError, StaleVersionError
from chalicelib.domain.ids import now_iso
from chalicelib.domain.jobs import Deadline, Job, Step
from chalicelib.domain.models.gdpr import (
    ErasureOut,
    KeptMailOut,
    PersonDocumentOut,
    PersonExportOut,
    PersonInvitationOut,
    PersonLinkOut,
    PersonLoginOut,
    PersonMailOut,
    PersonMessageOut,
    PersonSignatureOut,
)
from chalicelib.domain.traces import Document, Login, Mail, Message, Trace
from chalicelib.repo.accounts import read_batch
from chalicelib.repo.firms import version_guard
from chalicelib.repo.gdpr import MAX_ERASE_LINKS, GdprRepo, Tombstone
from chalicelib.repo.jobs import JobRepo
from chalicelib.repo.merge_marks import MERGE_IN_PROGRESS
from chalicelib.repo.merges import MergeRepo
from chalicelib.repo.table import Table
from chalicelib.services import audit as audit_trail
from chalicelib.services import jobs
from chalicelib.services.clashes import retried_on_clash
from chalicelib.services.contacts import CONTACT_NOT_FOUND, get_contact
from chalicelib.services.context import Ctx
from chalicelib.services.gdpr_erase import Counts, run_pass

log = logging.getLogger("dossier.gdpr")


def _require_admin(ctx: Ctx) -> None:
    if not access.manages_members(ctx.member):
        raise ForbiddenError("Only the owner and admins export or erase a person's data.")


# --- the audit trail's part (services/audit.py) ----------------------------------------------------


def audit_entries(ctx: Ctx, contact_id: str) -> list[dict[str, Any]]:
    """The audit entries about the person or made by them (through the portal), newest first; with those of
    the contacts merged into them (their addresses, logins and links are the person's now)."""
    ids = [contact_id, *GdprRepo(ctx.table).merged_ids(ctx.firm_id, contact_id)]
    found = {e.id: e for cid in ids for e in audit_trail.entries_about_or_by_contact(ctx.table, ctx.firm_id, cid)}
    return [e.model_dump(mode="json") for e in sorted(found.values(), key=lambda e: (e.at, e.id), reverse=True)]


def _personal_values(contact: Contact | None, addresses: list[str]) -> list[str]:
    """What of the person may stand in entries about others: names, phone numbers, addresses (a resumed
    erasure knows only the addresses its tombstone kept)."""
    values = list(addresses)
    if contact is not None:
        values += [contact.first_name, contact.middle_name, contact.last_name, contact.display_name]
        values += [str(p.get("number", "")) for p in contact.phones]
    return [v for v in values if v and len(v) >= 2]  # matched as whole words (domain/erasure.scrubbed_text)


# --- export --------------------------------------------------------------------------------


def export(ctx: Ctx, contact_id: str) -> PersonExportOut:
    _require_admin(ctx)
    contact_out = get_contact(ctx, contact_id)  # 404 for another firm's id or an erased person
    repo = GdprRepo(ctx.table)
    found = repo.contact(ctx.firm_id, contact_id)
    if not isinstance(found, Contact):
        raise NotFoundError(CONTACT_NOT_FOUND)
    who = erasure.person(found.id, found.emails)
    links = repo.links(ctx.firm_id, found.id, sorted(found.account_ids))
    names = read_batch(ctx.table, ctx.firm_id, account_ids=[link.account_id for link in links]).accounts
    out = PersonExportOut(
        contact=contact_out,
        links=[
            PersonLinkOut(
                account_id=link.account_id,
                account_name=names[link.account_id].name if link.account_id in names else "",
                description=link.description,
                signer_priority=link.signer_priority,
                linked_at=link.created_at,
            )
            for link in links
        ],
        invitations=[
            PersonInvitationOut(
                address=i.address,
                state=i.state,  # type: ignore[arg-type]
                sent_at=i.created_at,
                valid_until=i.expires_at,
                accepted_at=i.accepted_at,
            )
            for i in repo.invitations(ctx.firm_id, found.id)
        ],
        logins=[],
        mails_received=[],
        mails_sent=[],
        outbox=[
            KeptMailOut(to=m.to, subject=m.subject, kind=m.kind, date=m.date) for m in mail.kept_mail_to(found.emails)
        ],
        chat_messages=[],
        documents=[],
        signatures=[],
        audit=audit_entries(ctx, found.id),
        exported_at=now_iso(),
    )
    for account_id in sorted(found.account_ids):
        for record in repo.activity(ctx.firm_id, account_id):
            _export_record(out, record, who)
    return out


def _export_record(out: PersonExportOut, record: Trace, who: erasure.Person) -> None:
    kind = erasure.trace_kind(record, who)
    if kind is None:
        return
    if isinstance(record, Mail):
        (out.mails_received if kind == erasure.MAIL_FROM else out.mails_sent).append(
            PersonMailOut(
                account_id=record.account_id,
                id=record.id,
                direction=record.direction,
                status=record.status,
                subject=record.subject,
                from_address=record.from_address,
                to_addresses=list(record.to_addresses),
                at=record.at,
                snippet=record.snippet,
                text=record.text,
            )
        )
    elif isinstance(record, Login):
        out.logins.append(PersonLoginOut(account_id=record.account_id, id=record.id, email=record.email, at=record.at))
    elif isinstance(record, Message):
        out.chat_messages.append(
            PersonMessageOut(
                account_id=record.account_id, chat_id=record.chat_id, id=record.id, body=record.body, at=record.at
            )
        )
    elif isinstance(record, Document):
        out.documents.append(
            PersonDocumentOut(
                account_id=record.account_id,
                id=record.id,
                name=record.name,
                uploaded_at=record.uploaded_at,
                content_type=record.content_type,
                size=record.size,
            )
        )
    else:
        out.signatures += [
            PersonSignatureOut(
                account_id=record.account_id,
                proposal_id=record.id,
                proposal_name=record.name,
                address=s.address,
                at=s.at,
            )
            for s in record.signed_by
            if erasure.made_by(s, who)
        ]


# --- erase ---------------------------------------------------------------------------------


def erase(ctx: Ctx, contact_id: str, if_match: int | None) -> ErasureOut:
    """Erase the person: the tombstone, then the clean-up steps for as long as the request may take
    (``settings().erase_request_seconds``); what is left runs as a background job (kind ``erasure``), and
    the answer says ``finished`` false. Sending the request again also goes on with it."""
    _require_admin(ctx)
    deadline = Deadline(settings().erase_request_seconds)
    repo = GdprRepo(ctx.table)
    counts = Counts()
    # The erasure's own writes are recorded in the audit trail by field name only: their old values are
    # the person's data.
    with audit.redacting():
        tombstone = _tombstone(ctx, repo, contact_id, if_match, counts)
        # Each later step is idempotent, so a failure among them (a crash, a timeout) is finished by sending the
        # request again, which resumes from the tombstone whatever the If-Match (nobody can read the version any
        # more).
        finished = run_pass(ctx, repo, contact_id, tombstone, counts, deadline)
    if not finished:
        _finish_later(ctx, repo, contact_id, tombstone)
    return ErasureOut(
        contact_id=contact_id,
        pseudonym=tombstone.pseudonym,
        erased_at=tombstone.erased_at,
        finished=finished,
        **asdict(counts),
    )


def _finish_later(ctx: Ctx, repo: GdprRepo, contact_id: str, tombstone: Tombstone) -> None:
    """Queue the job that finishes the erasure, unless one is already on it. A queue out of reach is left
    to the sweep (``sweep_unfinished``): the erasure stays in its index until it is finished."""
    if _job_on_it(ctx.table, ctx.firm_id, tombstone):
        return
    try:
        _queue_job(repo, ctx.firm_id, ctx.member.id, contact_id)
    except Exception:
        log.warning("erasure job not queued; the sweep will", extra={"contact_id": contact_id}, exc_info=True)


def _queue_job(repo: GdprRepo, firm_id: str, member_id: str, contact_id: str) -> None:
    """A new ``erasure`` job, acting as the member who erased, named on the tombstone."""
    job = jobs.create_for(repo.table, firm_id, member_id, "erasure", {"contact_id": contact_id})
    with suppress(StaleVersionError):  # finished meanwhile (the job will find nothing to do)
        repo.job_queued(firm_id, contact_id, job.id)


def _job_on_it(table: Table, firm_id: str, tombstone: Tombstone) -> bool:
    """Whether a job is still at work on the erasure (queued or running)."""
    if tombstone.job_id is None:
        return False
    job = JobRepo(table).get(firm_id, tombstone.job_id)
    return job is not None and not job.finished


# An erasure is swept once it has been unfinished this long with no job at work on it: longer than any
# request (the API function's timeout is 60 s), so a request still going is never raced.
SWEEP_AFTER_SECONDS: Final = 5 * 60


def sweep_unfinished(table: Table, now: datetime, *, limit: int = 50) -> int:
    """Queue a job for each erasure left unfinished with no job at work on it: its request stopped (a
    timeout, a crash) before queueing one, the queue was out of reach, or its job failed. The number of
    jobs queued; a queue still out of reach raises, and the next sweep tries again."""
    repo = GdprRepo(table)
    before = (now - timedelta(seconds=SWEEP_AFTER_SECONDS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    queued = 0
    for firm_id, contact_id in repo.unfinished(before, limit):
        found = repo.contact(firm_id, contact_id)
        if not isinstance(found, Tombstone) or found.finished or _job_on_it(table, firm_id, found):
            continue
        _queue_job(repo, firm_id, found.erased_by, contact_id)
        queued += 1
    return queued


def run_erase_chunk(ctx: Ctx, job: Job) -> Step:
    """One background pass of an erasure (kind ``erasure``): the steps left, within a chunk's budget. It
    acts for the firm: the erasure was the member's to ask for, and a person's data must go even if that
    member has left since."""
    contact_id = str(job.params["contact_id"])
    repo = GdprRepo(ctx.table)
    found = repo.contact(ctx.firm_id, contact_id)
    if not isinstance(found, Tombstone) or found.finished:
        return Step(cursor=None)  # finished by a request meanwhile
    counts = Counts()
    with audit.redacting():
        finished = run_pass(ctx, repo, contact_id, found, counts, Deadline.chunk())
    tally = {k: v for k, v in asdict(counts).items() if v}
    return Step(cursor=None if finished else f"pass-{job.chunk + 1}", counts=tally)


@retried_on_clash  # without If-Match, a contact edited meanwhile is read again, not answered 412
def _tombstone(ctx: Ctx, repo: GdprRepo, contact_id: str, if_match: int | None, counts: Counts) -> Tombstone:
    """The contact's tombstone: made now (the first step), or found, when an erasure began before."""
    found = repo.contact(ctx.firm_id, contact_id)
    if found is None or (isinstance(found, Tombstone) and found.finished):
        raise NotFoundError(CONTACT_NOT_FOUND)
    return _begin(ctx, repo, found, if_match, counts) if isinstance(found, Contact) else found


def _begin(ctx: Ctx, repo: GdprRepo, contact: Contact, if_match: int | None, counts: Counts) -> Tombstone:
    version_guard(if_match, contact.version)
    merges = MergeRepo(ctx.table)
    if merges.contact(ctx.firm_id, contact.id)[1] or merges.record(ctx.firm_id, contact.id) is not None:
        raise MERGE_IN_PROGRESS  # finish that merge first (retry it), then erase the contact it leaves
    links = repo.links(ctx.firm_id, contact.id, sorted(contact.account_ids))
    if len(links) > MAX_ERASE_LINKS:
        raise ConflictError(
            f"The contact is linked to more than {MAX_ERASE_LINKS} accounts; unlink some first.",
            code="too_many_links",
        )
    merged_ids = repo.merged_ids(ctx.firm_id, contact.id)
    tombstone = repo.begin(
        contact,
        links,
        erased_at=now_iso(),
        erased_by=ctx.member.id,
        pseudonym=erasure.pseudonym(contact.id),
        merged_ids=merged_ids,
        values=_personal_values(contact, list(contact.emails)),
    )
    counts.links_removed = len(links)
    return tombstone
