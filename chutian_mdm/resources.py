"""Where the files that ship with chutian-mdm live: schemas, migrations and the sample data.

In a wheel they are bundled inside the package (``chutian_mdm/_bundled``); in a source checkout
(editable install, tests) they are the repository's top-level folders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def _resource(name: str, bundled_name: str | None = None) -> Path:
    bundled = _PACKAGE_DIR / "_bundled" / (bundled_name or name)
    if bundled.is_dir():
        return bundled
    checkout = _PACKAGE_DIR.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"chutian-mdm is installed without its {name}/ folder ({bundled})")


def schemas_dir() -> Path:
    return _resource("schemas")


def migrations_dir() -> Path:
    return _resource("alembic")


def samples_dir() -> Path:
    return _resource("data/samples", "samples")
