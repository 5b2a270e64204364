"""The ``Prefer`` request header (RFC 7240), read for its ``return`` preference only.

``Prefer: return=minimal`` asks an edit to answer 204 with the new ETag instead of the resource.
A preference is a hint: a header this cannot read, or a value it does not know, is ignored
(never a 400), as RFC 7240 section 2 asks of a server.
"""

from __future__ import annotations

import re

# One preference: a token name, an optional ``= token-or-quoted-string`` value, and ``;`` parameters
# (ignored here). Whitespace around ``=`` is allowed (RFC 7240's BWS). Every repeat is possessive: a long run
# of spaces must not make the match backtrack (a header of 10 KB took a second of CPU).
_PREFERENCE = re.compile(
    r"""\s*+(?P<name>[!#$%&'*+.^_`|~0-9A-Za-z-]++)
        (?:\s*+=\s*+(?:"(?P<quoted>(?:[^"\\]|\\.)*+)"|(?P<token>[!#$%&'*+.^_`|~0-9A-Za-z-]++)))?
        \s*+(?:;[^,"]*+(?:"(?:[^"\\]|\\.)*+"[^,"]*+)*+)?\s*+(?:,|$)""",
    re.VERBOSE,
)
MINIMAL = "minimal"
REPRESENTATION = "representation"


def preferences(header: str | None) -> dict[str, str]:
    """The header's preferences, by lower-cased name, with their values ("" for none).

    Several preferences are separated by commas (or sent as several headers, which HTTP joins with
    commas); the first of a name counts (RFC 7240 section 2). A part that is not a preference is
    skipped up to the next comma.
    """
    found: dict[str, str] = {}
    if not header:
        return found
    position = 0
    while position < len(header):
        if header[position] in " \t,":  # empty list elements (``a, ,b``) are allowed
            position += 1
            continue
        match = _PREFERENCE.match(header, position)
        if match is None:
            comma = header.find(",", position)
            position = len(header) if comma < 0 else comma + 1
            continue
        name = match.group("name").lower()
        quoted = match.group("quoted")
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else match.group("token") or ""
        found.setdefault(name, value)
        position = match.end()
    return found


def wants_minimal(header: str | None) -> bool:
    """Whether the caller asked for ``return=minimal`` (its value compared case-insensitively)."""
    return preferences(header).get("return", "").lower() == MINIMAL
