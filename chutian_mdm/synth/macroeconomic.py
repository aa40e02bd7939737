"""宏观经济 samples: indicator values from statistics (authoritative) and tax.

One entity is one (indicator, division, period) triple. The values are synthetic, of plausible
magnitude for 湖北 — they are not official statistics.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from .dirt import Dirt, format_date, format_datetime, random_datetime
from .output import Draft, Record, SourceFile

__all__ = ["Indicator", "TrueValue", "generate_macroeconomic"]

CITIES = ("420000", "420100", "420500", "420600")
DISTRICTS = ("420102", "420106", "420111", "420502", "420602")
YEARS = ("2022", "2023", "2024")
# Share of the year's value in a sub-annual period: cumulative (1–3月, 1–6月 …) unless monthly.
QUARTERS_CUMULATIVE = {"2024Q1": Decimal("0.232"), "2024Q2": Decimal("0.481"),
                       "2024Q3": Decimal("0.738")}
MONTHS_CUMULATIVE = {"2024-03": Decimal("0.231"), "2024-06": Decimal("0.487"),
                     "2024-09": Decimal("0.742")}
MONTHS_SINGLE = {"2024-07": Decimal("0.083"), "2024-08": Decimal("0.081"),
                 "2024-09": Decimal("0.086")}


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str  # the canonical unit of truth/macroeconomic_values.csv
    growth: Decimal  # yearly growth, to derive 2022 and 2023 from 2024
    base_2024: dict[str, Decimal]  # division -> 2024 value in the canonical unit
    shares: dict[str, Decimal]  # sub-annual periods for cities (and the province)
    district_years: bool = True  # districts report yearly figures too
    names: tuple[str, ...] = ()  # other names departments use

    def periods(self, division: str) -> tuple[str, ...]:
        if division in CITIES:
            return YEARS + tuple(self.shares)
        return YEARS if self.district_years else ()


def _v(*pairs: tuple[str, str]) -> dict[str, Decimal]:
    return {division: Decimal(value) for division, value in pairs}


INDICATORS = (
    Indicator("A01", "地区生产总值", "亿元", Decimal("0.055"), _v(
        ("420000", "60012.97"), ("420100", "21106.23"), ("420500", "6218.41"),
        ("420600", "6112.76"), ("420102", "1562.30"), ("420106", "1931.52"),
        ("420111", "1447.08"), ("420502", "853.64"), ("420602", "618.27")),
        QUARTERS_CUMULATIVE, True, ("地区生产总值（GDP）", "GDP")),
    Indicator("A02", "社会消费品零售总额", "亿元", Decimal("0.07"), _v(
        ("420000", "25131.54"), ("420100", "8231.87"), ("420500", "1912.35"),
        ("420600", "2016.90"), ("420102", "902.15"), ("420106", "1013.48"),
        ("420111", "611.02"), ("420502", "452.66"), ("420602", "318.91")),
        {**QUARTERS_CUMULATIVE, **MONTHS_SINGLE}, True, ("社零总额",)),
    Indicator("A03", "常住人口", "万人", Decimal("0.004"), _v(
        ("420000", "5834.00"), ("420100", "1380.90"), ("420500", "390.20"), ("420600", "526.10"),
        ("420102", "96.52"), ("420106", "126.41"), ("420111", "183.60"), ("420502", "52.13"),
        ("420602", "50.42")), {}, True, ("年末常住人口",)),
    Indicator("A04", "一般公共预算收入", "亿元", Decimal("0.04"), _v(
        ("420000", "3802.51"), ("420100", "1712.34"), ("420500", "262.18"), ("420600", "241.77")),
        MONTHS_CUMULATIVE, False, ("地方一般公共预算收入",)),
    Indicator("A05", "城镇居民人均可支配收入", "元", Decimal("0.06"), _v(
        ("420000", "47010"), ("420100", "60512"), ("420500", "49523"), ("420600", "47816")),
        QUARTERS_CUMULATIVE, False, ("城镇常住居民人均可支配收入",)),
    Indicator("A06", "地区生产总值增长率", "%", Decimal("0"), _v(
        ("420000", "5.8"), ("420100", "5.2"), ("420500", "6.1"), ("420600", "5.9")),
        {}, False, ("GDP增速",)),
    Indicator("T01", "税收收入", "亿元", Decimal("0.03"), _v(
        ("420000", "2810.45"), ("420100", "1390.27"), ("420500", "182.60"), ("420600", "171.35"),
        ("420102", "98.21"), ("420106", "121.77"), ("420111", "65.40"), ("420502", "40.15"),
        ("420602", "28.93")), MONTHS_CUMULATIVE, True),
)
BY_CODE = {i.code: i for i in INDICATORS}
# What the tax bureau publishes: its own tax revenue, and copies of two statistics indicators.
TAX_INDICATORS = {"T01": None, "A04": None, "A02": YEARS}


@dataclass(frozen=True)
class TrueValue:
    indicator: Indicator
    division: str
    period: str  # canonical: 2024, 2024Q3, 2024-07
    value: Decimal  # in indicator.unit

    @property
    def entity_id(self) -> str:
        return f"{self.indicator.code}|{self.division}|{self.period}"


def true_values() -> list[TrueValue]:
    out = []
    for indicator in INDICATORS:
        for division, base in indicator.base_2024.items():
            for period in indicator.periods(division):
                out.append(TrueValue(indicator, division, period, _value(indicator, base, period)))
    return out


def _value(indicator: Indicator, base: Decimal, period: str) -> Decimal:
    places = Decimal("0.01") if indicator.unit != "元" else Decimal("1")
    if indicator.unit == "%":
        wobble = {"2022": Decimal("-1.1"), "2023": Decimal("0.4"), "2024": Decimal("0")}
        return base + wobble[period]
    if period in YEARS:
        return (base / (1 + indicator.growth) ** (2024 - int(period))).quantize(places)
    return (base * indicator.shares[period]).quantize(places)


def _release_date(period: str, rng: random.Random, final: bool = False) -> dt.date:
    if len(period) == 4:
        year, month = int(period) + 1, 12 if final else 3
    elif "Q" in period:
        year, month = 2024, int(period[-1]) * 3 + 1
    else:
        year, month = 2024, int(period[5:7]) + 1
    return dt.date(year + (month > 12), (month - 1) % 12 + 1, rng.randint(10, 25))


def _preliminary(value: Decimal, rng: random.Random) -> Decimal:
    """A preliminary figure 0.4–1.8 % off the final one, with the same number of decimals."""
    factor = Decimal(1) + Decimal(rng.choice((-1, 1)) * rng.randint(4, 18)) / Decimal(1000)
    return (value * factor).quantize(Decimal(1).scaleb(min(0, _exponent(value))))


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def generate_macroeconomic(seed: int) -> tuple[list[TrueValue], list[SourceFile]]:
    truths = true_values()
    files = [_statistics(truths, seed), _tax(truths, seed)]
    return truths, files


def _assemble(source: str, fmt: str, prefix: str, drafts: list[Draft], dirt: Dirt) -> SourceFile:
    dirt.rng.shuffle(drafts)
    file = SourceFile("macroeconomic", source, fmt, dirt=dirt.counts)
    for number, draft in enumerate(drafts, start=1):
        file.add(draft, f"{prefix}{number:06d}")
    return file


def _stat_record(t: TrueValue, value: Decimal, release: dt.date, dirt: Dirt) -> Record:
    rng = dirt.rng
    unit = t.indicator.unit
    if unit == "万人" and t.division in DISTRICTS and dirt.roll(0.5):
        value, unit = value * 10000, "人"
        dirt.mark("unit_persons_not_wan")
    elif unit == "亿元" and t.division in DISTRICTS and dirt.roll(0.4):
        value, unit = value * 10000, "万元"
        dirt.mark("unit_wan_yuan_not_yi")
    elif unit == "元" and dirt.roll(0.1):
        value, unit = value / 10000, "万元"
        dirt.mark("unit_wan_yuan_not_yuan")
    period = t.period
    if len(period) == 4 and dirt.roll(0.1):
        period += "年"
        dirt.mark("period_with_nian")
    name = t.indicator.name
    if t.indicator.names and dirt.roll(0.1):
        name = rng.choice(t.indicator.names)
        dirt.mark("indicator_name_variant")
    updated = dt.datetime.combine(release, dt.time(rng.randint(8, 18), rng.randint(0, 59)))
    return {
        "indicator_code": t.indicator.code, "indicator_name": name, "division_code": t.division,
        "period": period, "value": _num(value), "unit": unit,
        "release_date": format_date(release, rng.choice(("iso", "iso", "chinese"))),
        "updated_at": format_datetime(updated, "space"),
    }


def _statistics(truths: list[TrueValue], seed: int) -> SourceFile:
    dirt = Dirt(random.Random(f"macroeconomic/{seed}/statistics"))
    rng = dirt.rng
    drafts = []
    for t in truths:
        if t.indicator.code == "T01":
            continue
        release = _release_date(t.period, rng)
        if len(t.period) == 4 and t.period != "2022" and t.indicator.unit != "%" and dirt.roll(0.1):
            # preliminary figure first, then the final (revised) one: truth is the final
            early = _stat_record(t, _preliminary(t.value, rng), release, dirt)
            drafts.append(Draft(early, t.entity_id))
            release = _release_date(t.period, rng, final=True)
            dirt.mark("revised_value")
        drafts.append(Draft(_stat_record(t, t.value, release, dirt), t.entity_id))
    victim = rng.choice([t for t in truths if t.indicator.code != "T01"])
    dash = _stat_record(victim, victim.value, _release_date(victim.period, rng), dirt)
    dash["value"] = "—"
    drafts.append(Draft(dash, victim.entity_id, ("value", "number_invalid", "value '—' (not published)")))
    gdp = BY_CODE["A01"]
    bad = TrueValue(gdp, "420100", "2024Q5", Decimal("0"))
    q5 = _stat_record(bad, gdp.base_2024["420100"], dt.date(2024, 12, 20), dirt)
    drafts.append(Draft(q5, bad.entity_id, ("period", "period_invalid", "quarter 5")))
    dirt.counts["quarantine_bait"] += 2
    return _assemble("statistics", "csv", "TJ", drafts, dirt)


def _tax_period(period: str, dirt: Dirt) -> str:
    if len(period) == 4:
        if dirt.roll(0.4):
            dirt.mark("period_with_nian")
            return period + "年"
        return period
    if "Q" in period:
        return period
    if dirt.roll(0.5):
        dirt.mark("period_chinese_month")
        return f"{period[:4]}年{int(period[5:7])}月"
    return period


def _tax_record(t: TrueValue, value: Decimal, updated: dt.datetime, dirt: Dirt) -> Record:
    rng = dirt.rng
    division = t.division
    if dirt.roll(0.2):
        division += "000000"
        dirt.mark("division_code_12_digits")
    code: str | None = t.indicator.code
    if dirt.roll(0.3):
        code = None
        dirt.mark("indicator_code_missing")
    return {
        "indicator_code": code, "indicator_name": t.indicator.name, "division_code": division,
        "period": _tax_period(t.period, dirt), "value": _num(value * 10000), "unit": "万元",
        "release_date": format_date(updated.date(), "iso"),
        "updated_at": format_datetime(updated, rng.choice(("space", "iso_t"))),
    }


def _tax(truths: list[TrueValue], seed: int) -> SourceFile:
    """Tax figures are in 万元; a few are stale preliminary copies or corrected later."""
    dirt = Dirt(random.Random(f"macroeconomic/{seed}/tax"))
    rng = dirt.rng
    drafts = []
    for t in truths:
        wanted = t.indicator.code in TAX_INDICATORS and t.division in CITIES + DISTRICTS
        periods = TAX_INDICATORS.get(t.indicator.code)
        if not wanted or (periods is not None and t.period not in periods):
            continue
        release = _release_date(t.period, rng)
        updated = dt.datetime.combine(release, dt.time(rng.randint(8, 17), rng.randint(0, 59)))
        if t.indicator.code != "T01" and dirt.roll(0.08):
            # copied from the preliminary statistics release and never updated: statistics wins
            drafts.append(Draft(_tax_record(t, _preliminary(t.value, rng), updated, dirt),
                                t.entity_id))
            dirt.mark("stale_preliminary_value")
            continue
        if dirt.roll(0.06):
            wrong = _tax_record(t, _preliminary(t.value, rng), updated, dirt)
            drafts.append(Draft(wrong, t.entity_id))
            updated = random_datetime(rng, updated + dt.timedelta(days=20),
                                      updated + dt.timedelta(days=120))
            dirt.mark("revised_value")
        drafts.append(Draft(_tax_record(t, t.value, updated, dirt), t.entity_id))
    victim = rng.choice([t for t in truths if t.indicator.code == "T01"])
    short = _tax_record(victim, victim.value, dt.datetime(2025, 4, 1, 10), dirt)
    short["division_code"] = victim.division[:4]
    drafts.append(Draft(short, victim.entity_id,
                        ("division_code", "division_code_format", "4-digit division code")))
    dirt.mark("quarantine_bait")
    return _assemble("tax", "jsonl", "SW", drafts, dirt)
