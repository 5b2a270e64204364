"""The served OpenAPI document, checked with tools no one here wrote
(openapi-spec-validator), and for the resource limits a tenant relies on:
every string and list a client can send has a bound."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

import app  # noqa: F401  (registers every route)
from chalicelib.handlers.http.endpoint import MAX_LIMIT
from chalicelib.handlers.http.openapi import document
from chalicelib.handlers.http.routing import load_all


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return document()


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # raises on any violation of the OpenAPI 3.1 schema


def test_the_validator_would_catch_a_broken_document(doc: dict[str, Any]) -> None:
    broken = {**doc, "paths": {"/x": {"get": {"responses": {"200": {"content": "not a map"}}}}}}
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_route_is_described_with_its_errors(doc: dict[str, Any]) -> None:
    described = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert described == {(r.method, r.path) for r in load_all()}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert {"400", "415"} <= codes, (method, path)
            assert ("401" in codes) == bool(op["security"]), (method, path)
            for code, response in op["responses"].items():
                if code.startswith(("4", "5")):
                    assert set(response["content"]) == {"application/problem+json"}


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def _is_unbounded(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "string":
        return not {"enum", "const", "maxLength"} & set(schema)
    if kind == "array":
        return "maxItems" not in schema
    return kind == "object" and isinstance(schema.get("additionalProperties"), dict) and "maxProperties" not in schema


def _unbounded(doc: dict[str, Any], schema: dict[str, Any], where: str, seen: frozenset[str]) -> Iterator[str]:
    """Strings without maxLength (a pattern alone does not bound a length),
    arrays without maxItems and maps without maxProperties, at any depth."""
    ref = schema.get("$ref")
    if ref in seen:
        return
    seen = seen | {ref} if ref else seen
    schema = _resolve(doc, schema)
    if _is_unbounded(schema):
        yield where
    parts = [*schema.get("anyOf", []), *schema.get("oneOf", []), *schema.get("allOf", [])]
    children = [(f"{where}|{i}", part) for i, part in enumerate(parts)]
    children += [(f"{where}.{name}", prop) for name, prop in schema.get("properties", {}).items()]
    if isinstance(schema.get("items"), dict):
        children.append((f"{where}[]", schema["items"]))
    if isinstance(schema.get("additionalProperties"), dict):
        children.append((f"{where}{{}}", schema["additionalProperties"]))
    for child_where, child in children:
        yield from _unbounded(doc, child, child_where, seen)


def test_every_request_string_list_and_map_is_bounded(doc: dict[str, Any]) -> None:
    found = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            content = op.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema:
                found += list(_unbounded(doc, schema, f"{method.upper()} {path} body", frozenset()))
            for param in op.get("parameters", []):
                if param["in"] == "query" and param["name"] != "limit":
                    found += list(
                        _unbounded(doc, param["schema"], f"{method.upper()} {path} ?{param['name']}", frozenset())
                    )
    assert found == []


def test_lists_cap_their_page_size(doc: dict[str, Any]) -> None:
    for path, ops in doc["paths"].items():
        for op in ops.values():
            for param in op.get("parameters", []):
                if param["name"] == "limit":
                    assert param["schema"]["maximum"] == MAX_LIMIT == 100, path
