"""Publish benchmark: golden records per second for a first release and a 5 %-change release.

    python bench/publish.py [--golden 1000000] [--runs 3]

Starts a throwaway embedded PostgreSQL and builds, once, a template database with synthetic
population staging rows (SQL ``generate_series``: every person has a police record, some also
civil-affairs, social-security and health records with differing phones and addresses) and two
matching runs: run 1 clusters them by person; run 2 is the same after a second batch gave 5 % of
the persons a changed record, merged a few pairs of persons and split a few.

Each measured run copies the template into a fresh database and times
``publish_release(run 1)`` (the first release: every golden record created) and
``publish_release(run 2)`` (the 5 % release). Beside it, in the same database, the baseline: a
raw psycopg ``COPY`` of the first release's history rows — the golden records, same columns and
types, lineage included — into a bare table without keys or indexes. Reports each run, medians
and the ratio; for context also the raw COPY of every row the first release writes (history,
xref and changes rows).
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
from chutian_mdm.golden import publish_release  # noqa: E402

# Extra records per person: (source, share of persons, source_record_id prefix).
EXTRA_SOURCES = (("civil_affairs", 0.25, "MZ"), ("social_security", 0.15, "SB"), ("health", 0.10, "WJ"))
CHANGED_SHARE = 0.05
MERGES = SPLITS = 200


def build_template(server: EmbeddedPostgres, database: str, persons: int) -> dict[str, int]:
    """Staging rows for ``persons`` persons, run 1 (by person) and run 2 (5 % changed)."""
    engine = sa.create_engine(server.url(database))
    migrate.upgrade(engine)
    engine.dispose()
    with psycopg.connect(server.conninfo(database)) as conn:
        run = conn.execute
        run("SET work_mem = '256MB'")
        for batch_id in (1, 2):
            run("""INSERT INTO staging.batches (batch_id, domain, source, file_name, file_sha256, file_bytes,
                     file_format, rows_in, accepted, quarantined, rows_with_warnings, superseded, headers,
                     ignored_columns, ingested_by, started_at, finished_at)
                   OVERRIDING SYSTEM VALUE
                   VALUES (%s, 'population', 'police', 'bench.csv', %s, 0, 'csv', 0, 0, 0, 0, 0, '{}', '{}',
                           'bench', now(), now())""", (batch_id, f"bench-{batch_id}"))
        # Persons: one police record each, extra records from other departments for some.
        # (No bind parameters in these statements: psycopg then leaves their % operators alone.)
        sources = [f"SELECT 'police' AS source, 'RY' AS prefix, p FROM generate_series(1, {persons}) p"]
        for source, share, prefix in EXTRA_SOURCES:
            sources.append(f"SELECT '{source}', '{prefix}', p FROM generate_series(1, {persons}) p "
                           f"WHERE (hashint4(p # {len(prefix) * 7919}) & 2147483647) % 1000 < {int(share * 1000)}")
        run(f"CREATE TABLE bench_records AS {' UNION ALL '.join(sources)}")
        run(_insert_staging("bench_records", batch_id=1, variant="0"))
        # Batch 2: a changed record (new phone and address) for 5 % of the persons.
        run(f"""CREATE TABLE bench_changed AS SELECT * FROM bench_records
                WHERE source = 'police' AND (hashint4(p) & 2147483647) % 1000 < {int(CHANGED_SHARE * 1000)}""")
        run("""UPDATE staging.population s SET superseded_by_batch_id = 2
               FROM bench_changed c WHERE s.batch_id = 1 AND s.source = c.source
                 AND s.source_record_id = c.prefix || lpad(c.p::text, 10, '0')""")
        run(_insert_staging("bench_changed", batch_id=2, variant="1"))
        run("ANALYZE staging.population")
        # Run 1: clusters by person.
        run("""INSERT INTO mdm.runs (run_id, domain, mode, status, started_by, started_at, finished_at)
               OVERRIDING SYSTEM VALUE VALUES (1, 'population', 'full', 'succeeded', 'bench', now(), now()),
                                              (2, 'population', 'incremental', 'succeeded', 'bench', now(), now())""")
        run("""INSERT INTO mdm.cluster_members (run_id, domain, source, source_record_id, record_id, cluster_key,
                                                match_probability)
               SELECT 1, 'population', source, source_record_id, record_id, (raw->>'p'), 0.99
               FROM staging.population WHERE batch_id = 1""")
        # Run 2: the current records; a few pairs of persons merged, a few persons split.
        run(f"""INSERT INTO mdm.cluster_members (run_id, domain, source, source_record_id, record_id, cluster_key,
                                                 match_probability)
                SELECT 2, 'population', source, source_record_id, record_id,
                       CASE WHEN p <= {2 * MERGES} AND p % 2 = 0 THEN (p - 1)::text
                            WHEN p > {2 * MERGES} AND p <= {2 * MERGES + SPLITS} AND source <> 'police'
                              THEN p::text || '-split'
                            ELSE p::text END,
                       0.99
                FROM (SELECT *, (raw->>'p')::int AS p FROM staging.population
                      WHERE superseded_by_batch_id IS NULL) s""")
        run("ANALYZE")
        counts = {
            "staging_rows": run("SELECT count(*) FROM staging.population").fetchone()[0],  # type: ignore[index]
            "run1_members": run("SELECT count(*) FROM mdm.cluster_members WHERE run_id = 1").fetchone()[0],  # type: ignore[index]
            "changed_records": run("SELECT count(*) FROM bench_changed").fetchone()[0],  # type: ignore[index]
        }
        run("DROP TABLE bench_records, bench_changed")
        conn.commit()
    with psycopg.connect(server.conninfo(database), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")
    return counts


def _insert_staging(records: str, batch_id: int, variant: str) -> str:
    """Synthetic standardised population rows; the person number ``p`` is kept in ``raw``."""
    return f"""
        INSERT INTO staging.population (batch_id, source, source_record_id, row_number, citizen_id, citizen_id_raw,
            citizen_id_birth_date, citizen_id_gender, citizen_id_region, name, name_pinyin, gender, birth_date,
            ethnicity, phone, phone_raw, address, household_division_code, household_division_code_name,
            updated_at, dq_flags, raw)
        SELECT {batch_id}, source, prefix || lpad(p::text, 10, '0'), p,
               id, id, birth, (1 + p % 2)::text, region,
               (ARRAY['张','王','李','刘','陈','杨','黄','赵'])[1 + p % 8]
                 || (ARRAY['伟','芳','娜','敏','静','磊','洋','勇','军','杰'])[1 + (p / 8) % 10]
                 || CASE WHEN p % 3 = 0 THEN '' ELSE (ARRAY['华','明','英','平'])[1 + (p / 80) % 4] END,
               'zhang wei', (1 + p % 2)::text, birth, '01',
               phone, phone,
               CASE WHEN source = 'police' OR p % 2 = 0 THEN '湖北省宜昌市' ELSE '' END
                 || (ARRAY['西陵区','伍家岗区','点军区','夷陵区'])[1 + p % 4] || '夷陵大道' || (p % 997)::text
                 || '号' || CASE WHEN source = 'health' THEN '' ELSE (p % 30)::text || '栋' END
                 || CASE WHEN {variant} = 1 THEN (p % 7)::text || '单元' ELSE '' END,
               region, '湖北省宜昌市',
               timestamptz '2024-01-01' + ((hashint4(p # length(source)) & 2147483647) % 600) * interval '1 day'
                 + {variant} * interval '800 days',
               NULL, jsonb_build_object('p', p)
        FROM (SELECT r.*, (ARRAY['420502','420503','420504','420506'])[1 + p % 4] AS region,
                     '42050' || (2 + p % 4)::text || to_char(birth, 'YYYYMMDD')
                       || lpad((p % 997)::text, 3, '0') || (p % 10)::text AS id,
                     '13' || lpad(((hashint4(p # length(source) # {variant}) & 2147483647) % 1000000000)::text, 9, '0')
                       AS phone
              FROM (SELECT *, date '1940-01-01' + (p::bigint * 7919 % 29000)::int AS birth FROM {records}) r) r"""


def raw_copy_seconds(server: EmbeddedPostgres, database: str, work: Path) -> tuple[float, float]:
    """Baseline: psycopg COPY of release 1's rows into bare tables (same columns and types, no
    keys, no indexes). Returns the seconds for the history rows (the golden records themselves)
    and for everything release 1 wrote (history, xref and changes rows)."""
    seconds: dict[str, float] = {}
    with psycopg.connect(server.conninfo(database)) as conn:
        for table in ("history", "xref", "changes"):
            dump = work / f"{table}.copy"
            source = f"golden.population_{table}"
            with dump.open("wb") as out, conn.cursor().copy(f"COPY {source} TO STDOUT") as copy:
                for block in copy:
                    out.write(block)
            conn.execute(f"CREATE TABLE bare_{table} (LIKE {source})")
            conn.commit()
            started = time.perf_counter()
            with conn.cursor().copy(f"COPY bare_{table} FROM STDIN") as copy, dump.open("rb") as handle:
                while block := handle.read(1 << 20):
                    copy.write(block)
            conn.commit()
            seconds[table] = time.perf_counter() - started
            conn.execute(f"DROP TABLE bare_{table}")
            conn.commit()
            dump.unlink()
    return seconds["history"], sum(seconds.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--golden", type=int, default=1_000_000, help="golden records (persons)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "publish.json")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="chutian-mdm-bench-"))
    server = EmbeddedPostgres(work / "pg", die_with_parent=True)
    try:
        server.start()
        with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench_template")
        started = time.perf_counter()
        counts = build_template(server, "bench_template", args.golden)
        print(f"template: {counts['staging_rows']:,} staging rows, {counts['run1_members']:,} members in run 1, "
              f"{counts['changed_records']:,} changed records in run 2 ({time.perf_counter() - started:.0f} s)")

        first, second, baseline, baseline_all = [], [], [], []
        for number in range(1, args.runs + 1):
            database = f"bench_{number}"
            with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {database} TEMPLATE bench_template")
                conn.execute("CHECKPOINT")
            engine = sa.create_engine(server.url(database))
            r1 = publish_release(engine, "population", 1)
            engine.dispose()
            assert r1.release == 1 and r1.created == r1.golden_records == args.golden, r1
            copy_seconds, copy_all_seconds = raw_copy_seconds(server, database, work)
            engine = sa.create_engine(server.url(database))
            r2 = publish_release(engine, "population", 2)
            engine.dispose()
            assert r2.release == 2, r2
            first.append(r1.seconds)
            second.append(r2.seconds)
            baseline.append(copy_seconds)
            baseline_all.append(copy_all_seconds)
            print(f"run {number}: first release {r1.seconds:.1f} s = {r1.golden_records / r1.seconds:,.0f} rows/s; "
                  f"5 % release {r2.seconds:.1f} s ({r2.created:,} created, {r2.updated:,} updated, "
                  f"{r2.merged:,} merged, {r2.split:,} split); raw COPY {copy_seconds:.1f} s = "
                  f"{args.golden / copy_seconds:,.0f} rows/s (of all rows release 1 wrote: {copy_all_seconds:.1f} s)")
            with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
                conn.execute(f"DROP DATABASE {database}")
        median_first, median_second, median_copy, median_all = (
            statistics.median(v) for v in (first, second, baseline, baseline_all))
        summary = {
            "golden_records": args.golden,
            "staging_rows": counts["staging_rows"],
            "first_release_seconds": [round(s, 2) for s in first],
            "change_release_seconds": [round(s, 2) for s in second],
            "raw_copy_seconds": [round(s, 2) for s in baseline],
            "first_release_median_seconds": round(median_first, 2),
            "first_release_rows_per_second": round(args.golden / median_first),
            "change_release_median_seconds": round(median_second, 2),
            "raw_copy_median_seconds": round(median_copy, 2),
            "raw_copy_rows_per_second": round(args.golden / median_copy),
            "first_release_rate_vs_raw_copy": round(median_copy / median_first, 2),
            "raw_copy_all_rows_seconds": [round(s, 2) for s in baseline_all],
            "raw_copy_all_rows_median_seconds": round(median_all, 2),
            "first_release_vs_raw_copy_of_all_its_rows": round(median_all / median_first, 2),
            "change_release_vs_first_release": round(median_second / median_first, 2),
        }
        print(f"median first release: {summary['first_release_rows_per_second']:,} rows/s ({median_first:.1f} s) = "
              f"{summary['first_release_rate_vs_raw_copy']:.0%} of the raw COPY rate "
              f"({summary['raw_copy_rows_per_second']:,} rows/s); median 5 % release: {median_second:.1f} s "
              f"({summary['change_release_vs_first_release']:.0%} of the first). A raw COPY of every row release 1 "
              f"writes (history, xref, changes) takes {median_all:.1f} s = "
              f"{summary['first_release_vs_raw_copy_of_all_its_rows']:.0%} of the publish time")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2))
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
