"""Migrations and the schema guard, on real PostgreSQL databases."""

from __future__ import annotations

import sqlalchemy as sa

from chutian_mdm.db import migrate, tables
from chutian_mdm.domains import domain_names


def test_upgrade_creates_the_four_schemas_and_the_staging_tables(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    assert set(tables.SCHEMAS) <= set(inspector.get_schema_names())
    staged = set(inspector.get_table_names(schema="staging"))
    assert {"batches", "quarantine", *domain_names()} <= staged


def test_migrated_columns_match_the_schema_files(engine: sa.Engine) -> None:
    """The migration is a frozen copy of schemas/<domain>.yaml; they must not drift apart."""
    inspector = sa.inspect(engine)
    for domain in domain_names():
        in_database = {
            c["name"]: str(c["type"].compile(dialect=engine.dialect))
            for c in inspector.get_columns(domain, schema="staging")
        }
        expected = {c.name: str(c.type.compile(dialect=engine.dialect)) for c in tables.staging_table(domain).columns}
        assert in_database.keys() == expected.keys(), domain
        for name, type_ in expected.items():
            assert in_database[name].split("(")[0] == type_.split("(")[0], (domain, name)


def test_rows_must_add_up_in_the_database_itself(engine: sa.Engine) -> None:
    import pytest

    with pytest.raises(sa.exc.IntegrityError, match="batches_rows_add_up"), engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO staging.batches (domain, source, file_name, file_sha256, file_bytes, file_format,"
            " rows_in, accepted, quarantined, rows_with_warnings, superseded, headers, ignored_columns,"
            " ingested_by, started_at, finished_at) VALUES ('population', 'police', 'f.csv', 'x', 1,"
            " 'csv', 3, 1, 1, 0, 0, '{}', '{}', 'me', now(), now())"))


def test_empty_database_is_upgraded_automatically_by_any_command(empty_database_url: str, capsys) -> None:
    from chutian_mdm.cli import main

    assert main(["--database-url", empty_database_url, "batches"]) == 0
    engine = sa.create_engine(empty_database_url)
    assert migrate.status(engine).state == "current"
    engine.dispose()


def test_database_newer_than_the_code_is_refused(database_url: str, capsys) -> None:
    from chutian_mdm.cli import main

    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    code = main(["--database-url", database_url, "batches"])
    err = capsys.readouterr().err
    assert code == 6
    assert "9999_from_the_future" in err and "newer chutian-mdm" in err


def test_db_status_and_upgrade_commands(empty_database_url: str, capsys) -> None:
    from chutian_mdm.cli import main

    assert main(["--database-url", empty_database_url, "db", "status"]) == 0
    assert "[empty]" in capsys.readouterr().out
    assert main(["--database-url", empty_database_url, "db", "upgrade"]) == 0
    assert "upgraded from (empty) to " + migrate.code_head() in capsys.readouterr().out
    assert main(["--database-url", empty_database_url, "db", "upgrade"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert main(["--database-url", empty_database_url, "db", "status", "--json"]) == 0
    assert '"state": "current"' in capsys.readouterr().out


def test_password_in_database_url_is_never_printed(capsys) -> None:
    from chutian_mdm.cli import main

    code = main(["--database-url", "postgresql://steward:s3cret-pw@127.0.0.1:1/nodb", "batches"])
    err = capsys.readouterr().err
    assert code == 1
    assert "s3cret-pw" not in err
    assert "cannot connect" in err
