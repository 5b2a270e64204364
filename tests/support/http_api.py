"""Events as the deployed front door sends them: an API Gateway HTTP API, Lambda proxy payload format 1.0.

The shape is AWS's documented 1.0 event (REST's proxy shape plus ``version``), with what its JWT authorizer
adds: the verified token's claims in ``requestContext.authorizer.claims``, every value a string. Which route
the event names depends on the route that took the request: a route of the table names itself in
``resource``; the ``$default`` route names no route of ours. ``resourcePath`` here is the request's path, so
the handler cannot lean on it.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

import jwt

_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


class LambdaContext:
    aws_request_id = "replay-request"
    function_name = "APIHandler"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:APIHandler"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def claims_of(token: str) -> dict[str, str]:
    """The claims the JWT authorizer passes on for ``token`` (it verified it), as 1.0 gives them: strings."""
    decoded = jwt.decode(token, options={"verify_signature": False})
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in decoded.items()}


def concrete(route_path: str, values: dict[str, str]) -> tuple[str, dict[str, str]]:
    params = {name: values.get(name, "Z" + name.replace("_", "")) for name in _PARAM.findall(route_path)}
    return _PARAM.sub(lambda m: params[m.group(1)], route_path), params


def event(
    method: str,
    path: str,
    *,
    resource: str = "$default",
    params: dict[str, str] | None = None,
    claims: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    sent = {k.lower(): v for k, v in (headers or {}).items()}
    text = sent.get("content-type", "application/json").startswith(("application/json", "text/"))
    encoded = body is not None and not text
    return {
        "version": "1.0",
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": sent,
        "multiValueHeaders": {k: [v] for k, v in sent.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "authorizer": {"claims": claims, "scopes": None},
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "extendedRequestId": "replay=",
            "httpMethod": method,
            "identity": {"sourceIp": "192.0.2.1", "userAgent": "replay", "user": None, "userArn": None},
            "path": path,
            "protocol": "HTTP/1.1",
            "requestId": "replay-id=",
            "requestTime": "07/Dec/2026:17:00:00 +0000",
            "requestTimeEpoch": 1796576400000,
            "resourceId": None,
            "resourcePath": path,
            "stage": "$default",
        },
        "pathParameters": params or None,
        "stageVariables": None,
        "body": None if body is None else (base64.b64encode(body).decode() if encoded else body.decode()),
        "isBase64Encoded": encoded,
    }


def invoke(app: Any, sent: dict[str, Any]) -> Answer:
    """The function's answer as the HTTP API turns it into a response."""
    raw = app(sent, LambdaContext())
    headers = {k.lower(): v for k, v in (raw.get("headers") or {}).items()}
    for name, values in (raw.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = ",".join(values)
    text = raw.get("body") or ""
    if raw.get("isBase64Encoded"):
        return Answer(raw["statusCode"], headers, base64.b64decode(text))
    return Answer(raw["statusCode"], headers, json.loads(text) if text else None)
