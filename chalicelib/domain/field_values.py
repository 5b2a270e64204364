"""Custom field values, as plain functions: each kind's rule for a value, the
stored form, the JSON form, and what a change of an account's values is.

Values arrive as JSON. A definition's kind decides what is accepted:

| kind | accepted | stored |
|---|---|---|
| text | a string, at most 1,000 characters (trimmed) | the string |
| number | a JSON number (not a boolean, not a string), less than 10^15 in size, at most 10 decimal places | a decimal |
| date | a calendar date ``YYYY-MM-DD`` (years 1900 to 2200, ``chalicelib/domain/dates.py``) | the string |
| checkbox | true or false | the boolean |
| dropdown | one of the definition's options, exactly | the string |
| email | an e-mail address | the string |
| phone | a phone number (digits, spaces and ``+()./-``) | the string |
| address | an address object (line1, line2, city, region, postal_code, country) | the object |

``null`` clears a value (on PATCH) of a field that is defined.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from pydantic import TypeAdapter, ValidationError

from chalicelib.domain.dates import calendar_day
from chalicelib.domain.models.base import EmailAddress
from chalicelib.domain.models.people import Address, PhoneNumber

MAX_TEXT: Final = 1000
MAX_NUMBER: Final = Decimal(10) ** 15
MAX_DECIMALS: Final = 10  # also keeps every value inside DynamoDB's number range (down to 1e-130)
MAX_VALUES: Final = 30  # values set or cleared in one request (each change is a history line in its transaction)
MAX_STORED_BYTES: Final = 64 * 1024  # all of an account's or contact's values (removed fields' too), as JSON

_email: TypeAdapter[str] = TypeAdapter(EmailAddress)
_phone: TypeAdapter[str] = TypeAdapter(PhoneNumber)


class BadValue(ValueError):
    """The value does not fit the field's kind; the message says what would."""


@dataclass(frozen=True, slots=True)
class Definition:
    """What the rules need of a definition."""

    id: str
    kind: str
    options: tuple[str, ...] = ()


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise BadValue("expected a string")
    _encodable(value)
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise BadValue(f"at most {MAX_TEXT} characters")
    return text


def _encodable(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, which JSON allows and UTF-8 cannot hold
        raise BadValue("the text is not valid Unicode") from exc


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadValue("expected a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadValue("expected a finite number")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise BadValue("expected a number") from exc
    if abs(number) >= MAX_NUMBER:
        raise BadValue("at most 15 digits before the decimal point")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        raise BadValue(f"at most {MAX_DECIMALS} decimal places")
    return number


def _date(value: Any) -> str:
    if not isinstance(value, str):
        raise BadValue("expected a date as YYYY-MM-DD")
    try:
        return calendar_day(value)
    except ValueError as exc:
        raise BadValue(str(exc)) from exc


def _checkbox(value: Any) -> bool:
    if not isinstance(value, bool):
        raise BadValue("expected true or false")
    return value


def _adapted(adapter: TypeAdapter[str], value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise BadValue(f"expected {what}")
    try:
        return adapter.validate_python(value, strict=True)
    except ValidationError as exc:
        raise BadValue(f"expected {what}") from exc


def _address(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise BadValue("expected an address object")
    try:
        return Address.model_validate(value).model_dump()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise BadValue(f"address {where}: {first['msg']}" if where else first["msg"]) from exc


def stored(definition: Definition, value: Any) -> Any:
    """``value`` as stored for a field of ``definition``'s kind, or BadValue."""
    kind = definition.kind
    if kind == "text":
        return _text(value)
    if kind == "number":
        return _number(value)
    if kind == "date":
        return _date(value)
    if kind == "checkbox":
        return _checkbox(value)
    if kind == "dropdown":
        if not isinstance(value, str) or value not in definition.options:  # options are valid Unicode
            raise BadValue(f"expected one of the options: {', '.join(definition.options) or '(none yet)'}")
        return value
    if kind == "email":
        return _adapted(_email, value, "an e-mail address")
    if kind == "phone":
        return _adapted(_phone, value, "a phone number")
    if kind == "address":
        return _address(value)
    raise BadValue(f"unknown kind {kind}")


def stored_size(values: Mapping[str, Any]) -> int:
    """The UTF-8 size of the values as JSON: what they add to their item (DynamoDB allows 400 KB an item)."""
    return len(json.dumps(values, default=str, ensure_ascii=False).encode("utf-8"))


def as_json(value: Any) -> Any:
    """A stored value as JSON: decimals become numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    return value


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field id, old value, new value) for each value that differs; None is "no value"."""
    return [(f, old.get(f), new.get(f)) for f in sorted(set(old) | set(new)) if old.get(f) != new.get(f)]
