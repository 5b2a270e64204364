"""The Overview tab: a module of its own, so that its first request after a cold start imports only what
the Overview uses (handlers/http/routing.py), not the five routes of each of the thirteen sections."""

from __future__ import annotations

from typing import Any

from chalice.app import Response
from pydantic import create_model

from chalicelib.domain.models.base import OutputModel
from chalicelib.domain.sections import SECTIONS, Section
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint
from chalicelib.services import overview


class OverviewAccount(OutputModel):
    id: str
    name: str
    photo_url: str | None


def _section_model(section: Section) -> Any:
    return create_model(
        f"{section.summary.__name__}Overview",
        __base__=OutputModel,
        items=(list[section.summary], ...),  # type: ignore[name-defined]
        has_more=(bool, ...),
    )


_overview_fields: dict[str, Any] = {"account": (OverviewAccount, ...)}
_overview_fields.update({key: (_section_model(s), ...) for key, s in SECTIONS.items()})
OverviewOut: Any = create_model("OverviewOut", __base__=OutputModel, **_overview_fields)


@endpoint(
    "/accounts/{account_id}/overview",
    "GET",
    summary="The Overview tab: per section its latest five items that count ("
    + "; ".join(f"{k} ({s.title}): {s.in_overview}" for k, s in SECTIONS.items())
    + ") and has_more, plus the header. Kept by the table's change stream, so it follows a change within "
    "seconds; payable_with_credit is computed from the current credit when read.",
    response=OverviewOut,
    errors=(404,),
)
def get_overview(call: Call) -> Response:
    return reply(overview.read(call.ctx, call.id("account_id")))
