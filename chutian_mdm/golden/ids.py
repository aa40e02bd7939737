"""Stable golden IDs (DESIGN §6): a cluster inherits the ID of the previous golden record it
overlaps most; when clusters merge the survivor keeps its ID and the other is retired with
``merged_into``; when one splits, the largest part keeps the ID and the others get new ones;
IDs are never reused (new ones are numbered after the highest in ``golden.<domain>_history``).

Works on ``w_m`` (the run's members with their current xref entry). Most clusters of a run are
*clean*: exactly the members of one previous golden record, no more, no fewer. They keep its ID
and are found with two aggregations over ``w_m``; only the others are looked at more closely:

- ``w_gone``: current xref rows whose source record is in no cluster of the run;
- ``w_o``: for clusters that are not clean, how many records they share with which previous
  golden ID; those tangled in merges and splits are resolved greedily in Python (largest
  overlap first, ties to the older golden ID) and COPY-ed back;
- ``w_cid``: the clusters whose golden record must be computed (``dirty``: not clean, or a
  member has a new record version, or every cluster when ``everything``), with their golden
  ID and ``is_new``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..domains.survivorship import GoldenSettings
from ..errors import ConfigError


@dataclass(frozen=True)
class Overlap:
    cluster_key: str
    golden_id: str
    shared: int  # source records the cluster and the previous golden record have in common
    anchor: int  # the cluster's lowest record_id: a deterministic tie-break


def resolve_overlaps(overlaps: list[Overlap]) -> dict[str, str]:
    """cluster_key -> inherited golden ID for clusters tangled in merges and splits: the pair
    sharing the most records first; a golden ID goes to one cluster, a cluster takes one ID."""
    taken_ids: set[str] = set()
    out: dict[str, str] = {}
    for o in sorted(overlaps, key=lambda o: (-o.shared, o.golden_id, o.anchor)):
        if o.cluster_key not in out and o.golden_id not in taken_ids:
            out[o.cluster_key] = o.golden_id
            taken_ids.add(o.golden_id)
    return out


def assign_golden_ids(conn: sa.Connection, domain: str, settings: GoldenSettings, everything: bool,
                      nothing_gone: bool) -> int:
    """Fill ``w_cid`` (see the module docstring); returns how many clusters there are.
    ``nothing_gone``: every current xref row is matched by a member (the counts say so), so the
    search for source records that left every cluster can be skipped."""
    if settings.id_prefix is None:
        raise ConfigError(f"schemas/{domain}.yaml: golden.id_prefix is not set; golden IDs need a prefix")
    run = conn.exec_driver_sql
    run("""CREATE TEMP TABLE w_c ON COMMIT DROP AS
           SELECT cluster_key, count(*)::int AS size, min(record_id) AS anchor,
                  count(old_golden_id)::int AS n_old, min(old_golden_id) AS old_min, max(old_golden_id) AS old_max,
                  bool_or(old_record_id IS DISTINCT FROM record_id) AS records_changed
           FROM w_m GROUP BY cluster_key""")
    run("""CREATE TEMP TABLE w_prev ON COMMIT DROP AS
           SELECT old_golden_id AS golden_id, count(*)::int AS in_run FROM w_m
           WHERE old_golden_id IS NOT NULL GROUP BY old_golden_id""")
    run(f"""CREATE TEMP TABLE w_gone ON COMMIT DROP AS
            SELECT x.source, x.source_record_id, x.golden_id FROM golden.{domain}_xref x
            WHERE {'false AND ' if nothing_gone else ''}x.valid_to_release IS NULL AND NOT EXISTS (
              SELECT 1 FROM w_m m WHERE m.source = x.source AND m.source_record_id = x.source_record_id)""")
    # Clusters that need a look: all but the clean ones whose records are unchanged.
    run(f"""CREATE TEMP TABLE w_k ON COMMIT DROP AS
            SELECT c.cluster_key, c.size, c.anchor, c.n_old, c.clean, c.old_min
            FROM (SELECT c.*, (c.n_old = c.size AND c.old_min = c.old_max AND p.in_run = c.size
                               AND NOT EXISTS (SELECT 1 FROM w_gone g WHERE g.golden_id = c.old_min)) AS clean
                  FROM w_c c LEFT JOIN w_prev p ON p.golden_id = c.old_min) c
            WHERE {'true' if everything else 'false'} OR NOT c.clean OR c.records_changed""")
    run("ANALYZE w_k")
    run("""CREATE TEMP TABLE w_o ON COMMIT DROP AS
           SELECT m.cluster_key, m.old_golden_id, count(*)::int AS shared
           FROM w_m m JOIN w_k k ON k.cluster_key = m.cluster_key AND NOT k.clean AND k.n_old > 0
           WHERE m.old_golden_id IS NOT NULL GROUP BY m.cluster_key, m.old_golden_id""")
    run("CREATE TEMP TABLE w_assign (cluster_key text PRIMARY KEY, golden_id text NOT NULL UNIQUE) ON COMMIT DROP")
    tangled = [Overlap(*row) for row in run(
        "SELECT o.cluster_key, o.old_golden_id, o.shared, k.anchor FROM w_o o JOIN w_k k USING (cluster_key)")]
    if tangled:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy("COPY w_assign (cluster_key, golden_id) FROM STDIN") as copy:
            for item in resolve_overlaps(tangled).items():
                copy.write_row(item)

    run("""CREATE TEMP TABLE w_cid ON COMMIT DROP AS
           SELECT k.cluster_key, k.size, coalesce(a.golden_id, k.old_min) AS golden_id, false AS is_new
           FROM w_k k LEFT JOIN w_assign a USING (cluster_key)
           WHERE k.clean OR a.golden_id IS NOT NULL""")
    new = int(run("SELECT count(*) FROM w_k k WHERE NOT k.clean AND NOT EXISTS "
                  "(SELECT 1 FROM w_assign a WHERE a.cluster_key = k.cluster_key)").scalar_one())
    if new:
        # Numbered after the highest ID ever published: the history keeps every ID (retired ones
        # too), so none is reused. Unlike a sequence, this is transactional: a publish that dies
        # before committing burns no numbers, and the retry mints exactly the same IDs.
        first = 1 + int(run(
            f"SELECT coalesce(max(substring(golden_id FROM '[0-9]+$')::bigint), 0) "
            f"FROM golden.{domain}_history").scalar_one())
        last = first + new - 1
        if last >= 10**settings.id_digits:
            raise ConfigError(f"golden IDs of {domain} would exceed {settings.id_digits} digits; "
                              "raise golden.id_digits in the schema file")
        prefix = str(settings.id_prefix).replace("'", "")
        run(f"""INSERT INTO w_cid
                SELECT k.cluster_key, k.size,
                       '{prefix}-' || lpad(({first - 1} + row_number() OVER (ORDER BY k.anchor))::text,
                                          {settings.id_digits}, '0'),
                       true
                FROM w_k k WHERE NOT k.clean
                  AND NOT EXISTS (SELECT 1 FROM w_assign a WHERE a.cluster_key = k.cluster_key)""")
    run("ANALYZE w_cid")
    return int(run("SELECT count(*) FROM w_c").scalar_one())
