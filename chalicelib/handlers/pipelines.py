"""/pipelines: the stages jobs move through."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.domain.models.operations import PipelineCreate, PipelineOut, PipelinePatch
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import pipelines


@endpoint(
    "/pipelines",
    "GET",
    summary="The firm's job pipelines (any member).",
    response=list[PipelineOut],
    query=("limit", "cursor"),
)
def list_pipelines(call: Call) -> Response:
    params = call.query()
    items, next_cursor = pipelines.list_pipelines(call.ctx, limit=call.limit(params), cursor=params.get("cursor"))
    return reply({"items": items, "next_cursor": next_cursor})


@endpoint(
    "/pipelines",
    "POST",
    summary="Create a pipeline with its ordered stages (owner, admin); stage ids are assigned by the server.",
    status=201,
    request=PipelineCreate,
    response=PipelineOut,
    errors=(403, 422, "stage_ids_not_allowed"),
)
def create_pipeline(call: Call) -> Response:
    pipeline_id = pipelines.create_pipeline(call.ctx, call.body(PipelineCreate), call.idempotency())
    out = pipelines.get_pipeline(call.ctx, pipeline_id)
    return reply(out, status=201, version=out.version, location=f"/pipelines/{pipeline_id}")


@endpoint("/pipelines/{pipeline_id}", "GET", summary="One pipeline.", response=PipelineOut, errors=(404,))
def get_pipeline(call: Call) -> Response:
    out = pipelines.get_pipeline(call.ctx, call.id("pipeline_id"))
    return reply(out, version=out.version)


@endpoint(
    "/pipelines/{pipeline_id}",
    "PATCH",
    summary="Rename the pipeline, rename, reorder or add stages (owner, admin). Jobs show the new names.",
    request=PipelinePatch,
    response=PipelineOut,
    errors=(403, 404, 412, 422, "invalid_stages"),
)
def patch_pipeline(call: Call) -> Response:
    pipeline_id = call.id("pipeline_id")
    body = call.body(PipelinePatch)
    pipelines.patch_pipeline(call.ctx, pipeline_id, body, call.if_match())
    out = pipelines.get_pipeline(call.ctx, pipeline_id)
    return reply(out, version=out.version)
