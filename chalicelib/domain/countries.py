"""ISO 3166-1 alpha-2 country codes: the 249 officially assigned codes (the
Debian iso-codes list of 2024; no user-assigned codes such as "XX" or "XK").

A static list, so checking a country needs no dependency and no I/O. Stored
addresses are not checked again when read: data written before the check
(any two capital letters) still reads.
"""

from __future__ import annotations

from typing import Final

_CODES: Final = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """
ISO_3166_ALPHA_2: Final = frozenset(_CODES.split())


def known_country(code: str) -> str:
    """``code`` in capitals if it is an assigned code ("" for none). Lower
    case is accepted and normalised ("nl" → "NL"); the error's type is the
    field code ``unknown_country``."""
    upper = code.upper()
    if upper and upper not in ISO_3166_ALPHA_2:
        from pydantic_core import PydanticCustomError  # here: the module's users may not load pydantic

        raise PydanticCustomError("unknown_country", "not an ISO 3166-1 alpha-2 country code (such as NL or US)")
    return upper
