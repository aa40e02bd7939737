"""Identifiers: citizen ID numbers (GB 11643) and unified social credit codes (GB 32100).

Check characters are computed by python-stdnum. A number that fails its check is kept only as
``…_raw`` and never used as an identifier; the value is None so matching cannot rely on it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc

from . import Issue, Standardized, divisions
from .dates import today

_ID18 = re.compile(r"\d{17}[\dX]")
_ID15 = re.compile(r"\d{15}")
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")


def _compact(value: str) -> str:
    text = unicodedata.normalize("NFKC", value)
    return re.sub(r"[\s\-]", "", text).upper()


def upgrade_15(number: str) -> str:
    """The 18-digit form of a legacy 15-digit ID: century 19 inserted, check digit computed."""
    body = number[:6] + "19" + number[6:]
    return body + check_digit(body)


def check_digit(body: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check digit of the first 17 digits."""
    return ric.calc_check_digit(body[:17] + "0")  # stdnum expects a placeholder check digit


def citizen_id(value: str) -> Standardized:
    """Validate and standardise a 公民身份号码; derive birth date, gender and region."""
    raw = _compact(value)
    derived: dict[str, object] = {"raw": raw}
    issues: list[Issue] = []
    if _ID15.fullmatch(raw):
        number = upgrade_15(raw)
        issues.append(Issue("citizen_id_upgraded", f"legacy 15-digit ID {raw} upgraded to {number}"))
    elif _ID18.fullmatch(raw):
        number = raw
    else:
        return Standardized(None, derived, (Issue(
            "citizen_id_format",
            f"{value!r} is not a citizen ID (18 digits, the last may be X; or 15 digits)"),))
    check = check_digit(number)
    if check != number[17]:
        return Standardized(None, derived, (Issue(
            "citizen_id_checksum",
            f"{value!r}: check digit should be {check}, not {number[17]} (GB 11643)"),))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return Standardized(None, derived, (Issue(
            "citizen_id_birth_date", f"{value!r}: {number[6:14]} is not a real birth date"),))
    if birth > today() or birth.year < 1850:
        return Standardized(None, derived, (Issue(
            "citizen_id_birth_date", f"{value!r}: birth date {birth} is impossible"),))
    region = number[:6]
    division = divisions.lookup(region)
    if division is None:
        issues.append(Issue("citizen_id_region_unknown",
                            f"{region} (first six digits of {number}) is not a GB/T 2260 code"))
    elif division.first_year and division.first_year > birth.year:
        issues.append(Issue("citizen_id_region_newer",
                            f"region {region} {division.name} exists since {division.first_year}, "
                            f"after the birth year {birth.year}: a number issued or re-issued later"))
    derived.update(
        birth_date=birth,
        gender="1" if int(number[16]) % 2 else "2",
        region=division.full_name if division else None,
    )
    return Standardized(number, derived, tuple(issues))


def uscc(value: str) -> Standardized:
    """Validate a 统一社会信用代码; derive the division code it carries (characters 3–8)."""
    raw = _compact(value)
    derived: dict[str, object] = {"raw": raw}
    if not _USCC.fullmatch(raw):
        return Standardized(None, derived, (Issue(
            "uscc_format", f"{value!r} is not a unified social credit code (18 characters of the "
            "GB 32100 alphabet: digits and capital letters except I, O, S, V, Z)"),))
    check = stdnum_uscc.calc_check_digit(raw[:17])
    if check != raw[17]:
        return Standardized(None, derived, (Issue(
            "uscc_checksum", f"{value!r}: check character should be {check}, not {raw[17]} (GB 32100)"),))
    derived["division"] = raw[2:8]
    return Standardized(raw, derived)
