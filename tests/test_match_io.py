"""How the match stage reads and writes PostgreSQL in bulk: current records read in parallel
parts, cluster members written as the run's own partition."""

from __future__ import annotations

import sqlalchemy as sa

from chutian_mdm.match.records import current_records
from chutian_mdm.match.spec import match_spec
from chutian_mdm.pipeline import run_domain

from .golden_helpers import ingest_samples


def test_current_records_read_in_parallel_parts_are_those_read_at_once(engine: sa.Engine) -> None:
    ingest_samples(engine, "population")
    spec = match_spec("population")
    with engine.connect() as conn:
        at_once = current_records(conn, "population", spec, parts=1).sort_by("record_id")
        for parts in (2, 3, 7):
            assert current_records(conn, "population", spec, parts=parts).sort_by("record_id").equals(at_once)
    assert at_once.num_rows > 100


def test_each_run_writes_its_members_as_a_partition_of_its_own(engine: sa.Engine) -> None:
    ingest_samples(engine, "population")
    first = run_domain(engine, "population", publish=False)
    second = run_domain(engine, "population", full=True, publish=False)
    with engine.connect() as conn:
        partitions = dict(conn.exec_driver_sql(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'mdm.cluster_members'::regclass").all())
        for run in (first, second):
            bound = partitions[f"cluster_members_run_{run.run_id}"]
            assert bound == f"FOR VALUES FROM ({run.run_id}) TO ({run.run_id + 1})"
            members = conn.exec_driver_sql(
                f"SELECT count(*), count(DISTINCT (source, source_record_id)) FROM mdm.cluster_members "
                f"WHERE run_id = {run.run_id}").one()
            assert members == (run.records, run.records)
        # The key and the foreign key hold for every partition.
        keys = {name for (name,) in conn.exec_driver_sql(
            f"SELECT conname FROM pg_constraint WHERE conrelid = 'mdm.cluster_members_run_{first.run_id}'::regclass")}
        assert any(k.endswith("_pkey") for k in keys) and any("fkey" in k for k in keys)
