"""A run of one domain: match and cluster its current records into a new ``mdm.runs`` row.

    load current records ─▶ (train a model the first time) ─▶ score new pairs ─▶ cluster
        ─▶ write edges, cluster members, review queue ─▶ run succeeded

A domain that matches by key (``KeySpec``: macro-economic values) has no model and no scoring:
its records are linked by key, clustered under the same constraints, and its review pairs are the
ones the domain declares (values that disagree).

``run_domain`` is the one entry point; a later stage (publishing golden records) is appended
after clustering. Runs of a domain never overlap (a PostgreSQL advisory lock), and a failed run
is recorded as failed and leaves every earlier result untouched (one transaction for results).
"""

from __future__ import annotations

import datetime as dt
import getpass
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import sqlalchemy as sa

from .db import tables
from .db.locks import domain_lock
from .failpoints import failpoint
from .golden import ReleaseResult, publish_release
from .match import store
from .match.keyed import KEY_THRESHOLDS, key_edges, key_review_pairs
from .match.members import ClusterOutcome, cluster_records
from .match.model import StoredModel, latest_model, load_term_frequencies, train_model
from .match.records import current_records, duckdb_connection, fetch_count, load_into_duckdb, run_sql
from .match.score import EDGE_SCHEMA, score_pairs
from .match.spec import (
    KeySpec,
    MatchSpec,
    Thresholds,
    configuration_fingerprint,
    key_fingerprint,
    matching_of,
    thresholds,
)


class Progress(Protocol):
    """Told when each stage of a run begins (the CLI shows it at a terminal)."""

    def stage(self, description: str) -> None: ...


@dataclass(frozen=True)
class RunResult:
    """What a run did (also stored as ``mdm.runs.stats``)."""

    run_id: int
    domain: str
    mode: str  # incremental | full
    status: str  # succeeded | nothing_to_do
    records: int
    compared_records: int  # new or changed record versions scored (all of them in a full run)
    candidate_pairs: int
    matches: int  # links at or above the match threshold among current records
    review_pairs: int  # pairs newly queued for review
    clusters: int
    model_id: int | None  # None only when the domain has no records and no model yet
    model_version: int | None
    trained_model: bool  # a model was trained first because the domain had none
    full_reason: str | None  # why a run without --full matched everything
    seconds: float
    stats: dict[str, Any] = field(default_factory=dict)
    release: ReleaseResult | None = None  # the golden release published after matching
    published_run_id: int | None = None  # the run whose clusters were published (an earlier one
    # when this run had nothing new but an interrupted run's clusters were never published)


def run_domain(engine: sa.Engine, domain: str, full: bool = False,
               progress: Progress | None = None, wait_seconds: float = 0.0,
               publish: bool = True) -> RunResult:
    """Match and cluster ``domain`` — incrementally (only new or changed record versions are
    scored) unless ``full`` or there is no earlier run of the current model — then publish the
    clusters as the domain's next golden release (unless ``publish`` is false). Raises
    :class:`LockedError` if another run of the domain holds the lock (after ``wait_seconds``).

    A run killed earlier is recorded as failed when the next one starts; if it was killed after
    its clusters were committed but before its release was, the next run publishes them."""
    spec = matching_of(domain)
    limits = thresholds(domain) if isinstance(spec, MatchSpec) else KEY_THRESHOLDS
    started = time.perf_counter()
    timings: dict[str, float] = {}
    shown = progress or _Silent()
    with domain_lock(engine, domain, wait_seconds):
        _fail_interrupted_runs(engine, domain)
        con = duckdb_connection()
        try:
            if isinstance(spec, KeySpec):
                result = _run_by_key(engine, con, domain, spec, full, shown, started, timings)
            else:
                result = _run(engine, con, domain, spec, limits, full, shown, started, timings)
        finally:
            con.close()
        if not publish:
            return result
        run_id = result.run_id if result.status == "succeeded" else _unpublished_run(engine, domain)
        if run_id is None:
            return result
        with _timed(timings, "publish", shown, f"{domain}: publishing golden records"):
            release = publish_release(engine, domain, run_id)
        with engine.begin() as conn:
            conn.execute(sa.update(tables.runs).where(tables.runs.c.run_id == run_id).values(
                stats=tables.runs.c.stats.op("||")(sa.func.jsonb_build_object(
                    "published", release.release is not None, "publish_seconds", round(release.seconds, 3)))))
        return replace(result, release=release, published_run_id=run_id,
                       seconds=round(time.perf_counter() - started, 3))


def _fail_interrupted_runs(engine: sa.Engine, domain: str) -> None:
    """Runs still 'running' while we hold the domain's lock belong to a process that died."""
    with engine.begin() as conn:
        conn.execute(sa.update(tables.runs).where(
            tables.runs.c.domain == domain, tables.runs.c.status == "running").values(
            status="failed", finished_at=dt.datetime.now(dt.UTC),
            error="interrupted: the process stopped before the run finished"))


def _unpublished_run(engine: sa.Engine, domain: str) -> int | None:
    """The latest successful run if its publishing never completed (the process died)."""
    r = tables.runs
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(r.c.run_id, r.c.release, r.c.stats).where(r.c.domain == domain, r.c.status == "succeeded")
            .order_by(r.c.run_id.desc()).limit(1)).first()
    if row is None or row.release is not None or "published" in row.stats:
        return None
    return int(row.run_id)


class _Silent:
    def stage(self, description: str) -> None:
        pass


@contextmanager
def _timed(timings: dict[str, float], name: str, progress: Progress, description: str) -> Iterator[None]:
    progress.stage(description)
    started = time.perf_counter()
    yield
    timings[name] = round(timings.get(name, 0.0) + time.perf_counter() - started, 3)


@dataclass(frozen=True)
class _Current:
    """What a run starts from: the current records (also DuckDB table ``records``; the previous
    run's record versions are ``__previous_ids``) and the steward constraints."""

    records: pa.Table
    previous: dict[str, Any] | None
    constraint_rows: pa.Table
    constraint_state: dict[str, int]


def _load(engine: sa.Engine, con: duckdb.DuckDBPyConnection, domain: str, spec: MatchSpec | KeySpec, full: bool,
          progress: Progress, timings: dict[str, float]) -> _Current:
    with _timed(timings, "load", progress, f"{domain}: loading current records"), engine.connect() as conn:
        records = current_records(conn, domain, spec)
        load_into_duckdb(con, "records", records, spec)
        previous = _previous_run(conn, domain)
        # A run asked to be full scores everything anyway: which records are new does not matter.
        if previous is not None and not full:
            con.register("__previous_ids", store.record_ids_of_run(conn, previous["run_id"]))
        else:
            run_sql(con, "CREATE OR REPLACE TEMP VIEW __previous_ids AS SELECT NULL::BIGINT AS record_id WHERE false")
        constraint_rows, constraint_state = store.constraints(conn, domain)
    return _Current(records, previous, constraint_rows, constraint_state)


def _changes(con: duckdb.DuckDBPyConnection) -> tuple[int, list[int]]:
    """DuckDB table ``new_records`` (record versions the previous run did not cluster): how many,
    and the record versions the previous run clustered that are no longer current."""
    run_sql(con, "CREATE OR REPLACE TEMP TABLE new_records AS SELECT * FROM records "
                "ANTI JOIN __previous_ids USING (record_id)")
    gone = [int(r[0]) for r in con.execute(
        "SELECT record_id FROM __previous_ids ANTI JOIN records USING (record_id)").fetchall()]
    return fetch_count(con, "new_records"), gone


def _unchanged(current: _Current, full_reason: str | None, new_count: int, gone: list[int]) -> bool:
    previous = current.previous
    return (full_reason is None and new_count == 0 and not gone and previous is not None
            and previous["stats"].get("constraints") == current.constraint_state)


def _cluster_stats(outcome: ClusterOutcome, queued: int, superseded: int, current: _Current) -> dict[str, Any]:
    return {
        "records": current.records.num_rows, "matches": outcome.matches, "review_pairs": queued,
        "review_superseded": superseded, "clusters": outcome.clusters,
        "multi_record_clusters": outcome.multi_record_clusters,
        "refused_by_cannot_link": outcome.refused_by_cannot_link,
        "refused_by_exclusive_key": outcome.refused_by_exclusive_key,
        "conflicting_must_links": outcome.conflicting_must_links, "constraints": current.constraint_state,
    }


def _succeeded(conn: sa.Connection, run_id: int, stats: dict[str, Any]) -> None:
    conn.execute(sa.update(tables.runs).where(tables.runs.c.run_id == run_id).values(
        status="succeeded", finished_at=dt.datetime.now(dt.UTC), stats=stats))


def _failed(engine: sa.Engine, run_id: int, exc: BaseException) -> None:
    with engine.begin() as conn:
        conn.execute(sa.update(tables.runs).where(tables.runs.c.run_id == run_id).values(
            status="failed", finished_at=dt.datetime.now(dt.UTC), error=f"{type(exc).__name__}: {exc}"))


def _run(engine: sa.Engine, con: duckdb.DuckDBPyConnection, domain: str, spec: MatchSpec,
         limits: Thresholds, full: bool, progress: Progress, started: float,
         timings: dict[str, float]) -> RunResult:
    current = _load(engine, con, domain, spec, full, progress, timings)
    records, previous = current.records, current.previous
    model, trained = latest_model(engine, domain), False
    if records.num_rows == 0:
        run_id = _start_run(engine, domain, "incremental", model)
        return _finish_nothing_to_do(engine, run_id, domain, 0, model, False, started,
                                     "no current records (ingest some first)")
    if model is None:
        with _timed(timings, "train", progress, f"{domain}: no model yet, training one"):
            model, trained = train_model(engine, domain, records), True

    configuration = configuration_fingerprint(spec, limits)
    full_reason = _full_reason(full, previous, model, configuration)
    new_count, gone = _changes(con)
    run_id = _start_run(engine, domain, "full" if full_reason else "incremental", model)
    try:
        if _unchanged(current, full_reason, new_count, gone):
            return _finish_nothing_to_do(engine, run_id, domain, records.num_rows, model, trained, started)

        with engine.connect() as conn:
            frequencies = load_term_frequencies(conn, model)
        with _timed(timings, "score", progress, f"{domain}: scoring candidate pairs"):
            scored = score_pairs(con, spec, model.settings, frequencies, floor=limits.review,
                                 new_table=None if full_reason else "new_records")
        with _timed(timings, "cluster", progress, f"{domain}: clustering"):
            if full_reason:
                con.register("__edges", scored.edges)
            else:
                with engine.connect() as conn:
                    kept = store.stored_edges(conn, domain)
                con.register("__edges", pa.concat_tables([kept.cast(EDGE_SCHEMA), scored.edges]))
            outcome = cluster_records(con, spec, limits, current.constraint_rows, run_id, domain)
        failpoint("match:scored")
        with _timed(timings, "write", progress, f"{domain}: writing clusters"), engine.begin() as conn:
            if full_reason:
                store.replace_all_edges(conn, domain)
            else:
                store.drop_edges_of(conn, domain, gone)
            store.insert_edges(conn, domain, run_id, model.model_id, scored.edges)
            store.insert_cluster_members(conn, outcome.members)
            queued, superseded = store.update_review_queue(conn, domain, run_id, outcome.review)
            stats = {
                **_cluster_stats(outcome, queued, superseded, current),
                "compared_records": scored.compared_records, "candidate_pairs": scored.candidate_pairs,
                "new_edges": scored.edges.num_rows, "configuration": configuration, "trained_model": trained,
                "full_reason": full_reason, "thresholds": {"match": limits.match, "review": limits.review},
                "seconds": timings,
            }
            _succeeded(conn, run_id, stats)
        return RunResult(
            run_id=run_id, domain=domain, mode="full" if full_reason else "incremental",
            status="succeeded", records=records.num_rows, compared_records=scored.compared_records,
            candidate_pairs=scored.candidate_pairs, matches=outcome.matches, review_pairs=queued,
            clusters=outcome.clusters, model_id=model.model_id, model_version=model.version,
            trained_model=trained, full_reason=full_reason, seconds=round(time.perf_counter() - started, 3),
            stats=stats,
        )
    except BaseException as exc:
        _failed(engine, run_id, exc)
        raise


def _run_by_key(engine: sa.Engine, con: duckdb.DuckDBPyConnection, domain: str, spec: KeySpec, full: bool,
                progress: Progress, started: float, timings: dict[str, float]) -> RunResult:
    """A run of a domain that matches by key: no model and no scoring; every current record is
    grouped afresh (one statement), so a run is never incremental beyond noticing that nothing
    changed."""
    current = _load(engine, con, domain, spec, full, progress, timings)
    records, previous = current.records, current.previous
    if records.num_rows == 0:
        run_id = _start_run(engine, domain, "incremental", None)
        return _finish_nothing_to_do(engine, run_id, domain, 0, None, False, started,
                                     "no current records (ingest some first)")
    configuration = key_fingerprint(spec)
    full_reason = ("requested (--full)" if full else "first run of this domain" if previous is None
                   else "the matching configuration (key or review rule) changed"
                   if previous["stats"].get("configuration") != configuration else None)
    new_count, gone = _changes(con)
    run_id = _start_run(engine, domain, "full" if full_reason else "incremental", None)
    try:
        if _unchanged(current, full_reason, new_count, gone):
            return _finish_nothing_to_do(engine, run_id, domain, records.num_rows, None, False, started)
        with _timed(timings, "cluster", progress, f"{domain}: grouping records by {', '.join(spec.key)}"):
            con.register("__edges", key_edges(con, spec))
            outcome = cluster_records(con, spec, KEY_THRESHOLDS, current.constraint_rows, run_id, domain)
        failpoint("match:scored")
        with _timed(timings, "write", progress, f"{domain}: writing clusters"), engine.begin() as conn:
            store.insert_cluster_members(conn, outcome.members)
            queued, superseded = store.update_review_queue(conn, domain, run_id,
                                                           key_review_pairs(conn, domain, spec, run_id))
            stats = {
                **_cluster_stats(outcome, queued, superseded, current),
                "compared_records": new_count, "candidate_pairs": 0, "new_edges": 0,
                "configuration": configuration, "key": list(spec.key), "full_reason": full_reason,
                "seconds": timings,
            }
            _succeeded(conn, run_id, stats)
        return RunResult(
            run_id=run_id, domain=domain, mode="full" if full_reason else "incremental", status="succeeded",
            records=records.num_rows, compared_records=new_count, candidate_pairs=0, matches=outcome.matches,
            review_pairs=queued, clusters=outcome.clusters, model_id=None, model_version=None,
            trained_model=False, full_reason=full_reason, seconds=round(time.perf_counter() - started, 3),
            stats=stats)
    except BaseException as exc:
        _failed(engine, run_id, exc)
        raise


def _previous_run(conn: sa.Connection, domain: str) -> dict[str, Any] | None:
    r = tables.runs
    row = conn.execute(
        sa.select(r.c.run_id, r.c.model_id, r.c.stats)
        .where(r.c.domain == domain, r.c.status == "succeeded").order_by(r.c.run_id.desc()).limit(1)
    ).first()
    return dict(row._mapping) if row is not None else None


def _full_reason(full: bool, previous: dict[str, Any] | None, model: StoredModel,
                 configuration: str) -> str | None:
    if full:
        return "requested (--full)"
    if previous is None:
        return "first run of this domain"
    if previous["model_id"] != model.model_id:
        return f"a new model (version {model.version}) scores every pair anew"
    if previous["stats"].get("configuration") != configuration:
        return "the matching configuration (thresholds, rules or link conditions) changed"
    return None


def _start_run(engine: sa.Engine, domain: str, mode: str, model: StoredModel | None) -> int:
    with engine.begin() as conn:
        return int(conn.execute(
            sa.insert(tables.runs).values(
                domain=domain, mode=mode, status="running", started_by=_os_user(),
                started_at=dt.datetime.now(dt.UTC), model_id=model.model_id if model else None,
            ).returning(tables.runs.c.run_id)
        ).scalar_one())


def _finish_nothing_to_do(engine: sa.Engine, run_id: int, domain: str, records: int, model: StoredModel | None,
                          trained: bool, started: float,
                          reason: str = "no new or changed records since the last run") -> RunResult:
    stats = {"records": records, "compared_records": 0, "reason": reason}
    with engine.begin() as conn:
        conn.execute(sa.update(tables.runs).where(tables.runs.c.run_id == run_id).values(
            status="nothing_to_do", finished_at=dt.datetime.now(dt.UTC), stats=stats))
    return RunResult(run_id, domain, "incremental", "nothing_to_do", records, 0, 0, 0, 0, 0,
                     model.model_id if model else None, model.version if model else None, trained, None,
                     round(time.perf_counter() - started, 3), stats)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def list_runs(engine: sa.Engine, domain: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The newest runs (all domains, or one), newest first."""
    r, m = tables.runs, tables.models
    query = (
        sa.select(r.c.run_id, r.c.domain, r.c.mode, r.c.status, r.c.started_by, r.c.started_at,
                  r.c.finished_at, r.c.model_id, m.c.version.label("model_version"), r.c.release,
                  r.c.stats, r.c.error)
        .select_from(r.outerjoin(m, m.c.model_id == r.c.model_id))
        .order_by(r.c.run_id.desc()).limit(limit)
    )
    if domain is not None:
        query = query.where(r.c.domain == domain)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]
