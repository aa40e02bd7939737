"""空间地理 samples: ~200 true places in the natural-resources standard address register.

Some places are registered two or three times with slightly different text, components and
coordinates (a few metres apart, or in GCJ-02 where the crs column says so). About a third of
the places are where persons of the population samples live (their flat, or its building) and
where companies of the legal-entity samples are registered, so that links across the databases
have something to find.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .addresses import Address, jitter, random_address, wgs84_to_gcj02
from .dirt import Dirt, chinese_number, format_datetime, fullwidth, random_datetime, spaced
from .output import Draft, Record, SourceFile
from .regions import PLACE_KINDS, PLACE_WORDS, PROVINCE

__all__ = ["Place", "generate_geospatial"]

_CRS = (("WGS84", 55), ("GCJ02", 30), ("CGCS2000", 15))
_CRS_SYNONYMS = {"WGS84": ("WGS-84", "wgs84", "EPSG:4326"), "GCJ02": ("GCJ-02", "gcj02", "火星坐标"),
                 "CGCS2000": ("国家2000", "CGCS-2000", "EPSG:4490")}


@dataclass
class Place:
    entity_id: str
    address: Address
    place_name: str
    lon: float  # WGS84
    lat: float


def make_places(rng: random.Random, count: int = 200, anchors: Sequence[Address] = ()) -> list[Place]:
    """``count`` places: first one at each of the ``anchors`` (addresses persons and companies
    have), then random ones."""
    places: list[Place] = []
    seen: set[str] = set()
    for address in anchors:
        standard = address.standard()
        if len(places) >= count or standard in seen:
            continue
        seen.add(standard)
        places.append(_place(rng, address, len(places)))
    while len(places) < count:
        address = random_address(rng)
        level = rng.random()
        if level < 0.25:
            address = address.with_home(rng)  # a flat
        elif level < 0.6 and address.building is None:
            address = replace(address, building=rng.randint(1, 20))
        elif level >= 0.6:
            address = replace(address, building=None)  # a door: an office block, a shop
        standard = address.standard()
        if standard in seen:
            continue
        seen.add(standard)
        places.append(_place(rng, address, len(places)))
    return places


def _place(rng: random.Random, address: Address, index: int) -> Place:
    kinds = PLACE_KINDS if address.building is not None else ("大厦", "广场", "中心")
    name = rng.choice(PLACE_WORDS) + rng.choice(kinds) if rng.random() < 0.7 else ""
    lon, lat = address.lon_lat()
    return Place(f"G{index + 1:04d}", address, name, lon, lat)


def anchor_addresses(seed: int, homes: Sequence[Address], offices: Sequence[Address],
                     flats: int = 30, buildings: int = 10, companies: int = 25) -> list[Address]:
    """Addresses of persons and companies to register as places: ``flats`` homes, the buildings
    of ``buildings`` other homes, and ``companies`` registered addresses, in a shuffled order."""
    rng = random.Random(f"geospatial/{seed}/anchors")
    chosen = rng.sample(list(homes), min(flats + buildings, len(homes)))
    anchors = chosen[:flats] + [replace(a, unit=None, room=None) for a in chosen[flats:]]
    anchors += rng.sample(list(offices), min(companies, len(offices)))
    rng.shuffle(anchors)
    return anchors


def generate_geospatial(seed: int, anchors: Sequence[Address] = (), count: int = 200
                        ) -> tuple[list[Place], list[SourceFile]]:
    """The true places and the natural-resources file; ``anchors`` (see :func:`anchor_addresses`)
    become places first."""
    rng = random.Random(f"geospatial/{seed}")
    places = make_places(rng, count, anchors)
    dirt = Dirt(random.Random(f"geospatial/{seed}/natural_resources"))
    drafts: list[Draft] = []
    for place in places:
        copies = 1 + (dirt.rng.random() < 0.45) + (dirt.rng.random() < 0.1)
        for copy in range(copies):
            drafts.append(Draft(_record(place, dirt, variant=copy > 0), place.entity_id))
            if copy:
                dirt.mark("duplicate_in_file")
    # Ingest must quarantine this one: the components are there, the address text is not.
    victim = dirt.rng.choice(places)
    bait = Draft(_record(victim, dirt, variant=True), victim.entity_id,
                 ("address", "required_missing", "empty 标准地址"))
    bait.record["address"] = ""
    drafts.append(bait)
    dirt.mark("quarantine_bait")
    dirt.rng.shuffle(drafts)
    file = SourceFile("geospatial", "natural_resources", "csv", dirt=dirt.counts)
    number = 0
    for draft in drafts:
        number += dirt.rng.randint(1, 9)
        division = draft.record.get("division_code") or "420000"
        file.add(draft, f"{division[:6]}{number:010d}")
    return places, [file]


def _record(place: Place, dirt: Dirt, variant: bool) -> Record:
    rng = dirt.rng
    a = place.address
    rate = 1.0 if variant else 0.3
    separate_rooms = a.building is not None and rng.random() < 0.5
    text = _address_text(a, dirt, rate, with_rooms=not separate_rooms)

    def maybe(value: str, keep: float) -> str | None:
        return value if rng.random() < keep else None

    record: Record = {
        "address": text,
        "province": maybe(PROVINCE, 0.7),
        "city": maybe(a.district.city.name, 0.85),
        "county": maybe(a.district.name, 0.9),
        "township": maybe(a.township, 0.6),
        "community": maybe(a.community, 0.4),
        "road": maybe(a.road, 0.8),
        "door_number": maybe(rng.choice((a.door_text, str(a.door))), 0.8),
        "building": None, "unit": None, "room": None,
        "division_code": maybe(a.district.code, 0.93),
        "place_name": maybe(place.place_name, 0.7) or None,
    }
    if a.building is not None and (separate_rooms or rng.random() < 0.3):
        record["building"] = rng.choice((f"{a.building}栋", str(a.building), f"{a.building}幢"))
        if a.unit is not None:
            record["unit"] = rng.choice((f"{a.unit}单元", str(a.unit)))
        if a.room is not None:
            record["room"] = rng.choice((f"{a.room}室", str(a.room)))
        if separate_rooms:
            dirt.mark("rooms_only_in_columns")
    components = ("province", "city", "county", "township", "community", "road", "door_number")
    if any(record[c] is None for c in components):
        dirt.mark("components_partly_empty")
    record.update(_coordinates(place, dirt))
    start = dt.datetime(2020, 1, 1)
    record["updated_at"] = format_datetime(random_datetime(rng, start, dt.datetime(2026, 10, 31)),
                                           "space")
    return record


def _address_text(a: Address, dirt: Dirt, rate: float, with_rooms: bool) -> str:
    rng = dirt.rng
    prefix = PROVINCE + a.district.city.name
    if dirt.roll(0.3 * rate):
        prefix = "" if rng.random() < 0.5 else a.district.city.name
        dirt.mark("address_without_province")
    middle = a.township if dirt.roll(0.2) else ""
    door = a.door_text
    if dirt.roll(0.12 * rate):
        door = chinese_number(a.door) + "号"
        dirt.mark("address_chinese_numerals")
    rooms = a.rooms_text(compact=dirt.roll(0.15)) if with_rooms else ""
    text = prefix + a.district.name + middle + a.road + door + rooms
    if dirt.roll(0.1 * rate):
        text = text.replace("号", "號")
        dirt.mark("address_hao_traditional")
    if dirt.roll(0.05 * rate):
        text = fullwidth(text)
        dirt.mark("address_fullwidth")
    if dirt.roll(0.06 * rate):
        text = spaced(text, rng)
        dirt.mark("address_spaces")
    return text


def _coordinates(place: Place, dirt: Dirt) -> Record:
    rng = dirt.rng
    if dirt.roll(0.04):
        dirt.mark("coordinates_missing")
        return {"longitude": None, "latitude": None, "crs": None}
    crs = rng.choices([c for c, _ in _CRS], [w for _, w in _CRS])[0]
    lon, lat = jitter(place.lon, place.lat, rng, metres=3.0)
    if crs == "GCJ02":
        lon, lat = wgs84_to_gcj02(lon, lat)
    crs_text = crs
    if dirt.roll(0.08):
        crs_text = rng.choice(_CRS_SYNONYMS[crs])
        dirt.mark("crs_synonym")
    lon_text, lat_text = f"{lon:.6f}", f"{lat:.6f}"
    if dirt.roll(0.01):
        lon_text, lat_text = lat_text, lon_text
        dirt.mark("coordinates_swapped")
    return {"longitude": lon_text, "latitude": lat_text, "crs": crs_text}
