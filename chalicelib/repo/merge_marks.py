"""What marks a contact as taking part in an unfinished merge, shared by the merge
(repo/merges.py) and the erasure (repo/gdpr.py), which must not erase either side
of one: the target's count of merges into it, and the source's merge record."""

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
