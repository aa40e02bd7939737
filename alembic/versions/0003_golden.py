"""Golden records: releases, history, xref, changes, open views and roles.

Revision ID: 0003_golden
Revises: 0002_matching
Create Date: 2026-11-25

Per domain: ``golden.<domain>_history`` (one row per golden ID per version), the view
``golden.<domain>`` of current rows, ``golden.<domain>_xref`` (source record → golden ID),
``golden.<domain>_changes``, the sequence ``golden.<domain>_id_seq`` golden IDs are numbered
from, and the de-identified view ``open.<domain>``; ``golden.releases`` for all domains; the
masking functions in schema ``mask``; the group roles ``chutian_reader`` (reads ``golden`` and
``open``) and ``chutian_open`` (reads ``open`` only).

The column lists are a frozen copy of what schemas/<domain>.yaml (fields, survivorship
companions, mask rules) gave at this revision; tests/test_golden_migration.py fails if the schema
files and the migrated database drift apart. Roles belong to the whole PostgreSQL cluster, not
to one database: they are created only if missing (the migrating user needs CREATEROLE, or an
administrator creates them beforehand), and downgrade leaves them in place.
"""

from __future__ import annotations

from alembic import op

revision = "0003_golden"
down_revision = "0002_matching"
branch_labels = None
depends_on = None

READER_ROLE = "chutian_reader"
OPEN_ROLE = "chutian_open"

# golden.<domain>_history attribute columns: (column, SQL type).
GOLDEN_COLUMNS: dict[str, list[tuple[str, str]]] = {
    'population': [
        ('citizen_id', 'text'), ('citizen_id_birth_date', 'date'), ('citizen_id_gender', 'text'),
        ('citizen_id_region', 'text'), ('name', 'text'), ('name_pinyin', 'text'), ('gender', 'text'),
        ('birth_date', 'date'), ('ethnicity', 'text'), ('phone', 'text'), ('address', 'text'),
        ('household_division_code', 'text'), ('household_division_code_name', 'text'),
    ],
    'legal_entity': [
        ('uscc', 'text'), ('uscc_division', 'text'), ('name', 'text'), ('name_normalized', 'text'),
        ('name_is_branch', 'boolean'), ('name_org_form', 'text'), ('entity_type', 'text'),
        ('legal_representative', 'text'), ('legal_representative_pinyin', 'text'),
        ('legal_representative_id', 'text'), ('legal_representative_id_birth_date', 'date'),
        ('legal_representative_id_gender', 'text'), ('legal_representative_id_region', 'text'),
        ('registered_address', 'text'), ('division_code', 'text'), ('division_code_name', 'text'),
        ('industry_code', 'text'), ('established_date', 'date'), ('registered_capital', 'numeric'),
        ('status', 'text'), ('registration_authority', 'text'), ('phone', 'text'),
    ],
    'geospatial': [
        ('address', 'text'), ('province', 'text'), ('city', 'text'), ('county', 'text'),
        ('township', 'text'), ('community', 'text'), ('road', 'text'), ('door_number', 'text'),
        ('building', 'text'), ('unit', 'text'), ('room', 'text'), ('division_code', 'text'),
        ('division_code_name', 'text'), ('longitude', 'double precision'), ('latitude', 'double precision'),
        ('crs', 'text'), ('place_name', 'text'),
    ],
    'macroeconomic': [
        ('indicator_code', 'text'), ('indicator_name', 'text'), ('division_code', 'text'),
        ('division_code_name', 'text'), ('period', 'text'), ('period_type', 'text'), ('value', 'numeric'),
        ('value_base', 'numeric'), ('unit', 'text'), ('unit_base', 'text'), ('unit_factor', 'numeric'),
        ('release_date', 'date'),
    ],
}

# open.<domain>: (column, expression over golden.<domain>_history), from the fields' mask rules.
OPEN_COLUMNS: dict[str, list[tuple[str, str]]] = {
    'population': [
        ('golden_id', 'golden_id'),
        ('valid_from_release', 'valid_from_release'),
        ('citizen_id', 'mask.id_middle(citizen_id)'),
        ('name', 'mask.name_middle(name)'),
        ('gender', 'gender'),
        ('birth_year', 'mask.year(birth_date)'),
        ('ethnicity', 'ethnicity'),
        ('phone', 'mask.phone_middle(phone)'),
        ('address', 'mask.address_county(address)'),
        ('household_division_code', 'household_division_code'),
        ('household_division_code_name', 'household_division_code_name'),
        ('record_count', 'record_count'),
    ],
    'legal_entity': [
        ('golden_id', 'golden_id'),
        ('valid_from_release', 'valid_from_release'),
        ('uscc', 'uscc'),
        ('uscc_division', 'uscc_division'),
        ('name', 'name'),
        ('name_normalized', 'name_normalized'),
        ('name_is_branch', 'name_is_branch'),
        ('name_org_form', 'name_org_form'),
        ('entity_type', 'entity_type'),
        ('legal_representative', 'mask.name_middle(legal_representative)'),
        ('registered_address', 'registered_address'),
        ('division_code', 'division_code'),
        ('division_code_name', 'division_code_name'),
        ('industry_code', 'industry_code'),
        ('established_date', 'established_date'),
        ('registered_capital', 'registered_capital'),
        ('status', 'status'),
        ('registration_authority', 'registration_authority'),
        ('phone', 'mask.phone_middle(phone)'),
        ('record_count', 'record_count'),
    ],
    'geospatial': [
        ('golden_id', 'golden_id'),
        ('valid_from_release', 'valid_from_release'),
        ('address', 'address'),
        ('province', 'province'),
        ('city', 'city'),
        ('county', 'county'),
        ('township', 'township'),
        ('community', 'community'),
        ('road', 'road'),
        ('door_number', 'door_number'),
        ('building', 'building'),
        ('unit', 'unit'),
        ('room', 'room'),
        ('division_code', 'division_code'),
        ('division_code_name', 'division_code_name'),
        ('longitude', 'longitude'),
        ('latitude', 'latitude'),
        ('crs', 'crs'),
        ('place_name', 'place_name'),
        ('record_count', 'record_count'),
    ],
    'macroeconomic': [
        ('golden_id', 'golden_id'),
        ('valid_from_release', 'valid_from_release'),
        ('indicator_code', 'indicator_code'),
        ('indicator_name', 'indicator_name'),
        ('division_code', 'division_code'),
        ('division_code_name', 'division_code_name'),
        ('period', 'period'),
        ('period_type', 'period_type'),
        ('value', 'value'),
        ('value_base', 'value_base'),
        ('unit', 'unit'),
        ('unit_base', 'unit_base'),
        ('unit_factor', 'unit_factor'),
        ('release_date', 'release_date'),
        ('record_count', 'record_count'),
    ],
}

MASK_FUNCTIONS = r"""
CREATE SCHEMA IF NOT EXISTS mask;
COMMENT ON SCHEMA mask IS 'De-identification (脱敏) functions used by the open.<domain> views';

-- 420106199003051234 -> 420106********1234
CREATE OR REPLACE FUNCTION mask.id_middle(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN char_length(value) > 10
              THEN left(value, 6) || repeat('*', char_length(value) - 10) || right(value, 4)
              ELSE repeat('*', char_length(value)) END
$$;

-- 张伟 -> 张*, 张三丰 -> 张*丰, 阿卜杜·热合曼 -> 阿*****曼
CREATE OR REPLACE FUNCTION mask.name_middle(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN char_length(value) <= 1 THEN repeat('*', char_length(value))
              WHEN char_length(value) = 2 THEN left(value, 1) || '*'
              ELSE left(value, 1) || repeat('*', char_length(value) - 2) || right(value, 1) END
$$;

-- 13812345678 -> 138****5678, 027-87654321 -> 027*****4321
CREATE OR REPLACE FUNCTION mask.phone_middle(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN char_length(value) >= 8
              THEN left(value, 3) || repeat('*', char_length(value) - 7) || right(value, 4)
              ELSE repeat('*', char_length(value)) END
$$;

-- 1990-03-05 -> 1990
CREATE OR REPLACE FUNCTION mask.year(value date) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT extract(year FROM value)::integer
$$;

-- 湖北省武汉市武昌区中北路1号 -> 湖北省武汉市武昌区; NULL when no county-level part is found
-- (nothing is better than too much).
CREATE OR REPLACE FUNCTION mask.address_county(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT substring(value FROM
    '^((?:[^省]{2,7}省|[^区]{2,8}自治区|北京市|天津市|上海市|重庆市)?(?:[^市州盟区县]{2,12}?(?:市|州|盟))?[^区县市旗0-9]{1,10}?(?:区|县|市|旗))')
$$;
"""

CHANGES = ("created", "updated", "merged", "split", "retired")


def _create_role(role: str) -> None:
    # Roles are cluster-wide and databases are migrated concurrently: create only if missing,
    # and treat a concurrent creation as success.
    op.execute(f"""
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE {role} NOLOGIN;
          END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END
        $$""")


def upgrade() -> None:
    # Not op.execute: its text() would read the regular expression's (?:市 … as bind parameters.
    op.get_bind().exec_driver_sql(MASK_FUNCTIONS)
    op.execute("""
        CREATE TABLE golden.releases (
          domain text NOT NULL,
          release integer NOT NULL,
          run_id integer NOT NULL REFERENCES mdm.runs (run_id),
          published_at timestamptz NOT NULL,
          published_by text NOT NULL,
          golden_records integer NOT NULL,
          source_records integer NOT NULL,
          created integer NOT NULL,
          updated integer NOT NULL,
          merged integer NOT NULL,
          split integer NOT NULL,
          retired integer NOT NULL,
          xref_changes integer NOT NULL,
          survivorship_digest text NOT NULL,
          PRIMARY KEY (domain, release)
        )""")
    kinds = ", ".join(f"'{c}'" for c in CHANGES)
    for domain, columns in GOLDEN_COLUMNS.items():
        attributes = ",\n".join(f"  {name} {sql_type}" for name, sql_type in columns)
        names = ", ".join(name for name, _ in columns)
        op.execute(f"CREATE SEQUENCE golden.{domain}_id_seq AS bigint")
        op.execute(f"""
            CREATE TABLE golden.{domain}_history (
              golden_id text NOT NULL,
              valid_from_release integer NOT NULL,
              valid_to_release integer,
            {attributes},
              record_count integer NOT NULL,
              lineage jsonb NOT NULL,
              PRIMARY KEY (golden_id, valid_from_release),
              CONSTRAINT {domain}_history_validity CHECK (valid_to_release > valid_from_release)
            )""")
        op.execute(f"CREATE UNIQUE INDEX {domain}_history_current ON golden.{domain}_history (golden_id)"
                   " WHERE valid_to_release IS NULL")
        op.execute(f"""
            CREATE TABLE golden.{domain}_xref (
              source text NOT NULL,
              source_record_id text NOT NULL,
              golden_id text NOT NULL,
              match_probability double precision NOT NULL,
              record_id bigint NOT NULL,
              valid_from_release integer NOT NULL,
              valid_to_release integer,
              PRIMARY KEY (source, source_record_id, valid_from_release),
              CONSTRAINT {domain}_xref_validity CHECK (valid_to_release > valid_from_release)
            )""")
        op.execute(f"CREATE UNIQUE INDEX {domain}_xref_current ON golden.{domain}_xref (source, source_record_id)"
                   " WHERE valid_to_release IS NULL")
        op.execute(f"CREATE INDEX {domain}_xref_golden_id ON golden.{domain}_xref (golden_id)")
        op.execute(f"""
            CREATE TABLE golden.{domain}_changes (
              release integer NOT NULL,
              golden_id text NOT NULL,
              change text NOT NULL,
              merged_into text,
              split_from text,
              PRIMARY KEY (release, golden_id),
              CONSTRAINT {domain}_changes_kind CHECK (change IN ({kinds}))
            )""")
        op.execute(f"""
            CREATE VIEW golden.{domain} AS
            SELECT golden_id, valid_from_release, {names}, record_count, lineage
            FROM golden.{domain}_history WHERE valid_to_release IS NULL""")
        masked = ", ".join(f"{expression} AS {name}" for name, expression in OPEN_COLUMNS[domain])
        op.execute(f"""
            CREATE VIEW open.{domain} WITH (security_barrier) AS
            SELECT {masked}
            FROM golden.{domain}_history WHERE valid_to_release IS NULL""")

    _create_role(READER_ROLE)
    _create_role(OPEN_ROLE)
    op.execute(f"GRANT USAGE ON SCHEMA golden, open, mask TO {READER_ROLE}")
    op.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA golden, open TO {READER_ROLE}")
    op.execute(f"GRANT USAGE ON SCHEMA open, mask TO {OPEN_ROLE}")
    op.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA open TO {OPEN_ROLE}")


def downgrade() -> None:
    for domain in GOLDEN_COLUMNS:
        op.execute(f"DROP VIEW IF EXISTS open.{domain}")
        op.execute(f"DROP VIEW IF EXISTS golden.{domain}")
        for table in ("changes", "xref", "history"):
            op.execute(f"DROP TABLE IF EXISTS golden.{domain}_{table}")
        op.execute(f"DROP SEQUENCE IF EXISTS golden.{domain}_id_seq")
    op.execute("DROP TABLE IF EXISTS golden.releases")
    op.execute("DROP SCHEMA IF EXISTS mask CASCADE")
    # The roles may hold privileges in other databases of the cluster: only this database's
    # grants are revoked.
    op.execute(f"REVOKE ALL ON SCHEMA golden, open FROM {READER_ROLE}, {OPEN_ROLE}")
