"""Operations: health and the OpenAPI document (no auth)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.config import settings
from chalicelib.http import Call, endpoint, reply
from chalicelib.models import HealthOut

bp = Blueprint(__name__)


@endpoint(
    bp, "/health", "GET", summary="Liveness, and the table this deployment talks to.", auth=False, response=HealthOut
)
def health(call: Call) -> Response:
    return reply(HealthOut(status="ok", table=settings().table_name))


@endpoint(bp, "/openapi.json", "GET", summary="This document.", auth=False)
def openapi_document(call: Call) -> Response:
    from chalicelib.openapi import document_json

    # built once per function instance: the routes cannot change while it runs
    return Response(body=document_json(), status_code=200, headers={"Content-Type": "application/json"})
