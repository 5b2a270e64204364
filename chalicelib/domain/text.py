"""Text normalisation shared by sorting, uniqueness and search."""

from __future__ import annotations

import re
import unicodedata

from chalicelib.domain import unicode_scripts

# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "\u0131": "i", "đ": "d", "ð": "d", "æ": "ae", "œ": "oe", "þ": "th"})


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Müller" and "MULLER" both give
    "muller", "Łukasz" gives "lukasz", "Søren" "soren"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_UNDECOMPOSED))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


# The characters that sort below "#" after a space (" !", ' "') or are "#": a
# name's key is "<sort name> #<id>", so none may follow a space in the name.
_BELOW_SEPARATOR = str.maketrans({"#": " ", "!": " ", '"': " "})


def sort_name(text: str) -> str:
    """Key for alphabetical lists: folded, without the characters that would
    sort a longer name before its prefix ("Ann" before "Ann family")."""
    return " ".join(fold(text).translate(_BELOW_SEPARATOR).split())


# --- e-mail addresses ---------------------------------------------------------------------------------------------

# Invisible characters outside the refused categories below: the Default_Ignorable_Code_Points that are marks or
# letters (combining grapheme joiner, Hangul fillers, Khmer inherent vowels, variation selectors) and the blank
# braille pattern.
_INVISIBLE = frozenset(
    {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0}
    | set(range(0x180B, 0x1810))
    | set(range(0xFE00, 0xFE10))
    | set(range(0xE0100, 0xE01F0))
)
# Controls, formats (zero-width and bidi controls, soft hyphen, BOM), unassigned, private use, surrogates, and any
# space or separator but the ASCII space (which the address pattern refuses already).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp", "Zs"})
# Characters of scripts Common (digits, punctuation) and Inherited (combining marks) go with any script.
_ANY_SCRIPT = frozenset({"Zyyy", "Zinh"})
# UTS #39 "highly restrictive": one script, or Latin with the scripts Chinese, Japanese and Korean mix with it.
_MIXES = (
    frozenset({"Latn", "Hani", "Hira", "Kana"}),
    frozenset({"Latn", "Hani", "Bopo"}),
    frozenset({"Latn", "Hani", "Hang"}),
)
_SHAPE = re.compile(r"[^@\s#]+@[^@\s#]+\.[^@\s#]+")


def normal_address(address: str) -> str:
    """An address as stored and shown: trimmed, in Unicode NFC (so "jörg"
    typed as "o" and a combining diaeresis is the same text as with "ö")."""
    return unicodedata.normalize("NFC", address.strip())


def email_key(address: str) -> str:
    """An address's identity, for uniqueness per firm and for look-ups: NFKC
    with case folded, so case, NFD/NFC and compatibility forms (a fullwidth
    "a", U+FF41; ligatures) give one key. For ASCII and the usual accented letters
    it equals the earlier key, ``address.casefold()``: stored keys stay valid."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", address.strip()).casefold())


def _named(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()


def _scripts(part: str) -> dict[str, str]:
    """The scripts of ``part`` other than Common and Inherited, each with its first character."""
    found: dict[str, str] = {}
    for char in part:
        code = unicode_scripts.script(char)
        if code not in _ANY_SCRIPT:
            found.setdefault(code, char)
    return found


def address_problem(address: str) -> str | None:
    """Why an address (NFC) is refused, or None: an invisible, control or
    bidi character anywhere; compatibility forms of "@", "#" or a space; a
    part before the "@", or a domain label, that starts with a combining mark
    or mixes scripts beyond UTS #39 "highly restrictive" (how browsers judge
    a domain): a Cyrillic "a" (U+0430) among Latin letters is refused."""
    for char in address:
        if unicodedata.category(char) in _REFUSED_CATEGORIES or ord(char) in _INVISIBLE:
            return f"contains an invisible, control or text-direction character ({_named(char)})"
    if not _SHAPE.fullmatch(unicodedata.normalize("NFKC", address)):
        return 'contains a character that stands for "@", "#" or a space'
    local, _, domain = address.rpartition("@")
    for part, where in ((local, 'before the "@"'), *((label, "in the domain") for label in domain.split("."))):
        if part and unicodedata.category(part[0]).startswith("M"):
            return f"starts a part {where} with a combining mark ({_named(part[0])})"
        scripts = _scripts(part)
        if len(scripts) > 1 and not any(scripts.keys() <= mix for mix in _MIXES):
            shown = ", ".join(f'"{c}" ({_named(c)})' for c in list(scripts.values())[:3])
            return f"mixes scripts {where}: {shown}"
    return None
