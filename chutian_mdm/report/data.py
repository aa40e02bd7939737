"""The numbers of a run report, read from the stages' tables: the batches ingested since the
domain's previous run and why rows were quarantined, the run's matching statistics and cluster
sizes, the review queue, the release it published, the model it used, the steward actions since
the previous run, and optionally one golden record's cluster. Aggregates are computed in SQL."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..errors import ConfigError, MdmError
from ..golden.query import GoldenRecord, get_golden
from ..match.keyed import KEY_THRESHOLDS
from ..match.spec import KeySpec, Thresholds, matching_of, thresholds


class RunNotFound(MdmError):
    """The run asked for does not exist."""


SIZE_BUCKETS = [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 10), (11, 20), (21, None)]


@dataclass(frozen=True)
class Level:
    label: str
    m: float | None
    u: float | None
    weight: float | None  # log2(m / u)
    fixed_m: bool = False


@dataclass(frozen=True)
class ComparisonModel:
    name: str
    levels: list[Level]


@dataclass
class ClusterView:
    golden: GoldenRecord
    nodes: list[str]  # SOURCE:ID of each member
    edges: list[tuple[int, int, str, str]]  # node a, node b, kind, label


@dataclass
class ReportData:
    run: dict[str, Any]
    previous_run_id: int | None
    batches: list[dict[str, Any]]
    all_batches: bool
    quarantine_reasons: list[tuple[str, int]]  # error rule -> quarantined rows it rejected
    cluster_sizes: list[tuple[str, int]]
    review_queued_by_run: list[tuple[str, int]]  # probability band -> pairs queued by this run
    review_open: dict[str, int]  # status -> pairs (the whole queue of the domain, now)
    release: dict[str, Any] | None
    model: dict[str, Any] | None
    comparisons: list[ComparisonModel]
    steward_actions: list[dict[str, Any]]
    cluster: ClusterView | None = None
    thresholds: dict[str, float] = field(default_factory=dict)
    key: list[str] | None = None  # the key of a domain that matches by key (no model, no thresholds)


def resolve_run(conn: sa.Connection, run_id: int | None, domain: str | None) -> dict[str, Any]:
    """The run to report on: ``run_id``, else the latest successful run (of ``domain``)."""
    r = sa.text("""
        SELECT r.*, m.version AS model_version FROM mdm.runs r LEFT JOIN mdm.models m USING (model_id)
        WHERE """ + ("r.run_id = :run" if run_id is not None else
                     "r.status = 'succeeded' AND (CAST(:domain AS text) IS NULL OR r.domain = :domain) "
                     "ORDER BY r.run_id DESC LIMIT 1"))
    row = conn.execute(r, {"run": run_id, "domain": domain}).mappings().first()
    if row is None:
        if run_id is not None:
            raise RunNotFound(f"no run {run_id} (see `chutian-mdm runs`)")
        where = f" of {domain}" if domain else ""
        raise ConfigError(f"no successful run{where} yet; run `chutian-mdm run` first")
    if domain is not None and row["domain"] != domain:
        raise ConfigError(f"run {run_id} is a run of {row['domain']}, not {domain}")
    return dict(row)


def _bucket(size: int) -> str:
    for low, high in SIZE_BUCKETS:
        if high is None and size >= low:
            return f"{low}+"
        if high is not None and low <= size <= high:
            return str(low) if low == high else f"{low}–{high}"
    return str(size)


def _cluster_sizes(conn: sa.Connection, run_id: int) -> list[tuple[str, int]]:
    rows = conn.execute(sa.text("""
        SELECT size, count(*) AS clusters FROM (
          SELECT count(*) AS size FROM mdm.cluster_members WHERE run_id = :run GROUP BY cluster_key) s
        GROUP BY size ORDER BY size"""), {"run": run_id}).all()
    counts = {_bucket(low): 0 for low, _ in SIZE_BUCKETS}
    for size, clusters in rows:
        counts[_bucket(int(size))] += int(clusters)
    return list(counts.items())


def _bands(review: float, match: float) -> list[tuple[float, float, str]]:
    """Probability bands of a tenth from the review threshold up to the match threshold, and the
    pairs above it that a link condition sent to review."""
    edges = [review] + [x / 10 for x in range(math.floor(review * 10) + 1, 10) if review < x / 10 < match] + [match]
    bands = [(lo, hi, f"{lo:.2f}–{hi:.2f}") for lo, hi in itertools.pairwise(edges)]
    return [*bands, (match, 1.0000001, f"≥ {match:.2f} (link condition)")]


def _model(settings: dict[str, Any]) -> list[ComparisonModel]:
    out = []
    for comparison in settings.get("comparisons", []):
        levels = []
        for level in comparison.get("comparison_levels", []):
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            weight = math.log2(m / u) if m and u else None
            levels.append(Level(level.get("label_for_charts", "level"), m, u, weight,
                                bool(level.get("fix_m_probability"))))
        out.append(ComparisonModel(comparison.get("output_column_name", "comparison"), levels))
    return out


def _cluster_view(conn: sa.Connection, engine: sa.Engine, golden_id: str) -> ClusterView:
    record = get_golden(engine, golden_id)
    domain = record.domain
    keys = [(m["source"], m["source_record_id"]) for m in record.members]
    position = {k: i for i, k in enumerate(keys)}
    versions = {m["record_id"]: position[(m["source"], m["source_record_id"])] for m in record.members}
    edges: list[tuple[int, int, str, str]] = []
    try:
        match = _limits(domain).match
    except ConfigError:  # a domain without matching: every stored edge is shown as a link
        match = 0.0
    for row in conn.execute(sa.text("""
            SELECT record_id_l, record_id_r, match_probability, rule FROM mdm.match_edges
            WHERE domain = :d AND record_id_l = ANY(:ids) AND record_id_r = ANY(:ids)
            ORDER BY record_id_l, record_id_r"""), {"d": domain, "ids": list(versions)}):
        kind = "link" if row.match_probability >= match and row.rule != "review_only" else "review"
        label = "rule" if row.rule == "deterministic" else f"{row.match_probability:.2f}"
        edges.append((versions[row.record_id_l], versions[row.record_id_r], kind, label))
    for row in conn.execute(sa.text("""
            SELECT kind, source_l, source_record_id_l, source_r, source_record_id_r FROM mdm.constraints
            WHERE domain = :d ORDER BY constraint_id"""), {"d": domain}):
        a, b = (row.source_l, row.source_record_id_l), (row.source_r, row.source_record_id_r)
        if a in position and b in position:
            edges.append((position[a], position[b], row.kind, row.kind.replace("_", "-")))
    return ClusterView(record, [f"{s}:{i}" for s, i in keys], edges)


def gather(engine: sa.Engine, run_id: int | None = None, domain: str | None = None,
           golden_id: str | None = None, all_batches: bool = False) -> ReportData:
    """Everything a run report shows, for run ``run_id`` (default: the latest successful run)."""
    with engine.connect() as conn:
        run = resolve_run(conn, run_id, domain)
        domain, run_id = run["domain"], int(run["run_id"])
        previous = conn.execute(sa.text("""
            SELECT run_id, started_at FROM mdm.runs WHERE domain = :d AND status = 'succeeded' AND run_id < :run
            ORDER BY run_id DESC LIMIT 1"""), {"d": domain, "run": run_id}).first()
        window = "" if all_batches or previous is None else "AND finished_at > :since"
        batches = [dict(r) for r in conn.execute(sa.text(f"""
            SELECT batch_id, source, file_name, rows_in, accepted, quarantined, rows_with_warnings, superseded,
                   finished_at
            FROM staging.batches WHERE domain = :d AND finished_at <= :until {window} ORDER BY batch_id"""),
            {"d": domain, "until": run["started_at"], "since": previous.started_at if previous else None}).mappings()]
        reasons = [(str(code), int(n)) for code, n in conn.execute(sa.text("""
            SELECT r->>'code' AS code, count(*) FROM staging.quarantine q, jsonb_array_elements(q.reasons) r
            WHERE q.batch_id = ANY(:ids) AND coalesce(r->>'severity', 'error') = 'error'
            GROUP BY 1 ORDER BY 2 DESC, 1"""),
            {"ids": [b["batch_id"] for b in batches]})]
        limits = _limits(domain)
        matching = matching_of(domain)
        key = list(matching.key) if isinstance(matching, KeySpec) else None
        # Matching by key queues pairs by the domain's review rule, not by probability.
        bands = [(0.0, 1.0000001, "review rule")] if key else _bands(limits.review, limits.match)
        queued = dict.fromkeys((label for *_, label in bands), 0)
        for (p,) in conn.execute(sa.text("SELECT match_probability FROM mdm.review_queue WHERE created_run_id = :run"),
                                 {"run": run_id}):
            for low, high, label in bands:
                if low <= p < high:
                    queued[label] += 1
                    break
        statuses = dict.fromkeys(("open", "accepted", "rejected", "superseded"), 0)
        for status, n in conn.execute(sa.text(
                "SELECT status, count(*) FROM mdm.review_queue WHERE domain = :d GROUP BY status"), {"d": domain}):
            statuses[status] = int(n)
        release = conn.execute(sa.text("SELECT * FROM golden.releases WHERE run_id = :run"),
                               {"run": run_id}).mappings().first()
        model = conn.execute(sa.text("SELECT model_id, version, trained_at, record_count, settings "
                                     "FROM mdm.models WHERE model_id = :m"), {"m": run["model_id"]}).mappings().first()
        actions = [dict(r) for r in conn.execute(sa.text("""
            SELECT action_id, acted_at, steward, action, note, golden_before FROM mdm.steward_actions
            WHERE domain = :d AND coalesce(CAST(details->>'last_run_id' AS integer), 0) >= :prev
              AND coalesce(CAST(details->>'last_run_id' AS integer), 0) < :run
            ORDER BY action_id"""),
            {"d": domain, "prev": previous.run_id if previous else 0, "run": run_id}).mappings()]
        sizes = _cluster_sizes(conn, run_id)
        cluster = _cluster_view(conn, engine, golden_id) if golden_id else None
    if cluster is not None and cluster.golden.domain != domain:
        raise ConfigError(f"{golden_id} is a golden record of {cluster.golden.domain}, not of {domain} (run {run_id})")
    return ReportData(
        run=run, previous_run_id=previous.run_id if previous else None, batches=batches, all_batches=all_batches,
        quarantine_reasons=reasons, cluster_sizes=sizes, review_queued_by_run=list(
            queued.items()), review_open=statuses, release=dict(release) if release else None,
        model=dict(model) if model else None, comparisons=_model(model["settings"]) if model else [],
        steward_actions=actions, cluster=cluster, thresholds={"match": limits.match, "review": limits.review},
        key=key)


def _limits(domain: str) -> Thresholds:
    """The domain's thresholds; every link of a domain matching by key is certain."""
    if isinstance(matching_of(domain), KeySpec):
        return KEY_THRESHOLDS
    return thresholds(domain)

