"""Ingest benchmark: end-to-end rows/s for population files (read + validate + standardise + load).

    python bench/ingest.py [--rows 1000000] [--runs 3]

Generates a police-format CSV with the samples' kinds of dirt, starts a throwaway embedded
PostgreSQL, and ingests the file ``--runs`` times, each into a fresh migrated database. Beside it,
in the same session, a baseline: the same file COPY-ed raw (all text, no validation) into a bare
table with psycopg. Reports each run, the median, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chutian_mdm.db import migrate  # noqa: E402
from chutian_mdm.db.embedded import EmbeddedPostgres  # noqa: E402
from chutian_mdm.ingest import ingest_file  # noqa: E402
from chutian_mdm.synth.population import write_police_csv  # noqa: E402


def raw_copy_seconds(server: EmbeddedPostgres, database: str, path: Path) -> float:
    """Baseline: psycopg COPY of the file's bytes into an all-text table, nothing else."""
    with psycopg.connect(server.conninfo(database)) as conn:
        header = path.open(encoding="utf-8-sig").readline().rstrip("\n").split(",")
        columns = ", ".join(f"c{i} text" for i in range(len(header)))
        conn.execute(f"CREATE TABLE raw_copy ({columns})")
        started = time.perf_counter()
        with conn.cursor().copy("COPY raw_copy FROM STDIN (FORMAT csv, HEADER true)") as copy, \
                path.open("rb") as handle:
            while block := handle.read(1 << 20):
                copy.write(block)
        conn.commit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "ingest.json")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="chutian-mdm-bench-"))
    server = EmbeddedPostgres(work / "pg", die_with_parent=True)
    try:
        csv_path = work / "police.csv"
        started = time.perf_counter()
        write_police_csv(csv_path, args.rows, args.seed)
        print(f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - started:.1f} s")
        server.start()
        with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench_template")
        template_engine = sa.create_engine(server.url("bench_template"))
        migrate.upgrade(template_engine)
        template_engine.dispose()

        runs, baselines = [], []
        for run in range(1, args.runs + 1):
            database = f"bench_{run}"
            with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {database} TEMPLATE bench_template")
            baselines.append(raw_copy_seconds(server, database, csv_path))
            engine = sa.create_engine(server.url(database))
            started = time.perf_counter()
            result = ingest_file(engine, "population", csv_path, "police")
            seconds = time.perf_counter() - started
            engine.dispose()
            assert result.rows_in == args.rows == result.accepted + result.quarantined
            runs.append(seconds)
            print(f"run {run}: {seconds:.1f} s = {args.rows / seconds:,.0f} rows/s "
                  f"(accepted {result.accepted:,}, quarantined {result.quarantined:,}, "
                  f"with warnings {result.rows_with_warnings:,}); "
                  f"raw COPY baseline {baselines[-1]:.1f} s = {args.rows / baselines[-1]:,.0f} rows/s")
        median = statistics.median(runs)
        baseline = statistics.median(baselines)
        summary = {
            "rows": args.rows,
            "runs_seconds": [round(s, 2) for s in runs],
            "median_seconds": round(median, 2),
            "median_rows_per_second": round(args.rows / median),
            "raw_copy_median_seconds": round(baseline, 2),
            "raw_copy_rows_per_second": round(args.rows / baseline),
            "ingest_time_vs_raw_copy": round(median / baseline, 2),
        }
        print(f"median ingest: {summary['median_rows_per_second']:,} rows/s "
              f"({median:.1f} s; {summary['ingest_time_vs_raw_copy']}× the raw COPY time)")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2))
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
