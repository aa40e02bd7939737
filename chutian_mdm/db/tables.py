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
)
