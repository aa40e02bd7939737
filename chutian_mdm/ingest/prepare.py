"""Turning a validated chunk into PostgreSQL COPY lines — the part of ingest that can run in
worker processes. The ingesting process only checks duplicate ids across chunks and streams the
prepared lines into ``COPY``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .readers import Row
from .validate import ChunkValidator, raw_json

NULL = "\\N"


def _escape(text: str) -> str:
    # str.replace is a fast C scan and returns the same object when there is nothing to replace
    # (str.translate with a mapping is ten times slower on Chinese text).
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_field(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return NULL
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):  # also datetime
        return value.isoformat()
    return str(value)


@dataclass
class PreparedChunk:
    """A chunk ready to load: one COPY line per accepted row (None for quarantined rows)."""

    row_numbers: list[int]
    record_ids: list[str | None]
    lines: list[str | None]
    issues: dict[int, list[dict[str, str]]]
    quarantined: set[int]
    quarantine_raw: dict[int, str] = field(default_factory=dict)  # row index -> raw JSON


_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")


def _encode_column(values: list[Any]) -> list[str]:
    """A whole column in COPY text format (one type check per column where possible)."""
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, str):
        # One scan of the whole column: most columns hold nothing to escape.
        if _NEEDS_ESCAPE.search("".join(filter(None, values))) is None:
            return [NULL if v is None else v for v in values]
        return [NULL if v is None else _escape(v) for v in values]
    if isinstance(sample, dt.date) and not isinstance(sample, bool):
        return [NULL if v is None else v.isoformat() for v in values]
    return [copy_field(v) for v in values]


_dumps = json.JSONEncoder(ensure_ascii=False).encode


def prepare_chunk(
    validator: ChunkValidator, rows: list[Row], headers: Sequence[str], record_columns: Sequence[str],
    batch_id: int, source: str,
) -> PreparedChunk:
    chunk = validator.check(rows)
    columns = [_encode_column(chunk.columns[name]) for name in record_columns]
    width = len(headers)
    record_ids: list[str | None] = chunk.columns["source_record_id"]
    prefix = f"{batch_id}\t{copy_field(source)}\t"
    lines: list[str | None] = []
    quarantine_raw: dict[int, str] = {}
    for index, row in enumerate(rows):
        if index in chunk.quarantined:
            lines.append(None)
            quarantine_raw[index] = raw_json(headers, row)
            continue
        flags = chunk.issues.get(index)
        raw = (_dumps(dict(zip(headers, row.values, strict=False))) if row.raw_text is None
               or len(row.values) != width else raw_json(headers, row))
        lines.append(
            prefix + copy_field(record_ids[index]) + "\t" + str(row.number) + "\t"
            + "\t".join([column[index] for column in columns]) + "\t"
            # JSON text holds no raw tabs or newlines, only backslashes to double
            + (_dumps(flags).replace("\\", "\\\\") if flags else NULL) + "\t"
            + raw.replace("\\", "\\\\") + "\n"
        )
    return PreparedChunk(
        [row.number for row in rows], record_ids, lines, chunk.issues, chunk.quarantined, quarantine_raw
    )
