"""Schema revisions: upgrade, status, and the guard every command passes through.

Commands other than ``db upgrade`` upgrade an empty database automatically, and refuse to run
against a database whose schema is newer than this code or older than it (run ``db upgrade``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from alembic import command

from ..errors import SchemaVersionError
from ..resources import migrations_dir


def _config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def code_head() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}


def database_revision(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


@dataclass(frozen=True)
class SchemaStatus:
    database_revision: str | None
    code_revision: str

    @property
    def state(self) -> str:
        if self.database_revision is None:
            return "empty"
        if self.database_revision == self.code_revision:
            return "current"
        if self.database_revision in known_revisions():
            return "behind"
        return "newer"


def status(engine: sa.Engine) -> SchemaStatus:
    with engine.connect() as conn:
        return SchemaStatus(database_revision(conn), code_head())


def upgrade(engine: sa.Engine) -> SchemaStatus:
    """Upgrade the database to this code's head revision, in one transaction."""
    before = status(engine)
    if before.state == "newer":
        raise _newer_error(before)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "head")
    return status(engine)


def ensure_current(engine: sa.Engine) -> SchemaStatus:
    """The guard run before every command that uses the database."""
    current = status(engine)
    if current.state == "empty":
        return upgrade(engine)
    if current.state == "newer":
        raise _newer_error(current)
    if current.state == "behind":
        raise SchemaVersionError(
            f"the database schema is at revision {current.database_revision}, older than this "
            f"chutian-mdm ({current.code_revision}); run `chutian-mdm db upgrade` first"
        )
    return current


def _newer_error(current: SchemaStatus) -> SchemaVersionError:
    return SchemaVersionError(
        f"the database schema is at revision {current.database_revision}, which this chutian-mdm "
        f"does not know (its newest is {current.code_revision}): the database was upgraded by a "
        "newer chutian-mdm; install that version instead of running this one against it"
    )
