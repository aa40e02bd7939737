"""Drop-folder ingestion for scheduled runs (``chutian-mdm run --inbox DIR``).

Every regular file directly in the inbox is one department extract. Its domain and source come
from a sidecar file ``<file>.meta.yaml`` (keys ``domain`` and ``source``) or else from the name:
``<domain>__<source>__<anything>.<ext>``, e.g. ``population__police__20241125.csv``. Files
whose names start with ``.`` or end with ``.part``/``.tmp`` are still being written and are left
alone (drop files atomically: write elsewhere on the same file system, then ``mv``).

After ingest a file moves to ``processed/`` (also when some rows were quarantined: they are in
the database) or to ``failed/`` together with ``<file>.reason.txt`` saying why. A file whose
content was ingested before (same SHA-256) is moved to ``processed/`` and reported as a duplicate.
Nothing is ever deleted.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
import yaml

from .domains.schema import domain_names, load_domain, load_source, source_names
from .errors import ConfigError, InputFileError, MdmError
from .failpoints import failpoint
from .ingest import BatchResult, ingest_file
from .ingest.readers import FORMATS

PROCESSED = "processed"
FAILED = "failed"
SIDECAR_SUFFIX = ".meta.yaml"
_IN_PROGRESS = (".part", ".tmp", ".partial", ".crdownload")


@dataclass(frozen=True)
class InboxFile:
    path: Path
    domain: str | None
    source: str | None
    problem: str | None = None  # why it cannot be ingested (unknown name, bad sidecar …)


@dataclass
class InboxResult:
    ingested: list[BatchResult] = field(default_factory=list)
    duplicates: list[BatchResult] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def domains(self) -> list[str]:
        """Domains that received new rows."""
        return sorted({r.domain for r in self.ingested if r.accepted})

    @property
    def quarantined(self) -> int:
        return sum(r.quarantined for r in self.ingested)


def _from_sidecar(path: Path, sidecar: Path) -> InboxFile:
    try:
        meta = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return InboxFile(path, None, None, f"sidecar {sidecar.name} cannot be read: {exc}")
    if not isinstance(meta, dict) or not meta.get("domain") or not meta.get("source"):
        return InboxFile(path, None, None, f"sidecar {sidecar.name} must give 'domain' and 'source'")
    return InboxFile(path, str(meta["domain"]), str(meta["source"]))


def _from_name(path: Path) -> InboxFile:
    parts = path.name.split("__")
    if len(parts) >= 3 and parts[0] in domain_names() and parts[1] in source_names():
        return InboxFile(path, parts[0], parts[1])
    return InboxFile(
        path, None, None,
        f"cannot tell domain and source from the name {path.name!r}: name it "
        f"<domain>__<source>__<anything>{path.suffix or '.csv'} (domains: {', '.join(domain_names())}; "
        f"sources: {', '.join(source_names())}) or add a sidecar {path.name}{SIDECAR_SUFFIX}",
    )


def scan_inbox(inbox: Path) -> list[InboxFile]:
    """The files waiting in the inbox, oldest first, with their domain and source."""
    if not inbox.is_dir():
        raise ConfigError(f"inbox {inbox} is not a directory")
    found = []
    for path in inbox.iterdir():
        name = path.name
        if (not path.is_file() or name.startswith(".") or name.endswith(_IN_PROGRESS)
                or name.endswith(SIDECAR_SUFFIX) or name.endswith(".reason.txt")):
            continue
        sidecar = path.with_name(name + SIDECAR_SUFFIX)
        entry = _from_sidecar(path, sidecar) if sidecar.exists() else _from_name(path)
        if entry.problem is None and path.suffix.lower() not in FORMATS:
            entry = InboxFile(path, entry.domain, entry.source,
                              f"unsupported file type {path.suffix!r} (supported: {', '.join(sorted(FORMATS))})")
        found.append(entry)
    return sorted(found, key=lambda f: (f.path.stat().st_mtime, f.path.name))


def _move(path: Path, folder: Path) -> Path:
    """Move ``path`` into ``folder`` without overwriting an earlier file of the same name."""
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    if target.exists():
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
        target = folder / f"{path.stem}.{stamp}{path.suffix}"
    shutil.move(str(path), target)
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if sidecar.exists():
        shutil.move(str(sidecar), target.with_name(target.name + SIDECAR_SUFFIX))
    return target


def _fail(entry: InboxFile, reason: str, inbox: Path) -> None:
    target = _move(entry.path, inbox / FAILED)
    target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")


def ingest_inbox(
    engine: sa.Engine, inbox: Path, domains: list[str] | None = None,
    on_file: Callable[[InboxFile], None] | None = None,
) -> InboxResult:
    """Ingest every waiting file (only those of ``domains`` if given) and move it away."""
    result = InboxResult()
    for entry in scan_inbox(inbox):
        if domains and entry.domain not in domains:
            continue
        if on_file is not None:
            on_file(entry)
        if entry.problem is not None:
            _fail(entry, entry.problem, inbox)
            result.failed.append((entry.path, entry.problem))
            continue
        assert entry.domain is not None and entry.source is not None
        try:
            load_domain(entry.domain)
            load_source(entry.source).mapping_for(entry.domain)
            batch = ingest_file(engine, entry.domain, entry.path, entry.source)
        except (InputFileError, ConfigError) as exc:
            _fail(entry, str(exc), inbox)
            result.failed.append((entry.path, str(exc)))
            continue
        except MdmError:
            raise  # the database, not the file: leave the file where it is for the next run
        failpoint("inbox:ingested")
        _move(entry.path, inbox / PROCESSED)
        (result.duplicates if batch.already_ingested else result.ingested).append(batch)
    return result
