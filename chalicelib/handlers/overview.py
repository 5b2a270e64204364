"""The Overview tab: a module of its own, so that its first request after a cold start imports only what
the Overview uses (handlers/http/routing.py), not the five routes of each of the thirteen sections."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.domain.sections import SECTIONS
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, Lazy, endpoint
from chalicelib.services import overview_read


def overview_model() -> Any:
    """The documented reply (the OpenAPI document's): the read itself answers plain JSON and never builds it."""
    from pydantic import create_model

    from chalicelib.domain.models.base import OutputModel

    class OverviewAccount(OutputModel):
        id: str
        name: str
        photo_url: str | None

    def section_model(summary: Any) -> Any:
        return create_model(
            f"{summary.__name__}Overview",
            __base__=OutputModel,
            items=(list[summary], ...),
            has_more=(bool, ...),
        )

    fields: dict[str, Any] = {"account": (OverviewAccount, ...)}
    fields.update({key: (section_model(s.summary), ...) for key, s in SECTIONS.items()})
    return create_model("OverviewOut", __base__=OutputModel, **fields)


@endpoint(
    "/accounts/{account_id}/overview",
    "GET",
    summary="The Overview tab: per section its latest five items that count ("
    + "; ".join(f"{k} ({s.title}): {s.in_overview}" for k, s in SECTIONS.items())
    + ") and has_more, plus the header. Kept by the table's change stream, so it follows a change within "
    "seconds; payable_with_credit is computed from the current credit when read.",
    response=Lazy(overview_model),
    errors=(404,),
)
def get_overview(call: Call) -> Response:
    return reply(overview_read.read(call.ctx, call.id("account_id")))
