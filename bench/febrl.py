"""FEBRL4 through the product's engine: a matching declaration (what a domain module would
declare) and the engine's own steps — estimate, score, constrained clustering."""

from __future__ import annotations

import time
from typing import Any

import duckdb
import pyarrow as pa
from shared import febrl4, quiet_splink  # type: ignore[import-not-found]

from chutian_mdm.match.levels import comparison, else_level, level, null
from chutian_mdm.match.members import cluster_records
from chutian_mdm.match.model import as_splink_frequencies, estimate_model
from chutian_mdm.match.records import load_into_duckdb
from chutian_mdm.match.score import score_pairs
from chutian_mdm.match.spec import MatchSpec, Thresholds, Training

THRESHOLDS = Thresholds(match=0.95, review=0.5)


def _comparisons() -> list[Any]:
    def text(column: str, tf: bool = False, swapped_with: str | None = None) -> Any:
        swapped = [level(f"jaro_winkler_similarity({column}_l, {swapped_with}_r) >= 0.9 AND "
                         f"jaro_winkler_similarity({swapped_with}_l, {column}_r) >= 0.9",
                         f"swapped with {swapped_with}", 0.02)] if swapped_with else []
        return comparison(column, [
            null(column),
            level(f"{column}_l = {column}_r", "exact", 0.85, **({"tf_adjustment_column": column} if tf else {})),
            *swapped,
            level(f"damerau_levenshtein({column}_l, {column}_r) <= 1", "1 edit", 0.06),
            level(f"jaro_winkler_similarity({column}_l, {column}_r) >= 0.9", "JW ≥ 0.9", 0.04),
            level(f"jaro_winkler_similarity({column}_l, {column}_r) >= 0.8", "JW ≥ 0.8", 0.02),
            else_level(0.03),
        ])

    def code(column: str, edits: int, tf: bool = False) -> Any:
        return comparison(column, [
            null(column),
            level(f"{column}_l = {column}_r", "exact", 0.85, **({"tf_adjustment_column": column} if tf else {})),
            *[level(f"damerau_levenshtein({column}_l, {column}_r) <= {k}", f"{k} edits", 0.05)
              for k in range(1, edits + 1)],
            else_level(0.05),
        ])

    return [
        text("given_name", tf=True, swapped_with="surname"),
        text("surname", tf=True, swapped_with="given_name"),
        code("date_of_birth", 2),
        code("soc_sec_id", 2),
        code("street_number", 1, tf=True),
        code("postcode", 1, tf=True),
        text("address_1"),
        text("suburb", tf=True),
        code("state", 0),
    ]


def febrl_spec() -> MatchSpec:
    from splink import block_on

    return MatchSpec(
        reads=("given_name", "surname", "street_number", "address_1", "suburb", "postcode", "state",
               "date_of_birth", "soc_sec_id"),
        comparisons=_comparisons,
        blocking_rules=(block_on("given_name", "surname"), block_on("surname", "date_of_birth"),
                        block_on("given_name", "date_of_birth"), block_on("soc_sec_id"),
                        block_on("postcode", "street_number"), block_on("suburb", "date_of_birth"),
                        block_on("suburb", "postcode"), block_on("address_1", "suburb"),
                        block_on("surname", "street_number")),
        deterministic_rules=(),
        training=Training(
            deterministic_rules=(block_on("given_name", "surname", "date_of_birth"),), recall=0.6,
            em_blocking_rules=(block_on("given_name", "surname"), block_on("date_of_birth")),
        ),
    )


def product_febrl4(timings: dict[str, float]) -> pa.Table:
    """Run FEBRL4 through the engine; returns (record_id, cluster)."""
    quiet_splink()
    spec = febrl_spec()
    data = febrl4()
    con = duckdb.connect()
    started = time.perf_counter()
    load_into_duckdb(con, "records", data.select(["record_id", "source", "source_record_id", *spec.reads]), spec)
    settings, frequencies = estimate_model(con, spec)
    timings["train"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    scored = score_pairs(con, spec, settings, as_splink_frequencies(frequencies), floor=THRESHOLDS.review)
    timings["predict"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    con.register("__edges", scored.edges)
    no_constraints = pa.table({c: pa.array([], pa.string()) for c in
                               ("kind", "source_l", "source_record_id_l", "source_r", "source_record_id_r")})
    outcome = cluster_records(con, spec, THRESHOLDS, no_constraints, 0, "febrl4")
    timings["cluster"] = round(time.perf_counter() - started, 3)
    return outcome.members.select(["record_id", "cluster_key"]).rename_columns(["record_id", "cluster"])
