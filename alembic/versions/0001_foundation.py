"""Foundation: schemas staging/mdm/golden/open, batches, staged source records, quarantine.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-25

The staging column lists are a frozen copy of schemas/<domain>.yaml at this revision;
tests/test_migrations.py fails if the schema files and the migrated database drift apart.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None

SCHEMAS = ("staging", "mdm", "golden", "open")

RECORD_COLUMNS: dict[str, list[tuple[str, sa.types.TypeEngine]]] = {
    'population': [
        ('citizen_id', sa.Text()),
        ('citizen_id_raw', sa.Text()),
        ('citizen_id_birth_date', sa.Date()),
        ('citizen_id_gender', sa.Text()),
        ('citizen_id_region', sa.Text()),
        ('name', sa.Text()),
        ('name_pinyin', sa.Text()),
        ('gender', sa.Text()),
        ('birth_date', sa.Date()),
        ('ethnicity', sa.Text()),
        ('phone', sa.Text()),
        ('phone_raw', sa.Text()),
        ('address', sa.Text()),
        ('household_division_code', sa.Text()),
        ('household_division_code_name', sa.Text()),
        ('updated_at', sa.DateTime(timezone=True)),
    ],
    'legal_entity': [
        ('uscc', sa.Text()),
        ('uscc_raw', sa.Text()),
        ('uscc_division', sa.Text()),
        ('name', sa.Text()),
        ('name_normalized', sa.Text()),
        ('name_is_branch', sa.Boolean()),
        ('name_org_form', sa.Text()),
        ('entity_type', sa.Text()),
        ('legal_representative', sa.Text()),
        ('legal_representative_pinyin', sa.Text()),
        ('legal_representative_id', sa.Text()),
        ('legal_representative_id_raw', sa.Text()),
        ('legal_representative_id_birth_date', sa.Date()),
        ('legal_representative_id_gender', sa.Text()),
        ('legal_representative_id_region', sa.Text()),
        ('registered_address', sa.Text()),
        ('division_code', sa.Text()),
        ('division_code_name', sa.Text()),
        ('industry_code', sa.Text()),
        ('established_date', sa.Date()),
        ('registered_capital', sa.Numeric()),
        ('status', sa.Text()),
        ('registration_authority', sa.Text()),
        ('phone', sa.Text()),
        ('phone_raw', sa.Text()),
        ('updated_at', sa.DateTime(timezone=True)),
    ],
    'geospatial': [
        ('address', sa.Text()),
        ('province', sa.Text()),
        ('city', sa.Text()),
        ('county', sa.Text()),
        ('township', sa.Text()),
        ('community', sa.Text()),
        ('road', sa.Text()),
        ('door_number', sa.Text()),
        ('building', sa.Text()),
        ('unit', sa.Text()),
        ('room', sa.Text()),
        ('division_code', sa.Text()),
        ('division_code_name', sa.Text()),
        ('longitude', sa.Double()),
        ('latitude', sa.Double()),
        ('crs', sa.Text()),
        ('place_name', sa.Text()),
        ('updated_at', sa.DateTime(timezone=True)),
    ],
    'macroeconomic': [
        ('indicator_code', sa.Text()),
        ('indicator_name', sa.Text()),
        ('division_code', sa.Text()),
        ('division_code_name', sa.Text()),
        ('period', sa.Text()),
        ('period_type', sa.Text()),
        ('value', sa.Numeric()),
        ('unit', sa.Text()),
        ('unit_base', sa.Text()),
        ('unit_factor', sa.Numeric()),
        ('release_date', sa.Date()),
        ('updated_at', sa.DateTime(timezone=True)),
        ('value_base', sa.Numeric()),
    ],
}

def upgrade() -> None:
    for schema in SCHEMAS:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")

    op.create_table(
        "batches",
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
    op.create_table(
        "quarantine",
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
    op.create_index("quarantine_batch", "quarantine", ["batch_id"], schema="staging")
    op.create_index(
        "quarantine_open_by_record", "quarantine", ["domain", "source", "source_record_id"],
        schema="staging", postgresql_where=sa.text("resolved_by_batch_id IS NULL"),
    )

    for domain, columns in RECORD_COLUMNS.items():
        op.create_table(
            domain,
            sa.Column("record_id", sa.BigInteger, sa.Identity(), primary_key=True),
            sa.Column("batch_id", sa.Integer, sa.ForeignKey("staging.batches.batch_id"), nullable=False),
            sa.Column("source", sa.Text, nullable=False),
            sa.Column("source_record_id", sa.Text, nullable=False),
            sa.Column("row_number", sa.Integer, nullable=False),
            *(sa.Column(name, type_) for name, type_ in columns),
            sa.Column("dq_flags", pg.JSONB),
            sa.Column("raw", pg.JSONB, nullable=False),
            sa.Column("superseded_by_batch_id", sa.Integer, sa.ForeignKey("staging.batches.batch_id")),
            schema="staging",
        )
        op.create_index(f"{domain}_batch", domain, ["batch_id"], schema="staging")
        op.create_index(
            f"{domain}_current", domain, ["source", "source_record_id"], unique=True,
            schema="staging", postgresql_where=sa.text("superseded_by_batch_id IS NULL"),
        )


def downgrade() -> None:
    for schema in reversed(SCHEMAS):
        op.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
