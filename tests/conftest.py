"""Test harness: one real, throwaway PostgreSQL per test session, a fresh database per test.

The server is started by the same mechanism as the CLI's embedded default
(:class:`chutian_mdm.db.embedded.EmbeddedPostgres`), in a temporary folder, tied to this process
so that a killed test run leaves no server behind. The schema is migrated once into a template
database; each test gets its own copy (``CREATE DATABASE … TEMPLATE``, a few tens of ms).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from hypothesis import settings

from chutian_mdm.cli import main
from chutian_mdm.db import migrate
from chutian_mdm.db.embedded import EmbeddedPostgres

from .steward_helpers import steward_template

# Property-based tests explore new random inputs on every local run; under CI (CI=true) they run
# a fixed sequence of examples, so that a result can be reproduced (and a failure found locally
# is pinned with @example).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")

TEMPLATE = "chutian_template"
_counter = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[EmbeddedPostgres]:
    # Not pytest's tmp_path: its 0700 parents are fine for us, but a short path keeps the socket
    # path within the 107-byte limit.
    home = Path(tempfile.mkdtemp(prefix="chutian-mdm-tests-"))
    server = EmbeddedPostgres(
        home,
        die_with_parent=True,
        extra_settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"},
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def template_database(pg_server: EmbeddedPostgres) -> str:
    with psycopg.connect(pg_server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
    engine = sa.create_engine(pg_server.url(TEMPLATE))
    migrate.upgrade(engine)
    engine.dispose()
    return TEMPLATE


def new_database(server: EmbeddedPostgres, template: str | None) -> str:
    name = f"t{next(_counter)}"
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
        if template:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
        else:
            conn.execute(f"CREATE DATABASE {name}")
    return server.url(name)


@pytest.fixture
def database_url(pg_server: EmbeddedPostgres, template_database: str) -> str:
    """URL of a fresh, migrated database for this test."""
    return new_database(pg_server, template_database)


@pytest.fixture
def empty_database_url(pg_server: EmbeddedPostgres) -> str:
    """URL of a fresh database with no schema at all."""
    return new_database(pg_server, None)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(database_url)
    yield engine
    engine.dispose()


class Cli:
    """Runs the real ``chutian-mdm`` command line in-process against the test's database."""

    def __init__(self, database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.database_url = database_url
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["--database-url", self.database_url, *args])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
def cli(database_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(database_url, capsys)


# -- the steward's database: the samples plus review pairs, matched (tests/steward_helpers.py) --

@pytest.fixture
def steward_url(pg_server: EmbeddedPostgres, template_database: str) -> str:
    return new_database(pg_server, steward_template(pg_server, template_database))


@pytest.fixture
def db(steward_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(steward_url)
    yield engine
    engine.dispose()


@pytest.fixture
def scli(steward_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(steward_url, capsys)
