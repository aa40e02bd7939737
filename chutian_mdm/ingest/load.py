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
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from ..db import tables
from ..domains import load_domain
from ..domains.schema import DomainSchema, load_source
from ..failpoints import failpoint
from .prepare import PreparedChunk, prepare_chunk
from .readers import Row, open_table
from .validate import ChunkValidator, map_columns, raw_json

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


@dataclass(frozen=True)
class _Job:
    validator: ChunkValidator
    headers: list[str]
    record_columns: list[str]
    batch_id: int
    source: str

    def __call__(self, rows: list[Row]) -> PreparedChunk:
        return prepare_chunk(self.validator, rows, self.headers, self.record_columns,
                             self.batch_id, self.source)


_worker_job: _Job | None = None


def _prepare_in_worker(rows: list[tuple[Any, ...]]) -> PreparedChunk:
    assert _worker_job is not None
    return _worker_job([Row(*row) for row in rows])


def _as_tuples(rows: list[Row]) -> list[tuple[Any, ...]]:
    """Rows as plain tuples: they pickle several times faster than dataclass instances."""
    return [(row.number, row.values, row.problem, row.raw_text) for row in rows]


def _prepared_chunks(
    job: _Job, rows: Iterator[Row], expected_rows: int | None
) -> Iterator[tuple[list[Row], PreparedChunk]]:
    """Prepared chunks in file order. Large files are validated by worker processes (one per
    core) while this process loads the previous chunks into PostgreSQL."""
    workers = min(os.cpu_count() or 1, 4)
    if (expected_rows or 0) < 2 * CHUNK_ROWS or workers < 2 or "fork" not in mp.get_all_start_methods():
        for chunk in _chunks(rows, CHUNK_ROWS):
            yield chunk, job(chunk)
        return
    global _worker_job
    _worker_job = job  # inherited by the forked workers
    context = mp.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending: deque[tuple[list[Row], Future[PreparedChunk]]] = deque()
            for chunk in _chunks(rows, CHUNK_ROWS):
                pending.append((chunk, pool.submit(_prepare_in_worker, _as_tuples(chunk))))
                if len(pending) > workers:
                    chunk_rows, future = pending.popleft()
                    yield chunk_rows, future.result()
            while pending:
                chunk_rows, future = pending.popleft()
                yield chunk_rows, future.result()
    finally:
        _worker_job = None


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
        job = _Job(validator, [str(h) for h in table.headers], record_columns, batch_id, source)
        seen: dict[str, int] = {}  # source_record_id -> row number of its first accepted row
        for rows, chunk in _prepared_chunks(job, table.rows, table.expected_rows):
            _quarantine_duplicates(rows, chunk, seen, schema, table.headers)
            # Earlier states of these records stop being current (they stay as history) before
            # the new states arrive: at most one current row per (source, source_record_id).
            accepted_ids = [
                record_id for index, record_id in enumerate(chunk.record_ids) if index not in chunk.quarantined
            ]
            cursor.execute(supersede, (batch_id, source, accepted_ids))
            counts["superseded"] += cursor.rowcount
            _copy_chunk(cursor, staging_copy, quarantine_copy, chunk, batch_id, domain, source,
                        path.name, counts)
            if progress is not None:
                progress.advance(len(rows))

        failpoint("ingest:copied")
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


def _quarantine_duplicates(
    rows: list[Row], chunk: PreparedChunk, seen: dict[str, int], schema: DomainSchema,
    headers: list[str],
) -> None:
    """A source_record_id already accepted earlier in the file: the first occurrence is kept."""
    severity = schema.fields["source_record_id"].severity_of("duplicate_source_record_id")
    for index, record_id in enumerate(chunk.record_ids):
        if record_id is None or index in chunk.quarantined:
            continue
        first = seen.get(record_id)
        if first is None:
            seen[record_id] = chunk.row_numbers[index]
            continue
        chunk.issues.setdefault(index, []).append({
            "field": "source_record_id", "code": "duplicate_source_record_id", "severity": severity,
            "message": f"source_record_id {record_id!r} already appears in row {first}",
        })
        if severity == "error":
            chunk.quarantined.add(index)
            chunk.lines[index] = None
            chunk.quarantine_raw[index] = raw_json(headers, rows[index])


def _copy_chunk(
    cursor: Any, staging_copy: str, quarantine_copy: str, chunk: PreparedChunk, batch_id: int,
    domain: str, source: str, file_name: str, counts: dict[str, int],
) -> None:
    issues = chunk.issues
    with cursor.copy(staging_copy) as copy:
        copy.write("".join(line for line in chunk.lines if line is not None).encode("utf-8"))
    counts["warnings"] += sum(
        1 for index, flags in issues.items()
        if index not in chunk.quarantined and any(f["severity"] == "warning" for f in flags)
    )
    if chunk.quarantined:
        with cursor.copy(quarantine_copy) as copy:
            for index in sorted(chunk.quarantined):
                copy.write_row(
                    (batch_id, domain, source, file_name, chunk.row_numbers[index], chunk.record_ids[index],
                     json.dumps(issues[index], ensure_ascii=False), chunk.quarantine_raw[index])
                )
    counts["rows_in"] += len(chunk.lines)
    counts["quarantined"] += len(chunk.quarantined)
    counts["accepted"] += len(chunk.lines) - len(chunk.quarantined)


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
