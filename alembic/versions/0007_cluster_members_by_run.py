"""Cluster members partitioned by run.

Revision ID: 0007_cluster_members_by_run
Revises: 0006_links
Create Date: 2026-11-25

``mdm.cluster_members`` keeps its columns, key, index and foreign key, but becomes a table
partitioned by ``run_id`` (RANGE): a matching run COPYs its members into a table of its own and
attaches it as the partition of its run (``chutian_mdm/match/store.py``), so that the key and
the index are built once over the sorted rows and the foreign key is checked with one query,
instead of maintaining them row by row for a million members. Rows inserted directly (tests,
tools) land in the default partition. Existing rows become the partition of the runs so far.
"""

from __future__ import annotations

from alembic import op

revision = "0007_cluster_members_by_run"
down_revision = "0006_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE mdm.cluster_members RENAME TO cluster_members_before_0007")
    op.execute("ALTER INDEX mdm.cluster_members_pkey RENAME TO cluster_members_before_0007_pkey")
    op.execute("ALTER INDEX mdm.cluster_members_cluster RENAME TO cluster_members_before_0007_cluster")
    op.execute("""
        CREATE TABLE mdm.cluster_members (
            run_id integer NOT NULL REFERENCES mdm.runs (run_id),
            domain text NOT NULL,
            source text NOT NULL,
            source_record_id text NOT NULL,
            record_id bigint NOT NULL,
            cluster_key text NOT NULL,
            match_probability double precision NOT NULL,
            CONSTRAINT cluster_members_pkey PRIMARY KEY (run_id, source, source_record_id)
        ) PARTITION BY RANGE (run_id)""")
    op.execute("CREATE INDEX cluster_members_cluster ON mdm.cluster_members (run_id, cluster_key)")
    op.execute("""
        DO $$
        DECLARE upto integer := (SELECT coalesce(max(run_id), 0) + 1 FROM mdm.runs);
        BEGIN
          EXECUTE format('ALTER TABLE mdm.cluster_members ATTACH PARTITION mdm.cluster_members_before_0007 '
                         'FOR VALUES FROM (MINVALUE) TO (%s)', upto);
        END $$""")
    op.execute("CREATE TABLE mdm.cluster_members_default PARTITION OF mdm.cluster_members DEFAULT")


def downgrade() -> None:
    op.execute("CREATE TABLE mdm.cluster_members_plain (LIKE mdm.cluster_members INCLUDING ALL)")
    op.execute("INSERT INTO mdm.cluster_members_plain SELECT * FROM mdm.cluster_members")
    op.execute("DROP TABLE mdm.cluster_members")
    op.execute("ALTER TABLE mdm.cluster_members_plain RENAME TO cluster_members")
    op.execute("ALTER TABLE mdm.cluster_members ADD FOREIGN KEY (run_id) REFERENCES mdm.runs (run_id)")
    op.execute("ALTER INDEX mdm.cluster_members_plain_pkey RENAME TO cluster_members_pkey")
    op.execute("ALTER INDEX mdm.cluster_members_plain_run_id_cluster_key_idx RENAME TO cluster_members_cluster")
