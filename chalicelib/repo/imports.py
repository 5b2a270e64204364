"""The row outcomes of an import's runs (issue 19): one item per row (``ROW#<n>``) and one per bad cell
(``ERR#<n>#<k>``) in the run's partition (``FIRM#f#IMPORT#<job>#<run>``), expiring after 30 days.

A chunk reads its rows' outcomes with one Query (a rerun skips rows already done); the errors list is a
Query of the ``ERR#`` range. Writes are unconditional (a rerun writes the same outcome again).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from chalicelib.domain.csv_import import CellError, RowResult
from chalicelib.repo import keys
from chalicelib.repo.paging import decode_cursor, encode_cursor, key_attributes
from chalicelib.repo.table import Table

RESULTS_TTL_SECONDS: Final = 30 * 24 * 3600


def _expires() -> int:
    return int(time.time()) + RESULTS_TTL_SECONDS


class ImportRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    def rows(self, firm_id: str, job_id: str, run: int, first: int, last: int) -> dict[int, RowResult]:
        """The recorded outcomes of rows ``first``..``last`` (one strongly consistent Query)."""
        low = keys.import_row(firm_id, job_id, run, first).sk
        high = keys.import_row(firm_id, job_id, run, last).sk
        items = self.table.query_all(
            pk=keys.import_run_pk(firm_id, job_id, run), sk_between=(low, high), consistent=True
        )
        return {int(i["row"]): RowResult(int(i["row"]), i["outcome"], i["state"]) for i in items}

    def record(self, firm_id: str, job_id: str, run: int, results: Sequence[RowResult]) -> None:
        """Each row's outcome and, for a failed row, its bad cells (BatchWriteItem, 25 items a request)."""
        expires = _expires()
        puts: list[dict[str, Any]] = []
        for result in results:
            puts.append(
                {
                    **keys.import_row(firm_id, job_id, run, result.row).as_dict(),
                    "entity": keys.IMPORT_ROW,
                    "row": result.row,
                    "outcome": result.outcome,
                    "state": result.state,
                    keys.TTL_ATTRIBUTE: expires,
                }
            )
            for index, error in enumerate(result.errors[:100]):
                puts.append(
                    {
                        **keys.import_error(firm_id, job_id, run, result.row, index).as_dict(),
                        "entity": keys.IMPORT_ERROR,
                        "row": error.row,
                        "column": error.column,
                        "msg": error.msg,
                        "code": error.code,
                        keys.TTL_ATTRIBUTE: expires,
                    }
                )
        self.table.write_many(puts=puts)

    def delete_errors(self, firm_id: str, job_id: str, run: int, naming: Callable[[CellError], bool]) -> int:
        """Delete the run's bad cells ``naming`` picks (a GDPR erasure's: those that quote the person): one
        Query of the ``ERR#`` range, then BatchWriteItem; how many went."""
        pk = keys.import_run_pk(firm_id, job_id, run)
        items = self.table.query_all(pk=pk, sk_prefix=keys.IMPORT_ERROR_PREFIX, consistent=True)
        gone = [keys.Key(pk, str(i["SK"])) for i in items if naming(_cell_error(i))]
        self.table.delete_many(gone)
        return len(gone)

    def errors_page(
        self, firm_id: str, job_id: str, run: int, *, limit: int, cursor: str | None
    ) -> tuple[list[CellError], str | None]:
        """The run's bad cells in row order, one page (a Query of the ``ERR#`` range)."""
        scope = f"import-errors|{firm_id}|{job_id}|{run}"
        start = decode_cursor(scope, cursor, fields=key_attributes()) if cursor else None
        pk = keys.import_run_pk(firm_id, job_id, run)
        if start is not None and start.get("PK") != pk:
            start = None
        page = self.table.query(
            pk=pk, sk_prefix=keys.IMPORT_ERROR_PREFIX, limit=limit, start_key=start, consistent=True
        )
        errors = [_cell_error(i) for i in page.items]
        next_cursor = None
        if page.last_key is not None and len(page.items) == limit:
            next_cursor = encode_cursor(scope, {k: page.last_key[k] for k in key_attributes()})
        return errors, next_cursor


def _cell_error(item: Mapping[str, Any]) -> CellError:
    return CellError(int(item["row"]), item.get("column"), str(item["msg"]), str(item["code"]))
