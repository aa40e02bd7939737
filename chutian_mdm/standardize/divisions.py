"""GB/T 2260 administrative division codes: validity, names and hierarchy.

The table is the one python-stdnum ships as ``stdnum/cn/loc.dat``: every county-level code of
every GB/T 2260 edition from 1980 to 2022 with the years it was in use, compiled from
zh.wikipedia.org's 中华人民共和国行政区划代码 pages. Codes that changed name keep all their
names with their years; codes withdrawn keep their last name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from . import Issue, Standardized

TABLE_SOURCE = "python-stdnum stdnum/cn/loc.dat (GB/T 2260, editions 1980–2022, via zh.wikipedia.org)"
_ENTRY = re.compile(r"^\[(\d{4})?-(\d{4})?\](.*)$")
# Grouping entries of the table that are no place of their own (never part of a full name).
_FILLER = {
    "市辖区", "县", "省直辖县级行政区划", "省直辖行政单位", "省直辖县级行政单位", "自治区直辖县级行政区划",
    "自治区直辖县级行政单位", "市区", "郊区",
}


@dataclass(frozen=True, slots=True)
class Division:
    """One division code with its current (or last) name."""

    code: str
    name: str  # own name: 武昌区
    full_name: str  # with its province and city: 湖北省武汉市武昌区
    first_year: int | None  # None: in use since the first edition
    last_year: int | None  # None: still in use

    @property
    def level(self) -> str:
        if self.code.endswith("0000"):
            return "province"
        if self.code.endswith("00"):
            return "city"
        return "county"

    @property
    def retired(self) -> bool:
        return self.last_year is not None

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def city_code(self) -> str:
        return self.code[:4] + "00"


def _parse_names(raw: str) -> list[tuple[int | None, int | None, str]]:
    out = []
    for part in raw.split(","):
        match = _ENTRY.match(part)
        if match:
            first, last, name = match.groups()
            out.append((int(first) if first else None, int(last) if last else None, name))
        else:
            out.append((None, None, part))
    return out


@cache
def table() -> dict[str, Division]:
    """All known division codes (6 digits) → :class:`Division`."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    names: dict[str, list[tuple[int | None, int | None, str]]] = {}
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, rest = line.strip().partition(" ")
        value = rest.split("=", 1)[1].strip().strip('"')
        if not line.startswith(" "):
            province = key
            names[province + "0000"] = _parse_names(value)
        else:
            names[province + key] = _parse_names(value)
    out: dict[str, Division] = {}
    for code, entries in names.items():
        last_entry = entries[-1]
        out[code] = Division(code, last_entry[2], "", entries[0][0], last_entry[1])
    for code, division in out.items():
        parts: list[str] = []
        province_div = out.get(code[:2] + "0000")
        if province_div:
            parts.append(province_div.name)
        if division.level == "county":
            city = out.get(code[:4] + "00")
            if city and city.name not in _FILLER and city.name not in parts:
                parts.append(city.name)
        if division.level != "province" and division.name not in _FILLER and division.name not in parts:
            parts.append(division.name)
        out[code] = Division(code, division.name, "".join(parts), division.first_year, division.last_year)
    return out


def lookup(code: str) -> Division | None:
    return table().get(code)


def name_of(code: str | None) -> str | None:
    """Full name of a code (湖北省武汉市武昌区), or None if unknown."""
    if code is None:
        return None
    division = table().get(code)
    return division.full_name if division else None


def created_after(code: str, year: int) -> bool:
    """Whether the code came into use only after ``year`` (then an ID issued in ``year`` with
    this region is unusual but legitimate: re-issued numbers carry the newer code)."""
    division = table().get(code)
    return bool(division and division.first_year and division.first_year > year)


@dataclass(frozen=True, slots=True)
class Region:
    """A division code resolved to its province, city and county (names and codes).

    ``city`` is None for a province, and for counties governed directly by the province (仙桃市
    429004); ``county`` is None for a province or a city."""

    code: str
    province_code: str
    province: str
    city_code: str | None
    city: str | None
    county_code: str | None
    county: str | None
    retired: bool

    @property
    def full_name(self) -> str:
        return "".join(filter(None, (self.province, self.city, self.county)))

    @property
    def level(self) -> str:
        return "county" if self.county_code else "city" if self.city_code else "province"


def region(code: str | None) -> Region | None:
    """Province, city and county of a 6-digit code (any edition), or None if unknown."""
    if code is None:
        return None
    division = table().get(code)
    if division is None:
        return None
    return _region(code)


@cache
def _region(code: str) -> Region:
    tab = table()
    division = tab[code]
    province = tab.get(code[:2] + "0000")
    province_name = province.name if province else ""
    city_code = city = county_code = county = None
    if division.level != "province":
        city_division = tab.get(code[:4] + "00")
        if city_division is not None and city_division.name not in _FILLER:
            city_code, city = city_division.code, city_division.name
    if division.level == "county" and division.name not in _FILLER:
        county_code, county = code, division.name
    return Region(code, code[:2] + "0000", province_name, city_code, city, county_code, county,
                  division.retired)


_SUFFIXES = re.compile(r"(?:省|市|特别行政区|自治区|地区|盟|自治州)$")


@cache
def _ethnic_group_names() -> tuple[str, ...]:
    """Names of the ethnic groups (GB/T 3304, schemas/codes/ethnicity.yaml), longest first: an
    autonomous region's short name is what comes before them (恩施土家族苗族自治州 → 恩施)."""
    import yaml

    from ..resources import schemas_dir

    entries = yaml.safe_load((schemas_dir() / "codes" / "ethnicity.yaml").read_text(encoding="utf-8"))["codes"]
    names = {str(e["label"]) for e in entries if str(e["label"]).endswith("族")}
    return tuple(sorted(names, key=len, reverse=True))


def short_name(name: str) -> str:
    """A province's or city's name as people shorten it: 湖北省 → 湖北, 武汉市 → 武汉,
    恩施土家族苗族自治州 → 恩施, 广西壮族自治区 → 广西. Names that would shrink below two
    characters stay whole."""
    short = _SUFFIXES.sub("", name)
    if name.endswith(("自治区", "自治州")):
        trimmed = True
        while trimmed:
            trimmed = False
            for group in _ethnic_group_names():
                if short.endswith(group) and len(short) > len(group):
                    short, trimmed = short[: -len(group)], True
                    break
    return short if len(short) >= 2 else name


@dataclass(frozen=True)
class NameIndex:
    """Division names → codes, per level; current codes before withdrawn ones."""

    provinces: dict[str, tuple[str, ...]]
    cities: dict[str, tuple[str, ...]]
    counties: dict[str, tuple[str, ...]]


@cache
def name_index() -> NameIndex:
    levels: dict[str, dict[str, list[str]]] = {"province": {}, "city": {}, "county": {}}
    ordered = sorted(table().values(), key=lambda d: (d.retired, d.code))
    for division in ordered:
        if division.name in _FILLER:
            continue
        index = levels[division.level]
        index.setdefault(division.name, []).append(division.code)
        if division.level != "county":
            short = short_name(division.name)
            if short != division.name:
                index.setdefault(short, []).append(division.code)
    frozen = {level: {name: tuple(codes) for name, codes in names.items()} for level, names in levels.items()}
    return NameIndex(frozen["province"], frozen["city"], frozen["county"])


def find_codes(name: str, level: str | None = None, within: str | None = None) -> list[str]:
    """Codes whose name (or, for provinces and cities, short name) is ``name``: 洪山区 → 420111,
    武汉 → 420100. ``level`` limits to province / city / county; ``within`` to the codes under a
    province or city code. Current codes come before withdrawn ones."""
    index = name_index()
    levels = (level,) if level else ("province", "city", "county")
    found: list[str] = []
    for lvl in levels:
        for code in getattr(index, {"province": "provinces", "city": "cities", "county": "counties"}[lvl]).get(
                name, ()):
            if within is None or is_within(code, within):
                found.append(code)
    return found


def is_within(code: str, parent: str) -> bool:
    """Whether ``code`` is ``parent`` or lies under it (420111 is within 420100 and 420000)."""
    if parent.endswith("0000"):
        return code[:2] == parent[:2]
    if parent.endswith("00"):
        return code[:4] == parent[:4]
    return code == parent


def _digits(value: str) -> str:
    import unicodedata

    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value))


def division_code(value: str) -> Standardized:
    """A 6-digit GB/T 2260 code; 9- and 12-digit statistical codes are cut to their first 6."""
    text = _digits(value)
    if text.endswith(".0"):  # a code that passed through a spreadsheet as a number
        text = text[:-2]
    if not re.fullmatch(r"\d{6}(\d{3}|\d{6})?", text):
        return Standardized(None, {}, (Issue(
            "division_code_format", f"{value!r} is not a 6-digit division code"),))
    code = text[:6]
    division = table().get(code)
    if division is None:
        return Standardized(code, {"name": None}, (Issue(
            "division_code_unknown", f"{code} is not a GB/T 2260 division code of any edition"),))
    issues: tuple[Issue, ...] = ()
    if division.retired:
        issues = (Issue("division_code_retired",
                        f"{code} {division.full_name} was withdrawn after {division.last_year}"),)
    return Standardized(code, {"name": division.full_name}, issues)
