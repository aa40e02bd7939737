"""Coordinates: longitude and latitude within China's extent."""

from __future__ import annotations

import math
import unicodedata

from . import Issue, Standardized

LONGITUDE_RANGE = (73.0, 136.0)
LATITUDE_RANGE = (3.0, 54.0)


def _coordinate(value: str, kind: str, bounds: tuple[float, float]) -> Standardized:
    text = unicodedata.normalize("NFKC", value).strip().rstrip("°")
    try:
        number = float(text)
    except ValueError:
        return Standardized(None, {}, (Issue("coordinate_invalid", f"{kind} {value!r} is not a number"),))
    if not math.isfinite(number) or not bounds[0] <= number <= bounds[1]:
        return Standardized(None, {}, (Issue(
            "coordinate_invalid", f"{kind} {value!r} lies outside China ({bounds[0]}–{bounds[1]})"),))
    return Standardized(number)


def longitude(value: str) -> Standardized:
    return _coordinate(value, "longitude", LONGITUDE_RANGE)


def latitude(value: str) -> Standardized:
    return _coordinate(value, "latitude", LATITUDE_RANGE)
