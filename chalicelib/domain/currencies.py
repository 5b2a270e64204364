"""Active ISO 4217 currency codes (invoices and credit are in one of these),
their minor units, and money as text in a currency."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from chalicelib.domain.errors import BadRequestError, FieldError

ISO_4217: Final = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "UYU",
        "UZS",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XCG",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
    ]
)


# ISO 4217's minor units where they are not 2 (the list's other codes have 2).
_MINOR_UNITS: Final = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
DEFAULT_CURRENCY: Final = "USD"  # of a firm or account stored before currencies could be chosen


def known_currency(code: str) -> str:
    if code not in ISO_4217:
        # Imported here: reading money as text (the Overview's read) needs no pydantic (cold start).
        from pydantic_core import PydanticCustomError

        # The error's type is the field's stable code (docs/api.md, "Currencies").
        raise PydanticCustomError("unknown_currency", "not an ISO 4217 currency code")
    return code


def minor_units(currency: str) -> int:
    """Decimals the currency's amounts have (JPY 0, EUR 2, KWD 3)."""
    return _MINOR_UNITS.get(currency, 2)


def _decimals(amount: Decimal) -> int:
    exponent = amount.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def checked_amount(text: str | Decimal, currency: str, loc: tuple[str | int, ...]) -> Decimal:
    """An amount as given, refused (400) when it has more decimals than the
    currency's minor units; "120.00" for JPY counts two, as written."""
    amount = Decimal(text)
    allowed = minor_units(currency)
    if _decimals(amount) > allowed:
        msg = (
            f"{currency} amounts have at most {allowed} decimals" if allowed else f"{currency} amounts have no decimals"
        )
        raise BadRequestError(
            f"Too many decimals: {msg}.", [FieldError(loc, msg, code="too_many_decimals")], code="too_many_decimals"
        )
    return amount


def money_text(value: Decimal | int | str, currency: str) -> str:
    """An amount as the API shows it: with the currency's minor units, and
    never fewer decimals than stored (an amount stored before the currency's
    rule shows whole, not rounded)."""
    amount = Decimal(value)
    places = max(minor_units(currency), _decimals(amount.normalize()) if amount else 0)
    return f"{amount:.{places}f}"
