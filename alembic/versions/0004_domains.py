"""Domain additions for legal entities, places and indicators.

Revision ID: 0004_domains
Revises: 0003_golden
Create Date: 2026-11-25

Derived staging columns for parsed addresses (all domains with an address), the 纳税人识别号 and
company-name region/pinyin of legal entities, WGS-84 coordinates and the address matching key of
places, and the indicator mapping of macro-economic values. A frozen copy of what
schemas/<domain>.yaml and chutian_mdm/domains/*.py add at this revision (tests/test_migrations.py
checks that schema files and the migrated database agree).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_domains"
down_revision = "0003_golden"
branch_labels = None
depends_on = None

NEW_COLUMNS: dict[str, list[tuple[str, sa.types.TypeEngine]]] = {
    "population": [
        ("address_standard", sa.Text()),
        ("address_division", sa.Text()),
    ],
    "legal_entity": [
        ("taxpayer_id", sa.Text()),
        ("taxpayer_id_kind", sa.Text()),
        ("taxpayer_id_uscc", sa.Text()),
        ("taxpayer_id_org_code", sa.Text()),
        ("name_region", sa.Text()),
        ("name_pinyin", sa.Text()),
        ("registered_address_standard", sa.Text()),
        ("registered_address_division", sa.Text()),
    ],
    "geospatial": [
        ("address_standard", sa.Text()),
        ("address_division", sa.Text()),
        ("address_key", sa.Text()),
        ("longitude_wgs84", sa.Double()),
        ("latitude_wgs84", sa.Double()),
    ],
    "macroeconomic": [
        ("indicator", sa.Text()),
        ("value_canonical", sa.Numeric()),
        ("unit_canonical", sa.Text()),
    ],
}


def upgrade() -> None:
    for table, columns in NEW_COLUMNS.items():
        for name, type_ in columns:
            op.add_column(table, sa.Column(name, type_), schema="staging")


def downgrade() -> None:
    for table, columns in NEW_COLUMNS.items():
        for name, _ in reversed(columns):
            op.drop_column(table, name, schema="staging")
