"""The request body examples and the response headers in the served OpenAPI document: each example is
valid against its route's schema (checked by the OpenAPI 3.1 schema validator, in the document itself), every JSON body
has one, and the headers clients read (ETag, Location, Retry-After) are declared where they are sent."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator
from pydantic import BaseModel
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import app  # noqa: F401  (registers every route)
from chalicelib.handlers.http.examples import EXAMPLES
from chalicelib.handlers.http.openapi import document
from chalicelib.handlers.http.routing import load_all

ROUTES = load_all()  # every route the handlers declare

DOC = "urn:dossier:openapi"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return document()


def _pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _validator(doc: dict[str, Any], path: str, method: str) -> Any:
    """A validator of the route's JSON body schema as the document has it (its $refs resolved in it)."""
    registry: Registry[Any] = Registry().with_resource(DOC, Resource.from_contents(doc, DRAFT202012))
    where = _pointer("paths", path, method, "requestBody", "content", "application/json", "schema")
    return OAS31Validator({"$ref": f"{DOC}#{where}"}, registry=registry)


def _json_bodies(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op["requestBody"]["content"]["application/json"])
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if "application/json" in op.get("requestBody", {}).get("content", {})
    ]


def test_every_json_request_body_has_an_example_and_every_example_a_route(doc: dict[str, Any]) -> None:
    bodies = {f"{method.upper()} {path}": media for path, method, media in _json_bodies(doc)}
    assert sorted(route for route, media in bodies.items() if not media.get("examples")) == []
    assert sorted(set(EXAMPLES) - set(bodies)) == []


def test_every_example_is_valid_against_its_schema(doc: dict[str, Any]) -> None:
    invalid = []
    for path, method, media in _json_bodies(doc):
        validator = _validator(doc, path, method)
        for name, example in media.get("examples", {}).items():
            invalid += [
                f"{method.upper()} {path} {name!r}: {e.message}" for e in validator.iter_errors(example["value"])
            ]
    assert invalid == []


def test_the_check_would_catch_a_wrong_example(doc: dict[str, Any]) -> None:
    validator = _validator(doc, "/accounts/{account_id}/tasks", "post")
    assert not validator.is_valid({"title": "", "status": "someday"})
    assert not validator.is_valid({"title": "VAT", "colour": "red"})  # an unknown field
    assert validator.is_valid(EXAMPLES["POST /accounts/{account_id}/tasks"]["task"])
    link = _validator(doc, "/accounts/{account_id}/contacts", "post")  # a oneOf of two component schemas
    assert not link.is_valid({"contact_id": "c1", "first_name": "Jan"})


def test_created_resources_answer_with_location_and_versioned_ones_with_etag(doc: dict[str, Any]) -> None:
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                headers = response.get("headers", {})
                if status == "201":
                    assert headers["Location"]["required"] is True, (method, path)
                if status in ("429", "503"):
                    assert "Retry-After" in headers, (method, path)
    account = doc["paths"]["/accounts/{account_id}"]
    assert "ETag" in account["get"]["responses"]["200"]["headers"]
    assert "ETag" in account["patch"]["responses"]["200"]["headers"]
    link = doc["paths"]["/accounts/{account_id}/contacts/{contact_id}"]["get"]["responses"]["200"]
    assert "ETag" in link["headers"]  # the link's version
    assert "headers" not in doc["paths"]["/accounts"]["get"]["responses"]["200"]  # a list has no version


def test_the_photo_is_one_binary_body(doc: dict[str, Any]) -> None:
    body = doc["paths"]["/accounts/{account_id}/photo"]["put"]["requestBody"]
    assert body["content"] == {
        "application/octet-stream": {
            "schema": {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"}
        }
    }
    assert "image/png" in body["description"]


def test_body_models_are_shared_components_with_one_class_per_name(doc: dict[str, Any]) -> None:
    classes: dict[str, set[type]] = defaultdict(set)

    def walk(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation in classes[annotation.__name__]:
                return
            classes[annotation.__name__].add(annotation)
            for field in annotation.model_fields.values():
                walk(field.annotation)
        for arg in getattr(annotation, "__args__", None) or ():
            walk(arg)

    for route in ROUTES:
        walk(route.request)
        walk(route.response_model)
    assert {name for name, found in classes.items() if len(found) > 1} == set()  # no component overwrites another
    listed = doc["paths"]["/accounts"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed == {"$ref": "#/components/schemas/AccountSummaryOutPage"}
    page = doc["components"]["schemas"]["AccountSummaryOutPage"]
    assert page["properties"]["items"]["items"] == {"$ref": "#/components/schemas/AccountSummaryOut"}
    created = doc["paths"]["/accounts"]["post"]
    assert created["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AccountCreate"
    }
    assert created["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AccountOut"
    }
