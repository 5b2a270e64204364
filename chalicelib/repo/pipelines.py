"""Job pipelines: a firm's ordered stages, in the firm's partition. (Which
accounts have a current job in a pipeline is read from the jobs themselves,
a page at a time: ``ActivityRepo.pipeline_job_accounts``.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.repo import keys
from chalicelib.repo.firms import STALE
from chalicelib.repo.paging import key_attributes, paged
from chalicelib.repo.table import ITEM_ABSENT, ITEM_EXISTS, Item, Op, Put, Table, version_is


class PipelineRepo:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, firm_id: str, pipeline_id: str) -> Item | None:
        return self.table.get(keys.pipeline(firm_id, pipeline_id), consistent=True)

    def list_page(self, firm_id: str, *, cursor: str | None, limit: int) -> tuple[list[Item], str | None]:
        """A page of the firm's pipelines, in creation order (one Query of its partition)."""
        return paged(
            lambda start, n: self.table.query(
                pk=keys.firm_pk(firm_id), sk_prefix=keys.PIPELINE_PREFIX, limit=n, start_key=start
            ),
            scope=f"pipelines|{firm_id}",
            cursor=cursor,
            limit=limit,
            key_attrs=key_attributes(),
        )

    def create(self, firm_id: str, pipeline_id: str, fields: Mapping[str, Any], idem: Op | None) -> None:
        """A new pipeline of ``fields`` (name, stages, times, version)."""
        record = {
            **keys.pipeline(firm_id, pipeline_id).as_dict(),
            "entity": keys.PIPELINE,
            "firm_id": firm_id,
            "id": pipeline_id,
            **fields,
        }
        self.table.write([*([idem] if idem else []), Put(record, ITEM_ABSENT, on_fail=STALE)])

    def replace(self, old: Item, changes: Mapping[str, Any], expected_version: int, also: Sequence[Op] = ()) -> None:
        """The pipeline as read with ``changes``, if it is still at ``expected_version``
        (a whole-item Put), in one transaction with ``also`` (the job that refreshes the overviews)."""
        record = {**old, **changes}
        self.table.write([Put(record, ITEM_EXISTS & version_is(expected_version), on_fail=STALE), *also])
