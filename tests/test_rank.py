"""Ranking in DuckDB (chutian_mdm/golden/rank.py) gives exactly the golden rows of the reference
SQL (survive.multi_record_statement): every value, record count and lineage entry, for every
domain, on the samples' dirty records grouped as the truth says and grouped at random."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from chutian_mdm.golden.columns import golden_layout
from chutian_mdm.golden.compute import json_constructors
from chutian_mdm.golden.rank import rank_multi_record_members
from chutian_mdm.golden.survive import multi_record_statement, ranked_statement, staging_columns

from .golden_helpers import ingest_samples, truth_clusters

DOMAINS = ["population", "legal_entity", "geospatial", "macroeconomic"]


def _groupings(engine: sa.Engine, domain: str) -> list[dict[int, str]]:
    """record_id -> golden ID: as the truth says, and at random (clusters of 2 to 6 records of
    unrelated entities, so that values disagree and every rule gets to decide)."""
    with engine.connect() as conn:
        current = [tuple(r) for r in conn.execute(sa.text(
            f"SELECT record_id, source, source_record_id FROM staging.{domain} "
            "WHERE superseded_by_batch_id IS NULL ORDER BY record_id"))]
    truth = truth_clusters(domain)
    by_truth = {record_id: f"T-{truth.get((source, srid), f'{source}:{srid}')}" for record_id, source, srid in current}
    shuffled = [record_id for record_id, _, _ in current]
    random.Random(7).shuffle(shuffled)
    at_random: dict[int, str] = {}
    while shuffled:
        size = random.Random(len(shuffled)).randint(2, 6)
        cluster, shuffled = shuffled[:size], shuffled[size:]
        at_random.update({record_id: f"R-{cluster[0]}" for record_id in cluster})
    return [by_truth, at_random]


@pytest.mark.parametrize("domain", DOMAINS)
def test_ranking_in_duckdb_gives_the_reference_golden_rows(engine: sa.Engine, domain: str) -> None:
    ingest_samples(engine, domain)
    names = ", ".join([c.name for c in golden_layout(domain).columns] + ["record_count", "lineage"])
    compared = 0
    for grouping in _groupings(engine, domain):
        with engine.begin() as conn:
            run = conn.exec_driver_sql
            run("CREATE TEMP TABLE t_members (record_id bigint, golden_id text) ON COMMIT DROP")
            conn.execute(sa.text("INSERT INTO t_members VALUES (:r, :g)"),
                         [{"r": r, "g": g} for r, g in grouping.items()])
            run(f"""CREATE TEMP TABLE t_multi ON COMMIT DROP AS
                    SELECT m.golden_id, true AS _new, {staging_columns(domain)}
                    FROM t_members m JOIN staging.{domain} s ON s.record_id = m.record_id
                    WHERE m.golden_id IN (SELECT golden_id FROM t_members GROUP BY 1 HAVING count(*) > 1)""")
            for constructors in sorted({False, json_constructors(conn)}):
                expected = run(f"SELECT golden_id, {names} FROM ({multi_record_statement(domain, 't_multi')}) g "
                               "ORDER BY golden_id").all()
                table = f"t_ranked_{int(constructors)}"
                rank_multi_record_members(conn, domain, "SELECT * FROM t_multi", table)
                got = run(f"SELECT golden_id, {names} FROM ({ranked_statement(domain, table, constructors)}) g "
                          "ORDER BY golden_id").all()
                assert len(got) == len(expected) > 0
                for mine, reference in zip(got, expected, strict=True):
                    assert mine == reference
                compared += len(got)
    assert compared > 0


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_release_computing_only_what_changed_equals_recomputing_everything(engine: sa.Engine, domain: str) -> None:
    """Release 2 computes only the golden records whose clusters changed (ranked in the
    publishing transaction); recomputing every golden record from the same run (ranked on a
    second connection, as a first release is) must find nothing to change."""
    from chutian_mdm.golden import publish_release

    from .golden_helpers import create_run, current_records, truth_run

    ingest_samples(engine, domain)
    assert publish_release(engine, domain, truth_run(engine, domain)).release == 1
    # Run 2: the truth with every fifth entity merged into the next one and every seventh split.
    truth = truth_clusters(domain)
    entities = sorted({truth.get(key, f"{key[0]}:{key[1]}") for key in current_records(engine, domain)})
    merged = {e: entities[i + 1] if i % 5 == 0 and i + 1 < len(entities) else e for i, e in enumerate(entities)}
    regrouped = {}
    for n, key in enumerate(sorted(current_records(engine, domain))):
        entity = merged[truth.get(key, f"{key[0]}:{key[1]}")]
        regrouped[key] = f"{entity}-{n % 2}" if entities.index(entity) % 7 == 0 else entity
    second = publish_release(engine, domain, create_run(engine, domain, regrouped))
    assert second.release == 2 and second.updated + second.created > 0
    with engine.begin() as conn:  # as if the survivorship rules had changed: recompute everything
        conn.exec_driver_sql(f"UPDATE golden.releases SET survivorship_digest = 'changed' "
                             f"WHERE domain = '{domain}' AND release = 2")
    again = publish_release(engine, domain, second.run_id)
    assert again.release is None, again
