"""What marks a contact as taking part in a merge, shared by the merge
(repo/merges.py) and the erasure (repo/gdpr.py): the target's count of
unfinished merges into it and the source's merge record (neither side of an
unfinished merge is erased), and the ids of the contacts merged into it (an
erasure of the target also forgets what the audit trail holds about them)."""

from __future__ import annotations

from typing import Final

from chalicelib.domain.errors import ConflictError
from chalicelib.repo.table import Condition

MERGE_IN_PROGRESS = ConflictError(
    "One of the two contacts is being merged with another contact; retry that merge first.", code="merge_in_progress"
)
# The target's count of merges into it that have started and not finished: the target
# cannot itself be merged away (or erased) meanwhile (its removal is conditioned on none).
INCOMING: Final = "incoming_merges"
NO_INCOMING = Condition("attribute_not_exists(#in) OR #in = :none", {"#in": INCOMING}, {":none": 0})
MERGED_FROM: Final = "merged_from"  # a string set of contact ids, added when a merge into the contact completes
