"""The gateway's Lambda authorizer, for per-firm throttling (chalicelib/adapters/usage.py).

A function of its own in AWS, so it imports only token verification: it
runs on the first request of each token (the gateway caches its answer for
five minutes) and its cold start is the caller's wait. The token names an
identity; its binding (one GetItem, then kept) names the firm.
"""

from __future__ import annotations

from typing import Any

from chalice.app import AuthRequest, AuthResponse, Blueprint

from chalicelib.adapters import usage
from chalicelib.domain.errors import UnauthorizedError
from chalicelib.services.identity import authenticate

gate = Blueprint(__name__)


@gate.authorizer(ttl_seconds=300)
def firm_gate(auth_request: AuthRequest) -> dict[str, Any]:
    """Name the caller's firm's usage-plan key for API Gateway.

    A token that does not verify is refused here: API Gateway's answer to an
    authorizer's "Unauthorized" is a 401, in problem+json (the template's
    gateway responses), as the function itself would have answered."""
    try:
        claims = authenticate(auth_request.token, bind=False)
    except UnauthorizedError as exc:
        raise Exception("Unauthorized") from exc  # the exact text Lambda authorizers use for a 401
    answer = AuthResponse(routes=["*"], principal_id=claims.member_id).to_dict(auth_request)
    answer["usageIdentifierKey"] = usage.firm_key(claims.firm_id)
    return answer
