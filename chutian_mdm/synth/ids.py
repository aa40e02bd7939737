"""Identifiers with correct check characters, and the ways departments get them wrong.

Citizen IDs follow GB 11643 (check digit by ``stdnum.cn.ric``); unified social credit codes
follow GB 32100 (check character by ``stdnum.cn.uscc``) with a GB 11714 organisation code inside.
"""

from __future__ import annotations

import datetime as dt
import random

from stdnum.cn import ric, uscc

from .dirt import Dirt, fullwidth

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def citizen_id(region: str, birth: dt.date, sequence: int) -> str:
    """An 18-character citizen ID; ``sequence`` (1–999) is odd for men and even for women."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def sequence_for(rng: random.Random, male: bool) -> int:
    """A three-digit sequence number whose parity encodes the gender."""
    return rng.randrange(0, 497) * 2 + (1 if male else 2)


def legacy_15(number: str) -> str:
    """The pre-1999 15-digit form: no century, no check digit (only for births 1900–1999)."""
    return number[:6] + number[8:17]


def with_wrong_check(number: str, rng: random.Random) -> str:
    """The same number with a check character that does not match."""
    alphabet = "0123456789X" if len(number) == 18 and number[:17].isdigit() else USCC_ALPHABET
    wrong = rng.choice([c for c in alphabet if c != number[-1]])
    return number[:-1] + wrong


def with_transposed_digits(number: str, rng: random.Random) -> str | None:
    """Two adjacent, different characters of the body swapped (a typing error); None if the
    body has no such pair."""
    positions = [i for i in range(len(number) - 2) if number[i] != number[i + 1]]
    if not positions:
        return None
    i = rng.choice(positions)
    return number[:i] + number[i + 1] + number[i] + number[i + 2:]


def organisation_code(rng: random.Random, modern: bool, prefix: str = "MA4") -> str:
    """A 9-character GB 11714 organisation code with its check character.

    Codes issued since 2015 inside a USCC look like ``MA4K3QXR7`` (``prefix`` and random
    characters); older ones are 8 digits.
    """
    if modern:
        body = prefix + "".join(rng.choice(USCC_ALPHABET) for _ in range(8 - len(prefix)))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def unified_social_credit_code(authority_and_type: str, division: str, org_code: str) -> str:
    """A GB 32100 code: registering authority + entity type (``91`` company, ``12`` public
    institution, ``51`` social organisation), division, organisation code, check character."""
    body = authority_and_type + division + org_code
    return body + uscc.calc_check_digit(body)


def taxpayer_number_15(division: str, org_code: str) -> str:
    """The pre-2015 taxpayer identification number: division + organisation code."""
    return division + org_code


def dirty_citizen_id(number: str, birth_year: int, dirt: Dirt, rate: float) -> str:
    """A citizen ID as a department may hold it; ``rate`` scales how often it is damaged."""
    rng = dirt.rng
    if 1900 <= birth_year <= 1999 and dirt.roll(0.04 * rate):
        number = legacy_15(number)
        dirt.mark("citizen_id_legacy_15")
    elif dirt.roll(0.015 * rate):
        number = with_wrong_check(number, rng)
        dirt.mark("citizen_id_bad_check_digit")
    elif dirt.roll(0.01 * rate) and (swapped := with_transposed_digits(number, rng)):
        number = swapped
        dirt.mark("citizen_id_transposed_digits")
    if number.endswith("X") and dirt.roll(0.3):
        number = number[:-1] + "x"
        dirt.mark("citizen_id_lowercase_x")
    if dirt.roll(0.02 * rate):
        number = fullwidth(number)
        dirt.mark("citizen_id_fullwidth")
    elif dirt.roll(0.01 * rate):
        number = f"{number[:6]} {number[6:14]} {number[14:]}"
        dirt.mark("citizen_id_spaces")
    return number
