"""Reading back what ingest recorded: batches, and quarantined rows to send back for fixing."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..db import tables

_NUMBERISH = re.compile(r"^[+-][\d\s().-]*$")


def list_batches(engine: sa.Engine, domain: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    b = tables.batches
    query = sa.select(b).order_by(b.c.batch_id.desc()).limit(limit)
    if domain:
        query = query.where(b.c.domain == domain)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


@dataclass(frozen=True)
class QuarantineFilter:
    domain: str | None = None
    source: str | None = None
    batch_id: int | None = None
    include_resolved: bool = False


def list_quarantine(
    engine: sa.Engine, where: QuarantineFilter, limit: int | None = None
) -> list[dict[str, Any]]:
    q = tables.quarantine
    query = sa.select(q).order_by(q.c.batch_id, q.c.row_number)
    if where.domain:
        query = query.where(q.c.domain == where.domain)
    if where.source:
        query = query.where(q.c.source == where.source)
    if where.batch_id is not None:
        query = query.where(q.c.batch_id == where.batch_id)
    if not where.include_resolved:
        query = query.where(q.c.resolved_by_batch_id.is_(None))
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def describe_reasons(reasons: Sequence[dict[str, str]]) -> str:
    """``birth_date: '1990-13-45' is not a date …; name: 姓名 is empty``"""
    return "; ".join(
        f"{r['field']}: {r['message']}" if r.get("field") else r["message"] for r in reasons
    )


def neutralise_formula(value: str) -> str:
    """Stop spreadsheet programs from executing a cell as a formula (CSV injection)."""
    if value[:1] in ("=", "@", "\t", "\r") or (value[:1] in ("+", "-") and not _NUMBERISH.match(value)):
        return "'" + value
    return value


def export_quarantine(
    engine: sa.Engine, out: Path, where: QuarantineFilter, encoding: str = "utf-8-sig"
) -> int:
    """Write quarantined rows as a CSV in the department's own columns, plus where each row came
    from and why it was rejected, so the department can fix and resend them. Returns the count."""
    rows = list_quarantine(engine, where)
    b = tables.batches
    batch_ids = sorted({row["batch_id"] for row in rows})
    with engine.connect() as conn:
        batch_headers = dict(conn.execute(
            sa.select(b.c.batch_id, b.c.headers).where(b.c.batch_id.in_(batch_ids)).order_by(b.c.batch_id)
        ).all())
    # The department's own column order, as its files had them (JSONB keeps no order).
    headers: dict[str, None] = {}
    for batch_id in batch_ids:
        for key in batch_headers.get(batch_id) or ():
            headers.setdefault(key, None)
    for row in rows:
        for key in row["raw"]:
            headers.setdefault(key, None)
    fixed = ["file_name", "row_number", "reasons"]
    with out.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(fixed + list(headers))
        for row in rows:
            values = [row["file_name"], str(row["row_number"]), describe_reasons(row["reasons"])]
            values += [row["raw"].get(h) or "" for h in headers]
            writer.writerow([neutralise_formula(str(v)) for v in values])
    return len(rows)
