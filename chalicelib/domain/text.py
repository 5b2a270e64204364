"""Text normalisation shared by sorting, uniqueness and search."""

from __future__ import annotations

import unicodedata

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


def email_key(address: str) -> str:
    """E-mail addresses are unique per firm case-insensitively."""
    return address.strip().casefold()
