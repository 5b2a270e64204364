"""Per-firm throttling in the deployed API: API Gateway usage plans.

A tenant pays per request, so one firm's runaway script must not become
everyone's bill or everyone's latency. API Gateway throttles per API key of a
usage plan; Dossier's clients never send API keys, so the gateway's Lambda
authorizer (chalicelib/handlers/http/authorizer.py) names the key instead (the API's key source is
AUTHORIZER). A firm's key must be in the firms' usage plan before its members
call the API (the gateway refuses an unknown key with 403): ``register_firm``,
run by ``python -m chalicelib.cli firm create`` and ``firm register-key``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from botocore.exceptions import ClientError


def firm_key(firm_id: str) -> str:
    """The firm's usage-plan key: derived, not secret (clients cannot send it:
    with an AUTHORIZER key source the gateway ignores x-api-key)."""
    return "dossier-firm-" + hashlib.sha256(firm_id.encode()).hexdigest()


def _existing_key(apigateway: Any, name: str, value: str) -> dict[str, Any] | None:
    pages = apigateway.get_paginator("get_api_keys").paginate(nameQuery=name, includeValues=True)
    return next((k for page in pages for k in page.get("items", []) if k.get("value") == value), None)


def register_firm(apigateway: Any, usage_plan_id: str, firm_id: str) -> str:
    """Create the firm's key and put it in the firms' usage plan; returns the key id.
    Safe to repeat: an existing key, or one already in the plan, is kept."""
    value, name = firm_key(firm_id), f"firm-{firm_id}"
    key = _existing_key(apigateway, name, value)
    if key is None:
        key = apigateway.create_api_key(name=name, value=value, enabled=True)
    try:
        apigateway.get_usage_plan_key(usagePlanId=usage_plan_id, keyId=key["id"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NotFoundException":
            raise
        apigateway.create_usage_plan_key(usagePlanId=usage_plan_id, keyId=key["id"], keyType="API_KEY")
    return str(key["id"])
