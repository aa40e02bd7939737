"""Writing release N from the work tables: history and xref versions, changes, the release row.

Inputs (temporary tables of the publishing transaction, see :mod:`.ids` and :mod:`.publish`):
``w_golden`` (computed golden rows), ``w_changed`` (golden IDs that get a new version,
``existed`` = had one before), ``w_cid`` (clusters computed, with their golden IDs), ``w_o``
(overlap of tangled clusters with previous golden IDs), ``w_prev``, ``w_gone``, ``w_mg``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class ReleaseCounts:
    created: int
    updated: int
    merged: int
    split: int
    retired: int
    xref_changes: int

    @property
    def anything(self) -> bool:
        return any((self.created, self.updated, self.merged, self.split, self.retired, self.xref_changes))


def prepare_changes(conn: sa.Connection, domain: str) -> ReleaseCounts:
    """Work out retirements, splits and xref changes (``w_retired``, ``w_split``, ``w_xref``)
    and count what release N would change."""
    run = conn.exec_driver_sql
    # A previous golden ID no cluster inherited: merged into the cluster holding most of its
    # records, or retired if none of its records is left.
    run("""CREATE TEMP TABLE w_retired ON COMMIT DROP AS
           SELECT DISTINCT ON (o.old_golden_id) o.old_golden_id AS golden_id, c.golden_id AS merged_into
           FROM w_o o JOIN w_cid c USING (cluster_key)
           WHERE NOT EXISTS (SELECT 1 FROM w_cid k WHERE k.golden_id = o.old_golden_id)
           ORDER BY o.old_golden_id, o.shared DESC, c.golden_id""")
    run("""INSERT INTO w_retired
           SELECT DISTINCT g.golden_id, NULL FROM w_gone g
           WHERE NOT EXISTS (SELECT 1 FROM w_prev p WHERE p.golden_id = g.golden_id)""")
    # A new golden ID made of records of a previous one: split from it.
    run("""CREATE TEMP TABLE w_split ON COMMIT DROP AS
           SELECT DISTINCT ON (c.golden_id) c.golden_id, o.old_golden_id AS split_from
           FROM w_cid c JOIN w_o o USING (cluster_key)
           WHERE c.is_new ORDER BY c.golden_id, o.shared DESC, o.old_golden_id""")
    run("""CREATE TEMP TABLE w_xref ON COMMIT DROP AS
           SELECT source, source_record_id, golden_id, match_probability, record_id,
                  old_golden_id IS NOT NULL AS existed
           FROM w_mg
           WHERE old_golden_id IS DISTINCT FROM golden_id OR old_record_id IS DISTINCT FROM record_id
              OR old_probability IS DISTINCT FROM match_probability""")
    created, updated, split, merged, retired, xref_changes = (int(v) for v in run("""
        SELECT (SELECT count(*) FROM w_changed WHERE NOT existed),
               (SELECT count(*) FROM w_changed c WHERE existed
                  AND NOT EXISTS (SELECT 1 FROM w_split s WHERE s.split_from = c.golden_id)),
               (SELECT count(*) FROM w_changed c WHERE existed
                  AND EXISTS (SELECT 1 FROM w_split s WHERE s.split_from = c.golden_id)),
               (SELECT count(*) FROM w_retired WHERE merged_into IS NOT NULL),
               (SELECT count(*) FROM w_retired WHERE merged_into IS NULL),
               (SELECT count(*) FROM w_xref) + (SELECT count(*) FROM w_xref WHERE existed)
                 + (SELECT count(*) FROM w_gone)""").one())
    return ReleaseCounts(created, updated, merged, split, retired, xref_changes)


def write_release(conn: sa.Connection, domain: str, release: int, columns: list[str], first: bool) -> None:
    """Close the versions that end with release N and open the new ones (``columns``: the golden
    row's columns after ``golden_id``; new golden records are already written, see
    :mod:`.compute`). ``first``: the domain has no release yet, nothing needs closing."""
    run = conn.exec_driver_sql
    hist, xref, changes = f"golden.{domain}_history", f"golden.{domain}_xref", f"golden.{domain}_changes"
    names = ", ".join(columns)
    if not first:
        run(f"""UPDATE {hist} h SET valid_to_release = {release}
                WHERE h.valid_to_release IS NULL AND h.golden_id IN (
                  SELECT golden_id FROM w_changed WHERE existed UNION ALL SELECT golden_id FROM w_retired)""")
        run(f"""UPDATE {xref} x SET valid_to_release = {release}
                FROM (SELECT source, source_record_id FROM w_xref WHERE existed
                      UNION ALL SELECT source, source_record_id FROM w_gone) c
                WHERE x.valid_to_release IS NULL AND x.source = c.source
                  AND x.source_record_id = c.source_record_id""")
    run(f"""INSERT INTO {hist} (golden_id, valid_from_release, {names})
            SELECT g.golden_id, {release}, {names} FROM w_golden g
            WHERE g.golden_id IN (SELECT golden_id FROM w_changed WHERE existed) ORDER BY g.golden_id""")
    order = "" if first else " ORDER BY source, source_record_id"  # index locality; none when bulk-loading
    run(f"""INSERT INTO {xref} (source, source_record_id, golden_id, match_probability, record_id,
                                valid_from_release)
            SELECT source, source_record_id, golden_id, match_probability, record_id, {release}
            FROM w_xref{order}""")
    run(f"""INSERT INTO {changes} (release, golden_id, change, merged_into, split_from)
            SELECT {release}, c.golden_id, 'created', NULL, s.split_from
              FROM w_cid c LEFT JOIN w_split s USING (golden_id) WHERE c.is_new
            UNION ALL
            SELECT {release}, w.golden_id,
                   CASE WHEN EXISTS (SELECT 1 FROM w_split s WHERE s.split_from = w.golden_id)
                        THEN 'split' ELSE 'updated' END, NULL, NULL
              FROM w_changed w WHERE w.existed
            UNION ALL
            SELECT {release}, golden_id, CASE WHEN merged_into IS NULL THEN 'retired' ELSE 'merged' END,
                   merged_into, NULL
              FROM w_retired""")


def suspend_indexes(conn: sa.Connection, tables: list[str]) -> list[str]:
    """Drop the keys and indexes of empty ``tables`` and return the DDL that recreates them.

    A domain's first release fills its golden tables from nothing; building each index once at
    the end is several times faster than maintaining it row by row. The tables stay locked
    (ACCESS EXCLUSIVE) until the release commits, so readers wait for it rather than see the
    empty tables. The definitions are read from the database, so they come back exactly as the
    migration made them.
    """
    run = conn.exec_driver_sql
    restore: list[str] = []
    for table in tables:
        if run(f"SELECT EXISTS (SELECT 1 FROM {table})").scalar_one():
            continue
        constraints = run(f"""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                              WHERE conrelid = '{table}'::regclass AND contype IN ('p', 'u')""").all()
        indexes = run(f"""SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i
                          WHERE indrelid = '{table}'::regclass
                            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""").all()
        for name, definition in constraints:
            run(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            restore.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for name, definition in indexes:
            run(f"DROP INDEX {name}")
            restore.append(definition)
    return restore


def restore_indexes(conn: sa.Connection, restore: list[str], tables: list[str]) -> None:
    """Recreate what :func:`suspend_indexes` dropped (checking uniqueness over the new rows) and
    give the planner statistics of the freshly filled tables."""
    run = conn.exec_driver_sql
    run("SET LOCAL maintenance_work_mem = '1GB'")
    for statement in restore:
        run(statement)
    for table in tables:
        run(f"ANALYZE {table}")
