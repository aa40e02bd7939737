"""Chinese addresses: parsed into their parts, completed against GB/T 2260, written one way.

``武汉市洪山区卓刀泉路三百零三号18-4-1202`` → province 湖北省, city 武汉市, county 洪山区 (420111),
road 卓刀泉路, door 303号, building 18栋, unit 4单元, room 1202室; standard form
``湖北省武汉市洪山区卓刀泉路303号18栋4单元1202室``.

The parts, in the order they are written: province (省) · city (市) · county (区/县/县级市) ·
township (街道/镇/乡) · community (社区/村) · road (路/街/大道/巷 …) · door number (号) · building
(栋/幢/座/号楼) · unit (单元) · room (室/户). The province, city and county are recognised by the
names of the division table (``divisions.name_index``); a missing province or city is completed
from the county (the table knows which city and province a county belongs to), and
:func:`complete_with` completes a text that names no county from a division code given beside it.

The **standard form** is what a place is called regardless of how a department wrote it:
province, city, county, road, door number, building, unit, room — townships and communities are
kept in their own parts but left out of it (departments include them inconsistently), unless the
address has no road. The **matching key** is the standard form below the county, prefixed by the
county's code: ``420111|卓刀泉路303号18栋4单元1202室``.

Everything here is pure and never raises; parsing is cached per distinct text by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

from . import Standardized, divisions
from .text import normalize_chinese

COMPONENTS = ("province", "city", "county", "township", "community", "road", "door_number", "building", "unit",
              "room")

# -- Chinese numerals in door, building, unit and room numbers ---------------------------------

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千]+(?=号|栋|幢|座|单元|室|户|层|楼|组)")


def chinese_numeral(text: str) -> int | None:
    """一百零三 → 103, 十二 → 12, 二十 → 20, 一零三 → 103 (digit by digit); None if malformed."""
    if not text:
        return None
    if not any(ch in _CN_UNIT for ch in text):  # 一零三: digits written one by one
        digits = [_CN_DIGIT.get(ch) for ch in text]
        if None in digits:
            return None
        return int("".join(str(d) for d in digits))
    total, digit, last_unit = 0, None, 10_000
    for ch in text:
        if ch in _CN_DIGIT:
            if digit is not None and digit != 0 and _CN_DIGIT[ch] != 0:
                return None  # 二三十: two digits in a row
            digit = _CN_DIGIT[ch]
        elif ch in _CN_UNIT:
            unit = _CN_UNIT[ch]
            if unit >= last_unit:
                return None  # 十百: units must decrease
            total += (1 if digit is None or (digit == 0 and total == 0) else digit) * unit
            digit, last_unit = None, unit
        else:
            return None
    return total + (digit or 0)


def _replace_numeral(match: re.Match[str]) -> str:
    number = chinese_numeral(match.group(0))
    return match.group(0) if number is None else str(number)


# -- normalisation -----------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"[‐‑‒–—―~～]")


_CJK = re.compile(r"[\u3400-\u9fff]")


def clean(value: str) -> str:
    """NFKC, simplified characters, no spaces (in Chinese text): the address as written, cleaned."""
    text = normalize_chinese(value)
    return _SPACES.sub("", text) if _CJK.search(text) else text


def prepare(value: str) -> str:
    """The text parsing works on: :func:`clean`, one kind of dash, Arabic digits before
    号/栋/单元/室 (十二号 → 12号)."""
    return _prepare_clean(clean(value))


def _prepare_clean(text: str) -> str:
    if not text.isascii():
        text = _DASHES.sub("-", text)
        if _CN_NUMERAL.search(text):
            text = _CN_NUMERAL.sub(_replace_numeral, text)
    return text


# -- the parts -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """An address split into its parts (None where the text does not say)."""

    province: str | None = None
    city: str | None = None
    county: str | None = None
    township: str | None = None
    community: str | None = None
    road: str | None = None
    door_number: str | None = None  # 303号
    building: str | None = None  # 18栋
    unit: str | None = None  # 4单元
    room: str | None = None  # 1202室
    detail: str | None = None  # what is left: 小区, 楼层, 院 …
    division_code: str | None = None  # the most specific division recognised (county, else city …)
    completed: tuple[str, ...] = ()  # parts filled in from the division table, not the text

    def part(self, name: str) -> str | None:
        value: str | None = getattr(self, name)
        return value

    def standard(self) -> str | None:
        """The standard form (see the module docstring), or None for an empty address."""
        text = "".join(filter(None, (self.province, self.city, self.county))) + self.local()
        return text or None

    def local(self) -> str:
        """The standard form below the county."""
        # Township and community are left out when there is a road, unless the road itself
        # begins like one (一村0街 after a 一村 community): leaving them out would then change
        # how the standard form reads back.
        keep_place = not self.road or _TOWNSHIP.match(self.road) or _COMMUNITY.match(self.road)
        place = (self.township, self.community) if keep_place else ()
        return "".join(filter(None, (*place, self.road, self.door_number, self.building, self.unit, self.room,
                                     self.detail)))

    def key(self) -> str | None:
        """The matching key ``<division code>|<standard form below the county>``, or None when
        the address names neither a division nor anything below it."""
        local = self.local()
        if not local or self.division_code is None:
            return None
        return f"{self.division_code}|{local}"


_TOWNSHIP = re.compile(r"[^\d号栋-]{1,10}?(?:街道办事处|街道|镇|乡|苏木)(?![路街道巷镇乡])")
_COMMUNITY = re.compile(
    r"[^\d路巷号栋-]{1,10}?(?:社区居民委员会|社区居委会|社区|居委会|村民委员会|村委会|村)(?![路街道巷])")
_DOOR = re.compile(r"(\d+(?:-\d+)?)号(?!楼)")
_ROAD = re.compile(r".+?(?:大道|大街|路|街|巷|胡同|弄)(?=\d|$)")
_COMPACT_ROOMS = re.compile(r"([0-9A-Za-z]+)-(\d+)-(\d+)(?:室|户|号)?")
_BUILDING_ROOM = re.compile(r"([0-9A-Za-z]+)-(\d+)(?:室|户)?")
_ROOMS = re.compile(r"(?:([0-9A-Za-z]+)(?:栋|幢|座|号楼|楼(?!层)))?(?:(\d+)单元)?(?:(\d+)(?:室|户|号))?")


_Candidates = dict[str, tuple[tuple[str, tuple[str, ...]], ...]]


@cache
def _by_prefix() -> dict[str, _Candidates]:
    """Per level, the division names by their first two characters, longest first, each with its
    codes (current ones only, unless the name exists only as a withdrawn code)."""
    index = divisions.name_index()
    table = divisions.table()
    out: dict[str, _Candidates] = {}
    for level, names in (("province", index.provinces), ("city", index.cities), ("county", index.counties)):
        grouped: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for name, codes in names.items():
            current = tuple(c for c in codes if not table[c].retired) or codes
            grouped.setdefault(name[:2], []).append((name, current))
        out[level] = {k: tuple(sorted(v, key=lambda item: -len(item[0]))) for k, v in grouped.items()}
    return out


def _match_name(text: str, pos: int, level: str, within: str | None) -> tuple[str, str | None] | None:
    """The longest division name of ``level`` at ``pos`` (of a code under ``within``):
    (name, code — None when the name is ambiguous)."""
    for name, codes in _by_prefix()[level].get(text[pos:pos + 2], ()):
        if not text.startswith(name, pos):
            continue
        if within is not None:
            codes = tuple(c for c in codes if divisions.is_within(c, within))
            if not codes:
                continue
        return name, codes[0] if len(codes) == 1 else None
    return None


def _divisions(text: str) -> tuple[dict[str, str | None], str | None, int]:
    """Province, city and county written at the start of ``text``: (names, code, end)."""
    table = divisions.table()
    names: dict[str, str | None] = {}
    code: str | None = None
    pos = 0
    # A short name (湖北, 武汉) counts only when a division follows it: 襄阳路 is a road.
    province = _match_name(text, 0, "province", None)
    if province:
        name, province_code = province
        end = len(name)
        short = province_code is None or table[province_code].name != name
        if not short or _match_name(text, end, "city", province_code) or \
                _match_name(text, end, "county", province_code):
            names["province"], code, pos = name, province_code, end
    city = _match_name(text, pos, "city", code)
    if city:
        name, city_code = city
        short = city_code is None or table[city_code].name != name
        if not short or code is not None or _match_name(text, pos + len(name), "county", city_code):
            names["city"], code, pos = name, city_code or code, pos + len(name)
    county = _match_name(text, pos, "county", code)
    if county:
        name, county_code = county
        names["county"], code, pos = name, county_code or code, pos + len(name)
    return names, code, pos


def _number(text: str, suffix: str) -> str:
    return text.upper() + suffix


def _rooms(text: str) -> tuple[str | None, str | None, str | None, str]:
    """(building, unit, room, rest) at the start of ``text``."""
    if match := _COMPACT_ROOMS.match(text):
        return (_number(match.group(1), "栋"), match.group(2) + "单元", match.group(3) + "室",
                text[match.end():])
    if (match := _BUILDING_ROOM.match(text)) and match.end() == len(text):
        return _number(match.group(1), "栋"), None, match.group(2) + "室", ""
    match = _ROOMS.match(text)
    if match and match.end() > 0:
        building, unit, room = match.groups()
        return (_number(building, "栋") if building else None, unit + "单元" if unit else None,
                room + "室" if room else None, text[match.end():])
    return None, None, None, text


def parse(value: str) -> ParsedAddress:
    """Split an address into its parts and complete the divisions above the one it names."""
    return _parse(prepare(value))


def _parse(text: str) -> ParsedAddress:
    if not text:
        return ParsedAddress()
    names, code, pos = _divisions(text)
    rest = text[pos:]
    township = community = road = door = building = unit = room = None
    if match := _TOWNSHIP.match(rest):
        township, rest = match.group(0), rest[match.end():]
    if match := _COMMUNITY.match(rest):
        community, rest = match.group(0), rest[match.end():]
    if match := _DOOR.search(rest):
        road = rest[: match.start()] or None
        door = match.group(1) + "号"
        rest = rest[match.end():]
    elif match := _ROAD.match(rest):
        road, rest = match.group(0), rest[match.end():]
    if rest:
        building, unit, room, rest = _rooms(rest)
    province, city, county = names.get("province"), names.get("city"), names.get("county")
    completed: tuple[str, ...] = ()
    region = divisions.region(code)
    if region is not None:  # the full names of the divisions above (and of) the one named
        completed = tuple(level for level, given in (("province", province), ("city", city), ("county", county))
                          if given is None and getattr(region, level))
        province, city, county = region.province, region.city or city, region.county or county
    return ParsedAddress(province, city, county, township, community, road, door, building, unit, room,
                         rest or None, code, completed)


def _complete(parsed: ParsedAddress) -> ParsedAddress:
    """Fill the province and city (with their full names) from the most specific code known."""
    region = divisions.region(parsed.division_code)
    if region is None:
        return parsed
    filled: dict[str, str] = {}
    completed: list[str] = list(parsed.completed)
    for level, name in (("province", region.province), ("city", region.city), ("county", region.county)):
        given = parsed.part(level)
        if name and given != name:
            filled[level] = name  # also turns 武汉 into 武汉市
            if given is None:
                completed.append(level)
    if not filled:
        return parsed
    return replace(parsed, **filled, completed=tuple(completed))


def complete_with(parsed: ParsedAddress, code: str | None) -> ParsedAddress:
    """Complete an address that names no county (or nothing at all) from a division code given
    beside it — if that code lies within what the text names (else the text wins)."""
    if code is None or (parsed.county is not None and parsed.division_code is not None):
        return parsed
    region = divisions.region(code)
    if region is None or (parsed.division_code and not divisions.is_within(code, parsed.division_code)):
        return parsed
    if parsed.county is not None and region.county != parsed.county:
        return parsed  # 青山区 (named in several provinces), but the code is another county
    if region.level == "province" and parsed.division_code:
        return parsed
    completed = replace(parsed, division_code=code)
    return _complete(completed)


def with_parts(parsed: ParsedAddress, parts: dict[str, str]) -> ParsedAddress:
    """``parsed`` with some parts set (e.g. the building, unit and room given in their own
    columns when the text leaves them out)."""
    return replace(parsed, **parts) if parts else parsed  # type: ignore[arg-type]


# -- components given in their own columns --------------------------------------------------------

_SUFFIX_OF = {"door_number": "号", "building": "栋", "unit": "单元", "room": "室"}
_GIVEN_NUMBER = re.compile(r"(?:第)?([0-9A-Za-z]+(?:-\d+)?)(?:号楼|号|栋|幢|座|楼|单元|室|户)?")


def normalize_component(name: str, value: str | None) -> str | None:
    """A part given in its own column, written the standard way: 门牌号 ``206`` → ``206号``,
    楼栋 ``20幢`` → ``20栋``, 单元 ``1`` → ``1单元``, 户室 ``2704`` → ``2704室``, 市 ``武汉`` → ``武汉市``."""
    if value is None:
        return None
    text = prepare(value)
    if not text:
        return None
    if name in _SUFFIX_OF:
        match = _GIVEN_NUMBER.fullmatch(text)
        return _number(match.group(1), _SUFFIX_OF[name]) if match else text
    if name in ("province", "city", "county"):
        codes = divisions.find_codes(text, name)
        if codes:
            return divisions.table()[codes[0]].name
    return text


# -- the field type ``address`` ------------------------------------------------------------------


def address(value: str) -> Standardized:
    """A free-text address: the cleaned text as written (simplified, half-width, no spaces), its
    standard form and the division code it names (derived ``standard`` and ``division``)."""
    text = clean(value)
    if not text:
        return Standardized(None)
    parsed = _parse(_prepare_clean(text))
    return Standardized(text, {"standard": parsed.standard(), "division": parsed.division_code})
