"""What steward commands need to know about records and golden records: which golden record a
source record belongs to now, the members of a golden record, record versions. Bound parameters
only; table names come from known domains."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from ..db import tables
from ..golden.query import GoldenNotFound, domain_of
from ..match.explain import RecordKey

Key = tuple[str, str]  # (source, source_record_id)


def key_of(record: RecordKey) -> Key:
    return (record.source, record.source_record_id)


def key_text(key: Key) -> str:
    return f"{key[0]}:{key[1]}"


def _unnest(keys: Iterable[Key]) -> dict[str, list[str]]:
    pairs = sorted(set(keys))
    return {"sources": [k[0] for k in pairs], "ids": [k[1] for k in pairs]}


def golden_ids_of(conn: sa.Connection, domain: str, keys: Iterable[Key]) -> dict[Key, str]:
    """The current golden ID of each source record that the latest release of ``domain`` holds."""
    tables.staging_table(domain)  # an unknown domain fails here, before any SQL is built
    rows = conn.execute(sa.text(f"""
        SELECT x.source, x.source_record_id, x.golden_id FROM golden.{domain}_xref x
        JOIN unnest(CAST(:sources AS text[]), CAST(:ids AS text[])) AS k(source, source_record_id)
          ON k.source = x.source AND k.source_record_id = x.source_record_id
        WHERE x.valid_to_release IS NULL"""), _unnest(keys))
    return {(r.source, r.source_record_id): r.golden_id for r in rows}


def current_golden(conn: sa.Connection, golden_id: str) -> tuple[str, str, list[Key]]:
    """(domain, normalised golden ID, member source records) of a current golden record; a
    clear error for an unknown ID or one that a release merged away or retired."""
    golden_id = golden_id.strip().upper()
    domain = domain_of(golden_id)
    members = [(r.source, r.source_record_id) for r in conn.execute(sa.text(f"""
        SELECT source, source_record_id FROM golden.{domain}_xref
        WHERE golden_id = :g AND valid_to_release IS NULL ORDER BY source, source_record_id"""), {"g": golden_id})]
    if members:
        return domain, golden_id, members
    last = conn.execute(sa.text(f"""
        SELECT release, change, merged_into FROM golden.{domain}_changes WHERE golden_id = :g
        ORDER BY release DESC LIMIT 1"""), {"g": golden_id}).first()
    if last is None:
        raise GoldenNotFound(f"no golden record {golden_id} in {domain} (see `chutian-mdm golden search`)")
    if last.change == "merged":
        raise GoldenNotFound(f"{golden_id} is no longer current: release {last.release} merged it into "
                             f"{last.merged_into}; use {last.merged_into}")
    raise GoldenNotFound(f"{golden_id} is no longer current: release {last.release} retired it")


def current_record_ids(conn: sa.Connection, domain: str, keys: Iterable[Key]) -> dict[Key, int]:
    """The current record version (``staging.<domain>.record_id``) of each source record."""
    staging = tables.staging_table(domain).name
    rows = conn.execute(sa.text(f"""
        SELECT s.source, s.source_record_id, s.record_id FROM staging.{staging} s
        JOIN unnest(CAST(:sources AS text[]), CAST(:ids AS text[])) AS k(source, source_record_id)
          ON k.source = s.source AND k.source_record_id = s.source_record_id
        WHERE s.superseded_by_batch_id IS NULL"""), _unnest(keys))
    return {(r.source, r.source_record_id): int(r.record_id) for r in rows}


def record_rows(conn: sa.Connection, domain: str, record_ids: Sequence[int],
                columns: Sequence[str]) -> dict[int, dict[str, object]]:
    """Staging rows by record version: ``columns`` plus source, source_record_id and whether the
    version is still current."""
    staging = tables.staging_table(domain)
    chosen = [staging.c[name] for name in columns if name in staging.c]
    query = sa.select(staging.c.record_id, staging.c.source, staging.c.source_record_id,
                      staging.c.superseded_by_batch_id.is_(None).label("is_current"), *chosen
                      ).where(staging.c.record_id.in_(list(record_ids)))
    return {int(r.record_id): dict(r._mapping) for r in conn.execute(query)}


def release_changes(conn: sa.Connection, domain: str, release: int | None, golden_ids: Sequence[str]) -> str:
    """What release ``release`` did to these golden IDs, as text (``PSN-1 merged into PSN-2; …``)."""
    if release is None:
        return ""
    rows = conn.execute(sa.text(f"""
        SELECT golden_id, change, merged_into, split_from FROM golden.{domain}_changes
        WHERE release = :r AND (golden_id = ANY(:g) OR merged_into = ANY(:g) OR split_from = ANY(:g))
        ORDER BY golden_id"""), {"r": release, "g": list(golden_ids)}).all()
    parts = [f"{r.golden_id} {r.change}" + (f" into {r.merged_into}" if r.merged_into else "")
             + (f" from {r.split_from}" if r.split_from else "") for r in rows]
    return "; ".join(parts)
