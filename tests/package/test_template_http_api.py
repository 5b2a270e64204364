"""The deployable template as ``make package`` builds it (tests/package/conftest.py): the HTTP
API's routes, its JWT authorizer and the throttling.

These tests read what CloudFormation would receive, not our template's fragments.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cfn_template import COGNITO_ISSUER, env_of, referenced, resources_of, stack_of

pytestmark = pytest.mark.integration


def _routes() -> list[Any]:
    from chalicelib.handlers.http.routing import load_all

    routes = load_all()
    assert routes
    return routes


def test_every_route_of_the_table_is_a_route_of_the_http_api(template: dict[str, Any]) -> None:
    api = template["Resources"]["HttpApi"]
    assert api["Type"] == "AWS::ApiGatewayV2::Api" and api["Properties"]["FailOnWarnings"] is True
    body = api["Properties"]["Body"]
    handler = body["components"]["x-amazon-apigateway-integrations"]["handler"]
    assert handler == {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": {"Fn::GetAtt": ["APIHandler", "Arn"]},
        "payloadFormatVersion": "1.0",  # the REST proxy's event: Chalice's own handler serves it
        "timeoutInMillis": 30000,
    }
    reference = {"$ref": "#/components/x-amazon-apigateway-integrations/handler"}
    routes = _routes()
    served = {(m.upper(), p) for p, ops in body["paths"].items() for m in ops if p != "/$default"}
    assert served == {(r.method, r.path) for r in routes}  # each route with its method, and no other
    for route in routes:
        op = body["paths"][route.path][route.method.lower()]
        assert op["x-amazon-apigateway-integration"] == reference, route.path
        # the JWT authorizer on every route but the public ones (the health check, the OpenAPI document, the
        # portal's invitation acceptance), which the handler serves without a token as it does today
        assert op.get("security", []) == ([{"identity": []}] if route.auth else []), (route.method, route.path)
    assert {(r.method, r.path) for r in routes if not r.auth} == {
        ("GET", "/health"),
        ("GET", "/openapi.json"),
        ("POST", "/portal/invites/accept"),
    }
    # every other request goes to the function, which answers 404 or 405 in problem+json (HTTP APIs have no
    # gateway responses to customise); it has no authorizer, so its claims are none and no view trusts it
    default = body["paths"]["/$default"]["x-amazon-apigateway-any-method"]
    assert default["isDefaultRoute"] is True and default["x-amazon-apigateway-integration"] == reference
    assert "security" not in default
    permission = template["Resources"]["HttpApiInvokesAPIHandler"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "APIHandler"} and permission["Principal"] == "apigateway.amazonaws.com"
    assert referenced(permission["SourceArn"]) == {"HttpApi"}
    assert template["Outputs"]["EndpointURL"]["Value"] == {
        "Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
    }


@pytest.mark.parametrize("provider", ["cognito", "oidc"])
def test_the_jwt_authorizer_trusts_the_stacks_identity_provider(template: dict[str, Any], provider: str) -> None:
    issuer, audience = "https://login.example.com/tenant/", "dossier-web"
    given = {"IdentityProvider": provider, "OidcIssuer": issuer, "OidcAudience": audience}
    _, resources, _ = stack_of(template, **given)
    scheme = resources["HttpApi"]["Properties"]["Body"]["components"]["securitySchemes"]["identity"]
    authorizer = scheme["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "jwt"
    assert authorizer["identitySource"] == "$request.header.Authorization"
    config = authorizer["jwtConfiguration"]
    if provider == "cognito":  # the pool's issuer; the access token's client_id is checked against the audience
        assert config == {"issuer": {"Fn::Sub": COGNITO_ISSUER}, "audience": [{"Ref": "UserPoolClient"}]}
    else:
        assert config == {"issuer": issuer, "audience": [audience]}
    # the function trusts the same issuer and audience, and reads only the claims the gateway verified
    env = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["JWT_ISSUER"] == config["issuer"] and [env["JWT_AUDIENCE"]] == config["audience"]
    assert env["TOKEN_VERIFIER"] == "gateway"


def test_each_firm_is_throttled_in_the_function_and_the_api_as_a_whole_at_the_stage(
    template: dict[str, Any],
) -> None:
    env = env_of(template, "APIHandler")
    assert env["FIRM_RATE_LIMIT"] == {"Ref": "FirmRateLimit"} and env["FIRM_BURST_LIMIT"] == {"Ref": "FirmBurstLimit"}
    stage = template["Resources"]["HttpApiStage"]["Properties"]
    assert stage["ApiId"] == {"Ref": "HttpApi"} and stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": {"Ref": "ApiRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiBurstLimit"},
    }
    assert not resources_of(template, "AWS::ApiGateway::UsagePlan") and not resources_of(
        template, "AWS::ApiGateway::ApiKey"
    )
    assert "FirmUsagePlanId" not in template["Outputs"]
    # CORS is the app's (app.py): the HTTP API answers the preflight, for the headers the clients send
    cors = template["Resources"]["HttpApi"]["Properties"]["Body"]["x-amazon-apigateway-cors"]
    allowed = {"authorization", "if-match", "dossier-firm", "prefer"}
    assert cors["allowOrigins"] == ["*"] and allowed <= set(cors["allowHeaders"])
    assert {"etag", "location", "retry-after", "preference-applied"} <= set(cors["exposeHeaders"])
