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


# -- 纳税人识别号 (taxpayer identification number) ------------------------------------------------
#
# Since 2015 a taxpayer's number is its USCC. Older registrations carry the 15-character number
# (6-digit division + 9-character GB 11714 organisation code, which is also characters 9–17 of the
# USCC issued later); a further registration of the same taxpayer (e.g. a temporary one) is the
# USCC followed by a 2-digit sequence (…01).

_ORG_CODE = re.compile(r"[0-9A-Z]{8}[0-9X]")
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_TAXPAYER_LEGACY = re.compile(r"\d{6}[0-9A-Z]{8}[0-9X]")
_TAXPAYER_SUFFIXED = re.compile(r"([0-9A-HJ-NPQRTUWXY]{18})(\d{2})")


def organisation_code_check(body: str) -> str:
    """The GB 11714 check character of an organisation code's first 8 characters."""
    total = sum(int(c, 36) * w for c, w in zip(body[:8], _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def taxpayer_id(value: str) -> Standardized:
    """A 纳税人识别号: the USCC, the pre-2015 15-character number, or a USCC with a 2-digit
    registration suffix. Derived: ``kind`` (uscc / legacy_15 / uscc_suffixed / other), ``uscc``
    (the USCC it is or contains, when valid), ``org_code`` (the 9-character organisation code in
    it: a USCC's characters 9–17, a 15-character number's last 9 — the link between the two)."""
    raw = _compact(value)
    if _USCC.fullmatch(raw):
        result = uscc(raw)
        if result.value is not None:
            return Standardized(raw, {"kind": "uscc", "uscc": raw, "org_code": raw[8:17]})
        return Standardized(raw, {"kind": "other", "uscc": None, "org_code": None}, (Issue(
            "taxpayer_id_format", f"纳税人识别号 {value!r} looks like a USCC but its check character is "
            f"wrong ({result.issues[0].message})"),))
    if _TAXPAYER_LEGACY.fullmatch(raw):
        division, org = raw[:6], raw[6:]
        if organisation_code_check(org) == org[8] and divisions.lookup(division) is not None:
            return Standardized(raw, {"kind": "legacy_15", "uscc": None, "org_code": org}, (Issue(
                "taxpayer_id_legacy", f"纳税人识别号 {raw} is a pre-2015 number: division {division} + "
                f"organisation code {org[:8]}-{org[8]} (characters 9–17 of its USCC)"),))
    if (match := _TAXPAYER_SUFFIXED.fullmatch(raw)) and uscc(match.group(1)).value is not None:
        base, suffix = match.groups()
        return Standardized(raw, {"kind": "uscc_suffixed", "uscc": base, "org_code": base[8:17]}, (Issue(
            "taxpayer_id_suffixed", f"纳税人识别号 {raw} is USCC {base} with registration suffix {suffix}: "
            "a further tax registration of the same taxpayer"),))
    return Standardized(raw, {"kind": "other", "uscc": None, "org_code": None}, (Issue(
        "taxpayer_id_format", f"纳税人识别号 {value!r} is neither a USCC, nor a pre-2015 15-character "
        "number (division + organisation code), nor a USCC with a 2-digit suffix"),))
