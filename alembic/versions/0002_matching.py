"""Matching: runs and the clusters each run produced.

Revision ID: 0002_matching
Revises: 0001_foundation
Create Date: 2026-11-25

``mdm.cluster_members`` is the hand-over from the match stage to golden-record publishing: for
every run, every current source record of the domain with the cluster it was put in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0002_matching"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("domain", sa.Text, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("started_by", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("model_id", sa.Integer),
        sa.Column("release", sa.Integer),
        sa.Column("stats", pg.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("error", sa.Text),
        sa.CheckConstraint("mode IN ('incremental', 'full')", name="runs_mode"),
        sa.CheckConstraint(
            "status IN ('running', 'succeeded', 'nothing_to_do', 'failed')", name="runs_status"
        ),
        schema="mdm",
    )
    op.create_index("runs_domain", "runs", ["domain", "run_id"], schema="mdm")
    op.create_table(
        "cluster_members",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("mdm.runs.run_id"), nullable=False),
        sa.Column("domain", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("source_record_id", sa.Text, nullable=False),
        sa.Column("record_id", sa.BigInteger, nullable=False),
        sa.Column("cluster_key", sa.Text, nullable=False),
        sa.Column("match_probability", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "source", "source_record_id"),
        schema="mdm",
    )
    op.create_index("cluster_members_cluster", "cluster_members", ["run_id", "cluster_key"], schema="mdm")


def downgrade() -> None:
    op.drop_table("cluster_members", schema="mdm")
    op.drop_table("runs", schema="mdm")
