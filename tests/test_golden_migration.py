"""Migration 0003 (golden records) against the schema files: no drift, idempotent roles."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.config import Config

from alembic import command
from chutian_mdm.db import golden_tables, migrate
from chutian_mdm.domains import domain_names
from chutian_mdm.golden.masking import open_columns
from chutian_mdm.resources import migrations_dir


def _columns(engine: sa.Engine, schema: str, name: str) -> dict[str, str]:
    inspector = sa.inspect(engine)
    return {c["name"]: str(c["type"].compile(dialect=engine.dialect)).split("(")[0]
            for c in inspector.get_columns(name, schema=schema)}


def _expected(engine: sa.Engine, table: sa.Table) -> dict[str, str]:
    return {c.name: str(c.type.compile(dialect=engine.dialect)).split("(")[0] for c in table.columns}


def test_golden_tables_match_the_schema_files(engine: sa.Engine) -> None:
    """The migration's frozen attribute columns must stay what schemas/<domain>.yaml gives."""
    for domain in domain_names():
        for table in (golden_tables.history_table(domain), golden_tables.xref_table(domain),
                      golden_tables.changes_table(domain), golden_tables.current_view(domain)):
            assert _columns(engine, "golden", table.name) == _expected(engine, table), table.name
    assert _columns(engine, "golden", "releases") == _expected(engine, golden_tables.releases)


def test_golden_indexes_match_the_table_definitions(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    for domain in domain_names():
        for table in (golden_tables.history_table(domain), golden_tables.xref_table(domain)):
            in_database = {i["name"]: i["column_names"] for i in inspector.get_indexes(table.name, schema="golden")}
            expected = {i.name: [c.name for c in i.columns] for i in table.indexes}
            assert in_database == expected, table.name
            primary_key = inspector.get_pk_constraint(table.name, schema="golden")["constrained_columns"]
            assert primary_key == [c.name for c in table.primary_key.columns]


def test_open_views_match_the_masking_rules(engine: sa.Engine) -> None:
    types = {"text": "TEXT", "integer": "INTEGER", "date": "DATE", "numeric": "NUMERIC", "boolean": "BOOLEAN",
             "double precision": "DOUBLE PRECISION"}
    for domain in domain_names():
        expected = {c.name: types[c.sql_type] for c in open_columns(domain)}
        assert _columns(engine, "open", domain) == expected, domain


def test_migration_runs_again_when_the_roles_exist_and_downgrades_cleanly(empty_database_url: str) -> None:
    """Roles are cluster-wide: a second database migrates although they already exist."""
    engine = sa.create_engine(empty_database_url)
    assert migrate.upgrade(engine).state == "current"
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(migrations_dir()))
        config.attributes["connection"] = conn
        command.downgrade(config, "0002_matching")
        assert not sa.inspect(conn).get_table_names(schema="golden")
        command.upgrade(config, "head")
    with engine.connect() as conn:
        roles = conn.execute(sa.text(
            "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'chutian_%' ORDER BY 1")).all()
    assert [tuple(r) for r in roles] == [("chutian_open", False), ("chutian_reader", False)]
    engine.dispose()
