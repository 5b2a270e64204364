"""The problem codes: every ``code=`` in the code base is in the catalogue with the
status of the error it is given to, and the document lists codes per route."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import app  # noqa: F401  (registers every route)
from chalicelib.domain import errors
from chalicelib.domain.problem_codes import CODES, GENERIC, field_code
from chalicelib.handlers.http.openapi import document, problem_codes
from chalicelib.handlers.http.routing import load_all

ROUTES = load_all()  # every route the handlers declare

_ROOT = Path(__file__).resolve().parents[2] / "chalicelib"
_ERRORS = {
    name: cls
    for name, cls in vars(errors).items()
    if isinstance(cls, type) and issubclass(cls, errors.DossierError) and cls is not errors.DossierError
}


def _coded_raises() -> list[tuple[str, str, str]]:
    """(file:line, error class, code) of every domain error built with a code."""
    found = []
    for path in sorted(_ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            for keyword in node.keywords:
                if keyword.arg == "code" and name in _ERRORS and isinstance(keyword.value, ast.Constant):
                    found.append((f"{path.name}:{node.lineno}", name, str(keyword.value.value)))
    return found


def test_every_code_given_is_in_the_catalogue_with_its_class_status() -> None:
    raises = _coded_raises()
    assert len(raises) > 100  # the scan sees the code base
    for where, name, code in raises:
        assert code in CODES, f"{where}: {code} is not in domain/problem_codes.py"
        assert CODES[code][0] == _ERRORS[name].status, f"{where}: {code} is a {CODES[code][0]}, given to {name}"


def test_every_class_default_is_in_the_catalogue() -> None:
    for name, cls in _ERRORS.items():
        assert cls.default_code in CODES, name
        assert CODES[cls.default_code][0] == cls.status, name


def test_codes_are_snake_case_and_generic_codes_match_their_status() -> None:
    for code, (status, meaning) in CODES.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code
        assert 400 <= status <= 504 and meaning, code
    for status, codes in GENERIC.items():
        assert all(CODES[code][0] == status for code in codes), status


def test_declared_codes_exist_and_the_document_lists_them_per_status() -> None:
    paths = document()["paths"]
    for route in ROUTES:
        for code in (c for c in route.errors if isinstance(c, str)):
            assert code in CODES, (route.method, route.path, code)
        responses = paths[route.path][route.method.lower()]["responses"]
        for status, codes in problem_codes(route).items():
            assert responses[str(status)]["x-problem-codes"] == list(codes)
            assert all(f"`{code}`" in responses[str(status)]["description"] for code in codes)


@pytest.mark.parametrize(
    ("pydantic_type", "code"),
    [
        ("missing", "required"),
        ("string_too_short", "too_short"),
        ("extra_forbidden", "unknown_field"),
        ("int_parsing", "wrong_type"),
        ("string_type", "wrong_type"),
        ("date_from_datetime_parsing", "invalid_date"),
        ("greater_than_equal", "out_of_range"),
        ("email_address", "not_an_email"),
        ("url_scheme", "url_scheme"),
    ],
)
def test_field_codes(pydantic_type: str, code: str) -> None:
    assert field_code(pydantic_type) == code
