"""PostgreSQL: the engine (configured or embedded), table definitions, migrations."""

from __future__ import annotations

import sqlalchemy as sa

from ..config import Settings
from . import migrate
from .engine import create_engine


def open_database(settings: Settings) -> sa.Engine:
    """An engine on a database whose schema fits this code (an empty one is migrated first)."""
    engine = create_engine(settings)
    migrate.ensure_current(engine)
    return engine
