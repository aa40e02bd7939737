"""Coordinates: longitude and latitude within China's extent, swapped axes, conversion to WGS-84."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence

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


# -- a coordinate pair: swapped axes and the conversion to WGS-84 ---------------------------------
#
# Chinese map services publish GCJ-02 ("火星坐标", 高德/腾讯) or BD-09 (百度) coordinates: WGS-84
# shifted by a public, deterministic formula by some hundreds of metres. CGCS2000 (国家2000) and
# WGS-84 agree to within centimetres, far below the precision of an address point, so CGCS2000 is
# taken as is. The forward formulas come from the ``coordTransform`` package (MIT, maintained,
# batch C implementation); its GCJ-02 → WGS-84 is the usual one-step approximation (errors up to
# a couple of metres), so the inverse here refines it by fixed-point iteration on the forward
# formula until it reproduces the given point to 1e-9 degrees (well under a millimetre).

ANY_AXIS_RANGE = (min(LONGITUDE_RANGE[0], LATITUDE_RANGE[0]), max(LONGITUDE_RANGE[1], LATITUDE_RANGE[1]))
CRS_AS_WGS84 = {"WGS84", "CGCS2000"}
_INVERSE_TOLERANCE = 1e-9


def coordinate(value: str) -> Standardized:
    """A longitude or latitude in decimal degrees; which axis it is, and whether it lies in
    China, is checked with the other one (:func:`check_pair`): a latitude of 111.3 is most
    likely a swapped longitude, not garbage."""
    return _coordinate(value, "coordinate", ANY_AXIS_RANGE)


def _in(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def check_pair(longitude: float | None, latitude: float | None
               ) -> tuple[float | None, float | None, tuple[Issue, ...]]:
    """(longitude, latitude, issues) for a pair given as numbers: swapped axes are swapped back
    (note ``coordinates_swapped``); an axis outside China becomes None (``coordinate_invalid``);
    a pair with one half missing is dropped (``coordinate_invalid``)."""
    if longitude is None and latitude is None:
        return None, None, ()
    if longitude is None or latitude is None:
        given, other = (f"longitude {longitude}", "latitude") if longitude is not None else \
            (f"latitude {latitude}", "longitude")
        return None, None, (Issue("coordinate_invalid", f"{given} has no {other} beside it; the point is not used"),)
    if _in(longitude, LONGITUDE_RANGE) and _in(latitude, LATITUDE_RANGE):
        return longitude, latitude, ()
    if _in(latitude, LONGITUDE_RANGE) and _in(longitude, LATITUDE_RANGE) and not _in(longitude, LONGITUDE_RANGE):
        return latitude, longitude, (Issue(
            "coordinates_swapped", f"longitude {longitude} and latitude {latitude} were swapped; "
            f"stored as longitude {latitude}, latitude {longitude}"),)
    issues = []
    if not _in(longitude, LONGITUDE_RANGE):
        issues.append(Issue("coordinate_invalid", f"longitude {longitude} lies outside China "
                            f"({LONGITUDE_RANGE[0]}–{LONGITUDE_RANGE[1]}); the point is not used"))
    if not _in(latitude, LATITUDE_RANGE):
        issues.append(Issue("coordinate_invalid", f"latitude {latitude} lies outside China "
                            f"({LATITUDE_RANGE[0]}–{LATITUDE_RANGE[1]}); the point is not used"))
    return None, None, tuple(issues)


def _refine(forward: Callable[[float, float], Sequence[float]], lon: float, lat: float,
            start: Sequence[float]) -> tuple[float, float]:
    """The point p with forward(p) == (lon, lat), by fixed-point iteration from ``start``."""
    x, y = float(start[0]), float(start[1])
    for _ in range(30):
        fx, fy = forward(x, y)
        dx, dy = fx - lon, fy - lat
        x, y = x - dx, y - dy
        if abs(dx) < _INVERSE_TOLERANCE and abs(dy) < _INVERSE_TOLERANCE:
            break
    return x, y


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 of a GCJ-02 point (inverse of the public formula, sub-millimetre)."""
    import coordTransform

    return _refine(coordTransform.wgs84_to_gcj02, lon, lat, coordTransform.gcj02_to_wgs84(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 of a BD-09 (Baidu) point: BD-09 → GCJ-02 → WGS-84, each inverted exactly."""
    import coordTransform

    gcj = _refine(coordTransform.gcj02_to_bd09, lon, lat, coordTransform.bd09_to_gcj02(lon, lat))
    return gcj02_to_wgs84(*gcj)


def to_wgs84(longitude: float, latitude: float, crs: str | None) -> tuple[float, float] | None:
    """The WGS-84 point of a point in ``crs`` (WGS84, CGCS2000, GCJ02, BD09); None if the CRS is
    unknown."""
    if crs in CRS_AS_WGS84:
        return longitude, latitude
    if crs == "GCJ02":
        return gcj02_to_wgs84(longitude, latitude)
    if crs == "BD09":
        return bd09_to_wgs84(longitude, latitude)
    return None
