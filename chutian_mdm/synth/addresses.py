"""Addresses: a structured true address, the many ways departments write it, and coordinates."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from .dirt import Dirt, chinese_number, fullwidth, spaced, traditional
from .regions import COMMUNITY_WORDS, DISTRICTS, PROVINCE, District

_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Address:
    district: District
    township: str
    community: str
    road: str
    door: int
    building: int | None = None
    unit: int | None = None
    room: int | None = None

    @property
    def door_text(self) -> str:
        return f"{self.door}号"

    def standard(self) -> str:
        """The canonical text: province, city, district, road, door, building, unit, room."""
        return (PROVINCE + self.district.city.name + self.district.name + self.road
                + self.door_text + self.rooms_text())

    def rooms_text(self, compact: bool = False) -> str:
        if self.building is None:
            return ""
        if compact and self.unit is not None and self.room is not None:
            return f"{self.building}-{self.unit}-{self.room}"
        text = f"{self.building}栋"
        if self.unit is not None:
            text += f"{self.unit}单元"
        if self.room is not None:
            text += f"{self.room}室"
        return text

    def with_home(self, rng: random.Random) -> Address:
        """A flat in this compound (for a person's address)."""
        if self.building is not None and self.room is not None:
            return self
        return replace(self, building=self.building or rng.randint(1, 24),
                       unit=rng.randint(1, 4), room=rng.randint(1, 28) * 100 + rng.randint(1, 4))

    def lon_lat(self) -> tuple[float, float]:
        """A WGS84 point: each road runs in a fixed direction from a point near the district
        centre, doors are ~8 m apart along it, buildings a few metres inside the compound."""
        road_rng = random.Random(f"{self.district.code}/{self.road}")
        angle = road_rng.uniform(0, math.pi)
        start_m = (road_rng.uniform(-2500, 2500), road_rng.uniform(-2500, 2500))
        along = self.door * 8.0
        east = start_m[0] + along * math.cos(angle) + (self.building or 0) * 6.0
        north = start_m[1] + along * math.sin(angle) + (self.building or 0) * 4.0
        lat = self.district.lat + north / _METRES_PER_DEGREE
        lon = self.district.lon + east / (_METRES_PER_DEGREE * math.cos(math.radians(lat)))
        return lon, lat


def pick_district(rng: random.Random) -> District:
    return rng.choices(DISTRICTS, weights=[d.weight for d in DISTRICTS])[0]


def random_address(rng: random.Random, district: District | None = None) -> Address:
    """A door-level address (about half of them inside a residential compound with buildings)."""
    district = district or pick_district(rng)
    township = rng.choice(district.townships)
    suffix = "村" if township.endswith(("镇", "乡")) else "社区"
    community = rng.choice(COMMUNITY_WORDS) + suffix
    door = rng.choice((rng.randint(1, 60), rng.randint(1, 400), rng.randint(1, 999)))
    building = rng.randint(1, 30) if rng.random() < 0.5 else None
    return Address(district, township, community, rng.choice(district.roads), door, building)


def address_variant(address: Address, dirt: Dirt, *, keep_province: float, keep_city: float,
                    with_township: float, rate: float) -> str:
    """How one department writes ``address``; ``rate`` scales the character-level dirt (at 1.0
    each kind hits a few per cent of addresses)."""
    rng = dirt.rng
    parts: list[str] = []
    if rng.random() < keep_province:
        parts.append(PROVINCE)
    else:
        dirt.mark("address_without_province")
    if parts or rng.random() < keep_city:
        parts.append(address.district.city.name)
    else:
        dirt.mark("address_without_city")
    parts.append(address.district.name)
    if rng.random() < with_township:
        parts.append(address.township)
        if rng.random() < 0.4:
            parts.append(address.community)
    parts.append(address.road)
    door = address.door_text
    if dirt.roll(rate * 0.05):
        door = chinese_number(address.door) + "号"
        dirt.mark("address_chinese_numerals")
    parts.append(door)
    compact = dirt.roll(0.3)
    rooms = address.rooms_text(compact=compact)
    if rooms:
        parts.append(rooms)
        if compact and "-" in rooms:
            dirt.mark("address_rooms_compact")
    separator = " " if dirt.roll(rate * 0.06) else ""
    if separator:
        dirt.mark("address_spaces")
    text = separator.join(parts)
    if dirt.roll(rate * 0.03):
        text = fullwidth(text)
        dirt.mark("address_fullwidth")
    if dirt.roll(rate * 0.03):
        text = traditional(text)
        dirt.mark("address_traditional")
    if dirt.roll(rate * 0.03):
        text = spaced(text, rng)
        dirt.mark("address_spaces")
    return text


# -- WGS84 → GCJ-02 (the public "Mars coordinates" formula) ---------------------------------

_A = 6378245.0
_EE = 0.00669342162296594323


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 coordinates published by Chinese map services for a WGS84 point."""
    d_lat = _transform_lat(lon - 105.0, lat - 35.0)
    d_lon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lon + d_lon, lat + d_lat


def jitter(lon: float, lat: float, rng: random.Random, metres: float) -> tuple[float, float]:
    """A point a few metres away (a different survey of the same place)."""
    north = rng.gauss(0, metres)
    east = rng.gauss(0, metres)
    return (lon + east / (_METRES_PER_DEGREE * math.cos(math.radians(lat))),
            lat + north / _METRES_PER_DEGREE)
