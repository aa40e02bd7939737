"""Scoring record pairs: the domain's deterministic rules, then its Splink model.

Full mode scores every candidate pair among the current records (``predict_within``);
incremental mode scores only pairs that involve a new record version: new × existing
(``predict_between``) and new × new (``predict_within``). Both use the model's frozen
term-frequency tables, so a pair gets the same score either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from .linker import as_arrow, linker_for_model
from .records import fetch_count, run_sql
from .spec import MatchSpec

# Weight given to a pair linked by a deterministic rule that the model did not also score.
DETERMINISTIC_WEIGHT = 50.0

EDGE_SCHEMA = pa.schema([
    ("record_id_l", pa.int64()), ("record_id_r", pa.int64()), ("match_weight", pa.float64()),
    ("match_probability", pa.float64()), ("rule", pa.string()),
])


@dataclass(frozen=True)
class Scored:
    """Edges at or above the floor probability, and how much work it took."""

    edges: pa.Table  # EDGE_SCHEMA, record_id_l < record_id_r
    compared_records: int
    candidate_pairs: int


def rule_sql(rule: Any) -> str:
    """The SQL condition (over ``l.``/``r.``) of a blocking-rule creator or string."""
    if isinstance(rule, str):
        return rule
    return str(rule.get_blocking_rule("duckdb").blocking_rule_sql)


def score_pairs(
    con: duckdb.DuckDBPyConnection,
    spec: MatchSpec,
    settings: dict[str, Any],
    term_frequencies: dict[str, pa.Table],
    *,
    floor: float,
    new_table: str | None = None,
) -> Scored:
    """Score pairs among DuckDB table ``records`` (all current records). With ``new_table``
    (a subset of ``records``: new record versions), only pairs involving one of them."""
    linker, db_api = linker_for_model(con, "records", settings, term_frequencies)
    if new_table is None:
        predictions = [linker.inference.predict_within(db_api.register("records", table_name="__all"),
                                                       warning_mode="never")]
        compared = fetch_count(con, "records")
        deterministic = _deterministic_pairs(spec, "records", "records", "l.record_id < r.record_id")
    else:
        run_sql(con, f"CREATE OR REPLACE TEMP TABLE __old AS SELECT * FROM records "
                f"ANTI JOIN {new_table} USING (record_id)")
        new = db_api.register(new_table, table_name="__new")
        predictions = [
            linker.inference.predict_within(new, warning_mode="never"),
            linker.inference.predict_between(new, db_api.register("__old", table_name="__old_in"),
                                             warning_mode="never"),
        ]
        compared = fetch_count(con, new_table)
        deterministic = _deterministic_pairs(
            spec, new_table, "records",
            f"(l.record_id < r.record_id OR r.record_id NOT IN (SELECT record_id FROM {new_table}))",
        )
    model_pairs = " UNION ALL ".join(
        f"SELECT least(record_id_l, record_id_r) AS l, greatest(record_id_l, record_id_r) AS r, "
        f"match_weight, match_probability FROM {p.physical_name}"
        for p in predictions
    )
    candidates = sum(fetch_count(con, p.physical_name) for p in predictions)
    exclusive = "".join(
        f" AND NOT (l.{key} IS NOT NULL AND r.{key} IS NOT NULL AND l.{key} <> r.{key})"
        for key in spec.exclusive_keys
    )
    linkable = " AND ".join(f"coalesce(({condition}), false)" for condition in spec.link_conditions.values()) or "true"
    edges = as_arrow(con.sql(f"""
        WITH model AS ({model_pairs}),
        deterministic AS ({deterministic}),
        scored AS (
            SELECT coalesce(m.l, d.l) AS l, coalesce(m.r, d.r) AS r,
                   coalesce(m.match_weight, {DETERMINISTIC_WEIGHT}) AS match_weight,
                   CASE WHEN d.l IS NOT NULL THEN 1.0 ELSE m.match_probability END AS match_probability,
                   CASE WHEN d.l IS NOT NULL THEN 'deterministic' ELSE 'model' END AS rule
            FROM model m FULL JOIN deterministic d ON m.l = d.l AND m.r = d.r
        )
        SELECT s.l AS record_id_l, s.r AS record_id_r, s.match_weight, s.match_probability,
               CASE WHEN s.rule = 'model' AND NOT ({linkable}) THEN 'review_only' ELSE s.rule END AS rule
        FROM scored s JOIN records l ON l.record_id = s.l JOIN records r ON r.record_id = s.r
        WHERE s.match_probability >= {float(floor)!r}{exclusive}
        ORDER BY 1, 2
    """)).cast(EDGE_SCHEMA)
    for p in predictions:
        p.drop_table_from_database_and_remove_from_cache()
    return Scored(edges, compared, candidates)


def _deterministic_pairs(spec: MatchSpec, left: str, right: str, condition: str) -> str:
    if not spec.deterministic_rules:
        return "SELECT NULL::BIGINT AS l, NULL::BIGINT AS r WHERE false"
    return " UNION ".join(
        f"SELECT least(l.record_id, r.record_id) AS l, greatest(l.record_id, r.record_id) AS r "
        f"FROM {left} l JOIN {right} r ON ({rule_sql(rule)}) "
        f"WHERE l.record_id <> r.record_id AND {condition}"
        for rule in spec.deterministic_rules
    )


