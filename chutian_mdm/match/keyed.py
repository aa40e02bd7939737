"""Matching by an exact key (:class:`~chutian_mdm.match.spec.KeySpec`): no model, no scoring.

The records with the same key are linked to the first of them (a star: enough for clustering,
linear in the records), and those edges go through the same constrained clustering as scored
ones, so steward constraints hold here too. The review pairs the domain declares are looked up in
PostgreSQL once the run's cluster members are written.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from .linker import as_arrow
from .score import DETERMINISTIC_WEIGHT, EDGE_SCHEMA
from .spec import KeySpec, Thresholds

# Every key edge is a link (probability 1.0); nothing falls between the thresholds.
KEY_THRESHOLDS = Thresholds(match=1.0, review=1.0)

REVIEW_SCHEMA = pa.schema([
    ("source_l", pa.string()), ("source_record_id_l", pa.string()), ("record_id_l", pa.int64()),
    ("source_r", pa.string()), ("source_record_id_r", pa.string()), ("record_id_r", pa.int64()),
    ("match_probability", pa.float64()), ("match_weight", pa.float64()),
])


def key_edges(con: duckdb.DuckDBPyConnection, spec: KeySpec) -> pa.Table:
    """Edges (EDGE_SCHEMA) from each record of DuckDB table ``records`` to the first record with
    the same key; records with a NULL key column get none."""
    key = ", ".join(spec.key)
    present = " AND ".join(f"{column} IS NOT NULL" for column in spec.key)
    return as_arrow(con.sql(f"""
        SELECT first AS record_id_l, record_id AS record_id_r, {DETERMINISTIC_WEIGHT}::DOUBLE AS match_weight,
               1.0::DOUBLE AS match_probability, 'deterministic' AS rule
        FROM (SELECT record_id, min(record_id) OVER (PARTITION BY {key}) AS first FROM records WHERE {present})
        WHERE record_id <> first
        ORDER BY 1, 2""")).cast(EDGE_SCHEMA)


def key_review_pairs(conn: sa.Connection, domain: str, spec: KeySpec, run_id: int) -> pa.Table:
    """The domain's review pairs (REVIEW_SCHEMA) among the members of run ``run_id`` that are in
    one cluster, leaving out pairs a steward already constrained."""
    if spec.review is None:
        return REVIEW_SCHEMA.empty_table()
    pairs = str(spec.review().compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    rows = conn.execute(sa.text(f"""
        WITH pairs AS ({pairs})
        SELECT a.source, a.source_record_id, a.record_id, b.source, b.source_record_id, b.record_id
        FROM (SELECT DISTINCT least(record_id_l, record_id_r) AS l, greatest(record_id_l, record_id_r) AS r
              FROM pairs) p
        JOIN mdm.cluster_members a ON a.run_id = :run_id AND a.record_id = p.l
        JOIN mdm.cluster_members b ON b.run_id = :run_id AND b.record_id = p.r
        WHERE a.cluster_key = b.cluster_key AND NOT EXISTS (
          SELECT 1 FROM mdm.constraints c WHERE c.domain = :domain
            AND (c.source_l, c.source_record_id_l, c.source_r, c.source_record_id_r)
                IN ((a.source, a.source_record_id, b.source, b.source_record_id),
                    (b.source, b.source_record_id, a.source, a.source_record_id)))
        ORDER BY p.l, p.r"""), {"run_id": run_id, "domain": domain}).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * 6
    n = len(rows)
    return pa.table([*(pa.array(list(c), t) for c, t in zip(columns, REVIEW_SCHEMA.types[:6], strict=True)),
                     pa.array([1.0] * n, pa.float64()), pa.array([DETERMINISTIC_WEIGHT] * n, pa.float64())],
                    schema=REVIEW_SCHEMA)
