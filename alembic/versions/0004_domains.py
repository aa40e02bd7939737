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


# The golden attributes computed from them (survivorship companions and derived columns), the
# golden.<domain> views and the open.<domain> views, frozen at this revision.
NEW_GOLDEN_COLUMNS: dict[str, list[tuple[str, str]]] = {'population': [('address_standard', 'text'), ('address_division', 'text')],
 'legal_entity': [('taxpayer_id', 'text'),
                  ('taxpayer_id_kind', 'text'),
                  ('taxpayer_id_uscc', 'text'),
                  ('taxpayer_id_org_code', 'text'),
                  ('name_region', 'text'),
                  ('name_pinyin', 'text'),
                  ('registered_address_standard', 'text'),
                  ('registered_address_division', 'text')],
 'geospatial': [('address_standard', 'text'),
                ('address_division', 'text'),
                ('address_key', 'text'),
                ('longitude_wgs84', 'double precision'),
                ('latitude_wgs84', 'double precision')],
 'macroeconomic': [('indicator', 'text'), ('value_canonical', 'numeric'), ('unit_canonical', 'text')]}

# golden.<domain> view: every attribute column, in schema order, at this revision.
GOLDEN_VIEW_COLUMNS: dict[str, list[str]] = {'population': ['citizen_id', 'citizen_id_birth_date', 'citizen_id_gender', 'citizen_id_region', 'name',
                'name_pinyin', 'gender', 'birth_date', 'ethnicity', 'phone', 'address', 'address_standard',
                'address_division', 'household_division_code', 'household_division_code_name'],
 'legal_entity': ['uscc', 'uscc_division', 'taxpayer_id', 'taxpayer_id_kind', 'taxpayer_id_uscc',
                  'taxpayer_id_org_code', 'name', 'name_normalized', 'name_is_branch', 'name_org_form',
                  'name_region', 'name_pinyin', 'entity_type', 'legal_representative',
                  'legal_representative_pinyin', 'legal_representative_id',
                  'legal_representative_id_birth_date', 'legal_representative_id_gender',
                  'legal_representative_id_region', 'registered_address', 'registered_address_standard',
                  'registered_address_division', 'division_code', 'division_code_name', 'industry_code',
                  'established_date', 'registered_capital', 'status', 'registration_authority', 'phone'],
 'geospatial': ['address', 'address_standard', 'address_division', 'address_key', 'province', 'city',
                'county', 'township', 'community', 'road', 'door_number', 'building', 'unit', 'room',
                'division_code', 'division_code_name', 'longitude', 'longitude_wgs84', 'latitude_wgs84',
                'latitude', 'crs', 'place_name'],
 'macroeconomic': ['indicator_code', 'indicator', 'indicator_name', 'division_code', 'division_code_name',
                   'period', 'period_type', 'value', 'value_base', 'value_canonical', 'unit_canonical',
                   'unit', 'unit_base', 'unit_factor', 'release_date']}

OPEN_COLUMNS: dict[str, list[tuple[str, str]]] = {'population': [('golden_id', 'golden_id'), ('valid_from_release', 'valid_from_release'),
                ('citizen_id', 'mask.id_middle(citizen_id)'), ('name', 'mask.name_middle(name)'),
                ('gender', 'gender'), ('birth_year', 'mask.year(birth_date)'), ('ethnicity', 'ethnicity'),
                ('phone', 'mask.phone_middle(phone)'), ('address', 'mask.address_county(address)'),
                ('household_division_code', 'household_division_code'),
                ('household_division_code_name', 'household_division_code_name'),
                ('record_count', 'record_count')],
 'legal_entity': [('golden_id', 'golden_id'), ('valid_from_release', 'valid_from_release'), ('uscc', 'uscc'),
                  ('uscc_division', 'uscc_division'), ('taxpayer_id', 'taxpayer_id'),
                  ('taxpayer_id_kind', 'taxpayer_id_kind'), ('taxpayer_id_uscc', 'taxpayer_id_uscc'),
                  ('taxpayer_id_org_code', 'taxpayer_id_org_code'), ('name', 'name'),
                  ('name_normalized', 'name_normalized'), ('name_is_branch', 'name_is_branch'),
                  ('name_org_form', 'name_org_form'), ('name_region', 'name_region'),
                  ('name_pinyin', 'name_pinyin'), ('entity_type', 'entity_type'),
                  ('legal_representative', 'mask.name_middle(legal_representative)'),
                  ('registered_address', 'registered_address'),
                  ('registered_address_standard', 'registered_address_standard'),
                  ('registered_address_division', 'registered_address_division'),
                  ('division_code', 'division_code'), ('division_code_name', 'division_code_name'),
                  ('industry_code', 'industry_code'), ('established_date', 'established_date'),
                  ('registered_capital', 'registered_capital'), ('status', 'status'),
                  ('registration_authority', 'registration_authority'), ('phone', 'mask.phone_middle(phone)'),
                  ('record_count', 'record_count')],
 'geospatial': [('golden_id', 'golden_id'), ('valid_from_release', 'valid_from_release'),
                ('address', 'address'), ('address_standard', 'address_standard'),
                ('address_division', 'address_division'), ('address_key', 'address_key'),
                ('province', 'province'), ('city', 'city'), ('county', 'county'), ('township', 'township'),
                ('community', 'community'), ('road', 'road'), ('door_number', 'door_number'),
                ('building', 'building'), ('unit', 'unit'), ('room', 'room'),
                ('division_code', 'division_code'), ('division_code_name', 'division_code_name'),
                ('longitude', 'longitude'), ('longitude_wgs84', 'longitude_wgs84'),
                ('latitude_wgs84', 'latitude_wgs84'), ('latitude', 'latitude'), ('crs', 'crs'),
                ('place_name', 'place_name'), ('record_count', 'record_count')],
 'macroeconomic': [('golden_id', 'golden_id'), ('valid_from_release', 'valid_from_release'),
                   ('indicator_code', 'indicator_code'), ('indicator', 'indicator'),
                   ('indicator_name', 'indicator_name'), ('division_code', 'division_code'),
                   ('division_code_name', 'division_code_name'), ('period', 'period'),
                   ('period_type', 'period_type'), ('value', 'value'), ('value_base', 'value_base'),
                   ('value_canonical', 'value_canonical'), ('unit_canonical', 'unit_canonical'),
                   ('unit', 'unit'), ('unit_base', 'unit_base'), ('unit_factor', 'unit_factor'),
                   ('release_date', 'release_date'), ('record_count', 'record_count')]}

READER_ROLE = "chutian_reader"
OPEN_ROLE = "chutian_open"


def _create_views(domain: str, golden_names: list[str], open_columns: list[tuple[str, str]]) -> None:
    op.execute(f"""
        CREATE VIEW golden.{domain} AS
        SELECT golden_id, valid_from_release, {", ".join(golden_names)}, record_count, lineage
        FROM golden.{domain}_history WHERE valid_to_release IS NULL""")
    masked = ", ".join(f"{expression} AS {name}" for name, expression in open_columns)
    op.execute(f"""
        CREATE VIEW open.{domain} WITH (security_barrier) AS
        SELECT {masked}
        FROM golden.{domain}_history WHERE valid_to_release IS NULL""")
    op.execute(f"GRANT SELECT ON golden.{domain}, open.{domain} TO {READER_ROLE}")
    op.execute(f"GRANT SELECT ON open.{domain} TO {OPEN_ROLE}")


def upgrade() -> None:
    for domain in NEW_GOLDEN_COLUMNS:
        # Golden IDs are numbered after the highest one in the history table, inside the publish
        # transaction (a sequence would burn numbers when a publish dies before committing).
        op.execute(f"DROP SEQUENCE IF EXISTS golden.{domain}_id_seq")
    for table, columns in NEW_COLUMNS.items():
        for name, type_ in columns:
            op.add_column(table, sa.Column(name, type_), schema="staging")
    for domain, golden in NEW_GOLDEN_COLUMNS.items():
        # Views select named columns: they are rebuilt to show the new ones.
        op.execute(f"DROP VIEW open.{domain}")
        op.execute(f"DROP VIEW golden.{domain}")
        for name, sql_type in golden:
            op.execute(f"ALTER TABLE golden.{domain}_history ADD COLUMN {name} {sql_type}")
        _create_views(domain, GOLDEN_VIEW_COLUMNS[domain], OPEN_COLUMNS[domain])


def downgrade() -> None:
    for domain, golden in NEW_GOLDEN_COLUMNS.items():
        op.execute(f"DROP VIEW open.{domain}")
        op.execute(f"DROP VIEW golden.{domain}")
        dropped = {name for name, _ in golden}
        for name in dropped:
            op.execute(f"ALTER TABLE golden.{domain}_history DROP COLUMN {name}")
        _create_views(domain, [c for c in GOLDEN_VIEW_COLUMNS[domain] if c not in dropped],
                      [(n, e) for n, e in OPEN_COLUMNS[domain] if n not in dropped])
    for table, columns in NEW_COLUMNS.items():
        for name, _ in reversed(columns):
            op.drop_column(table, name, schema="staging")
    for domain in NEW_GOLDEN_COLUMNS:
        op.execute(f"CREATE SEQUENCE IF NOT EXISTS golden.{domain}_id_seq AS bigint")
