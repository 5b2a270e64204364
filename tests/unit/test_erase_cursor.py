"""Where an erasure stopped inside an account, as the tombstone stores it (repo/gdpr.py ``erase_cursor``):
read back as written; anything else reads as no cursor (the account is cleaned from its start again, which
every write of the clean-up allows)."""

from __future__ import annotations

import json

import pytest

from chalicelib.repo.gdpr import EraseCursor, cursor_of, cursor_text


@pytest.mark.parametrize(
    "cursor",
    [
        EraseCursor("01ACCOUNT", "activity", "ITEM#logins#01LOGIN"),
        EraseCursor("01ACCOUNT", "audit", "2026-12-08T04:00:00.000000Z#01ENTRY"),
        EraseCursor("01ACCOUNT", "audit"),
    ],
)
def test_a_cursor_reads_back_as_written(cursor: EraseCursor) -> None:
    assert cursor_of(cursor_text(cursor)) == cursor


@pytest.mark.parametrize(
    "stored",
    [
        None,
        42,
        "",
        "not json",
        "[]",
        json.dumps({"account_id": "", "phase": "activity", "after": None}),
        json.dumps({"account_id": "01A", "phase": "files", "after": None}),
        json.dumps({"account_id": "01A", "phase": "audit", "after": 7}),
        json.dumps({"account_id": "01A", "phase": "audit", "after": ""}),
        json.dumps({"phase": "audit"}),
    ],
)
def test_anything_else_is_no_cursor(stored: object) -> None:
    assert cursor_of(stored) is None
