"""From scored edges to cluster members: the records, their edges and the steward constraints
go through constrained clustering (``cluster.py``); out come ``mdm.cluster_members`` rows and the
pairs for the review queue. Set-based in DuckDB around the one union-find loop."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .cluster import constrained_clusters
from .linker import as_arrow
from .records import fetch_count, run_sql
from .spec import Matching, Thresholds


@dataclass(frozen=True)
class ClusterOutcome:
    members: pa.Table  # mdm.cluster_members rows
    review: pa.Table  # pairs between the review and the match threshold
    matches: int
    clusters: int
    multi_record_clusters: int
    refused_by_cannot_link: int
    refused_by_exclusive_key: int
    conflicting_must_links: int


def cluster_records(con: duckdb.DuckDBPyConnection, spec: Matching, limits: Thresholds,
                    constraint_rows: pa.Table, run_id: int, domain: str) -> ClusterOutcome:
    """Cluster DuckDB table ``records`` over the edges in ``__edges`` (only those between current
    records count) and the steward constraints (kind, source_l, source_record_id_l, source_r,
    source_record_id_r); the cluster members and the review pairs as Arrow."""
    run_sql(con, "CREATE OR REPLACE TEMP TABLE __nodes AS SELECT record_id, source, source_record_id, "
                "(row_number() OVER (ORDER BY record_id)) - 1 AS node FROM records")
    run_sql(con, """CREATE OR REPLACE TEMP TABLE __current_edges AS
        SELECT a.node AS node_l, b.node AS node_r, e.* FROM __edges e
        JOIN __nodes a ON a.record_id = e.record_id_l JOIN __nodes b ON b.record_id = e.record_id_r""")
    links = con.execute(f"""
        SELECT node_l, node_r, CASE WHEN rule = 'deterministic' THEN 'Infinity'::DOUBLE ELSE match_weight END,
               match_probability
        FROM __current_edges WHERE match_probability >= {limits.match!r} AND rule <> 'review_only'
        ORDER BY record_id_l, record_id_r
    """).fetchnumpy()
    con.register("__constraints", constraint_rows)
    pairs = con.execute("""
        SELECT c.kind, a.node, b.node FROM __constraints c
        JOIN __nodes a ON a.source = c.source_l AND a.source_record_id = c.source_record_id_l
        JOIN __nodes b ON b.source = c.source_r AND b.source_record_id = c.source_record_id_r
    """).fetchall()
    keys = [
        con.execute(f"SELECT CASE WHEN r.{key} IS NULL THEN -1 ELSE dense_rank() OVER (ORDER BY r.{key}) END "
                    "FROM records r JOIN __nodes n USING (record_id) ORDER BY n.node").fetchnumpy()
        for key in spec.exclusive_keys
    ]
    n = fetch_count(con, "__nodes")
    columns = list(links.values())
    clustering = constrained_clusters(
        n, np.asarray(columns[0], np.int64), np.asarray(columns[1], np.int64),
        np.asarray(columns[2], np.float64), np.asarray(columns[3], np.float64),
        must_links=[(int(a), int(b)) for kind, a, b in pairs if kind == "must_link"],
        cannot_links=[(int(a), int(b)) for kind, a, b in pairs if kind == "cannot_link"],
        exclusive_keys=[np.asarray(next(iter(k.values())), np.int64) for k in keys],
    )
    con.register("__clusters", pa.table({
        "node": pa.array(np.arange(n, dtype=np.int64)),
        "label": pa.array(clustering.labels), "strongest": pa.array(clustering.strongest_link),
    }))
    members = as_arrow(con.sql(f"""
        SELECT {int(run_id)}::INTEGER AS run_id, '{domain}' AS domain, n.source, n.source_record_id,
               n.record_id, first.record_id::VARCHAR AS cluster_key, c.strongest AS match_probability
        FROM __nodes n JOIN __clusters c USING (node) JOIN __nodes first ON first.node = c.label
        ORDER BY n.record_id
    """))
    # Review: pairs between the thresholds, and pairs above them that fail the domain's link
    # conditions, unless a steward already constrained the pair.
    review = as_arrow(con.sql(f"""
        SELECT a.source AS source_l, a.source_record_id AS source_record_id_l, a.record_id AS record_id_l,
               b.source AS source_r, b.source_record_id AS source_record_id_r, b.record_id AS record_id_r,
               e.match_probability, e.match_weight
        FROM __current_edges e JOIN __nodes a ON a.node = e.node_l JOIN __nodes b ON b.node = e.node_r
        WHERE e.match_probability >= {limits.review!r}
          AND (e.match_probability < {limits.match!r} OR e.rule = 'review_only')
          AND NOT EXISTS (SELECT 1 FROM __constraints c
                          WHERE (c.source_l, c.source_record_id_l, c.source_r, c.source_record_id_r)
                             IN ((a.source, a.source_record_id, b.source, b.source_record_id),
                                 (b.source, b.source_record_id, a.source, a.source_record_id)))
        ORDER BY e.record_id_l, e.record_id_r
    """))
    labels = pa.array(clustering.labels)
    sizes = pc.value_counts(labels).field("counts")
    return ClusterOutcome(
        members=members, review=review, matches=len(columns[0]), clusters=len(sizes),
        multi_record_clusters=int(pc.sum(pc.greater(sizes, 1)).as_py() or 0),
        refused_by_cannot_link=clustering.refused_by_constraint,
        refused_by_exclusive_key=clustering.refused_by_exclusive_key,
        conflicting_must_links=clustering.conflicting_must_links,
    )
