"""Plain helpers of the sections' items (no models): the item type, excerpts and money as text."""

from __future__ import annotations

from typing import Any, Final

from chalicelib.domain.currencies import money_text

Item = dict[str, Any]

EXCERPT_CHARS: Final = 100


def excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1].rstrip() + "…"


def money_out(value: Any, currency: str) -> str:
    return money_text(value, currency)
