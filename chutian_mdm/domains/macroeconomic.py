"""宏观经济 — indicator values: each record mapped to the indicator catalog, its value converted.

``value_base`` is the value in the base unit of its unit family (12.5 亿元 → 1250000000 元).
``indicator`` is the catalog code found by ``indicator_code`` or, failing that, ``indicator_name``
(``schemas/indicators.yaml``: 社零总额 → A02); ``value_canonical`` is the value in that
indicator's canonical unit (``unit_canonical``): 2661100 万元 of A04 → 266.11 亿元. Reconciling the
records of one (indicator, division, period) is ``chutian_mdm.reconcile.macroeconomic``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .base import Columns, Report
from .indicators import catalog

EXTRA_COLUMNS = {"value_base": "numeric", "indicator": "text", "value_canonical": "numeric",
                 "unit_canonical": "text"}


def cross_checks(columns: Columns, report: Report) -> None:
    values, factors = columns["value"], columns["unit_factor"]
    value_base: list[Decimal | None] = [
        value * factor if value is not None and factor is not None else None
        for value, factor in zip(values, factors, strict=True)
    ]
    columns["value_base"] = value_base
    _map_indicators(columns, value_base, report)


def _map_indicators(columns: Columns, value_base: list[Decimal | None], report: Report) -> None:
    known = catalog()
    rows = len(value_base)
    resolved: list[str | None] = [None] * rows
    canonical: list[Decimal | None] = [None] * rows
    canonical_unit: list[str | None] = [None] * rows
    codes, names = columns["indicator_code"], columns["indicator_name"]
    units, unit_bases = columns["unit"], columns["unit_base"]
    for i in range(rows):
        by_code, by_name = known.by_code(codes[i]), known.find(names[i])
        indicator = by_code or by_name
        if indicator is None:
            given = " / ".join(repr(v) for v in (codes[i], names[i]) if v is not None)
            report(i, "indicator_code" if codes[i] else "indicator_name", "indicator_unknown",
                   f"indicator {given} is not in the catalog (schemas/indicators.yaml: "
                   f"{', '.join(f'{c} {x.name}' for c, x in known.indicators.items())})")
            continue
        if by_code is not None and by_name is not None and by_code.code != by_name.code:
            report(i, "indicator_name", "indicator_name_mismatch",
                   f"indicator code {codes[i]} is {by_code.name}, but the name {names[i]!r} is {by_name.code} "
                   f"{by_name.name}; the code is used")
        elif by_code is None:
            why = f"code {codes[i]!r} is not in the catalog" if codes[i] else "no code given"
            report(i, "indicator_name", "indicator_from_name",
                   f"indicator {indicator.code} {indicator.name} found by the name {names[i]!r} ({why})")
        resolved[i] = indicator.code
        base = value_base[i]
        if unit_bases[i] is None or base is None:
            continue
        if unit_bases[i] != indicator.unit_base:
            report(i, "unit", "indicator_unit_mismatch",
                   f"unit {units[i]} cannot express {indicator.code} {indicator.name}, which is measured in "
                   f"{indicator.unit}; no canonical value")
            continue
        canonical[i] = _plain(base / indicator.unit_factor)
        canonical_unit[i] = indicator.unit
    columns["indicator"], columns["value_canonical"], columns["unit_canonical"] = resolved, canonical, canonical_unit


def _plain(value: Decimal) -> Decimal:
    """Without trailing zeros, and never in exponent form (1615100, not 1.6151E+6)."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


# -- Matching: no model; the records of one (indicator, division code, period) are one value ----

def _matching() -> Any:
    from ..match.spec import KeySpec
    from ..reconcile.macroeconomic import disagreeing_pairs

    # Values that the sources report differently (beyond reconciliation.relative_tolerance in
    # schemas/indicators.yaml) stay one golden value but go to the review queue.
    return KeySpec(key=("indicator", "division_code", "period"), review=disagreeing_pairs,
                   review_reason="the sources disagree on this value beyond reconciliation.relative_tolerance "
                                 "(schemas/indicators.yaml): the left record gives the golden value, the right "
                                 "one another source's latest revision",
                   review_columns=("value_canonical", "unit_canonical"))


MATCHING = _matching()
