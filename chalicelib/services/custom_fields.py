"""Custom field values on accounts and contacts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.errors import FieldError, UnprocessableError


def check_values(values: Mapping[str, Any], loc: tuple[str | int, ...]) -> None:
    """Every field id must name a definition of the firm. No definitions exist
    yet (they come with the custom-fields endpoints), so any id is unknown."""
    if values:
        raise UnprocessableError(
            "Unknown custom field.", [FieldError((*loc, field_id), "unknown custom field") for field_id in values]
        )


def being_set(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values a PATCH sets; a null clears its field and needs no definition."""
    return {k: v for k, v in values.items() if v is not None}
