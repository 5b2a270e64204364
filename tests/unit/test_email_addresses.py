"""The e-mail address rules (chalicelib/domain/text.py) and the generated
Script table they read (chalicelib/domain/unicode_scripts.py)."""

from __future__ import annotations

import sys
import unicodedata

import pytest
import regex  # type: ignore[import-untyped]
from pydantic import TypeAdapter, ValidationError

from chalicelib.domain import unicode_scripts
from chalicelib.domain.models.base import EmailAddress
from chalicelib.domain.text import address_problem, email_key, normal_address
from devtools import unicode_scripts as generator

ADDRESS: TypeAdapter[str] = TypeAdapter(EmailAddress)


def test_the_script_table_is_what_the_generator_writes() -> None:
    assert generator.TARGET.read_text() == generator.source(), "run: python -m devtools.unicode_scripts"


@pytest.mark.parametrize(
    ("char", "code"),
    [
        *[("a", "Latn"), ("é", "Latn"), ("\u0430", "Cyrl"), ("\u03b1", "Grek"), ("\uff5a", "Latn"), ("\u0627", "Arab")],
        *[("田", "Hani"), ("さ", "Hira"), ("カ", "Kana"), ("김", "Hang"), ("ㄅ", "Bopo")],
        *[("1", "Zyyy"), (".", "Zyyy"), ("\u0301", "Zinh")],
    ],
)
def test_script_of_a_character(char: str, code: str) -> None:
    assert unicode_scripts.script(char) == code


def test_every_default_ignorable_character_is_refused() -> None:
    ignorable = regex.compile(r"\p{Default_Ignorable_Code_Point}")
    assigned = (chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) not in ("Cn", "Cs"))
    for char in filter(ignorable.match, assigned):
        assert address_problem(f"an{char}na@x.example") is not None, f"U+{ord(char):04X}"


@pytest.mark.parametrize(
    "address",
    [
        "\u0430nna@x.example",  # a Cyrillic "a", Latin "nna"
        "anna@x.ex\u0430mple",  # in a domain label
        "\u202eanna@x.example",
        "anna\u200b@x.example",
        "an\u00adna@x.example",  # soft hyphen
        "an\u3000na@x.example",  # ideographic space
        "an\u3164na@x.example",  # Hangul filler
        "anna\ufe0f@x.example",  # variation selector
        "an\ue000na@x.example",  # private use
        "\u0301anna@x.example",  # a combining mark first
        "anna\uff20x@x.example",  # a fullwidth @
        "anna\ufe5f@x.example",  # a small #
        "\u03c0\u03b1nna@x.example",  # Greek and Latin
        "김さ@x.example",  # Hangul and Hiragana: no one writes both
    ],
)
def test_refused(address: str) -> None:
    assert address_problem(normal_address(address)) is not None
    with pytest.raises(ValidationError):  # the pattern, or the rules
        ADDRESS.validate_python(address)


@pytest.mark.parametrize(
    "address",
    [
        "anna.berg+crm@x.example",
        "jörg.weiß@bücher.example",
        "анна@почта.example",  # one script, Cyrillic: UTS 39 leaves whole-script look-alikes to other checks
        "tanaka.田中さん@x.example",
        "chen.陳ㄅ@x.example",
        "kim.김민준@x.example",
        "\uff41nna@x.example",  # fullwidth: Latin, accepted and compared as "anna"
        "d\u0301a@x.example",  # a combining mark after a letter (NFC has no precomposed d with acute)
    ],
)
def test_accepted_and_kept_in_nfc(address: str) -> None:
    assert address_problem(normal_address(address)) is None
    assert ADDRESS.validate_python(address) == unicodedata.normalize("NFC", address)


def test_the_key_ignores_case_normal_form_and_compatibility_forms() -> None:
    nfc = unicodedata.normalize("NFC", "Jörg@X.example")
    assert email_key(nfc) == email_key(unicodedata.normalize("NFD", nfc)) == email_key(nfc.upper()) == "jörg@x.example"
    assert email_key("\uff21nna@x\uff0eexample") == "anna@x.example"
    assert email_key(" Anna@Example.COM ") == "anna@example.com"  # as before for ASCII: stored keys stay valid


def test_a_refusal_names_the_character() -> None:
    problem = address_problem("anna\u202e@x.example")
    assert problem is not None and "U+202E" in problem
    mixed = address_problem("\u0430nna@x.example")
    assert mixed is not None and "CYRILLIC SMALL LETTER A" in mixed and "LATIN SMALL LETTER N" in mixed
