"""Builders for golden-record tests: matching runs made by hand or from the samples' truth."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Mapping
from pathlib import Path

import sqlalchemy as sa

from chutian_mdm.demo import sample_files
from chutian_mdm.ingest import ingest_file
from chutian_mdm.resources import samples_dir

_files = itertools.count(1)


def ingest_samples(engine: sa.Engine, domain: str) -> None:
    for path, source in sample_files()[domain]:
        ingest_file(engine, domain, path, source)


def create_run(engine: sa.Engine, domain: str, clusters: Mapping[tuple[str, str], str],
               probabilities: Mapping[tuple[str, str], float] | None = None) -> int:
    """A succeeded matching run whose clusters are ``(source, source_record_id) -> cluster key``.

    Every current staging record of the domain must be in ``clusters`` (the match stage's
    contract); a record left out fails loudly here rather than in the test's assertions."""
    probabilities = probabilities or {}
    with engine.begin() as conn:
        run_id = conn.execute(sa.text(
            "INSERT INTO mdm.runs (domain, mode, status, started_by, started_at, finished_at)"
            " VALUES (:d, 'full', 'succeeded', 'test', now(), now()) RETURNING run_id"), {"d": domain}).scalar_one()
        current = {
            (r.source, r.source_record_id): r.record_id
            for r in conn.execute(sa.text(
                f"SELECT source, source_record_id, record_id FROM staging.{domain}"
                " WHERE superseded_by_batch_id IS NULL"))
        }
        missing = current.keys() - clusters.keys()
        assert not missing, f"records without a cluster: {sorted(missing)[:5]}"
        rows = [
            {"run_id": run_id, "domain": domain, "source": key[0], "source_record_id": key[1],
             "record_id": current[key], "cluster_key": cluster, "p": probabilities.get(key, 1.0)}
            for key, cluster in clusters.items() if key in current
        ]
        if rows:
            conn.execute(sa.text(
                "INSERT INTO mdm.cluster_members (run_id, domain, source, source_record_id, record_id,"
                " cluster_key, match_probability) VALUES (:run_id, :domain, :source, :source_record_id,"
                " :record_id, :cluster_key, :p)"), rows)
    return int(run_id)


def truth_clusters(domain: str) -> dict[tuple[str, str], str]:
    """(source, source_record_id) -> true entity, from data/samples/truth/<domain>.csv."""
    with (samples_dir() / "truth" / f"{domain}.csv").open(encoding="utf-8") as handle:
        return {(row["source"], row["source_record_id"]): row["entity_id"] for row in csv.DictReader(handle)}


def current_records(engine: sa.Engine, domain: str) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(sa.text(  # type: ignore[misc]
            f"SELECT source, source_record_id FROM staging.{domain} WHERE superseded_by_batch_id IS NULL"))}


def truth_run(engine: sa.Engine, domain: str) -> int:
    """A run clustering the ingested samples of ``domain`` exactly as the truth says."""
    truth = truth_clusters(domain)
    return create_run(engine, domain, {k: truth[k] for k in current_records(engine, domain)})


def rows(engine: sa.Engine, sql: str, **params: object) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


def singletons(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    return {key: f"{key[0]}:{key[1]}" for key in keys}


def stage_rows(engine: sa.Engine, folder: Path, domain: str, source: str, records: list[dict[str, str]]) -> None:
    """Ingest ``records`` (canonical field names) as one batch from ``source``."""
    headers = list(dict.fromkeys(key for record in records for key in record))
    path = folder / f"{domain}-{source}-{next(_files)}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(records)
    result = ingest_file(engine, domain, path, source)
    assert result.quarantined == 0, f"test rows quarantined: {result}"


def golden(engine: sa.Engine, domain: str, golden_id: str) -> dict:
    found = rows(engine, f"SELECT * FROM golden.{domain} WHERE golden_id = :g", g=golden_id)
    assert len(found) == 1, golden_id
    return found[0]


def golden_id_of(engine: sa.Engine, domain: str, source: str, source_record_id: str) -> str:
    return str(rows(engine, f"SELECT golden_id FROM golden.{domain}_xref WHERE source = :s AND source_record_id = :r"
                            " AND valid_to_release IS NULL", s=source, r=source_record_id)[0]["golden_id"])
