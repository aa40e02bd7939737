"""Computing the golden rows of a release (survivorship over whole work tables, :mod:`.survive`).

Golden records new in release N are written straight into ``golden.<domain>_history`` as their
first version; the others go to ``w_golden`` to be compared with their current version:
``w_changed`` lists those that differ, so unchanged golden records get no new history row.
"""

from __future__ import annotations

from concurrent.futures import Future

import pyarrow as pa
import sqlalchemy as sa

from .columns import golden_layout
from .rank import rank_multi_record_members, store_ranked
from .survive import ranked_statement, single_record_statement, staging_columns


class MissingStagingRows(Exception):
    """Cluster members name staging rows that do not exist (reported by the caller)."""

    def __init__(self, missing: int) -> None:
        super().__init__(missing)
        self.missing = missing


def json_constructors(conn: sa.Connection) -> bool:
    """The server has SQL/JSON constructors (``JSON_OBJECT``, PostgreSQL 16+)."""
    version = conn.dialect.server_version_info
    return version is not None and version >= (16,)


def compute_golden_rows(conn: sa.Connection, domain: str, release: int,
                        ranked: Future[pa.Table] | None = None) -> None:
    """From ``w_cid`` (clusters to compute) and ``w_mg`` (their members): new golden records as
    history rows of ``release``, the others in ``w_golden``; then ``w_changed``. Golden records
    of one source record are computed in SQL; the others are ranked in DuckDB (:mod:`.rank`) —
    here, or already (``ranked``: every cluster of several records of the run, keyed by
    cluster key, being ranked by :func:`.rank.rank_run_clusters` meanwhile)."""
    run = conn.exec_driver_sql
    layout = golden_layout(domain)
    names = ", ".join([c.name for c in layout.columns] + ["record_count", "lineage"])
    constructors = json_constructors(conn)
    if ranked is None:
        rank_multi_record_members(conn, domain, f"""
            SELECT m.golden_id, m.is_new AS _new, {staging_columns(domain)}
            FROM w_mg m JOIN staging.{domain} s ON s.record_id = m.record_id
            WHERE m.dirty AND m._size > 1""")

    def singles(new: bool) -> str:
        return single_record_statement(domain, f"""
            SELECT m.golden_id, {staging_columns(domain)}
            FROM w_mg m JOIN staging.{domain} s ON s.record_id = m.record_id
            WHERE m.dirty AND m._size = 1 AND m.is_new = {new}""", constructors)

    def multis(new: bool) -> str:
        return ranked_statement(domain, f"(SELECT * FROM w_ranked WHERE _new = {new})", constructors)

    found = [0, 0]
    for multi in (False, True):
        if multi and ranked is not None:  # writing the singles gave it time to finish
            store_ranked(conn, domain, ranked.result(), clusters="w_cid")
        count, records = run(f"""
            WITH written AS (
              INSERT INTO golden.{domain}_history (golden_id, valid_from_release, {names})
              SELECT golden_id, {release}, {names} FROM ({multis(True) if multi else singles(True)}) g
              RETURNING record_count)
            SELECT count(*), coalesce(sum(record_count), 0) FROM written""").one()
        found = [found[0] + int(count), found[1] + int(records)]
    run(f"""CREATE TEMP TABLE w_golden ON COMMIT DROP AS
            SELECT golden_id, {names} FROM golden.{domain}_history WITH NO DATA""")
    run(f"INSERT INTO w_golden {singles(False)}")
    run(f"INSERT INTO w_golden {multis(False)}")
    run("ANALYZE w_golden")
    count, records = run("SELECT count(*), coalesce(sum(record_count), 0) FROM w_golden").one()
    found = [found[0] + int(count), found[1] + int(records)]
    expected = run("SELECT count(*), coalesce(sum(size), 0) FROM w_cid").one()
    if found != [int(v) for v in expected]:
        raise MissingStagingRows(int(expected[1]) - found[1])

    run("CREATE TEMP TABLE w_changed ON COMMIT DROP AS SELECT golden_id, false AS existed FROM w_cid WHERE is_new")
    new_row = ", ".join(f"g.{c}" for c in names.split(", "))
    old_row = ", ".join(f"h.{c}" for c in names.split(", "))
    run(f"""INSERT INTO w_changed
            SELECT g.golden_id, true FROM w_golden g
            JOIN golden.{domain}_history h ON h.golden_id = g.golden_id AND h.valid_to_release IS NULL
            WHERE ({new_row}) IS DISTINCT FROM ({old_row})""")
