"""Ingest one file: read, validate, standardise, and load it as one batch in one transaction.

Accepted rows are COPY-ed into ``staging.<domain>``, rejected rows into ``staging.quarantine``
with every reason, and the batch row records ``rows_in = accepted + quarantined``. A file that
cannot be read at all raises before anything is written; any failure rolls the batch back.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from ..db import tables
from ..domains import load_domain
from ..domains.schema import load_source
from .readers import Row, open_table
from .validate import CheckedChunk, ChunkValidator, map_columns, raw_json

CHUNK_ROWS = 50_000


class Progress(Protocol):
    """Told how many rows a file is expected to hold, then how many were just processed."""

    def start(self, expected_rows: int | None) -> None: ...

    def advance(self, rows: int) -> None: ...


@dataclass(frozen=True)
class BatchResult:
    """What happened to one file."""

    path: Path
    domain: str
    source: str
    batch_id: int
    rows_in: int
    accepted: int
    quarantined: int
    rows_with_warnings: int
    superseded: int
    already_ingested: bool = False
    ingested_at: dt.datetime | None = None
    ignored_columns: tuple[str, ...] = ()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def ingest_file(
    engine: sa.Engine,
    domain: str,
    path: Path,
    source: str,
    progress: Progress | None = None,
) -> BatchResult:
    """Ingest ``path`` as a batch of ``domain`` records from ``source``."""
    schema = load_domain(domain)
    mapping = load_source(source).mapping_for(domain)
    sha256 = file_sha256(path)
    with engine.connect() as conn:
        earlier = conn.execute(
            sa.select(tables.batches).where(
                tables.batches.c.domain == domain,
                tables.batches.c.source == source,
                tables.batches.c.file_sha256 == sha256,
            )
        ).first()
    if earlier is not None:
        return BatchResult(
            path, domain, source, earlier.batch_id, earlier.rows_in, earlier.accepted,
            earlier.quarantined, earlier.rows_with_warnings, earlier.superseded,
            already_ingested=True, ingested_at=earlier.finished_at,
        )

    table = open_table(path)
    columns = map_columns(path, table.headers, schema, mapping)
    if progress is not None:
        progress.start(table.expected_rows)
    validator = ChunkValidator(schema, columns)
    staging = tables.staging_table(domain)
    record_columns = list(tables.record_columns(domain))
    started_at = dt.datetime.now(dt.UTC)
    counts = {"rows_in": 0, "accepted": 0, "quarantined": 0, "warnings": 0, "superseded": 0}

    with engine.begin() as conn:
        # One ingest per (domain, source) at a time: supersession must see committed batches.
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"chutian-mdm:ingest:{domain}:{source}"},
        )
        batch_id = conn.execute(
            sa.insert(tables.batches)
            .values(
                domain=domain, source=source, file_name=path.name, file_sha256=sha256,
                file_bytes=path.stat().st_size, file_format=table.file_format,
                encoding=table.encoding, rows_in=0, accepted=0, quarantined=0,
                rows_with_warnings=0, superseded=0, headers=[str(h) for h in table.headers],
                ignored_columns=columns.ignored,
                ingested_by=_os_user(), started_at=started_at, finished_at=started_at,
            )
            .returning(tables.batches.c.batch_id)
        ).scalar_one()
        driver = conn.connection.driver_connection  # psycopg, same transaction
        assert driver is not None
        cursor = driver.cursor()
        staging_copy = (
            f"COPY staging.{staging.name} (batch_id, source, source_record_id, row_number, "
            + ", ".join(record_columns)
            + ", dq_flags, raw) FROM STDIN"
        )
        quarantine_copy = (
            "COPY staging.quarantine (batch_id, domain, source, file_name, row_number, "
            "source_record_id, reasons, raw) FROM STDIN"
        )
        supersede = (
            f"UPDATE staging.{staging.name} SET superseded_by_batch_id = %s WHERE source = %s "
            "AND superseded_by_batch_id IS NULL AND source_record_id = ANY(%s)"
        )
        for rows in _chunks(table.rows, CHUNK_ROWS):
            chunk = validator.check(rows)
            # Earlier states of these records stop being current (they stay as history) before
            # the new states arrive: at most one current row per (source, source_record_id).
            accepted_ids = [
                record_id
                for index, record_id in enumerate(chunk.columns["source_record_id"])
                if index not in chunk.quarantined
            ]
            cursor.execute(supersede, (batch_id, source, accepted_ids))
            counts["superseded"] += cursor.rowcount
            _copy_chunk(cursor, staging_copy, quarantine_copy, chunk, record_columns,
                        table.headers, batch_id, domain, source, path.name, counts)
            if progress is not None:
                progress.advance(len(rows))

        _resolve_quarantine(conn, staging, domain, source, batch_id)
        conn.execute(
            sa.update(tables.batches)
            .where(tables.batches.c.batch_id == batch_id)
            .values(
                rows_in=counts["rows_in"], accepted=counts["accepted"],
                quarantined=counts["quarantined"], rows_with_warnings=counts["warnings"],
                superseded=counts["superseded"], finished_at=dt.datetime.now(dt.UTC),
            )
        )
    return BatchResult(
        path, domain, source, batch_id, counts["rows_in"], counts["accepted"],
        counts["quarantined"], counts["warnings"], counts["superseded"],
        ignored_columns=tuple(columns.ignored),
    )


def _copy_chunk(
    cursor: Any, staging_copy: str, quarantine_copy: str, chunk: CheckedChunk,
    record_columns: list[str], headers: list[str], batch_id: int, domain: str, source: str,
    file_name: str, counts: dict[str, int],
) -> None:
    values = [chunk.columns[name] for name in record_columns]
    record_ids = chunk.columns["source_record_id"]
    issues = chunk.issues
    with cursor.copy(staging_copy) as copy:
        for index, row in enumerate(chunk.rows):
            if index in chunk.quarantined:
                continue
            flags = issues.get(index)
            copy.write_row(
                (batch_id, source, record_ids[index], row.number,
                 *(column[index] for column in values),
                 json.dumps(flags, ensure_ascii=False) if flags else None,
                 raw_json(headers, row))
            )
            if flags and any(f["severity"] == "warning" for f in flags):
                counts["warnings"] += 1
    if chunk.quarantined:
        with cursor.copy(quarantine_copy) as copy:
            for index in sorted(chunk.quarantined):
                row = chunk.rows[index]
                copy.write_row(
                    (batch_id, domain, source, file_name, row.number, record_ids[index],
                     json.dumps(issues[index], ensure_ascii=False), raw_json(headers, row))
                )
    counts["rows_in"] += len(chunk.rows)
    counts["quarantined"] += len(chunk.quarantined)
    counts["accepted"] += len(chunk.rows) - len(chunk.quarantined)


def _resolve_quarantine(
    conn: sa.Connection, staging: sa.Table, domain: str, source: str, batch_id: int
) -> None:
    """Quarantined rows that this batch delivers in a valid form are resolved by it."""
    q = tables.quarantine
    conn.execute(
        sa.update(q)
        .where(
            q.c.domain == domain,
            q.c.source == source,
            q.c.resolved_by_batch_id.is_(None),
            q.c.batch_id != batch_id,
            q.c.source_record_id == staging.c.source_record_id,
            staging.c.batch_id == batch_id,
            staging.c.source == source,
        )
        .values(resolved_by_batch_id=batch_id)
    )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
