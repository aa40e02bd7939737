"""Settings from flags and the environment, the embedded-database default, and the deployment's
config folder.

``--database-url`` / ``CHUTIAN_MDM_DATABASE_URL`` select a PostgreSQL server. With neither, the
CLI starts an embedded PostgreSQL whose data lives under ``CHUTIAN_MDM_HOME`` (default: the
user's data directory, e.g. ``~/.local/share/chutian-mdm``).

``--config`` / ``CHUTIAN_MDM_CONFIG`` (default ``<home>/config``) is the deployment's own
configuration: files there add to or override the defaults shipped in the package, and an upgrade
of the package never touches it. ``settings.yaml`` in it holds the deployment's settings by
section (e.g. ``matching:``); :func:`deployment_section` reads one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from .errors import ConfigError

DATABASE_URL_ENV = "CHUTIAN_MDM_DATABASE_URL"
HOME_ENV = "CHUTIAN_MDM_HOME"
PG_BIN_ENV = "CHUTIAN_MDM_PG_BIN"
CONFIG_ENV = "CHUTIAN_MDM_CONFIG"
SETTINGS_FILE = "settings.yaml"


def default_home() -> Path:
    explicit = os.environ.get(HOME_ENV)
    if explicit:
        return Path(explicit).expanduser().resolve()
    return platformdirs.user_data_path("chutian-mdm", appauthor=False)


def default_config_dir(home: Path | None = None) -> Path:
    """``CHUTIAN_MDM_CONFIG``, else ``<home>/config``."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser().resolve()
    return (home or default_home()) / "config"


# The config folder of this process: set once by the CLI (``--config``), read by every loader of
# configuration. Library users who never set it get the environment's default.
_active_config_dir: Path | None = None


def use_config_dir(path: Path | None) -> None:
    """Make ``path`` the config folder of this process (None: back to the default) and forget
    everything loaded from the previous one."""
    global _active_config_dir
    _active_config_dir = path.expanduser().resolve() if path is not None else None
    for clear in _on_config_change:
        clear()


def config_dir() -> Path:
    """The config folder in use (it need not exist: then only shipped defaults apply)."""
    return _active_config_dir or default_config_dir()


# Caches of configuration loaded from files register here to be cleared when the folder changes.
_on_config_change: list[Any] = []


def on_config_change(clear: Any) -> Any:
    """Register a cache-clearing callable (e.g. a ``functools.cache`` function's ``cache_clear``)."""
    _on_config_change.append(clear)
    return clear


def deployment_section(section: str) -> dict[str, Any]:
    """Section ``section`` of ``<config>/settings.yaml`` ({} when the file or section is absent)."""
    import yaml

    path = config_dir() / SETTINGS_FILE
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot be read as YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    value = data.get(section) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {section}: expected a mapping")
    return value


@dataclass(frozen=True)
class Settings:
    """What a command needs to know about its environment."""

    database_url: str | None
    home: Path
    config_dir: Path

    @classmethod
    def from_env(cls, database_url: str | None = None, home: Path | None = None,
                 config: Path | None = None) -> Settings:
        home = home or default_home()
        return cls(
            database_url=database_url or os.environ.get(DATABASE_URL_ENV) or None,
            home=home,
            config_dir=(config.expanduser().resolve() if config else default_config_dir(home)),
        )

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None
