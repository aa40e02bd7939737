"""Chinese mobile and landline numbers (validated with the ``phonenumbers`` metadata).

Mobile numbers come out as 11 digits (13812345678); landlines as area code, dash, local number
(027-87654321); an extension is dropped. ``+86``/``0086`` prefixes, spaces, dashes and brackets
are accepted.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import phonenumbers

from . import Issue, Standardized

_PLAIN_MOBILE = re.compile(r"1\d{10}")
_EXTENSION = re.compile(r"(?:转|ext\.?|x|#)\s*\d{1,6}$", re.IGNORECASE)


@cache
def _mobile_pattern() -> re.Pattern[str]:
    """phonenumbers' own pattern of valid Chinese mobile numbers (fast path for the common case)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    assert metadata is not None and metadata.mobile is not None
    return re.compile(metadata.mobile.national_number_pattern or r"$^")


def phone(value: str) -> Standardized:
    raw = unicodedata.normalize("NFKC", value).strip()
    if _PLAIN_MOBILE.fullmatch(raw) and _mobile_pattern().fullmatch(raw):
        return Standardized(raw, {"raw": raw})
    text = _EXTENSION.sub("", raw).strip()
    text = re.sub(r"^00\s*86", "+86", text)
    problem = Issue("phone_invalid", f"{value!r} is not a valid Chinese mobile or landline number")
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return Standardized(None, {"raw": raw}, (problem,))
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return Standardized(None, {"raw": raw}, (problem,))
    national = str(number.national_number)
    area = phonenumbers.length_of_geographical_area_code(number)
    if area:
        return Standardized(f"0{national[:area]}-{national[area:]}", {"raw": raw})
    return Standardized(national, {"raw": raw})
