"""An account's QuickBooks block as a plain function: each status in the
order it is decided, and what each sync mode makes eligible."""

from __future__ import annotations

from typing import get_args

import pytest

from chalicelib.domain.models.base import SyncMode
from chalicelib.domain.quickbooks_status import Block, SyncResult, block

T1 = "2026-03-01T10:00:00.000000Z"
T2 = "2026-03-01T10:00:00.000001Z"  # a microsecond later
T3 = "2026-03-02T09:00:00.000000Z"

SYNCED = SyncResult("synced", at=T3, synced_at=T3, reason=None)
FAILED = SyncResult("error", at=T3, synced_at=None, reason="Customer is inactive in QuickBooks.")


def _block(
    *,
    connected: bool = True,
    sync_mode: str = "auto",
    billing_count: int = 1,
    billing_updated_at: str | None = T1,
    result: SyncResult | None = SYNCED,
) -> Block:
    return block(
        connected=connected,
        sync_mode=sync_mode,
        billing_count=billing_count,
        billing_updated_at=billing_updated_at,
        result=result,
    )


# --- the order: not connected, not eligible, pending, error, synced ------------------------------


def test_not_connected_comes_first_and_keeps_the_last_sync_time() -> None:
    # GIVEN an account that would otherwise be synced, or failing, or off
    for mode, result in (("always", SYNCED), ("never", FAILED), ("auto", None)):
        # WHEN the firm has not connected QuickBooks
        got = _block(connected=False, sync_mode=mode, result=result)
        # THEN it is not_connected, whatever else is known
        assert got == Block(
            "not_connected", result.synced_at if result else None, "The firm has not connected QuickBooks."
        )


def test_never_is_not_eligible_even_with_invoices() -> None:
    assert _block(sync_mode="never", billing_count=5) == Block(
        "not_eligible", T3, "Sync is turned off for this account."
    )


@pytest.mark.parametrize("billing_count", [0, -1])
def test_auto_without_invoices_or_payments_is_not_eligible(billing_count: int) -> None:
    assert _block(billing_count=billing_count, billing_updated_at=None, result=None) == Block(
        "not_eligible", None, "The account has no invoices or payments yet."
    )


def test_not_eligible_keeps_the_last_sync_time() -> None:
    # GIVEN an account synced once, whose invoices are all deleted since (auto)
    got = _block(billing_count=0, billing_updated_at=T3, result=SyncResult("synced", T2, T2, None))
    # THEN it is not eligible, and still says when it was last synced
    assert got == Block("not_eligible", T2, "The account has no invoices or payments yet.")


@pytest.mark.parametrize(("mode", "billing_count"), [("auto", 1), ("always", 0), ("always", 3)])
def test_an_eligible_account_never_synced_is_pending(mode: str, billing_count: int) -> None:
    updated = T1 if billing_count else None
    got = _block(sync_mode=mode, billing_count=billing_count, billing_updated_at=updated, result=None)
    assert got == Block("pending", None, "Waiting for the first sync.")


def test_a_change_after_the_sync_is_pending() -> None:
    # GIVEN a sync that covered T2 / WHEN an invoice changed at T3
    got = _block(billing_updated_at=T3, result=SyncResult("synced", at=T3, synced_at=T2, reason=None))
    # THEN the account waits for the next sync, and says when the last one was
    assert got == Block("pending", T2, "Invoices or payments changed since the last sync.")


def test_a_change_at_the_very_moment_the_sync_covered_is_pending() -> None:
    # GIVEN a change recorded at the same microsecond as what the sync covered
    got = _block(billing_updated_at=T2, result=SyncResult("synced", at=T3, synced_at=T2, reason=None))
    # THEN it may not have been seen: pending
    assert got.status == "pending"


def test_a_change_a_microsecond_before_the_sync_is_synced() -> None:
    got = _block(billing_updated_at=T1, result=SyncResult("synced", at=T3, synced_at=T2, reason=None))
    assert got == Block("synced", T2, None)


def test_a_sync_covers_what_existed_when_it_ran_not_when_it_was_recorded() -> None:
    # GIVEN a sync that ran at T1 and was recorded at T3, and an invoice changed at T2 in between
    result = SyncResult("synced", at=T3, synced_at=T1, reason=None)
    # THEN the change is not covered: pending
    assert _block(billing_updated_at=T2, result=result).status == "pending"


def test_covers_is_preferred_to_synced_at() -> None:
    # GIVEN a sync reported to the second (synced_at) that covered the state at a precise moment (covers)
    result = SyncResult("synced", at=T3, synced_at="2026-03-01T10:00:00Z", reason=None, covers=T2)
    # THEN a change at T1 is covered (synced) and a change at T2 is not (pending)
    assert _block(billing_updated_at=T1, result=result) == Block("synced", "2026-03-01T10:00:00Z", None)
    assert _block(billing_updated_at=T2, result=result).status == "pending"


def test_a_sync_without_synced_at_covers_up_to_when_it_was_recorded() -> None:
    result = SyncResult("synced", at=T2, synced_at=None, reason=None)
    assert _block(billing_updated_at=T1, result=result) == Block("synced", None, None)
    assert _block(billing_updated_at=T2, result=result).status == "pending"


def test_offsets_are_compared_as_moments() -> None:
    # GIVEN a sync at 11:00+01:00, the same moment as 10:00Z
    result = SyncResult("synced", at=T3, synced_at="2026-03-01T11:00:00.000001+01:00", reason=None)
    # THEN a change at 10:00:00.000000Z precedes it and one at 10:00:00.000001Z does not
    assert _block(billing_updated_at=T1, result=result).status == "synced"
    assert _block(billing_updated_at=T2, result=result).status == "pending"


def test_a_failed_sync_is_an_error_with_its_reason() -> None:
    # GIVEN a failure recorded at T3, after the last change
    got = _block(billing_updated_at=T1, result=FAILED)
    # THEN the block says why, and has no sync time
    assert got == Block("error", None, "Customer is inactive in QuickBooks.")


def test_a_failure_keeps_the_time_of_an_earlier_success() -> None:
    failed = SyncResult("error", at=T3, synced_at=T2, reason="Rate limited.")
    assert _block(billing_updated_at=T1, result=failed) == Block("error", T2, "Rate limited.")


def test_a_failure_without_a_reason_says_the_last_sync_failed() -> None:
    failed = SyncResult("error", at=T3, synced_at=None, reason=None)
    assert _block(billing_updated_at=T1, result=failed) == Block("error", None, "The last sync failed.")


def test_a_change_after_a_failure_is_pending_again() -> None:
    # GIVEN a failure recorded at T2 / WHEN an invoice changed at T3
    failed = SyncResult("error", at=T2, synced_at=None, reason="Rate limited.")
    # THEN the next sync is awaited rather than the failure shown
    assert _block(billing_updated_at=T3, result=failed) == Block(
        "pending", None, "Invoices or payments changed since the last sync."
    )


def test_a_failure_is_dated_by_when_it_was_recorded_not_by_covers() -> None:
    # GIVEN a failure recorded at T2 that names an older state
    failed = SyncResult("error", at=T2, synced_at=None, reason="x", covers=T1)
    # THEN a change at T1 (before the failure) still shows the error
    assert _block(billing_updated_at=T1, result=failed).status == "error"


# --- sync modes ---------------------------------------------------------------------------------


def test_the_sync_modes_are_auto_always_and_never() -> None:
    assert get_args(SyncMode) == ("auto", "always", "never")


@pytest.mark.parametrize(
    ("mode", "billing_count", "status"),
    [
        ("auto", 0, "not_eligible"),
        ("auto", 1, "synced"),
        ("always", 0, "synced"),
        ("always", 1, "synced"),
        ("never", 0, "not_eligible"),
        ("never", 1, "not_eligible"),
    ],
)
def test_which_accounts_each_mode_syncs(mode: str, billing_count: int, status: str) -> None:
    # GIVEN a connected firm and a successful sync after the last change
    updated = T1 if billing_count else None
    # THEN the mode alone decides eligibility
    assert _block(sync_mode=mode, billing_count=billing_count, billing_updated_at=updated).status == status
