"""Settings from flags and the environment, and the embedded-database default.

``--database-url`` / ``CHUTIAN_MDM_DATABASE_URL`` select a PostgreSQL server. With neither, the
CLI starts an embedded PostgreSQL whose data lives under ``CHUTIAN_MDM_HOME`` (default: the
user's data directory, e.g. ``~/.local/share/chutian-mdm``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

DATABASE_URL_ENV = "CHUTIAN_MDM_DATABASE_URL"
HOME_ENV = "CHUTIAN_MDM_HOME"
PG_BIN_ENV = "CHUTIAN_MDM_PG_BIN"


def default_home() -> Path:
    explicit = os.environ.get(HOME_ENV)
    if explicit:
        return Path(explicit).expanduser().resolve()
    return platformdirs.user_data_path("chutian-mdm", appauthor=False)


@dataclass(frozen=True)
class Settings:
    """What a command needs to know about its environment."""

    database_url: str | None
    home: Path

    @classmethod
    def from_env(cls, database_url: str | None = None, home: Path | None = None) -> Settings:
        return cls(
            database_url=database_url or os.environ.get(DATABASE_URL_ENV) or None,
            home=home or default_home(),
        )

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None
