"""Chinese mobile and landline numbers (validated with the ``phonenumbers`` metadata).

Mobile numbers come out as 11 digits (13812345678); landlines as area code, dash, local number
(027-87654321); an extension is dropped. ``+86``/``0086`` prefixes, spaces, dashes and brackets
are accepted.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from . import Issue, Standardized

_EXTENSION = re.compile(r"(?:转|ext\.?|x|#)\s*\d{1,6}$", re.IGNORECASE)


def phone(value: str) -> Standardized:
    raw = unicodedata.normalize("NFKC", value).strip()
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
