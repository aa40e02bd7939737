"""Matching: runs and the clusters each run produced.

Revision ID: 0002_matching
Revises: 0001_foundation
Create Date: 2026-11-25

``mdm.cluster_members`` is the hand-over from the match stage to golden-record publishing: for
every run, every current source record of the domain with the cluster it was put in.

The match stage's own tables: ``mdm.models`` (trained Splink models, versioned per domain) with
their term-frequency tables, ``mdm.match_edges`` (scored pairs of record versions, kept between
runs so that an incremental run only scores new records), ``mdm.review_queue`` and
``mdm.constraints`` (steward must-link / cannot-link between source records).
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
    op.create_table(
        "models",
        sa.Column("model_id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("domain", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trained_by", sa.Text, nullable=False),
        sa.Column("record_count", sa.BigInteger, nullable=False),
        sa.Column("training_seconds", sa.Double, nullable=False),
        sa.Column("settings", pg.JSONB, nullable=False),
        sa.UniqueConstraint("domain", "version", name="models_domain_version"),
        schema="mdm",
    )
    op.create_table(
        "model_term_frequencies",
        sa.Column("model_id", sa.Integer, sa.ForeignKey("mdm.models.model_id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("column_name", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("frequency", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("model_id", "column_name", "value"),
        schema="mdm",
    )
    op.create_table(
        "match_edges",
        sa.Column("domain", sa.Text, nullable=False),
        sa.Column("record_id_l", sa.BigInteger, nullable=False),
        sa.Column("record_id_r", sa.BigInteger, nullable=False),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("mdm.models.model_id"), nullable=False),
        sa.Column("match_weight", sa.Double, nullable=False),
        sa.Column("match_probability", sa.Double, nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("mdm.runs.run_id"), nullable=False),
        sa.PrimaryKeyConstraint("domain", "record_id_l", "record_id_r"),
        sa.CheckConstraint("record_id_l < record_id_r", name="match_edges_ordered"),
        sa.CheckConstraint("rule IN ('deterministic', 'model', 'review_only')", name="match_edges_rule"),
        schema="mdm",
    )
    op.create_index("match_edges_right", "match_edges", ["domain", "record_id_r"], schema="mdm")
    op.create_table(
        "review_queue",
        sa.Column("review_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("domain", sa.Text, nullable=False),
        sa.Column("source_l", sa.Text, nullable=False),
        sa.Column("source_record_id_l", sa.Text, nullable=False),
        sa.Column("record_id_l", sa.BigInteger, nullable=False),
        sa.Column("source_r", sa.Text, nullable=False),
        sa.Column("source_record_id_r", sa.Text, nullable=False),
        sa.Column("record_id_r", sa.BigInteger, nullable=False),
        sa.Column("match_probability", sa.Double, nullable=False),
        sa.Column("match_weight", sa.Double, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="open"),
        sa.Column("created_run_id", sa.Integer, sa.ForeignKey("mdm.runs.run_id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("decided_by", sa.Text),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("note", sa.Text),
        sa.CheckConstraint("status IN ('open', 'accepted', 'rejected', 'superseded')", name="review_queue_status"),
        sa.CheckConstraint("record_id_l < record_id_r", name="review_queue_ordered"),
        # One entry per pair of record versions: a decided pair comes back only as new versions.
        sa.UniqueConstraint("domain", "record_id_l", "record_id_r", name="review_queue_pair_once"),
        schema="mdm",
    )
    op.create_index("review_queue_open", "review_queue", ["domain", "status"], schema="mdm")
    op.create_table(
        "constraints",
        sa.Column("constraint_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("domain", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("source_l", sa.Text, nullable=False),
        sa.Column("source_record_id_l", sa.Text, nullable=False),
        sa.Column("source_r", sa.Text, nullable=False),
        sa.Column("source_record_id_r", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("review_id", sa.BigInteger, sa.ForeignKey("mdm.review_queue.review_id")),
        sa.Column("note", sa.Text),
        sa.CheckConstraint("kind IN ('must_link', 'cannot_link')", name="constraints_kind"),
        sa.CheckConstraint("(source_l, source_record_id_l) < (source_r, source_record_id_r)",
                           name="constraints_ordered"),
        sa.UniqueConstraint("domain", "source_l", "source_record_id_l", "source_r", "source_record_id_r",
                            name="constraints_pair_once"),
        schema="mdm",
    )


def downgrade() -> None:
    op.drop_table("constraints", schema="mdm")
    op.drop_table("review_queue", schema="mdm")
    op.drop_table("match_edges", schema="mdm")
    op.drop_table("model_term_frequencies", schema="mdm")
    op.drop_table("models", schema="mdm")
    op.drop_table("cluster_members", schema="mdm")
    op.drop_table("runs", schema="mdm")
