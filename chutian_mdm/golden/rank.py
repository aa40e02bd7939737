"""Ranking the members of golden records of several source records, in DuckDB.

The same survivorship as :func:`.survive.multi_record_statement` (the reference, kept in SQL),
split where each engine is fast: PostgreSQL computes everything that looks at one member record
at a time (:func:`.survive.ranking_inputs`: values, candidates, sort keys) and COPYs it out;
DuckDB counts ``frequent`` values, finds each group's winner and runner-up per golden ID in a
hash aggregation (PostgreSQL sorts the members once per group) and names the deciding rule; the
result is COPYed into ``w_ranked`` and turned into golden rows with their lineage
(:func:`.survive.ranked_statement`).

Attribute values travel as PostgreSQL's own text (COPY out, COPY in): DuckDB only picks them,
never converts them, so they come back exactly as they were.
"""

from __future__ import annotations

import pyarrow as pa
import sqlalchemy as sa

from ..match.records import copy_in, copy_out, duckdb_connection, run_sql
from .columns import golden_layout
from .survive import _literal, ranking_inputs, rule_sql, staging_columns


def rank_multi_record_members(conn: sa.Connection, domain: str, members: str, table: str = "w_ranked") -> int:
    """Fill temporary table ``table`` (dropped at commit) with one row per golden ID of
    ``members`` (a query giving ``golden_id``, ``_new`` and the columns of
    :func:`.survive.staging_columns` per member record); returns how many."""
    ranked = rank_members(conn, domain, members)
    store_ranked(conn, domain, ranked, table)
    return ranked.num_rows


def rank_run_clusters(engine: sa.Engine, domain: str, run_id: int, work_mem: str) -> pa.Table:
    """:func:`rank_members` of every cluster of several records of matching run ``run_id``,
    keyed by ``cluster_key`` (in column ``golden_id``): read from committed tables by a
    connection of its own, so that a publish that computes every golden record can rank while
    its own transaction does the rest (see :func:`store_ranked`)."""
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{work_mem}'")
        return rank_members(conn, domain, f"""
            SELECT m.cluster_key AS golden_id, false AS _new, {staging_columns(domain)}
            FROM (SELECT cluster_key, record_id, count(*) OVER (PARTITION BY cluster_key) AS _size
                  FROM mdm.cluster_members WHERE run_id = {int(run_id)} AND domain = {_literal(domain)}) m
            JOIN staging.{domain} s ON s.record_id = m.record_id
            WHERE m._size > 1""")


def rank_members(conn: sa.Connection, domain: str, members: str) -> pa.Table:
    """One row per golden ID of ``members`` (see :func:`rank_multi_record_members`): ``golden_id``,
    ``_new``, ``record_count``, the surviving values (PostgreSQL's text) and per group ``g``
    ``_source<g>``, ``_record<g>``, ``_rule<g>``."""
    layout = golden_layout(domain)
    inputs = ranking_inputs(domain)
    groups = [g.index for g in layout.groups]
    values = [c.name for c in layout.columns]
    rows = copy_out(conn, f"SELECT {inputs.select} FROM ({members}) m",
                    {name: pa.int64() if kind == "int" else pa.string() for name, kind in inputs.types.items()})
    con = duckdb_connection()
    try:
        con.register("__members", rows)
        run_sql(con, f"CREATE TABLE __keyed AS {inputs.keyed}")
        con.unregister("__members")
        del rows
        # Per group: the winner (candidates first, then the smallest key, then the lowest
        # record_id) with what the golden row takes from it.
        winners = []
        for group in layout.groups:
            g = group.index
            picked = ", ".join(["_s := source", "_r := source_record_id", f"_k := _k{g}", f"_ok := _o{g}",
                                f"_l := _l{g}", *(f"v_{c.name} := {c.name}" for c in group.columns)])
            winners.append(f"arg_min(struct_pack({picked}), struct_pack(c := NOT _c{g}, k := _k{g}, r := record_id))"
                           f" AS _w{g}, count(*) FILTER (WHERE _c{g}) AS _n{g}")
        run_sql(con, f"""CREATE TABLE __won AS SELECT golden_id, bool_or(_new = 1) AS _new,
                         count(*)::INTEGER AS record_count, {', '.join(winners)} FROM __keyed GROUP BY golden_id""")
        # Runner-up: the best candidate with a different lead value.
        runners = ", ".join(f"min(k._k{g}) FILTER (WHERE k._c{g} AND k._l{g} IS DISTINCT FROM w._w{g}._l) AS _rk{g}"
                            for g in groups)
        run_sql(con, f"CREATE TABLE __runner AS SELECT k.golden_id, {runners} "
                     "FROM __keyed k JOIN __won w USING (golden_id) GROUP BY k.golden_id")
        run_sql(con, "DROP TABLE __keyed")
        decided = []
        for group in layout.groups:
            g = group.index
            decided += [f"CASE WHEN w._w{g}._ok THEN w._w{g}.v_{c.name} END AS {c.name}" for c in group.columns]
            decided += [f"w._w{g}._s AS _source{g}", f"w._w{g}._r AS _record{g}",
                        f"w._w{g}._k AS _wk{g}", f"r._rk{g}", f"w._n{g}"]
        rules = ", ".join(f"{rule_sql(domain, g)} AS _rule{g}" for g in groups)
        out_columns = ["golden_id", "_new", "record_count", *values,
                       *(f"{part}{g}" for g in groups for part in ("_source", "_record", "_rule"))]
        result = con.sql(f"""
            SELECT {', '.join(out_columns)} FROM (
              SELECT *, {rules} FROM (
                SELECT w.golden_id, w._new, w.record_count, {', '.join(decided)}
                FROM __won w JOIN __runner r USING (golden_id)))""").arrow()
        return result if isinstance(result, pa.Table) else result.read_all()
    finally:
        con.close()


def store_ranked(conn: sa.Connection, domain: str, ranked: pa.Table, table: str = "w_ranked",
                 clusters: str | None = None) -> None:
    """COPY the rows of :func:`rank_members` into temporary table ``table`` (dropped at
    commit). ``clusters``: they are keyed by cluster key (:func:`rank_run_clusters`); this table
    (``cluster_key``, ``golden_id``, ``is_new``) gives golden IDs, and only its clusters are kept."""
    layout = golden_layout(domain)
    groups = [g.index for g in layout.groups]
    columns = ["golden_id", "_new", "record_count", *(c.name for c in layout.columns),
               *(f"{part}{g}" for g in groups for part in ("_source", "_record", "_rule"))]
    definitions = ["golden_id text", "_new boolean", "record_count integer",
                   *(f"{c.name} {c.sql_type}" for c in layout.columns),
                   *(f"{part}{g} text" for g in groups for part in ("_source", "_record", "_rule"))]
    target = f"{table}_by_cluster" if clusters else table
    conn.exec_driver_sql(f"CREATE TEMP TABLE {target} ({', '.join(definitions)}) ON COMMIT DROP")
    copy_in(conn, target, columns, ranked)
    if clusters:
        rest = ", ".join(f"r.{c}" for c in columns[2:])
        conn.exec_driver_sql(f"""CREATE TEMP TABLE {table} ON COMMIT DROP AS
                                 SELECT c.golden_id, c.is_new AS _new, {rest}
                                 FROM {target} r JOIN {clusters} c ON c.cluster_key = r.golden_id""")
