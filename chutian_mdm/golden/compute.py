"""Computing the golden rows of a release (survivorship over whole work tables, :mod:`.survive`).

Golden records new in release N are written straight into ``golden.<domain>_history`` as their
first version; the others go to ``w_golden`` to be compared with their current version:
``w_changed`` lists those that differ, so unchanged golden records get no new history row.
"""

from __future__ import annotations

import sqlalchemy as sa

from .columns import golden_layout
from .rank import rank_multi_record_members
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


def compute_golden_rows(conn: sa.Connection, domain: str, release: int) -> None:
    """From ``w_cid`` (clusters to compute) and ``w_mg`` (their members): new golden records as
    history rows of ``release``, the others in ``w_golden``; then ``w_changed``. Golden records
    of one source record are computed in SQL; the others are ranked in DuckDB (:mod:`.rank`)."""
    run = conn.exec_driver_sql
    layout = golden_layout(domain)
    names = ", ".join([c.name for c in layout.columns] + ["record_count", "lineage"])
    run("CREATE TEMP TABLE w_dirty ON COMMIT DROP AS SELECT golden_id, size AS _size, is_new FROM w_cid")
    run("ANALYZE w_dirty")
    constructors = json_constructors(conn)
    rank_multi_record_members(conn, domain, f"""
        SELECT m.golden_id, d.is_new AS _new, {staging_columns(domain)}
        FROM w_mg m JOIN w_dirty d ON d.golden_id = m.golden_id AND d._size > 1
        JOIN staging.{domain} s ON s.record_id = m.record_id
        WHERE m.dirty""")

    def singles(new: bool) -> str:
        return single_record_statement(domain, f"""
            SELECT m.golden_id, {staging_columns(domain)}
            FROM w_mg m JOIN w_dirty d ON d.golden_id = m.golden_id AND d._size = 1 AND d.is_new = {new}
            JOIN staging.{domain} s ON s.record_id = m.record_id
            WHERE m.dirty""", constructors)

    def multis(new: bool) -> str:
        return ranked_statement(domain, f"(SELECT * FROM w_ranked WHERE _new = {new})", constructors)

    found = [0, 0]
    for select in (singles(True), multis(True)):
        count, records = run(f"""
            WITH written AS (
              INSERT INTO golden.{domain}_history (golden_id, valid_from_release, {names})
              SELECT golden_id, {release}, {names} FROM ({select}) g
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
    expected = run("SELECT count(*), coalesce(sum(_size), 0) FROM w_dirty").one()
    if found != [int(v) for v in expected]:
        raise MissingStagingRows(int(expected[1]) - found[1])

    run("CREATE TEMP TABLE w_changed ON COMMIT DROP AS SELECT golden_id, false AS existed FROM w_dirty WHERE is_new")
    new_row = ", ".join(f"g.{c}" for c in names.split(", "))
    old_row = ", ".join(f"h.{c}" for c in names.split(", "))
    run(f"""INSERT INTO w_changed
            SELECT g.golden_id, true FROM w_golden g
            JOIN golden.{domain}_history h ON h.golden_id = g.golden_id AND h.valid_to_release IS NULL
            WHERE ({new_row}) IS DISTINCT FROM ({old_row})""")
