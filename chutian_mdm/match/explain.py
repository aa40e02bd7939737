"""Why two records match or not: Splink's waterfall as data — per comparison the level reached
and its match weight, the prior, the final weight and probability — plus the deterministic rules,
exclusive keys and steward constraints that override the score."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..db import tables
from ..errors import ConfigError, MdmError
from .linker import as_arrow, linker_for_model
from .model import StoredModel, latest_model, load_term_frequencies
from .records import KEY_COLUMNS, copy_out, duckdb_connection, load_into_duckdb, record_types
from .score import rule_sql
from .spec import match_spec, thresholds


class RecordNotFoundError(MdmError):
    """A record key names no current record."""

    exit_code = ConfigError.exit_code


@dataclass(frozen=True)
class RecordKey:
    source: str
    source_record_id: str

    @classmethod
    def parse(cls, text: str) -> RecordKey:
        source, sep, record = text.partition(":")
        if not sep or not source or not record:
            raise ConfigError(f"{text!r} is not a record key; write SOURCE:ID, e.g. police:RY4200000006")
        return cls(source, record)

    def __str__(self) -> str:
        return f"{self.source}:{self.source_record_id}"


@dataclass(frozen=True)
class Step:
    comparison: str
    level: str
    match_weight: float  # log2 of the level's Bayes factor, term-frequency adjustment included
    term_frequency_adjustment: float
    value_l: Any
    value_r: Any


@dataclass(frozen=True)
class Explanation:
    domain: str
    record_l: str
    record_r: str
    record_id_l: int
    record_id_r: int
    model_version: int
    prior_weight: float
    steps: list[Step]
    match_weight: float
    match_probability: float
    outcome: str
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain, "record_l": self.record_l, "record_r": self.record_r,
            "record_id_l": self.record_id_l, "record_id_r": self.record_id_r,
            "model_version": self.model_version, "prior_weight": round(self.prior_weight, 4),
            "comparisons": [
                {"comparison": s.comparison, "level": s.level, "match_weight": round(s.match_weight, 4),
                 "term_frequency_adjustment": round(s.term_frequency_adjustment, 4),
                 "value_l": _plain(s.value_l), "value_r": _plain(s.value_r)}
                for s in self.steps
            ],
            "match_weight": round(self.match_weight, 4), "match_probability": self.match_probability,
            "outcome": self.outcome, "notes": self.notes,
        }


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def explain_pair(engine: sa.Engine, domain: str, left: RecordKey, right: RecordKey) -> Explanation:
    """Score the current versions of two records with the domain's latest model, step by step."""
    spec, limits = match_spec(domain), thresholds(domain)
    model = latest_model(engine, domain)
    if model is None:
        raise MdmError(f"{domain}: no model yet; run `chutian-mdm train {domain}` or `chutian-mdm run {domain}`")
    staging = tables.staging_table(domain)
    names = [*KEY_COLUMNS, *spec.reads]
    with engine.connect() as conn:
        records = copy_out(
            conn,
            f"SELECT {', '.join(names)} FROM staging.{staging.name} WHERE superseded_by_batch_id IS NULL "
            "AND ((source = %s AND source_record_id = %s) OR (source = %s AND source_record_id = %s))",
            record_types(conn, domain, names),
            (left.source, left.source_record_id, right.source, right.source_record_id),
        )
        found = {(s, r) for s, r in zip(records["source"].to_pylist(), records["source_record_id"].to_pylist(),
                                        strict=True)}
        for key in (left, right):
            if (key.source, key.source_record_id) not in found:
                raise RecordNotFoundError(f"{domain}: no current record {key}")
        frequencies = load_term_frequencies(conn, model)
        notes = _constraint_notes(conn, domain, left, right)
    con = duckdb_connection()
    try:
        load_into_duckdb(con, "records", records, spec)
        for side, key in (("__l", left), ("__r", right)):
            con.execute(f"CREATE TABLE {side} AS SELECT * FROM records WHERE source = ? AND source_record_id = ?",
                        [key.source, key.source_record_id]).complete()
        linker, db_api = linker_for_model(con, "records", model.settings, frequencies)
        pair = linker.inference.score_pairs(db_api.register("__l"), db_api.register("__r"))
        scored = as_arrow(con.sql(f"SELECT * FROM {pair.physical_name}")).to_pylist()[0]
        rules = [rule for rule in spec.deterministic_rules
                 if con.execute(f"SELECT count(*) FROM __l l, __r r WHERE {rule_sql(rule)}").fetchall()[0][0]]
        failed = [label for label, condition in spec.link_conditions.items()
                  if not con.execute(f"SELECT coalesce(({condition}), false) FROM __l l, __r r").fetchall()[0][0]]
        conflicts = [column for column in spec.exclusive_keys
                     if con.execute(f"SELECT count(*) FROM __l l, __r r WHERE l.{column} IS NOT NULL AND "
                                    f"r.{column} IS NOT NULL AND l.{column} <> r.{column}").fetchall()[0][0]]
    finally:
        con.close()
    steps = _steps(model, scored)
    prior = _prior_weight(model)
    weight = float(scored["match_weight"])
    probability = float(scored["match_probability"])
    for rule in rules:
        notes.append(f"deterministic rule {rule_sql(rule)}: linked outright (probability 1.0)")
    for column in conflicts:
        notes.append(f"different {column} values: never put in one cluster (exclusive key)")
    for label in failed:
        notes.append(f"link condition not met ({label}): the model alone never links this pair")
    if conflicts:
        outcome = "kept apart (exclusive key)"
    elif rules:
        outcome = "linked (deterministic rule)"
    elif failed and probability >= limits.review:
        outcome = "review (a link condition is not met)"
    elif probability >= limits.match:
        outcome = f"linked (probability ≥ match threshold {limits.match})"
    elif probability >= limits.review:
        outcome = f"review (between review threshold {limits.review} and match threshold {limits.match})"
    else:
        outcome = f"not linked (probability < review threshold {limits.review})"
    return Explanation(domain, str(left), str(right), int(scored["record_id_l"]), int(scored["record_id_r"]),
                       model.version, prior, steps, weight, probability, outcome, notes)


def _steps(model: StoredModel, scored: dict[str, Any]) -> list[Step]:
    steps = []
    for comparison in model.settings["comparisons"]:
        name = comparison["output_column_name"]
        levels = comparison["comparison_levels"]
        gamma = int(scored[f"gamma_{name}"])
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        if gamma == -1:
            label = next((lv.get("label_for_charts", "missing") for lv in levels if lv.get("is_null_level")), "missing")
        else:
            label = non_null[len(non_null) - 1 - gamma].get("label_for_charts", f"level {gamma}")
        weight = float(scored[f"mw_{name}"])
        tf_weight = float(scored.get(f"mw_tf_adj_{name}") or 0.0)
        columns = _input_columns(levels)
        value_l = ", ".join(str(scored.get(f"{c}_l")) for c in columns) if columns else None
        value_r = ", ".join(str(scored.get(f"{c}_r")) for c in columns) if columns else None
        steps.append(Step(name, label, weight + tf_weight, tf_weight, value_l, value_r))
    return steps


def _input_columns(levels: list[dict[str, Any]]) -> list[str]:
    """The input columns a comparison reads, from its null level (``x_l IS NULL OR …``)."""
    for level in levels:
        if level.get("is_null_level"):
            condition = str(level["sql_condition"])
            return sorted({part.split("_l")[0].strip(' "(') for part in condition.split(" OR ")
                           if part.strip().endswith("IS NULL") and "_l" in part})
    return []


def _prior_weight(model: StoredModel) -> float:
    lam = model.probability_two_random_records_match
    return math.log2(lam / (1 - lam))


def _constraint_notes(conn: sa.Connection, domain: str, left: RecordKey, right: RecordKey) -> list[str]:
    c = tables.constraints
    # Stored in the database's order of (source, source_record_id), which follows its collation,
    # not Python's: look for the pair both ways round.
    a, b = (left.source, left.source_record_id), (right.source, right.source_record_id)
    kinds = conn.execute(sa.select(c.c.kind).where(c.c.domain == domain, sa.or_(*(
        sa.and_(c.c.source_l == x[0], c.c.source_record_id_l == x[1], c.c.source_r == y[0],
                c.c.source_record_id_r == y[1]) for x, y in ((a, b), (b, a)))))).scalars().all()
    return [f"steward {kind.replace('_', '-')} between these records: it overrides the score" for kind in kinds]


