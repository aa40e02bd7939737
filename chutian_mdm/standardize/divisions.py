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
_FILLER = {"市辖区", "县", "省直辖县级行政区划", "省直辖行政单位", "自治区直辖县级行政区划", "市区", "郊区"}


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
