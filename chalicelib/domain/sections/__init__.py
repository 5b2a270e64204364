"""The thirteen activity sections behind the Overview tab, each defined once.

A :class:`Section` names a section's input and output models, the field that
orders it (newest first), its statuses, which items qualify for the overview
and what an overview summary holds. The routes, the storage, the lists and
the stream projection are generic over these definitions; each section still
validates its own fields (its models) and cross-field rules (``rules``).

The package: ``fields`` (shared field types), ``models`` (each section's
input and output models; ``document_models`` the documents'), ``rules`` (derivations and cross-field rules),
``output`` (fields computed on read) and ``registry`` (the definitions).
"""

from chalicelib.domain.sections.output import READ_TIME_FIELDS, Names, add_read_time_fields
from chalicelib.domain.sections.registry import (
    MEMBER_FIELDS,
    MEMBER_INPUT_FIELDS,
    OVERVIEW_SIZE,
    SECTIONS,
    Section,
)
from chalicelib.domain.sections.rules import Change
from chalicelib.domain.sections.values import Item, excerpt, money_out

__all__ = [
    "MEMBER_FIELDS",
    "MEMBER_INPUT_FIELDS",
    "OVERVIEW_SIZE",
    "READ_TIME_FIELDS",
    "SECTIONS",
    "Change",
    "Item",
    "Names",
    "Section",
    "add_read_time_fields",
    "excerpt",
    "money_out",
]
