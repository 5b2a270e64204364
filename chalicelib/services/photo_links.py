"""Links to account photos: a module of its own, so the Overview's read (services/overview_read.py) does
not load the views of every other screen (cold start, docs/performance.md)."""

from __future__ import annotations

from chalicelib.adapters.photo_store import PhotoStore


def photo_url(key: str | None) -> str | None:
    """A time-limited link to the photo (signed locally, no request)."""
    return PhotoStore.from_settings().url(key) if key else None
