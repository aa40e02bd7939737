"""The macro-economic indicator catalog (``schemas/indicators.yaml``): codes, names and synonyms,
canonical units, period semantics, and the reconciliation tolerance."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from ..errors import ConfigError
from ..resources import schemas_dir
from ..standardize import units
from ..standardize.text import normalize_chinese
from .schema import _load_yaml

PERIOD_TYPES = ("year", "quarter", "month")


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    synonyms: tuple[str, ...]
    unit: str  # canonical unit (亿元)
    unit_base: str  # base unit of its family (元)
    unit_factor: Decimal  # canonical unit in base units (100000000)
    cumulative: dict[str, bool]  # period type -> the value covers the year so far
    description: str

    def is_cumulative(self, period_type: str | None) -> bool | None:
        """Whether a value of this period type is the year so far (None: not said / a year)."""
        if period_type is None or period_type == "year":
            return None
        return self.cumulative.get(period_type)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "synonyms": list(self.synonyms), "unit": self.unit,
                "cumulative": self.cumulative, "description": self.description}


@dataclass(frozen=True)
class Catalog:
    indicators: dict[str, Indicator]
    by_name: dict[str, str]  # name key -> code
    relative_tolerance: Decimal

    def by_code(self, code: str | None) -> Indicator | None:
        if code is None:
            return None
        return self.indicators.get(_code_key(code))

    def find(self, name: str | None) -> Indicator | None:
        """The indicator of a name or synonym (any bracket width, spacing, traditional characters)."""
        if name is None:
            return None
        code = self.by_name.get(name_key(name))
        return self.indicators[code] if code else None

    def resolve(self, code_or_name: str) -> Indicator | None:
        """By code, else by name."""
        return self.by_code(code_or_name) or self.find(code_or_name)


def _code_key(code: str) -> str:
    return re.sub(r"\s", "", code).upper()


def name_key(name: str) -> str:
    """What indicator names are compared by: simplified, half-width, no spaces or brackets' width."""
    text = normalize_chinese(name)
    return re.sub(r"\s", "", text).replace("（", "(").replace("）", ")").lower()


@cache
def catalog() -> Catalog:
    path = schemas_dir() / "indicators.yaml"
    data = _load_yaml(path)
    indicators: dict[str, Indicator] = {}
    by_name: dict[str, str] = {}
    for entry in data.get("indicators") or []:
        code = _code_key(str(entry["code"]))
        if code in indicators:
            raise ConfigError(f"{path}: indicator {code} is listed twice")
        info = units.unit_info(str(entry["unit"]))
        if info is None:
            raise ConfigError(f"{path}: indicator {code}: unknown unit {entry['unit']!r}")
        cumulative = {str(k): bool(v) for k, v in (entry.get("cumulative") or {}).items()}
        for period_type in cumulative:
            if period_type not in PERIOD_TYPES[1:]:
                raise ConfigError(f"{path}: indicator {code}: cumulative: unknown period type {period_type!r}")
        indicator = Indicator(code, str(entry["name"]), tuple(str(s) for s in entry.get("synonyms") or ()),
                              info[0], info[1], info[2], cumulative, str(entry.get("description", "")))
        indicators[code] = indicator
        for name in (indicator.name, *indicator.synonyms):
            key = name_key(name)
            if by_name.get(key, code) != code:
                raise ConfigError(f"{path}: the name {name!r} is given to both {by_name[key]} and {code}")
            by_name[key] = code
    tolerance = Decimal(str((data.get("reconciliation") or {}).get("relative_tolerance", "0.001")))
    if tolerance < 0:
        raise ConfigError(f"{path}: reconciliation.relative_tolerance must not be negative")
    return Catalog(indicators, by_name, tolerance)
