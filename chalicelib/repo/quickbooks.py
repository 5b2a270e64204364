"""QuickBooks: the firm's connection, and each account's last sync result,
both recorded by the firm's connector."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import NotFoundError
from chalicelib.repo import keys
from chalicelib.repo.table import ITEM_EXISTS, Put, Table, set_fields


class QuickBooksRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    def connection(self, firm_id: str) -> dict[str, Any] | None:
        return self.table.get(keys.quickbooks_connection(firm_id), consistent=True)

    def set_connection(self, firm_id: str, connected: bool, company_name: str, now: str) -> None:
        item = {
            **keys.quickbooks_connection(firm_id).as_dict(),
            "entity": keys.QUICKBOOKS_CONNECTION,
            "connected": connected,
            "company_name": company_name,
            "updated_at": now,
        }
        self.table.write([Put(item)])

    def record_result(self, firm_id: str, account_id: str, result: dict[str, Any]) -> None:
        """The connector's last result for the account; the account's version
        (which guards its details) does not change."""
        self.table.write(
            [
                set_fields(
                    keys.account(firm_id, account_id),
                    {"qb_result": result},
                    condition=ITEM_EXISTS,
                    bump_version=False,
                    on_fail=NotFoundError("Account not found."),
                )
            ]
        )
