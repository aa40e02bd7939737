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
        completed = addresses.complete_with(parsed, code)
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
