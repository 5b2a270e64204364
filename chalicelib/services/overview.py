"""The Overview tab: recomputing one section of it (what the stream projection
does for every change); reading it is ``overview_read``.

An overview item holds one section's latest five qualifying summaries, stored
lean: the field names once (``f``) and the rows as compact JSON (``s``), so a
full overview of 65 summaries stays within a few kilobytes of read units.

Recomputing reads the section's current candidates with a consistent Query
rather than patching the stored five, so duplicates, replays and out-of-order
delivery cannot leave a wrong overview; and the write is conditioned on the
revision it was computed against, so of two concurrent recomputes the one
that read older data cannot overwrite the newer result; and after a write it
reads the source again, since a recompute that found nothing to change does
not bump the revision.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from chalicelib.domain.errors import ConflictError
from chalicelib.domain.sections import (
    OVERVIEW_SIZE,
    READ_TIME_FIELDS,
    SECTIONS,
    Item,
    Names,
    Section,
)
from chalicelib.repo.activity import ActivityRepo
from chalicelib.repo.overview import StoredOverview, candidates_signature, overview_place
from chalicelib.services.activity import item_view, names_for

RECOMPUTE_ATTEMPTS: Final = 6


# Per section, the summary fields an overview item stores (in this order).
STORED_FIELDS: Final = {key: [f for f in s.summary_fields if f not in READ_TIME_FIELDS] for key, s in SECTIONS.items()}


def _row(section: Section, item: Mapping[str, Any], names: Names) -> list[Any]:
    view = item_view(section, item, names)
    return [view.get(f) for f in STORED_FIELDS[section.key]]


# --- the recompute ----------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode(section: Section, candidates: list[Item], names_source: ActivityRepo, firm_id: str) -> tuple[str, str]:
    shown = candidates[:OVERVIEW_SIZE]
    names = names_for(names_source, firm_id, shown, (section.shows_member,) if section.shows_member else ())
    rows = [_row(section, candidate, names) for candidate in shown]
    fields = ",".join(STORED_FIELDS[section.key])
    return fields, json.dumps(rows, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def shown(section: Section, image: Mapping[str, Any] | None) -> tuple[Any, ...] | None:
    """What an item image contributes to its section's overview: its place
    (among the candidates) and its summary, or None when it does not count."""
    place = overview_place(image)
    if image is None or place is None:
        return None
    return place, _row(section, image, Names())


def recompute(repo: ActivityRepo, firm_id: str, account_id: str, section_key: str) -> bool:
    """Bring one overview item up to date; True when it was written.

    After writing, it checks once more against the source: a concurrent
    recompute that found the old overview already right wrote nothing (so did
    not bump the revision) while this one may have computed from older data.
    """
    section = SECTIONS[section_key]
    wrote = False
    for _ in range(RECOMPUTE_ATTEMPTS):
        current = repo.overview_item(firm_id, account_id, section_key)
        candidates = repo.candidates(firm_id, account_id, section_key, OVERVIEW_SIZE + 1)
        if current is None and not candidates:
            return wrote
        fields, rows = encode(section, candidates, repo, firm_id)
        has_more = len(candidates) > OVERVIEW_SIZE
        computed = StoredOverview(fields, rows, has_more)
        if current is not None and (current.fields, current.rows, current.has_more) == (fields, rows, has_more):
            return wrote  # up to date (for a duplicate or replayed record: nothing written)
        if not repo.put_overview(firm_id, account_id, section_key, computed, current.rev if current else None):
            continue  # another recompute wrote first: start again from what it left
        wrote = True
        again = repo.candidates(firm_id, account_id, section_key, OVERVIEW_SIZE + 1)
        if candidates_signature(again) == candidates_signature(candidates):
            return True
    raise ConflictError(f"The {section_key} overview of account {account_id} kept changing; retry.", code="busy")


def rebuild(repo: ActivityRepo, firm_id: str, account_ids: Iterable[str]) -> int:
    """Recompute every section of the given accounts (after records were given
    up on and sent to the on-failure queue, or after a change of summaries);
    the number of overview items written."""
    return sum(recompute(repo, firm_id, a, key) for a in account_ids for key in SECTIONS)
