"""The one definition of Dossier's single-table key schema.

Every key starts with the firm (``FIRM#<firm_id>``), so a key built for one
firm can never address another firm's item. Attributes are generic (``PK``,
``SK``, ``GSI1PK``, ``GSI1SK``) and every item stores its entity type in
``entity``; those values are never renamed. ``docs/data-model.md`` lists the
access patterns these keys serve.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

MAX_KEY_TEXT_BYTES: Final = 500  # of user text inside a sort key (DynamoDB allows 1,024 bytes in all)

# Indexes, named in code by the access pattern they serve (the physical names stay):
INDEX_LISTS_BY_NAME: Final = "GSI1"  # the clients lists (firm, team member, tag) and the contacts list, by name
INDEX_PIPELINE_JOBS: Final = INDEX_LISTS_BY_NAME  # overloaded: GSI1 also holds each pipeline's current jobs
INDEX_MEMBER_MENTIONS: Final = "GSI2"  # keys only: which overview candidates show a member's name
INDEX_AUDIT_BY_ACTOR: Final = INDEX_LISTS_BY_NAME  # overloaded: GSI1 also holds each actor's audit entries
INDEX_SEARCH: Final = "GSI3"  # search tokens of every active account (chalicelib/domain/search_terms.py)
# Global indexes with a partition key only (no GSI<n>SK): their pages end on the table's keys and the partition.
HASH_ONLY_INDEXES: Final = frozenset({INDEX_MEMBER_MENTIONS})
# Local secondary indexes of account partitions (consistent reads, same partition):
INDEX_BY_TIME: Final = "LSI1"  # a section's items, by their time then id ("show all")
INDEX_CURRENT: Final = "LSI2"  # sparse: only items that qualify for the overview
INDEX_BY_STATUS: Final = "LSI3"  # a section's items of one status, by time

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
ITEM: Final = "item"  # an activity-section item (a document, a task, ...)
CHAT_MESSAGE: Final = "chat_message"
CREDIT: Final = "credit"  # a line of an account's credit ledger
OVERVIEW: Final = "overview"  # the stream-kept latest five of one section
PIPELINE: Final = "pipeline"
SEARCH: Final = "search"  # one search token of an account, in GSI3
INVITATION: Final = "invitation"  # a portal invitation, found by its token's hash
NOTIFIED: Final = "notified"  # one notification mail sent: a retried event sends it once
MESSAGE_REF: Final = "message_ref"  # a Message-ID we sent mail with → its e-mail item and thread
CUSTOM_FIELD: Final = "custom_field"  # a firm's custom field definition
CUSTOM_FIELD_LABEL: Final = "custom_field_label"  # uniqueness guard: labels unique per target
CUSTOM_FIELD_CHANGE: Final = "custom_field_change"  # one line of an account's custom field history
QUICKBOOKS_CONNECTION: Final = "quickbooks_connection"
IDENTITY: Final = "identity"  # which member an identity provider's user is (keyed by the identity, not a firm)
JOB: Final = "job"  # a background job (domain/jobs.py): an import, an export, a fan-out
FIRST_SIGN_IN: Final = "first_sign_in"  # an OIDC member's address, until its first sign-in binds it
CONTACT_MERGE: Final = "contact_merge"  # a contact merged (or being merged) into another: answers a retry
IMPORT_ROW: Final = "import_row"  # one CSV row's outcome in one run of an import (issue 19)
IMPORT_ERROR: Final = "import_error"  # one bad cell of such a row, listed by GET /imports/{id}/errors
AUDIT: Final = "audit"  # one audit entry (or its copy in an account's or a contact's trail)
USAGE: Final = "usage"  # a firm's metered requests of one month, route group and status class (issue 20)
METERED: Final = "metered"  # one access-log batch counted by the meter: a redelivered batch counts once

TTL_ATTRIBUTE: Final = "expires_at"  # the table's TTL attribute: epoch seconds, deleted some time after

# Sort keys inside an account partition, in their sort order:
#   CFHIST#.. CHATMSG#.. CREDIT#.. ITEM#.. LIST#.. OVERVIEW#<section> PROFILE PROFILE#CONTACT#.. SEARCH#..
# The Info tab reads the ``PROFILE`` range (details + contact links) with one
# Query; the Overview tab reads ``OVERVIEW#`` .. ``PROFILE`` (the thirteen
# overview items and the details for the header) with one Query; the search
# indexer reads ``PROFILE`` .. ``SEARCH#`` (details, links and the account's
# search tokens) with one Query.
ACCOUNT_SK: Final = "PROFILE"
LINK_PREFIX: Final = "PROFILE#CONTACT#"
LIST_ENTRY_PREFIX: Final = "LIST#"
OVERVIEW_PREFIX: Final = "OVERVIEW#"
ITEM_PREFIX: Final = "ITEM#"
SEARCH_PREFIX: Final = "SEARCH#"
SEARCH_END: Final = "SEARCH$"  # '$' follows '#': the upper bound of the search tokens' range
# An account's activity (chat messages, credit lines, section items): ``SK BETWEEN`` these two.
ACTIVITY_START: Final = "CHATMSG#"
ACTIVITY_END: Final = "ITEM$"


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
    """Uniqueness guard: tag names are unique per firm, case-insensitively.
    A folded name too long for a sort key (folding can lengthen text) is
    guarded by its SHA-256 instead."""
    if len(name_norm.encode()) > MAX_KEY_TEXT_BYTES:
        name_norm = "sha256:" + hashlib.sha256(name_norm.encode()).hexdigest()
    return Key(firm_pk(firm_id), f"TAGNAME#{name_norm}")


def quickbooks_connection(firm_id: str) -> Key:
    """Whether the firm connected QuickBooks (recorded by its connector)."""
    return Key(firm_pk(firm_id), "QUICKBOOKS")


JOB_PREFIX: Final = "JOB#"


# GSI1 partition of the jobs whose first queue message could not be sent (repo/jobs.py ``mark_unsent``):
# the one key across firms, read by the scheduled sweeper (an operator's index, not a firm's data; each
# entry's GSI1SK names its firm). Sparse: an entry exists only until its message is sent.
UNSENT_JOBS: Final = "JOBS#UNSENT"


def unsent_job_sort(created_at: str, firm_id: str, job_id: str) -> str:
    return f"{created_at}#{firm_id}#{job_id}"


# GSI1 partition of the erasures not finished yet (repo/gdpr.py): a sweep queues a job for one whose request
# stopped, or whose job failed, so that none is left half-done. Across firms like ``UNSENT_JOBS``; sparse.
UNFINISHED_ERASURES: Final = "ERASURES#UNFINISHED"


def unfinished_erasure_sort(erased_at: str, firm_id: str, contact_id: str) -> str:
    return f"{erased_at}#{firm_id}#{contact_id}"


def job(firm_id: str, job_id: str) -> Key:
    """A background job of the firm (repo/jobs.py)."""
    return Key(firm_pk(firm_id), f"{JOB_PREFIX}{job_id}")


CUSTOM_FIELD_PREFIX: Final = "CUSTOMFIELD#"


def custom_field(firm_id: str, field_id: str) -> Key:
    return Key(firm_pk(firm_id), f"{CUSTOM_FIELD_PREFIX}{field_id}")


def custom_field_label(firm_id: str, target: str, label_norm: str) -> Key:
    """Uniqueness guard: a firm's field labels are unique per target, case-insensitively."""
    if len(label_norm.encode()) > MAX_KEY_TEXT_BYTES:
        label_norm = "sha256:" + hashlib.sha256(label_norm.encode()).hexdigest()
    return Key(firm_pk(firm_id), f"CFLABEL#{target}#{label_norm}")


def custom_field_count(firm_id: str, target: str) -> Key:
    """How many active fields a target has: kept in the same transaction as
    each create and removal, so concurrent creates cannot pass the cap."""
    return Key(firm_pk(firm_id), f"CFCOUNT#{target}")


CUSTOM_FIELD_CHANGE_PREFIX: Final = "CFHIST#"


def custom_field_change(firm_id: str, account_id: str, change_id: str) -> Key:
    """A line of the account's custom field history, in its partition: written
    in the same transaction as the change, read newest first with one Query."""
    return Key(account_pk(firm_id, account_id), f"{CUSTOM_FIELD_CHANGE_PREFIX}{change_id}")


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


def item(firm_id: str, account_id: str, section: str, item_id: str) -> Key:
    return Key(account_pk(firm_id, account_id), f"{ITEM_PREFIX}{section}#{item_id}")


def item_place(pk: str, sk: str) -> tuple[str, str]:
    """(account id, section) of an item from its keys."""
    return account_of(pk), sk.removeprefix(ITEM_PREFIX).split("#", 1)[0]


def item_time_key(section: str, time: str, item_id: str) -> str:
    """LSI sort key: a section's items ordered by their time, the id breaking ties."""
    return f"{section}#{time}#{item_id}"


def item_status_key(section: str, status: str, time: str, item_id: str) -> str:
    return f"{section}#{status}#{time}#{item_id}"


def chat_message(firm_id: str, account_id: str, chat_id: str, message_id: str) -> Key:
    return Key(account_pk(firm_id, account_id), f"CHATMSG#{chat_id}#{message_id}")


def chat_messages_prefix(chat_id: str) -> str:
    return f"CHATMSG#{chat_id}#"


def credit(firm_id: str, account_id: str, entry_id: str) -> Key:
    return Key(account_pk(firm_id, account_id), f"CREDIT#{entry_id}")


CREDIT_PREFIX: Final = "CREDIT#"


def overview(firm_id: str, account_id: str, section: str) -> Key:
    return Key(account_pk(firm_id, account_id), f"{OVERVIEW_PREFIX}{section}")


PIPELINE_PREFIX: Final = "PIPELINE#"


def pipeline(firm_id: str, pipeline_id: str) -> Key:
    return Key(firm_pk(firm_id), f"{PIPELINE_PREFIX}{pipeline_id}")


def pipeline_jobs(firm_id: str, pipeline_id: str) -> str:
    """GSI1 partition of a pipeline's current jobs (across accounts), so a
    renamed pipeline can refresh the overviews that show it."""
    return f"FIRM#{firm_id}#PIPELINE#{pipeline_id}#JOBS"


def member_shown(firm_id: str, member_id: str) -> str:
    """GSI2 partition of the items whose overview summary names a member (a
    task's assignee, a note's author, a time entry's member), so renaming the
    member can refresh those overviews."""
    return f"FIRM#{firm_id}#MEMBER#{member_id}"  # short: every byte is copied into each index entry


def search_token(firm_id: str, account_id: str, token: str) -> Key:
    """One search token of an account, kept in the account's partition so
    the indexer finds an account's tokens with one consistent Query."""
    return Key(account_pk(firm_id, account_id), f"{SEARCH_PREFIX}{token}")


def search_partition(firm_id: str, token: str) -> str:
    """GSI3 partition holding ``token``'s range: tokens by their first three
    characters (a 1- or 2-character token is its own partition). Spreads a
    firm's searches over many keys."""
    return f"FIRM#{firm_id}#SEARCH#{token[:3]}"


def search_sort_key(token: str, tier: int, sort_name: str) -> str:
    """A token's entries sort first by the token (' ' precedes every character
    of a token, so the accounts found by exactly this token come first), then
    by tier (how they match), then alphabetically: a range read in order is
    ranked."""
    return f"{token} {tier}{sort_name[:100]}"


def search_token_entries(token: str) -> str:
    """The start of the sort keys of exactly ``token``'s entries (``search_sort_key``)."""
    return f"{token} "


def account_of(pk: str) -> str:
    return pk.rsplit("#ACCOUNT#", 1)[1]


def contact_pk(firm_id: str, contact_id: str) -> str:
    return f"FIRM#{firm_id}#CONTACT#{contact_id}"


def contact(firm_id: str, contact_id: str) -> Key:
    return Key(contact_pk(firm_id, contact_id), "CONTACT")


def contact_merge(firm_id: str, contact_id: str) -> Key:
    """The record that a contact was merged into another (``merged_into``),
    in the merged contact's partition; it outlives the contact, so a retried
    merge is answered with its target."""
    return Key(contact_pk(firm_id, contact_id), "MERGED")


def email(firm_id: str, address_norm: str) -> Key:
    """An e-mail address: which contact owns it, and its per-address settings."""
    return Key(f"FIRM#{firm_id}#EMAIL#{address_norm}", "EMAIL")


def invitation(firm_id: str, token_hash: str) -> Key:
    """A portal invitation. Only the SHA-256 of its token is stored; the token
    names the firm, so accepting is one GetItem in the firm's keys."""
    return Key(f"FIRM#{firm_id}#INVITE#{token_hash}", "INVITE")


def notified(firm_id: str, event_id: str, address_norm: str) -> Key:
    """Marks that the notification of ``event_id`` went to an address."""
    return Key(f"FIRM#{firm_id}#NOTIFIED#{event_id}", address_norm)


def message_ref(firm_id: str, ref: str) -> Key:
    """A sent message's Message-ID (in ``domain/email_threads.ref_key`` form) → its
    item: one GetItem from an answer's In-Reply-To or an SES event. Hashed, so an
    id of any length fits a key."""
    return Key(f"FIRM#{firm_id}#MSGID#{hashlib.sha256(ref.encode()).hexdigest()}", "MSGID")


# --- the audit trail: its own partitions, apart from the firm's and the accounts' item collections ---


def audit_pk(firm_id: str) -> str:
    """The firm's entries, newest first by ``audit_sort_key`` (one partition: see docs/data-model.md)."""
    return f"FIRM#{firm_id}#AUDIT"


def audit_account_pk(firm_id: str, account_id: str) -> str:
    """A copy of each entry about an account (its trail), apart from the account's own partition."""
    return f"FIRM#{firm_id}#AUDIT#ACCOUNT#{account_id}"


def audit_contact_pk(firm_id: str, contact_id: str) -> str:
    """A copy of each entry about a contact (its person, links and addresses): for GDPR."""
    return f"FIRM#{firm_id}#AUDIT#CONTACT#{contact_id}"


def audit_actor(firm_id: str, actor_id: str) -> str:
    """GSI1 partition of one actor's entries (sparse: only the firm-wide copy carries it)."""
    return f"FIRM#{firm_id}#AUDIT#ACTOR#{actor_id}"


def audit_sort_key(at: str, entry_id: str) -> str:
    return f"{at}#{entry_id}"


# --- the two keys that do not start with a firm ---------------------------------------
# A bearer token names an identity, not a firm: these are how a request finds its firm. They hold ids only,
# grant nothing by themselves (the member item, under its firm, is read on every request too), and only
# chalicelib/repo/identities.py reads or writes them.


def identity_pk(issuer: str, subject: str) -> str:
    """An identity provider's user (issuer and subject, hashed: a subject may hold any character)."""
    return "IDENTITY#" + hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()


def identity(issuer: str, subject: str, firm_id: str) -> Key:
    """The identity's membership of one firm (a person may belong to several)."""
    return Key(identity_pk(issuer, subject), f"FIRM#{firm_id}")


def first_sign_in_pk(address_norm: str) -> str:
    return "SIGNIN#" + hashlib.sha256(address_norm.encode()).hexdigest()


def first_sign_in(address_norm: str, firm_id: str) -> Key:
    """An invited OIDC member's address (``email_key``) in one firm, until their first sign-in."""
    return Key(first_sign_in_pk(address_norm), f"FIRM#{firm_id}")


def import_run_pk(firm_id: str, job_id: str, run: int) -> str:
    """One run (a dry run, then the real one) of an import: its row outcomes and their errors."""
    return f"FIRM#{firm_id}#IMPORT#{job_id}#{run}"


IMPORT_ROW_PREFIX: Final = "ROW#"
IMPORT_ERROR_PREFIX: Final = "ERR#"


def import_row(firm_id: str, job_id: str, run: int, row: int) -> Key:
    return Key(import_run_pk(firm_id, job_id, run), f"{IMPORT_ROW_PREFIX}{row:06d}")


def import_error(firm_id: str, job_id: str, run: int, row: int, index: int) -> Key:
    return Key(import_run_pk(firm_id, job_id, run), f"{IMPORT_ERROR_PREFIX}{row:06d}#{index:02d}")


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


def contact_invitations(firm_id: str, contact_id: str) -> str:
    """GSI1 partition of a contact's portal invitations, by time (GDPR export and erase)."""
    return f"FIRM#{firm_id}#CONTACT#{contact_id}#INVITES"


def name_sort_key(sort_name: str, item_id: str) -> str:
    """Alphabetical order by normalised name; the id breaks ties stably. The
    " #" separator sorts below any letter after the name's last word, so a
    name comes before the longer names it begins ("ann #…" < "ann family #…");
    with "#" alone, " " (0x20) < "#" (0x23) put them the other way round. The
    name is cut to 200 characters: a sort key holds at most 1 KB, and
    folding can lengthen a name ("ﷺ" becomes 18 letters)."""
    return f"{sort_name[:200]} #{item_id}"


# --- metering (issue 20): a firm's usage counters, and the batches already counted ------------

USAGE_PREFIX: Final = "USAGE#"


def usage(firm_id: str, month: str, route_group: str, status_class: str) -> Key:
    """A firm's counters of one month ("YYYY-MM"), route group and status class."""
    return Key(firm_pk(firm_id), f"{USAGE_PREFIX}{month}#{route_group}#{status_class}")


def usage_month_prefix(month: str) -> str:
    return f"{USAGE_PREFIX}{month}#"


METERED_PREFIX: Final = "METERED#"


def metered_batch(batch_id: str) -> Key:
    """An access-log batch (its part) the meter counted; not a firm's: a batch holds many firms' lines."""
    return Key(f"{METERED_PREFIX}{batch_id}", "METERED")
