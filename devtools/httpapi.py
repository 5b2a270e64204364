"""The packaged template's front door: the HTTP API, its routes written from the app's route table.

``chalice package`` knows only REST APIs: it writes a ``RestAPI`` (with an ``APIHandlerInvokePermission``
and the ``RestAPIId`` and ``EndpointURL`` outputs) for the app's routes. ``make package`` (devtools/package.py)
takes them out and fills the paths of infra/template.json's ``HttpApi``: every route of
``chalicelib.handlers.http.routing.load_all()`` to the one integration (APIHandler, payload format 1.0), with
the JWT authorizer unless the route is public, and the ``$default`` route (no authorizer: the function
answers an unknown path 404 and an unknown method 405, chalicelib/handlers/http/gateway.py). CORS is the
app's own configuration (app.py), which the HTTP API then applies itself, preflight included.
"""

from __future__ import annotations

from typing import Any

from chalicelib.handlers.http.endpoint import RouteDoc

# What chalice package writes for a REST API, and what the HTTP API replaces.
REST_RESOURCES = ("RestAPI", "APIHandlerInvokePermission")
REST_OUTPUTS = ("RestAPIId",)
AUTHORIZER = "identity"  # the JWT authorizer's security scheme (infra/template.json)
INTEGRATION = {"$ref": "#/components/x-amazon-apigateway-integrations/handler"}
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def operation(route: RouteDoc) -> dict[str, Any]:
    op: dict[str, Any] = {
        "responses": {"default": {"description": "The function's answer."}},
        "x-amazon-apigateway-integration": INTEGRATION,
    }
    if route.auth:
        op["security"] = [{AUTHORIZER: []}]
    return op


def paths(routes: list[RouteDoc]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for route in routes:
        found.setdefault(route.path, {})[route.method.lower()] = operation(route)
    found["/$default"] = {
        "x-amazon-apigateway-any-method": {
            "isDefaultRoute": True,
            "responses": {"default": {"description": "404 or 405, problem+json."}},
            "x-amazon-apigateway-integration": INTEGRATION,
        }
    }
    return found


def cors(app: Any) -> dict[str, Any]:
    """The app's CORS configuration (app.py) as the HTTP API's: it answers the preflight itself."""
    headers = app.api.cors.get_access_control_headers()

    def listed(name: str) -> list[str]:
        return sorted(h.strip().lower() for h in headers.get(name, "").split(",") if h.strip())

    return {
        "allowOrigins": [headers["Access-Control-Allow-Origin"]],
        "allowHeaders": listed("Access-Control-Allow-Headers"),
        "exposeHeaders": listed("Access-Control-Expose-Headers"),
        "allowMethods": ALL_METHODS,
        "maxAge": int(headers.get("Access-Control-Max-Age", "0")),
    }


def front_door(template: dict[str, Any], app: Any, routes: list[RouteDoc]) -> None:
    """Replace the REST API chalice package wrote by the HTTP API (in place)."""
    resources = template["Resources"]
    for name in REST_RESOURCES:
        resources.pop(name, None)
    for name in REST_OUTPUTS:
        template.get("Outputs", {}).pop(name, None)
    body = resources["HttpApi"]["Properties"]["Body"]
    body["paths"] = paths(routes)
    body["x-amazon-apigateway-cors"] = cors(app)
