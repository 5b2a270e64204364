"""Operations: health and the OpenAPI document (no auth)."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.adapters.config import settings
from chalicelib.domain.models.operations import HealthOut
from chalicelib.handlers.http.answers import reply
from chalicelib.handlers.http.endpoint import Call, endpoint


@endpoint("/health", "GET", summary="Liveness, and the table this deployment talks to.", auth=False, response=HealthOut)
def health(call: Call) -> Response:
    return reply(HealthOut(status="ok", table=settings().table_name))


@endpoint("/openapi.json", "GET", summary="This document.", auth=False)
def openapi_document(call: Call) -> Response:
    from chalicelib.handlers.http.openapi import document_json

    # built once per function instance: the routes cannot change while it runs
    return Response(body=document_json(), status_code=200, headers={"Content-Type": "application/json"})
