"""The model store: train a domain's Splink model and keep it, versioned, in ``mdm.models``.

A model is Splink's serialised settings (comparisons with their trained m and u probabilities,
λ, blocking rules) plus the term-frequency tables of the declared columns, frozen at training
time in ``mdm.model_term_frequencies``: every run of the same model scores a pair the same way.
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import time
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import sqlalchemy as sa
from splink import DuckDBAPI, Linker
from splink.internals.exceptions import EMTrainingException, SplinkException

from ..db import tables
from ..errors import MdmError
from ..log import event
from .linker import QUIET, as_arrow, untrained_settings
from .records import copy_in, copy_out, current_records, duckdb_connection, load_into_duckdb
from .spec import MatchSpec, match_spec

MIN_TRAINING_RECORDS = 10


class NotEnoughDataError(MdmError):
    """Too few current records to estimate a model."""


@dataclass(frozen=True)
class StoredModel:
    model_id: int
    domain: str
    version: int
    trained_at: dt.datetime
    record_count: int
    training_seconds: float
    settings: dict[str, Any]

    @property
    def probability_two_random_records_match(self) -> float:
        return float(self.settings["probability_two_random_records_match"])


def _from_row(row: Any) -> StoredModel:
    return StoredModel(row.model_id, row.domain, row.version, row.trained_at, row.record_count,
                       row.training_seconds, row.settings)


def latest_model(engine: sa.Engine, domain: str) -> StoredModel | None:
    """The newest model of ``domain``, or None if none was trained yet."""
    m = tables.models
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(m).where(m.c.domain == domain).order_by(m.c.version.desc()).limit(1)
        ).first()
    return _from_row(row) if row is not None else None


def load_term_frequencies(conn: sa.Connection, model: StoredModel) -> dict[str, pa.Table]:
    """The model's frozen term-frequency tables, as Splink wants them: ``<col>``, ``tf_<col>``."""
    out: dict[str, pa.Table] = {}
    for column in _tf_columns(model.settings):
        table = copy_out(
            conn,
            "SELECT value, frequency FROM mdm.model_term_frequencies "
            f"WHERE model_id = {int(model.model_id)} AND column_name = %s",
            {"value": pa.string(), "frequency": pa.float64()},
            (column,),
        )
        out[column] = table
    return as_splink_frequencies(out)


def _tf_columns(settings: dict[str, Any]) -> list[str]:
    columns: list[str] = []
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            column = level.get("tf_adjustment_column")
            if column and column not in columns:
                columns.append(column)
    return columns


def estimate_model(con: duckdb.DuckDBPyConnection, spec: MatchSpec, table: str = "records"
                   ) -> tuple[dict[str, Any], dict[str, pa.Table]]:
    """Estimate a model on DuckDB table ``table`` (records with the derived columns): λ from the
    declared deterministic rules and recall, u by random sampling, m by EM in one session per
    declared blocking rule. Returns Splink's settings and the term-frequency tables."""
    linker = Linker(DuckDBAPI(connection=con).register(table), untrained_settings(spec), **QUIET)
    training = spec.training
    # Splink warns about levels a training session cannot observe; their declared priors stand.
    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    splink_logger.setLevel(logging.ERROR)
    try:
        try:
            linker.training.estimate_probability_two_random_records_match(
                list(training.deterministic_rules), recall=training.recall
            )
        except SplinkException as exc:  # no pair meets the rules: keep the declared prior λ
            event(logging.WARNING, "training_step_skipped",
                  f"training: λ not estimated ({_first_line(exc)}); the declared prior stands")
        settings_obj = linker._settings_obj  # Splink 5 keeps λ there; no public setter
        if not 0.0 < settings_obj._probability_two_random_records_match < 1.0:
            # No pair met the deterministic rules (an extract without duplicates): assume about one
            # duplicate per record rather than none, so that later data can still link.
            records = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
            settings_obj._probability_two_random_records_match = min(0.5, 2.0 / max(records - 1, 1))
            event(logging.WARNING, "training_step_skipped",
                  "training: no record pair met the deterministic rules; λ set to 2/(n-1) = "
                  f"{settings_obj._probability_two_random_records_match:.3g} until data with duplicates is trained on")
        linker.training.estimate_u_using_random_sampling(max_pairs=training.max_pairs_for_u, seed=1)
        for rule in training.em_blocking_rules:
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(rule)
            except EMTrainingException as exc:
                # Typical of a first extract without duplicates: the declared m priors stand
                # until `chutian-mdm train` runs on data that has some.
                event(logging.WARNING, "training_step_skipped",
                      f"training: an EM session found no record pairs ({_first_line(exc)}); "
                      "the declared m probabilities stand for its comparisons")
    finally:
        splink_logger.setLevel(level)
    settings = linker.misc.save_model_to_json()
    frequencies = {
        column: as_arrow(con.sql(
            f"SELECT {column} AS value, tf_{column} AS frequency "
            f"FROM {linker.table_management.compute_tf_table(column).physical_name}"
        ))
        for column in _tf_columns(settings)
    }
    return settings, frequencies


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def as_splink_frequencies(frequencies: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """(value, frequency) tables renamed the way Splink's lookups want them: ``col``, ``tf_col``."""
    return {c: t.rename_columns([c, f"tf_{c}"]) for c, t in frequencies.items()}


def train_model(engine: sa.Engine, domain: str, records: pa.Table | None = None) -> StoredModel:
    """Estimate ``domain``'s model on its current records (:func:`estimate_model`) and store it
    as the next version."""
    spec = match_spec(domain)
    started = time.perf_counter()
    if records is None:
        with engine.connect() as conn:
            records = current_records(conn, domain, spec)
    if records.num_rows < MIN_TRAINING_RECORDS:
        raise NotEnoughDataError(
            f"{domain}: {records.num_rows} current record(s); at least {MIN_TRAINING_RECORDS} are "
            "needed to train a matching model (ingest some data first)"
        )
    con = duckdb_connection()
    try:
        load_into_duckdb(con, "records", records, spec)
        settings, frequencies = estimate_model(con, spec)
    finally:
        con.close()
    seconds = time.perf_counter() - started
    m = tables.models
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                     {"key": f"chutian-mdm:train:{domain}"})
        version = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(m.c.version), 0) + 1).where(m.c.domain == domain)
        ).scalar_one()
        row = conn.execute(
            sa.insert(m).values(
                domain=domain, version=version, trained_at=dt.datetime.now(dt.UTC),
                trained_by=_os_user(), record_count=records.num_rows,
                training_seconds=round(seconds, 3), settings=settings,
            ).returning(*m.c)
        ).one()
        for column, table in frequencies.items():
            rows = table.append_column("model_id", pa.array([row.model_id] * table.num_rows, pa.int32()))
            rows = rows.append_column("column_name", pa.array([column] * table.num_rows, pa.string()))
            copy_in(conn, "mdm.model_term_frequencies", ["model_id", "column_name", "value", "frequency"], rows)
    return _from_row(row)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
