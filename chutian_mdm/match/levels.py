"""Building blocks for a domain's Splink comparisons: levels as dicts of DuckDB SQL over
``x_l`` / ``x_r``, each with a prior m probability that training re-estimates where the data
shows the level (see ``chutian_mdm/domains/population.py``)."""

from __future__ import annotations

from typing import Any


def null(column: str) -> dict[str, Any]:
    """The null level: ``column`` missing on either side."""
    return {"sql_condition": f"{column}_l IS NULL OR {column}_r IS NULL",
            "label_for_charts": "missing", "is_null_level": True}


def level(condition: str, label: str, m: float, **options: Any) -> dict[str, Any]:
    return {"sql_condition": condition, "label_for_charts": label, "m_probability": m, **options}


def else_level(m: float, **options: Any) -> dict[str, Any]:
    return level("ELSE", "different", m, **options)


def comparison(name: str, levels: list[dict[str, Any]]) -> Any:
    """A Splink comparison named ``name`` from ``levels`` (most specific first)."""
    import splink.comparison_library as cl  # Splink loads slowly: only when a model is built

    return cl.CustomComparison(output_column_name=name, comparison_levels=list[Any](levels))
