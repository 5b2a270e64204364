"""Reading the Prefer header (RFC 7240) for ``return=minimal``: several preferences, odd spacing and
case, quoted values and parameters; whatever is not understood is ignored, never refused."""

from __future__ import annotations

import pytest

import app  # noqa: F401  (registers every route)
from chalicelib.handlers.http.openapi import document
from chalicelib.handlers.http.prefer import preferences, wants_minimal


@pytest.mark.parametrize(
    "header",
    [
        "return=minimal",
        "RETURN=MINIMAL",
        "Return = Minimal",
        "respond-async, return=minimal",
        "respond-async,return=minimal,wait=10",
        "wait=10 ;  foo=bar, return=minimal; charset=utf-8",
        'return="minimal"',
        'x="a, b; c", return=minimal',
        "\treturn=minimal\t",
        ", ,return=minimal,",
        "@@@, return=minimal",  # a part that is no preference is skipped
        "return=minimal, return=representation",  # the first of a name counts
    ],
)
def test_return_minimal_is_found(header: str) -> None:
    assert wants_minimal(header), header


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "return=representation",
        "return=representation, return=minimal",
        "return",
        "return=",
        "return=minimalist",
        "returns=minimal",
        "respond-async, wait=10",
        'x="return=minimal"',
        "foo; return=minimal",  # a parameter of foo, not a preference
        "return=minimal garbage",
        "return=min imal",
    ],
)
def test_anything_else_is_not_minimal(header: str | None) -> None:
    assert not wants_minimal(header), header


def test_preferences_by_lower_cased_name_with_unquoted_values() -> None:
    assert preferences('Respond-Async, WAIT = 10; x=1, Return="mini\\"mal", return=minimal') == {
        "respond-async": "",
        "wait": "10",
        "return": 'mini"mal',
    }


def test_long_broken_parts_are_skipped() -> None:
    assert not wants_minimal("a" * 10_000 + "@" + " " * 10_000 + 'x;"' + "\\a" * 10_000)
    assert wants_minimal('x;"' + "y" * 10_000 + '", return=minimal')
    assert wants_minimal("a" * 10_000 + "@, return=minimal")


def test_the_document_describes_prefer_and_the_204_on_account_and_contact_edits_only() -> None:
    doc = document()
    for path in ("/accounts/{account_id}", "/contacts/{contact_id}"):
        edit = doc["paths"][path]["patch"]
        prefer = [p for p in edit["parameters"] if p["name"] == "Prefer"]
        assert len(prefer) == 1 and prefer[0]["in"] == "header" and not prefer[0]["required"]
        assert {"200", "204"} <= set(edit["responses"])
        minimal = edit["responses"]["204"]
        assert "content" not in minimal and {"ETag", "Preference-Applied"} <= set(minimal["headers"])
    others = [
        (path, method)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if any(p["name"] == "Prefer" for p in op.get("parameters", []))
    ]
    assert others == [("/accounts/{account_id}", "patch"), ("/contacts/{contact_id}", "patch")]
