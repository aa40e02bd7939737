"""Reaching PostgreSQL: the configured server, or the embedded one."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ..config import Settings
from ..errors import ConfigError, DatabaseError
from .embedded import EmbeddedPostgres


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` URLs and use the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"not a database URL: {redact(url)}") from exc
    if parsed.get_backend_name() not in ("postgresql", "postgres"):
        raise ConfigError(f"chutian-mdm needs PostgreSQL, not {parsed.get_backend_name()!r}")
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def redact(url: str) -> str:
    """A URL safe to print or log: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable database URL>"


def database_url(settings: Settings) -> str:
    if settings.database_url:
        return normalise_url(settings.database_url)
    return EmbeddedPostgres(settings.home).start()


def create_engine(settings: Settings) -> sa.Engine:
    url = database_url(settings)
    engine = sa.create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot connect to {redact(url)}: {exc.orig}") from exc
    return engine
