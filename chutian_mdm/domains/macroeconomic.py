"""宏观经济 — indicator values: the value converted to the base unit of its unit family."""

from __future__ import annotations

from .base import Columns, Report

# value × unit_factor, e.g. 12.5 亿元 -> 1250000000 元; compared across sources that report the
# same figure in different units.
EXTRA_COLUMNS = {"value_base": "numeric"}


def cross_checks(columns: Columns, report: Report) -> None:
    values, factors = columns["value"], columns["unit_factor"]
    columns["value_base"] = [
        value * factor if value is not None and factor is not None else None
        for value, factor in zip(values, factors, strict=True)
    ]
