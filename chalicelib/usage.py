"""Per-firm throttling in the deployed API: API Gateway usage plans.

A tenant pays per request, so one firm's runaway script must not become
everyone's bill or everyone's latency. API Gateway throttles per API key of a
usage plan; Dossier's clients never send API keys, so the gateway's Lambda
authorizer (``http.firm_gate``) names the key instead (the API's key source is
AUTHORIZER): the firm's own key for a verified token, one shared key for
everything else. A firm's key must be registered in the firms' usage plan when
the firm is created (``register_firm``); the shared key is in infra/template.json.
"""

from __future__ import annotations

import hashlib
from typing import Any

# The usage key of requests whose token does not verify; the API handler answers
# them 401 itself, and this key's own plan caps how many it must answer.
UNVERIFIED_KEY = "dossier-unverified-callers-0000000000"


def firm_key(firm_id: str) -> str:
    """The firm's usage-plan key: derived, not secret (clients cannot send it:
    with an AUTHORIZER key source the gateway ignores x-api-key)."""
    return "dossier-firm-" + hashlib.sha256(firm_id.encode()).hexdigest()


def register_firm(apigateway: Any, usage_plan_id: str, firm_id: str) -> str:
    """Create the firm's key and put it in the firms' usage plan; returns the key id.
    Safe to repeat: an existing key of that value is reused."""
    value = firm_key(firm_id)
    name = f"firm-{firm_id}"
    existing = apigateway.get_api_keys(nameQuery=name, includeValues=True).get("items", [])
    key = next((k for k in existing if k.get("value") == value), None)
    if key is None:
        key = apigateway.create_api_key(name=name, value=value, enabled=True)
    plan_keys = apigateway.get_usage_plan_keys(usagePlanId=usage_plan_id).get("items", [])
    if not any(k["id"] == key["id"] for k in plan_keys):
        apigateway.create_usage_plan_key(usagePlanId=usage_plan_id, keyId=key["id"], keyType="API_KEY")
    return str(key["id"])
