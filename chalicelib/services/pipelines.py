"""Job pipelines: a firm's ordered stages that jobs move through."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain import access
from chalicelib.domain.errors import FieldError, ForbiddenError, NotFoundError, UnprocessableError
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.domain.models.operations import PipelineCreate, PipelineOut, PipelinePatch, StageIn
from chalicelib.repo.firms import version_guard
from chalicelib.services import jobs
from chalicelib.services.clashes import retried_on_clash
from chalicelib.services.context import Ctx, idempotent_create

Item = dict[str, Any]


def pipeline_out(record: Mapping[str, Any]) -> PipelineOut:
    return PipelineOut.model_validate(
        {
            "id": record["id"],
            "name": record["name"],
            "stages": record["stages"],
            "created_at": record["created_at"],
            "updated_at": record["updated_at"],
            "version": int(record["version"]),
        }
    )


def _require_admin(ctx: Ctx) -> None:
    if not access.manages_members(ctx.member):
        raise ForbiddenError("Changing pipelines needs the owner or an admin.")


def _load(ctx: Ctx, pipeline_id: str) -> Item:
    record = ctx.pipelines.get(ctx.firm_id, pipeline_id)
    if record is None:
        raise NotFoundError("Pipeline not found.")
    return record


def list_pipelines(ctx: Ctx, *, limit: int, cursor: str | None) -> tuple[list[PipelineOut], str | None]:
    _ = ctx.member
    rows, next_cursor = ctx.pipelines.list_page(ctx.firm_id, cursor=cursor, limit=limit)
    return [pipeline_out(r) for r in rows], next_cursor


def get_pipeline(ctx: Ctx, pipeline_id: str) -> PipelineOut:
    _ = ctx.member
    return pipeline_out(_load(ctx, pipeline_id))


def _stages(stages: list[StageIn], existing: Mapping[str, str]) -> list[dict[str, str]]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    out: list[dict[str, str]] = []
    for i, stage in enumerate(stages):
        if stage.id is not None and stage.id not in existing:
            errors.append(FieldError(("body", "stages", i, "id"), f"unknown stage {stage.id}"))
        elif stage.id is not None and stage.id in seen:
            errors.append(FieldError(("body", "stages", i, "id"), "stage listed twice"))
        stage_id = stage.id or new_id()
        seen.add(stage_id)
        out.append({"id": stage_id, "name": stage.name})
    errors += [
        FieldError(("body", "stages"), f"stage {sid} ({name}) is missing; stages cannot be removed")
        for sid, name in existing.items()
        if sid not in seen
    ]
    if errors:
        raise UnprocessableError("The stages are not valid.", errors, code="invalid_stages")
    return out


def create_pipeline(ctx: Ctx, body: PipelineCreate, idem: Idempotency | None) -> str:
    _require_admin(ctx)
    if any(s.id is not None for s in body.stages):
        raise UnprocessableError(
            "A new pipeline's stages get their ids from the server.",
            [FieldError(("body", "stages", i, "id"), "not allowed here") for i, s in enumerate(body.stages) if s.id],
            code="stage_ids_not_allowed",
        )
    now, pipeline_id = now_iso(), new_id()
    fields = {
        "name": body.name,
        "stages": _stages(body.stages, {}),
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    return idempotent_create(
        ctx, idem, pipeline_id, lambda op: ctx.pipelines.create(ctx.firm_id, pipeline_id, fields, op)
    )


def _renamed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether a name the overviews copy changed: the pipeline's, or an existing stage's (stages cannot be
    removed; a new one is on no job yet, and the order is not copied)."""
    names = {s["id"]: s["name"] for s in new["stages"]}
    return bool(new["name"] != old["name"] or any(names[s["id"]] != s["name"] for s in old["stages"]))


@retried_on_clash
def patch_pipeline(ctx: Ctx, pipeline_id: str, body: PipelinePatch, if_match: int | None) -> None:
    """A rename of the pipeline or a stage is written at once, with a background job (kind
    ``pipeline_rename``, services/pipeline_refresh.py) that refreshes the overview of every account with
    a current job in it, in the same transaction; the request then queues the job's first chunk."""
    _require_admin(ctx)
    old = _load(ctx, pipeline_id)
    version = int(old["version"])
    version_guard(if_match, version)
    changes: Item = {}
    if body.name is not None and body.name != old["name"]:
        changes["name"] = body.name
    if body.stages is not None:
        stages = _stages(body.stages, {s["id"]: s["name"] for s in old["stages"]})
        if stages != old["stages"]:
            changes["stages"] = stages
    if not changes:
        return
    changes.update(version=version + 1, updated_at=now_iso())
    if not _renamed(old, {**old, **changes}):
        ctx.pipelines.replace(old, changes, version)  # reordered or added stages: no overview shows them
        return
    job, store_job = jobs.prepare(ctx, "pipeline_rename", {"pipeline_id": pipeline_id})
    # The pipeline names its latest refresh, so an earlier rename's job stops once this one exists.
    changes["refresh_job_id"] = job.id
    ctx.pipelines.replace(old, changes, version, also=[store_job])
    jobs.send_prepared(ctx, job)
