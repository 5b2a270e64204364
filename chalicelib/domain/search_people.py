"""Contacts in search (docs/data-model.md, "Search"): the people an account
is found by, and how a phone number and a query are reduced to digits. Plain
functions, no database; the matching itself is ``search_terms.match``.

Phone numbers (the rule, also in docs/api.md): spaces, dashes, dots,
slashes and parentheses are ignored. A number written with a country code
(a leading ``+`` or ``00``) is found by two digit strings: the international
one (country code and number, without a trunk ``0`` written after the
country code, as in ``+31 (0)6 …``) and the national one (``0`` and the digits
after the country code): ``+31 6 12345678`` → ``31612345678`` and
``0612345678``. A number without a country code is found by its digits as
written. A query finds a number when it is 4 or more digits found anywhere
in one of those strings (``0612``, ``12345``, ``316123``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

MIN_PHONE_DIGITS: Final = 4  # shorter runs of digits would find nearly every number
# Country codes are prefix-free (ITU-T E.164): 1 and 7 are the one-digit
# codes, these the two-digit ones; every other code has three digits.
_TWO_DIGIT_CODES: Final = frozenset(
    {
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48",
        "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81",
        "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    }
)  # fmt: skip
_DIGITS = re.compile(r"[^0-9]")
_PHONE_WORD = re.compile(r"[0-9+()./-]+")  # a query word written like a phone number
_PHONE_QUERY = re.compile(r"[0-9+()./\s-]+")


@dataclass(frozen=True, slots=True)
class Person:
    """A contact as search sees it: enough to match a query and to say which
    contact matched."""

    id: str
    first_name: str
    middle_name: str
    last_name: str
    phones: tuple[str, ...] = ()  # as written

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    def name_fields(self) -> list[tuple[str, str]]:
        """(field, text) of each name given."""
        fields = (("first_name", self.first_name), ("middle_name", self.middle_name), ("last_name", self.last_name))
        return [(f, t) for f, t in fields if t]

    @property
    def size(self) -> int:
        """About the bytes it adds to an index entry."""
        texts = (self.id, self.first_name, self.middle_name, self.last_name, *self.phones)
        return sum(len(t.encode()) + 1 for t in texts)


def _country_code_length(digits: str) -> int:
    if digits[:1] in ("1", "7"):
        return 1
    return 2 if digits[:2] in _TWO_DIGIT_CODES else 3


def _international(digits: str) -> tuple[str, str]:
    """(country code, the number after it without a trunk 0)."""
    code = digits[: _country_code_length(digits)]
    rest = digits[len(code) :]
    return code, rest[1:] if rest.startswith("0") else rest


def phone_forms(number: str) -> tuple[str, ...]:
    """The digit strings a number is found by: international then national
    when written with a country code, else its digits (none: no digits)."""
    compact = "".join(number.split())
    digits = _DIGITS.sub("", compact)
    stripped = compact.lstrip("(")
    if stripped.startswith("+"):
        international = digits
    elif stripped.startswith("00") and len(digits) > 2:
        international = digits[2:]
    else:
        return (digits,) if digits else ()
    if not international:
        return ()
    code, rest = _international(international)
    return (code + rest, "0" + rest) if rest else (code,)


def phone_tokens(number: str) -> dict[str, bool]:
    """Every suffix of 4+ digits of the number's forms (a run of digits in a
    form is a prefix of one of them), each with whether it is a whole form."""
    found: dict[str, bool] = {}
    for form in phone_forms(number):
        for start in range(len(form) - MIN_PHONE_DIGITS + 1):
            found[form[start:]] = found.get(form[start:], False) or start == 0
    return found


def query_digits(word: str) -> tuple[str, bool] | None:
    """A query word's digits for finding phone numbers, and whether the word
    is only a phone number (it has a country code or phone punctuation: it
    then matches no name or address); None when the word is not written like
    a number. The digits may be fewer than 4: such a word finds no number."""
    if not _PHONE_WORD.fullmatch(word) or not any(c.isdigit() for c in word):
        return None
    digits = _DIGITS.sub("", word)
    if word.isdigit() and not (word.startswith("00") and len(word) >= 2 + MIN_PHONE_DIGITS):
        return digits, False
    if word.lstrip("(").startswith(("+", "00")):
        international = digits[2:] if word.lstrip("(").startswith("00") else digits
        if not international:
            return "", True
        code, rest = _international(international)
        return code + rest, True
    return digits, True


def joined_phone_query(q: str) -> str | None:
    """A query of several words that together are one phone number
    ("06 1234 5678", "+31 6 12345678"): the number without its spaces."""
    words = q.split()
    if len(words) > 1 and _PHONE_QUERY.fullmatch(q.strip()) and any(c.isdigit() for c in q):
        return "".join(words)
    return None


def phone_match(digits: str, number: str) -> bool | None:
    """None when ``digits`` is not in the number, else whether it is a whole form."""
    forms = phone_forms(number)
    if not any(digits in f for f in forms):
        return None
    return digits in forms


def within_people(people: list[Person], budget: int) -> tuple[Person, ...]:
    """The first people that fit in ``budget`` bytes (at least one)."""
    kept: list[Person] = []
    used = 0
    for person in people:
        used += person.size
        if kept and used > budget:
            break
        kept.append(person)
    return tuple(kept)


def person_row(person: Person) -> list[str]:
    """A contact as copied onto an account and its list entries: [id, first, middle, last, *phones]."""
    return [person.id, person.first_name, person.middle_name, person.last_name, *person.phones]


def person_of(row: list[str]) -> Person | None:
    """``person_row`` read back (None: not such a row)."""
    if len(row) < 4:
        return None
    return Person(row[0], row[1], row[2], row[3], tuple(row[4:]))
