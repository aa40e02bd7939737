"""The demo: which sample files exist, by domain, with the source each comes from.

Samples are laid out as ``<domain>/<source>.<ext>``: the folder names the domain and the file
stem names the source profile.
"""

from __future__ import annotations

from pathlib import Path

from .domains.schema import domain_names, source_names
from .errors import ConfigError
from .ingest.readers import FORMATS
from .resources import samples_dir


def sample_files(root: Path | None = None) -> dict[str, list[tuple[Path, str]]]:
    root = root or samples_dir()
    if not root.is_dir():
        raise ConfigError(f"no sample folder at {root}")
    sources = set(source_names())
    out: dict[str, list[tuple[Path, str]]] = {}
    for domain in domain_names():
        files = sorted(
            (path, path.stem)
            for path in (root / domain).glob("*")
            if path.suffix.lower() in FORMATS and path.stem in sources
        )
        if files:
            out[domain] = files
    if not out:
        raise ConfigError(f"no sample files under {root} (expected <domain>/<source>.<ext>)")
    return out
