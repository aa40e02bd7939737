"""The match stage's tables in PostgreSQL: stored edges, cluster members, review queue and
steward constraints. Bulk in and out (COPY); SQL over whole tables."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from ..db import tables
from .records import copy_in, copy_out
from .score import EDGE_SCHEMA

EDGE_COLUMNS = ["record_id_l", "record_id_r", "match_weight", "match_probability", "rule"]
CONSTRAINT_SCHEMA = {
    "kind": pa.string(), "source_l": pa.string(), "source_record_id_l": pa.string(),
    "source_r": pa.string(), "source_record_id_r": pa.string(),
}


def record_ids_of_run(conn: sa.Connection, run_id: int) -> pa.Table:
    """The record versions a run clustered (``mdm.cluster_members``)."""
    return copy_out(conn, f"SELECT record_id FROM mdm.cluster_members WHERE run_id = {int(run_id)}",
                    {"record_id": pa.int64()})


def stored_edges(conn: sa.Connection, domain: str) -> pa.Table:
    """Every stored edge of ``domain`` (callers drop those of records no longer current)."""
    return copy_out(
        conn,
        f"SELECT {', '.join(EDGE_COLUMNS)} FROM mdm.match_edges WHERE domain = %s",
        dict(zip(EDGE_SCHEMA.names, EDGE_SCHEMA.types, strict=True)),
        (domain,),
    )


def replace_all_edges(conn: sa.Connection, domain: str) -> None:
    conn.execute(sa.delete(tables.match_edges).where(tables.match_edges.c.domain == domain))


def drop_edges_of(conn: sa.Connection, domain: str, record_ids: list[int]) -> int:
    """Delete the edges of record versions that are no longer current."""
    if not record_ids:
        return 0
    result = conn.execute(sa.text(
        "DELETE FROM mdm.match_edges WHERE domain = :domain "
        "AND (record_id_l = ANY(:ids) OR record_id_r = ANY(:ids))"
    ), {"domain": domain, "ids": record_ids})
    return int(result.rowcount or 0)


def insert_edges(conn: sa.Connection, domain: str, run_id: int, model_id: int, edges: pa.Table) -> None:
    n = edges.num_rows
    rows = edges.append_column("domain", pa.array([domain] * n, pa.string()))
    rows = rows.append_column("run_id", pa.array([run_id] * n, pa.int32()))
    rows = rows.append_column("model_id", pa.array([model_id] * n, pa.int32()))
    copy_in(conn, "mdm.match_edges", ["domain", *EDGE_COLUMNS, "run_id", "model_id"], rows)


MEMBER_COLUMNS = ["run_id", "domain", "source", "source_record_id", "record_id", "cluster_key", "match_probability"]


def insert_cluster_members(conn: sa.Connection, members: pa.Table) -> None:
    """Write a run's members as the run's own partition of ``mdm.cluster_members``: COPY into a
    bare table, then attach it — PostgreSQL builds the key and the index once over all rows and
    checks the foreign key with one query, instead of row by row (several times faster for a
    million members). Readers see the partition when the transaction commits."""
    if members.num_rows == 0:
        return
    run_ids = pc.unique(members["run_id"])
    if len(run_ids) != 1:
        copy_in(conn, "mdm.cluster_members", MEMBER_COLUMNS, members)
        return
    run_id = int(run_ids[0].as_py())
    partition = f"mdm.cluster_members_run_{run_id}"
    conn.exec_driver_sql(f"CREATE TABLE {partition} (LIKE mdm.cluster_members)")
    copy_in(conn, partition, MEMBER_COLUMNS, members)
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
    conn.exec_driver_sql(f"ALTER TABLE mdm.cluster_members ATTACH PARTITION {partition} "
                         f"FOR VALUES FROM ({run_id}) TO ({run_id + 1})")


def constraints(conn: sa.Connection, domain: str) -> tuple[pa.Table, dict[str, int]]:
    """The domain's steward constraints, and a fingerprint (count, newest id) that changes
    whenever one is added or removed."""
    table = copy_out(
        conn,
        "SELECT kind, source_l, source_record_id_l, source_r, source_record_id_r "
        "FROM mdm.constraints WHERE domain = %s ORDER BY constraint_id",
        CONSTRAINT_SCHEMA, (domain,),
    )
    c = tables.constraints
    count, newest = conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(c.c.constraint_id), 0)).where(c.c.domain == domain)
    ).one()
    return table, {"count": int(count), "newest_id": int(newest)}


def update_review_queue(conn: sa.Connection, domain: str, run_id: int, pairs: pa.Table) -> tuple[int, int]:
    """Queue review pairs (two record versions with their keys, probability and weight); a pair
    of record versions already in the queue — open or decided — is never queued again. Open
    entries whose records have since changed are marked ``superseded``. Returns (queued, superseded)."""
    conn.execute(sa.text(
        "CREATE TEMP TABLE review_in (source_l text, source_record_id_l text, record_id_l bigint, "
        "source_r text, source_record_id_r text, record_id_r bigint, match_probability float8, "
        "match_weight float8) ON COMMIT DROP"
    ))
    copy_in(conn, "review_in", pairs.column_names, pairs)
    queued = conn.execute(sa.text(
        "INSERT INTO mdm.review_queue (domain, source_l, source_record_id_l, record_id_l, source_r, "
        "source_record_id_r, record_id_r, match_probability, match_weight, created_run_id) "
        "SELECT :domain, source_l, source_record_id_l, record_id_l, source_r, source_record_id_r, "
        "record_id_r, match_probability, match_weight, :run_id FROM review_in "
        "ON CONFLICT ON CONSTRAINT review_queue_pair_once DO NOTHING"
    ), {"domain": domain, "run_id": run_id}).rowcount
    staging = tables.staging_table(domain).name
    superseded = conn.execute(sa.text(
        f"UPDATE mdm.review_queue q SET status = 'superseded' WHERE q.domain = :domain "
        f"AND q.status = 'open' AND EXISTS (SELECT 1 FROM staging.{staging} s "
        f"WHERE s.record_id IN (q.record_id_l, q.record_id_r) AND s.superseded_by_batch_id IS NOT NULL)"
    ), {"domain": domain}).rowcount
    return int(queued or 0), int(superseded or 0)
