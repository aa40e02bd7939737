"""Building Splink linkers over the matcher's DuckDB: from a declaration (to train) or from a
stored model with its frozen term-frequency tables (to score and explain)."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker, SettingsCreator

from .spec import MatchSpec

# Splink logs every step at INFO unless told not to; the CLI shows its own progress instead.
QUIET: dict[str, Any] = {"log_level": None}


def untrained_settings(spec: MatchSpec) -> SettingsCreator:
    """Splink settings of a domain before training: its comparisons, priors and blocking."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=spec.comparisons(),
        blocking_rules_to_generate_predictions=list(spec.blocking_rules),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def as_arrow(result: Any) -> pa.Table:
    """A DuckDB result as an Arrow table (DuckDB 2 returns a reader from ``.arrow()``)."""
    table = result.arrow()
    return table if isinstance(table, pa.Table) else table.read_all()


def linker_for_model(
    con: duckdb.DuckDBPyConnection,
    table: str,
    settings: dict[str, Any],
    term_frequencies: dict[str, pa.Table],
    **overrides: Any,
) -> tuple[Linker, DuckDBAPI]:
    """A Linker over DuckDB table ``table`` with a stored model's parameters and its frozen
    term-frequency tables registered (``predict_within``/``predict_between`` need them)."""
    db_api = DuckDBAPI(connection=con)
    linker = Linker(db_api.register(table), {**settings, **overrides}, **QUIET)
    for column, frequencies in term_frequencies.items():
        name = f"__chutian_tf_{column}"
        con.execute(f"DROP VIEW IF EXISTS {name}").complete()  # Splink registers Arrow as a view
        registered = db_api.register(frequencies, table_name=name)
        linker.table_management.register_term_frequency_lookup(registered, column)
    return linker, db_api
