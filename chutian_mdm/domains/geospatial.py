"""自然资源和空间地理 — standard addresses and places.

At ingest, per row:

- the address text is parsed (``standardize.addresses``) and completed from ``division_code``;
  component columns (省 … 户室) that the department left empty are filled from it (note
  ``address_components_filled``), components that contradict it are flagged
  (``address_component_conflict``, ``address_division_conflict``) and keep the given value;
- ``address_standard`` is rewritten from the text's parts plus the given components the text
  lacks (building/unit/room are often only in their columns), ``address_key`` is the matching key;
- the coordinate pair is checked (swapped axes fixed: ``coordinates_swapped``) and converted to
  WGS-84 into ``longitude_wgs84``/``latitude_wgs84`` (the given values and CRS stay as given).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..standardize import addresses, divisions, geo
from .base import Columns, Report

EXTRA_COLUMNS = {"address_key": "text", "longitude_wgs84": "double precision", "latitude_wgs84": "double precision"}

_LABELS = {"province": "省", "city": "市", "county": "区县", "township": "乡镇街道", "community": "社区村",
           "road": "街路巷", "door_number": "门牌号", "building": "楼栋", "unit": "单元", "room": "户室"}
_parse = lru_cache(maxsize=65_536)(addresses.parse)
_normalize = lru_cache(maxsize=65_536)(addresses.normalize_component)


def cross_checks(columns: Columns, report: Report) -> None:
    _check_addresses(columns, report)
    _check_coordinates(columns, report)


def _check_addresses(columns: Columns, report: Report) -> None:
    rows = len(columns["address"])
    standard, division = columns["address_standard"], columns["address_division"]
    keys: list[str | None] = [None] * rows
    codes, code_names = columns["division_code"], columns["division_code_name"]
    for i, text in enumerate(columns["address"]):
        if text is None:
            continue
        parsed = _parse(text)
        code = codes[i]
        if parsed.division_code and code and not divisions.is_within(code, parsed.division_code) \
                and not divisions.is_within(parsed.division_code, code):
            report(i, "division_code", "address_division_conflict",
                   f"division code {code} ({code_names[i] or 'unknown'}) is not where the address "
                   f"{text!r} lies ({divisions.name_of(parsed.division_code)}, {parsed.division_code})")
        # No division code beside the text: the component columns may still say where it is
        # (青山区 is in 武汉 and in 包头; the 市 column tells which).
        completed = addresses.complete_with(
            parsed, code or _division_of(columns["city"][i], columns["county"][i] or parsed.county))
        merged: dict[str, str] = {}
        filled: list[str] = []
        for part in addresses.COMPONENTS:
            given = _normalize(part, columns[part][i])
            found = completed.part(part)
            if given is None:
                if found is not None:
                    columns[part][i] = found
                    filled.append(part)
            elif found is None:
                merged[part] = given
            elif given != found:
                report(i, part, "address_component_conflict",
                       f"{part} ({_LABELS[part]}) {columns[part][i]!r} differs from {found!r} in the "
                       f"address {text!r}; kept as given")
        if code is None and completed.division_code is not None:
            codes[i], code_names[i] = completed.division_code, divisions.name_of(completed.division_code)
            filled.append("division_code")
        if filled:
            report(i, "address", "address_components_filled",
                   "filled from the address text: " + ", ".join(filled))
        final = addresses.with_parts(completed, merged)
        standard[i], division[i], keys[i] = final.standard(), final.division_code, final.key()
    columns["address_key"] = keys


@lru_cache(maxsize=4096)
def _division_of(city: str | None, county: str | None) -> str | None:
    """The division code the 市 and 区县 columns name, when they name exactly one current one."""
    city_name, county_name = _normalize("city", city), _normalize("county", county)
    cities = [c for c in divisions.find_codes(city_name, "city") if not divisions.table()[c].retired] \
        if city_name else []
    within = cities[0] if len(cities) == 1 else None
    if county_name:
        counties = [c for c in divisions.find_codes(county_name, "county", within=within)
                    if not divisions.table()[c].retired]
        if len(counties) == 1:
            return counties[0]
    return within


def _check_coordinates(columns: Columns, report: Report) -> None:
    longitudes, latitudes, crs = columns["longitude"], columns["latitude"], columns["crs"]
    rows = len(longitudes)
    out_lon: list[float | None] = [None] * rows
    out_lat: list[float | None] = [None] * rows
    for i in range(rows):
        if longitudes[i] is None and latitudes[i] is None:
            continue
        lon, lat, issues = geo.check_pair(longitudes[i], latitudes[i])
        for issue in issues:
            report(i, "latitude" if issue.message.startswith("latitude") else "longitude", issue.code, issue.message)
        longitudes[i], latitudes[i] = lon, lat
        if lon is None or lat is None:
            continue
        if crs[i] is None:
            report(i, "crs", "crs_missing",
                   f"coordinates {lon}, {lat} without a coordinate system: not converted to WGS-84")
            continue
        point = geo.to_wgs84(lon, lat, crs[i])
        if point is not None:
            out_lon[i], out_lat[i] = round(point[0], 7), round(point[1], 7)
    columns["longitude_wgs84"], columns["latitude_wgs84"] = out_lon, out_lat


# -- Matching (the engine is chutian_mdm/match; thresholds are in schemas/geospatial.yaml) ------

# Parts of the matching key (``420111|卓刀泉路303号18栋4单元1202室``), written the standard way
# at ingest whichever way the department wrote them: DuckDB SQL over ``address_key``.
_LOCAL = "split_part(address_key, '|', 2)"
_KEY_PARTS = {
    "county": "nullif(split_part(address_key, '|', 1), '')",
    "road": f"nullif(regexp_extract({_LOCAL}, '^(.*?)\\d+(-\\d+)?号', 1), '')",
    "door": f"nullif(regexp_extract({_LOCAL}, '(\\d+(-\\d+)?)号', 1), '')",
    # building, unit and room (18栋4单元1202室): what distinguishes flats behind one door
    "rooms": f"nullif(regexp_extract({_LOCAL}, '\\d+(-\\d+)?号(.*)$', 2), '')",
}


def _distance(left: str, right: str) -> str:
    """SQL: great-circle distance in metres between the WGS-84 points of a pair (haversine);
    ``left``/``right`` format a column name for each side (``{}_l`` or ``l.{}``)."""
    lon_l, lat_l = left.format("longitude_wgs84"), left.format("latitude_wgs84")
    lon_r, lat_r = right.format("longitude_wgs84"), right.format("latitude_wgs84")
    return (f"2 * 6371008.8 * asin(sqrt(power(sin(radians({lat_r} - {lat_l}) / 2), 2) + "
            f"cos(radians({lat_l})) * cos(radians({lat_r})) * power(sin(radians({lon_r} - {lon_l}) / 2), 2)))")


_DISTANCE = _distance("{}_l", "{}_r")
# Road names alike: the same, one character apart in names of four or more (南街 and 北街, 邓城大道
# and 襄州大道 are different roads), or one name inside the other (镇夷兴大道 / 夷兴大道).
_ROADS_ALIKE = ("{l} IS NOT DISTINCT FROM {r} OR (levenshtein({l}, {r}) <= 1 AND least(length({l}), length({r})) >= 4) "
                "OR contains({l}, {r}) OR contains({r}, {l})")
# The same standard address down to the door is the same place — unless the coordinates of the
# two records lie far apart (then the model and a steward decide).
_SAME_PLACE = ("l.address_key = r.address_key AND l.door IS NOT NULL AND (l.longitude_wgs84 IS NULL OR "
               f"r.longitude_wgs84 IS NULL OR {_distance('l.{}', 'r.{}')} <= 100)")


def _comparisons() -> list[Any]:
    """Place comparisons, most specific level first (DuckDB SQL over ``x_l`` / ``x_r``)."""
    from ..match.levels import comparison, else_level, level, null

    def same(column: str, m: float) -> Any:
        return comparison(column, [null(column),
                                   level(f"{column}_l = {column}_r", "same", m), else_level(1 - m)])

    return [
        comparison("address", [
            null("address_key"),
            level("address_key_l = address_key_r", "same standard address", 0.9),
            # A road name written a little differently (a typo, a prefix the parser kept): the
            # same door and flat. Two roads of a district often share a door number.
            level(f"county_l = county_r AND door_l = door_r AND rooms_l IS NOT DISTINCT FROM rooms_r "
                  f"AND ({_ROADS_ALIKE.format(l='road_l', r='road_r')})",
                  "same door and flat, road nearly the same", 0.03),
            level("county_l = county_r AND road_l = road_r AND door_l = door_r",
                  "same door, building or flat differs", 0.03),
            else_level(0.04),
        ]),
        comparison("distance", [
            null("longitude_wgs84"),
            level(f"{_DISTANCE} <= 20", "within 20 m", 0.9),
            level(f"{_DISTANCE} <= 100", "within 100 m", 0.05),
            level(f"{_DISTANCE} <= 1000", "within 1 km", 0.03),
            else_level(0.02),
        ]),
        same("place_name", 0.9),
        same("township", 0.8),
        same("community", 0.8),
    ]


def _matching() -> Any:
    from splink import block_on

    from ..match.spec import MatchSpec, Training

    return MatchSpec(
        reads=("address_key", "township", "community", "longitude_wgs84", "latitude_wgs84", "place_name"),
        derived=_KEY_PARTS,
        comparisons=_comparisons,
        blocking_rules=(
            block_on("address_key"),
            block_on("county", "road", "door"),
            block_on("county", "door", "rooms"),  # the road written differently
        ),
        deterministic_rules=(_SAME_PLACE,),
        # A door, a building and a flat are different places; so are two flats behind one door,
        # which share coordinates: the model alone links a pair only when all of them agree.
        link_conditions={
            "the same county, door, building, unit and room":
                "l.county = r.county AND l.door IS NOT DISTINCT FROM r.door "
                "AND l.rooms IS NOT DISTINCT FROM r.rooms",
            "the same road, or nearly": _ROADS_ALIKE.format(l="l.road", r="r.road"),
        },
        training=Training(
            deterministic_rules=(_SAME_PLACE,),
            recall=0.95,
            em_blocking_rules=(block_on("address_key"), block_on("county", "road", "door")),
        ),
    )


MATCHING = _matching()
