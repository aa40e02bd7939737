"""Table definitions (SQLAlchemy Core) of the stages' hand-over tables.

The migrations in ``alembic/versions`` create these tables; ``tests/test_migrations.py`` checks
that what the migrations create is what this module (and so the schema files) describes.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from ..domains import domain_module, load_domain
from ..ingest.fieldtypes import staging_columns

SCHEMAS = ("staging", "mdm", "golden", "open")

metadata = sa.MetaData()

batches = sa.Table(
    "batches",
    metadata,
    sa.Column("batch_id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("domain", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("file_sha256", sa.Text, nullable=False),
    sa.Column("file_bytes", sa.BigInteger, nullable=False),
    sa.Column("file_format", sa.Text, nullable=False),
    sa.Column("encoding", sa.Text),
    sa.Column("rows_in", sa.Integer, nullable=False),
    sa.Column("accepted", sa.Integer, nullable=False),
    sa.Column("quarantined", sa.Integer, nullable=False),
    sa.Column("rows_with_warnings", sa.Integer, nullable=False),
    sa.Column("superseded", sa.Integer, nullable=False),
    sa.Column("headers", pg.ARRAY(sa.Text), nullable=False),
    sa.Column("ignored_columns", pg.ARRAY(sa.Text), nullable=False),
    sa.Column("ingested_by", sa.Text, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("rows_in = accepted + quarantined", name="batches_rows_add_up"),
    sa.UniqueConstraint("domain", "source", "file_sha256", name="batches_file_once"),
    schema="staging",
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("quarantine_id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("staging.batches.batch_id"), nullable=False),
    sa.Column("domain", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("row_number", sa.Integer, nullable=False),
    sa.Column("source_record_id", sa.Text),
    sa.Column("reasons", pg.JSONB, nullable=False),
    sa.Column("raw", pg.JSONB, nullable=False),
    sa.Column("resolved_by_batch_id", sa.Integer, sa.ForeignKey("staging.batches.batch_id")),
    schema="staging",
)
sa.Index("quarantine_batch", quarantine.c.batch_id)
sa.Index(
    "quarantine_open_by_record",
    quarantine.c.domain,
    quarantine.c.source,
    quarantine.c.source_record_id,
    postgresql_where=quarantine.c.resolved_by_batch_id.is_(None),
)

_SQL_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "text": sa.Text(),
    "date": sa.Date(),
    "timestamptz": sa.DateTime(timezone=True),
    "numeric": sa.Numeric(),
    "double precision": sa.Double(),
    "boolean": sa.Boolean(),
}


def record_columns(domain: str) -> dict[str, str]:
    """The domain's canonical, derived and domain-computed columns, name -> SQL type."""
    columns = staging_columns(load_domain(domain))
    columns.pop("source_record_id")  # a system column, see staging_table
    columns.update(domain_module(domain).EXTRA_COLUMNS)
    return columns


@cache
def staging_table(domain: str) -> sa.Table:
    """``staging.<domain>``: every accepted source record, one row per batch it arrived in.

    The current state of a source record is its row with ``superseded_by_batch_id IS NULL``;
    earlier states stay as history.
    """
    table = sa.Table(
        domain,
        metadata,
        sa.Column("record_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("staging.batches.batch_id"), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("source_record_id", sa.Text, nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
        *(sa.Column(name, _SQL_TYPES[sql_type]) for name, sql_type in record_columns(domain).items()),
        sa.Column("dq_flags", pg.JSONB),
        sa.Column("raw", pg.JSONB, nullable=False),
        sa.Column("superseded_by_batch_id", sa.Integer, sa.ForeignKey("staging.batches.batch_id")),
        schema="staging",
    )
    sa.Index(f"{domain}_batch", table.c.batch_id)
    sa.Index(
        f"{domain}_current",
        table.c.source,
        table.c.source_record_id,
        unique=True,
        postgresql_where=table.c.superseded_by_batch_id.is_(None),
    )
    return table


# -- mdm: matching runs and their clusters (alembic/versions/0002_matching.py) -------------------

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("domain", sa.Text, nullable=False),
    sa.Column("mode", sa.Text, nullable=False),  # incremental | full
    sa.Column("status", sa.Text, nullable=False),  # running | succeeded | nothing_to_do | failed
    sa.Column("started_by", sa.Text, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("model_id", sa.Integer),
    sa.Column("release", sa.Integer),
    sa.Column("stats", pg.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("error", sa.Text),
    schema="mdm",
)

# Hand-over from matching to publishing: every current source record of the domain, per run,
# with the cluster it belongs to. ``cluster_key`` is only meaningful within its run.
cluster_members = sa.Table(
    "cluster_members",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("mdm.runs.run_id"), nullable=False),
    sa.Column("domain", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("source_record_id", sa.Text, nullable=False),
    sa.Column("record_id", sa.BigInteger, nullable=False),  # the staging row (record version)
    sa.Column("cluster_key", sa.Text, nullable=False),
    sa.Column("match_probability", sa.Double, nullable=False),
    sa.PrimaryKeyConstraint("run_id", "source", "source_record_id"),
    schema="mdm",
    postgresql_partition_by="RANGE (run_id)",  # one partition per run (alembic 0007)
)

# -- mdm: the match stage's own tables (also alembic/versions/0002_matching.py) -------------------

# Trained Splink models, versioned per domain; ``settings`` is Splink's serialised model.
models = sa.Table(
    "models",
    metadata,
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

# Value frequencies of the term-frequency columns, frozen with the model so that a pair scores
# the same in every run of that model (incremental and full alike).
model_term_frequencies = sa.Table(
    "model_term_frequencies",
    metadata,
    sa.Column("model_id", sa.Integer, sa.ForeignKey("mdm.models.model_id", ondelete="CASCADE"), nullable=False),
    sa.Column("column_name", sa.Text, nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("frequency", sa.Double, nullable=False),
    sa.PrimaryKeyConstraint("model_id", "column_name", "value"),
    schema="mdm",
)

# Scored pairs of record versions at or above the review threshold (``rule``: deterministic,
# model, or review_only when the pair fails the domain's link conditions). Kept across runs: an
# incremental run scores only pairs with a new record version.
match_edges = sa.Table(
    "match_edges",
    metadata,
    sa.Column("domain", sa.Text, nullable=False),
    sa.Column("record_id_l", sa.BigInteger, nullable=False),
    sa.Column("record_id_r", sa.BigInteger, nullable=False),
    sa.Column("model_id", sa.Integer, sa.ForeignKey("mdm.models.model_id"), nullable=False),
    sa.Column("match_weight", sa.Double, nullable=False),
    sa.Column("match_probability", sa.Double, nullable=False),
    sa.Column("rule", sa.Text, nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("mdm.runs.run_id"), nullable=False),
    sa.PrimaryKeyConstraint("domain", "record_id_l", "record_id_r"),
    schema="mdm",
)
sa.Index("match_edges_right", match_edges.c.domain, match_edges.c.record_id_r)

# Pairs between the review and the match threshold, one row per pair of record versions.
review_queue = sa.Table(
    "review_queue",
    metadata,
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
    sa.Column("status", sa.Text, nullable=False, server_default="open"),  # open|accepted|rejected|superseded
    sa.Column("created_run_id", sa.Integer, sa.ForeignKey("mdm.runs.run_id"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("decided_by", sa.Text),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Column("note", sa.Text),
    sa.UniqueConstraint("domain", "record_id_l", "record_id_r", name="review_queue_pair_once"),
    schema="mdm",
)
sa.Index("review_queue_open", review_queue.c.domain, review_queue.c.status)

# Steward decisions between source records (stable keys, so they survive new record versions).
constraints = sa.Table(
    "constraints",
    metadata,
    sa.Column("constraint_id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("domain", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),  # must_link | cannot_link
    sa.Column("source_l", sa.Text, nullable=False),
    sa.Column("source_record_id_l", sa.Text, nullable=False),
    sa.Column("source_r", sa.Text, nullable=False),
    sa.Column("source_record_id_r", sa.Text, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("review_id", sa.BigInteger, sa.ForeignKey("mdm.review_queue.review_id")),
    sa.Column("note", sa.Text),
    sa.UniqueConstraint("domain", "source_l", "source_record_id_l", "source_r", "source_record_id_r",
                        name="constraints_pair_once"),
    schema="mdm",
)
