"""Speed benchmark: match + cluster of 1,000,000 population records, and an incremental run.

    python bench/scale.py [--rows 1000000] [--increment 10000] [--runs 3]

Generates police-style rows (chutian_mdm.synth.bulk: the samples' dirt, ≈6 % duplicates,
twins), ingests ``--rows`` of them into a throwaway PostgreSQL and trains the model (both
reported, not part of the target). Then, each step in a fresh process so that its peak memory
is its own:
  * product: ``run_domain(full=True, publish=False)`` — read from PostgreSQL, score, cluster,
    write edges, cluster members and the review queue back — ``--runs`` times, with the time
    per stage (publishing golden records is the next stage, measured by bench/publish.py);
  * plain Splink: the same records (exported once to Parquet) through a plain Splink 5 script:
    read, predict, cluster_pairwise_predictions_at_threshold — ``--runs`` times;
  * the last full run published (the master's first release, reported, not part of the target);
  * incremental: ``--increment`` further rows ingested as a new batch, then ``run_domain()``
    as ``chutian-mdm run`` does it: matching, then publishing (reported separately).
Reports medians, the ratio to plain Splink, and writes bench/out/scale.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from shared import ROOT, peak_rss_mb, throwaway_database  # type: ignore[import-not-found]


def _split_csv(source: Path, first: Path, rest: Path, rows: int) -> None:
    with source.open("rb") as handle, first.open("wb") as a, rest.open("wb") as b:
        header = handle.readline()
        a.write(header)
        b.write(header)
        for i, line in enumerate(handle):
            (a if i < rows else b).write(line)


def _product_run(url: str, full: bool, publish: bool, queue: Any) -> None:
    import sqlalchemy as sa

    from chutian_mdm.pipeline import run_domain

    engine = sa.create_engine(url)
    started = time.perf_counter()
    result = run_domain(engine, "population", full=full, publish=publish)
    seconds = time.perf_counter() - started
    stages = dict(result.stats.get("seconds", {}))
    publish_seconds = result.release.seconds if result.release is not None else 0.0
    queue.put({"seconds": round(seconds, 2), "match_seconds": round(seconds - publish_seconds, 2),
               "publish_seconds": round(publish_seconds, 2), "stages": stages, "peak_rss_mb": round(peak_rss_mb()),
               "records": result.records, "compared_records": result.compared_records,
               "candidate_pairs": result.candidate_pairs, "matches": result.matches, "clusters": result.clusters,
               "mode": result.mode})


def _plain_train(parquet: Path, model_path: Path, queue: Any) -> None:
    """Train the plain script's model once (not timed); its predict/cluster runs load it."""
    import duckdb
    from shared import plain_population_linker  # type: ignore[import-not-found]

    con = duckdb.connect()
    con.execute(f"CREATE TABLE records AS SELECT * FROM read_parquet('{parquet}')").complete()
    linker = plain_population_linker(con, "records")
    model_path.write_text(json.dumps(linker.misc.save_model_to_json()))
    queue.put({"trained": True})


def _plain_run(parquet: Path, model_path: Path, threshold: float, queue: Any) -> None:
    import duckdb
    from shared import plain_population_input, predict_and_cluster, quiet_splink  # type: ignore[import-not-found]
    from splink import DuckDBAPI, Linker

    quiet_splink()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"CREATE TABLE records AS SELECT * FROM read_parquet('{parquet}')").complete()
    plain_population_input(con, "records")
    timings["read"] = round(time.perf_counter() - started, 3)
    linker = Linker(DuckDBAPI(connection=con).register("plain_input"), json.loads(model_path.read_text()),
                    log_level=None)
    clusters = predict_and_cluster(linker, con, (threshold,), timings)[threshold]
    queue.put({"seconds": round(time.perf_counter() - started, 2), "stages": timings,
               "peak_rss_mb": round(peak_rss_mb()), "records": clusters.num_rows})


def _in_child(target: Any, *args: Any) -> dict[str, Any]:
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    if process.exitcode != 0:
        raise SystemExit(f"{target.__name__} failed with exit code {process.exitcode}")
    return dict(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--increment", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "scale.json")
    args = parser.parse_args()

    import pyarrow.parquet as pq
    import sqlalchemy as sa

    from chutian_mdm.ingest import ingest_file
    from chutian_mdm.match import train_model
    from chutian_mdm.match.records import current_records
    from chutian_mdm.match.spec import match_spec
    from chutian_mdm.synth.population import write_police_csv

    work = Path(tempfile.mkdtemp(prefix="chutian-mdm-scale-"))
    summary: dict[str, Any] = {"rows": args.rows, "increment": args.increment}
    try:
        started = time.perf_counter()
        everything = write_police_csv(work / "all.csv", args.rows + args.increment, args.seed)
        master, increment = work / "master.csv", work / "increment.csv"
        _split_csv(everything, master, increment, args.rows)
        print(f"generated {args.rows + args.increment:,} rows in {time.perf_counter() - started:.0f} s")
        with throwaway_database(work) as (server, engine):
            url = server.url("bench")
            started = time.perf_counter()
            batch = ingest_file(engine, "population", master, "police")
            summary["ingest_seconds"] = round(time.perf_counter() - started, 1)
            print(f"ingested {batch.accepted:,} records in {summary['ingest_seconds']} s")
            started = time.perf_counter()
            model = train_model(engine, "population")
            summary["train_seconds"] = round(time.perf_counter() - started, 1)
            print(f"trained model v{model.version} in {summary['train_seconds']} s")
            parquet = work / "records.parquet"
            with engine.connect() as conn:
                pq.write_table(current_records(conn, "population", match_spec("population")), parquet)

            product = []
            for run in range(args.runs):
                product.append(_in_child(_product_run, url, True, False))
                print(f"product run {run + 1}: {product[-1]}")
            _in_child(_plain_train, parquet, work / "plain_model.json")
            plain = []
            for run in range(args.runs):
                plain.append(_in_child(_plain_run, parquet, work / "plain_model.json", 0.95))
                print(f"plain Splink run {run + 1}: {plain[-1]}")
            first_release = _in_child(_product_run, url, False, True)  # publishes the last full run
            print(f"first release of the master: {first_release}")
            ingest_file(engine, "population", increment, "police")
            incremental = _in_child(_product_run, url, False, True)
            print(f"incremental run: {incremental}")
            engine.dispose()
            sa.create_engine(url).dispose()
        product_median = statistics.median(r["seconds"] for r in product)
        plain_median = statistics.median(r["seconds"] for r in plain)
        summary.update({
            "product_runs": product, "plain_splink_runs": plain, "first_release": first_release,
            "incremental": incremental,
            "product_median_seconds": product_median, "plain_splink_median_seconds": plain_median,
            "product_vs_plain": round(product_median / plain_median, 2),
            "product_peak_rss_mb": max(r["peak_rss_mb"] for r in product),
            "plain_splink_peak_rss_mb": max(r["peak_rss_mb"] for r in plain),
        })
        print(f"\nmatch + cluster of {product[0]['records']:,} records: product median {product_median:.1f} s "
              f"(peak {summary['product_peak_rss_mb']} MB), plain Splink median {plain_median:.1f} s "
              f"(peak {summary['plain_splink_peak_rss_mb']} MB): {summary['product_vs_plain']}× plain Splink; "
              f"incremental {args.increment:,} new vs the master: {incremental['match_seconds']} s matching, "
              f"{incremental['publish_seconds']} s publishing")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
