"""Numbers, units of measure, money amounts and statistical periods."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from . import Issue, Standardized

# unit -> (canonical unit, base unit of its family, factor to the base unit)
_UNITS: dict[str, tuple[str, str, Decimal]] = {}


def _family(base: str, members: dict[str, tuple[str, ...]], factors: dict[str, Decimal]) -> None:
    for canonical, aliases in members.items():
        for alias in (canonical, *aliases):
            _UNITS[alias.lower()] = (canonical, base, factors[canonical])


_family("元", {"元": ("元人民币", "人民币元", "yuan", "rmb", "cny"), "千元": ("千元人民币",),
               "万元": ("万元人民币", "万"), "百万元": ("百万元人民币",), "亿元": ("亿元人民币", "亿")},
        {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10_000),
         "百万元": Decimal(1_000_000), "亿元": Decimal(100_000_000)})
_family("人", {"人": ("个人",), "万人": ()}, {"人": Decimal(1), "万人": Decimal(10_000)})
_family("户", {"户": (), "万户": ()}, {"户": Decimal(1), "万户": Decimal(10_000)})
_family("%", {"%": ("百分比", "百分点", "percent", "pct")}, {"%": Decimal(1)})
_family("吨", {"吨": ("t",), "万吨": ()}, {"吨": Decimal(1), "万吨": Decimal(10_000)})
_family("个", {"个": ("家", "项"), "万个": ()}, {"个": Decimal(1), "万个": Decimal(10_000)})
_family("平方米", {"平方米": ("m2", "㎡"), "万平方米": ()}, {"平方米": Decimal(1), "万平方米": Decimal(10_000)})
_family("千瓦时", {"千瓦时": ("kwh", "度"), "万千瓦时": (), "亿千瓦时": ()},
        {"千瓦时": Decimal(1), "万千瓦时": Decimal(10_000), "亿千瓦时": Decimal(100_000_000)})

KNOWN_UNITS = sorted({canonical for canonical, _, _ in _UNITS.values()})


def _clean(value: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value))


def unit_info(name: str) -> tuple[str, str, Decimal] | None:
    """(canonical unit, base unit, factor) of a unit name, or None."""
    return _UNITS.get(_clean(name).lower())


def unit(value: str) -> Standardized:
    info = unit_info(value)
    if info is None:
        return Standardized(None, {}, (Issue(
            "unit_unknown", f"{value!r} is not a recognised unit ({', '.join(KNOWN_UNITS)})"),))
    canonical, base, factor = info
    return Standardized(canonical, {"base": base, "factor": factor})


def parse_number(text: str) -> Decimal | None:
    cleaned = _clean(text).replace(",", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", cleaned):
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def number(value: str) -> Standardized:
    parsed = parse_number(value)
    if parsed is None:
        return Standardized(None, {}, (Issue("number_invalid", f"{value!r} is not a number"),))
    return Standardized(parsed)


_AMOUNT = re.compile(r"(?P<n>[+-]?[\d,]*\.?\d+)(?P<unit>[^\d]*)")
_FOREIGN = ("美元", "港元", "港币", "欧元", "日元", "英镑")


def amount_wan(value: str) -> Standardized:
    """An amount of money in 万元 (10,000 yuan): ``1000万元人民币``, ``500万``, ``2亿元``, ``50000元``.
    A bare number is taken to be in 万元 already, as registered capital usually is."""
    text = _clean(value)
    match = _AMOUNT.fullmatch(text)
    problem = Issue("amount_invalid", f"{value!r} is not an amount of money in 元, 万元 or 亿元")
    if not match:
        return Standardized(None, {}, (problem,))
    amount = parse_number(match.group("n"))
    unit_text = match.group("unit").replace("人民币", "").replace("(", "").replace(")", "") or "万元"
    if amount is None or any(f in unit_text for f in _FOREIGN):
        return Standardized(None, {}, (problem,))
    info = _UNITS.get(unit_text.lower())
    if info is None or info[1] != "元":
        return Standardized(None, {}, (problem,))
    return Standardized(amount * info[2] / Decimal(10_000))


_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_YEAR = re.compile(r"(\d{4})年?(?:度)?")
_QUARTER = re.compile(r"(\d{4})(?:年?第?([1-9一二三四五六七八九])季度?|[-_ ]?[Qq]([0-9]))")
_MONTH = re.compile(r"(\d{4})(?:[-/.]|年)?(\d{1,2})月?(?:份)?")


def period(value: str) -> Standardized:
    """A statistical period: year ``2024``, quarter ``2024Q3``, month ``2024-07``."""
    text = _clean(value)
    problem = Issue("period_invalid", f"{value!r} is not a period (2024, 2024Q3, 2024-07, 2024年第三季度, 2024年7月)")
    if match := _YEAR.fullmatch(text):
        return Standardized(match.group(1), {"type": "year"})
    if match := _QUARTER.fullmatch(text):
        quarter_text = match.group(2) or match.group(3)
        quarter = _CN_DIGITS.get(quarter_text)
        if quarter is None:
            return Standardized(None, {}, (Issue(
                "period_invalid", f"{value!r} is not a period: there is no quarter {quarter_text}"),))
        return Standardized(f"{match.group(1)}Q{quarter}", {"type": "quarter"})
    if (match := _MONTH.fullmatch(text)) and (len(text) != 6 or text.isdigit()):
        month = int(match.group(2))
        if not 1 <= month <= 12:
            return Standardized(None, {}, (Issue(
                "period_invalid", f"{value!r} is not a period: there is no month {month}"),))
        return Standardized(f"{match.group(1)}-{month:02d}", {"type": "month"})
    return Standardized(None, {}, (problem,))
