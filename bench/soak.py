"""Soak test: scheduled cycles with new files and concurrent readers.

    python bench/soak.py [--cycles 20] [--rows 2000] [--readers 2]

Starts a throwaway embedded PostgreSQL and runs ``chutian-mdm run --inbox DIR --json`` as a
subprocess ``--cycles`` times, as cron would. Before each cycle new police extracts are dropped
into the inbox (new persons, updates of earlier records, the samples' kinds of dirt); every few
cycles a file is delivered again (must be recognised) and an unreadable file arrives (must go to
``failed/``). Meanwhile reader threads query ``golden.population`` and ``open.population``
without pause. At the end it checks that every input row is accounted for (staged or
quarantined, batch by batch and in total), every file is in ``processed/`` or ``failed/``, and
every read saw one whole release; it prints a report and writes bench/out/soak.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chutian_mdm.db import migrate  # noqa: E402
from chutian_mdm.db.embedded import EmbeddedPostgres  # noqa: E402
from chutian_mdm.synth.bulk import generate_rows, police_headers  # noqa: E402

READ = """
    SELECT (SELECT max(release) FROM golden.releases WHERE domain = 'population'),
           (SELECT golden_records FROM golden.releases WHERE domain = 'population' ORDER BY release DESC LIMIT 1),
           (SELECT count(*) FROM golden.population),
           (SELECT count(*) FROM open.population),
           (SELECT count(DISTINCT golden_id) FROM golden.population_xref WHERE valid_to_release IS NULL)"""


def write_extract(path: Path, cycle: int, rows: int, earlier_ids: list[str], rng: random.Random) -> int:
    """A police extract: new persons, and about 10 % updates of records delivered earlier."""
    headers = police_headers()
    records = list(generate_rows(rows, seed=1000 + cycle))
    for record in records:
        if earlier_ids and rng.random() < 0.10:
            record["人员编号"] = rng.choice(earlier_ids)  # an update of an earlier record
        else:
            record["人员编号"] = f"C{cycle:02d}-{record['人员编号']}"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(records)
    earlier_ids.extend(r["人员编号"] for r in records[: rows // 5])
    return len(records)


def reader(conninfo: str, stop: threading.Event, reads: list[tuple], mixed: list[tuple]) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while not stop.is_set():
            row = conn.execute(READ).fetchone()
            assert row is not None
            reads.append(row)
            release, expected, golden, open_rows, xref = row
            if release is not None and not (golden == open_rows == xref == expected):
                mixed.append(row)
            time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--rows", type=int, default=2000, help="rows per new extract")
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "soak.json")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="chutian-mdm-soak-"))
    server = EmbeddedPostgres(work / "pg", die_with_parent=True)
    inbox = work / "inbox"
    inbox.mkdir()
    rng = random.Random(7)
    try:
        url = server.start()
        engine = sa.create_engine(url)
        migrate.upgrade(engine)
        conninfo = server.conninfo("chutian_mdm")
        stop = threading.Event()
        reads: list[tuple] = []
        mixed: list[tuple] = []
        threads = [threading.Thread(target=reader, args=(conninfo, stop, reads, mixed), daemon=True)
                   for _ in range(args.readers)]
        for thread in threads:
            thread.start()

        earlier_ids: list[str] = []
        dropped_rows = dropped_files = expected_failed = expected_duplicates = 0
        cycles = []
        for cycle in range(1, args.cycles + 1):
            name = f"population__police__cycle{cycle:02d}.csv"
            dropped_rows += write_extract(inbox / name, cycle, args.rows, earlier_ids, rng)
            dropped_files += 1
            if cycle % 5 == 0:  # the same extract delivered twice
                shutil.copy(work / "inbox" / "processed" / f"population__police__cycle{cycle - 1:02d}.csv",
                            inbox / f"population__police__cycle{cycle - 1:02d}_again.csv")
                dropped_files += 1
                expected_duplicates += 1
            if cycle % 7 == 0:  # a file nobody can read
                (inbox / f"population__police__broken{cycle}.csv").write_bytes(b"\x00\x01" * 500)
                dropped_files += 1
                expected_failed += 1
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "chutian_mdm", "--database-url", url, "run", "--inbox", str(inbox),
                 "--json", "--quiet"], capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - started
            if result.returncode not in (0, 3, 4):
                raise SystemExit(f"cycle {cycle} failed ({result.returncode}): {result.stderr}")
            summary = json.loads(result.stdout)
            run = next((r for r in summary["runs"] if r["domain"] == "population"), None)
            release = (run or {}).get("release") or {}
            cycles.append({"cycle": cycle, "seconds": round(seconds, 2), "exit_code": result.returncode,
                           "ingested": len(summary["inbox"]["ingested"]),
                           "duplicates": len(summary["inbox"]["duplicates"]),
                           "failed": len(summary["inbox"]["failed"]),
                           "release": release.get("release"), "golden_records": release.get("golden_records")})
            print(f"cycle {cycle:2d}: {seconds:5.1f} s, exit {result.returncode}, release {release.get('release')}, "
                  f"{release.get('golden_records')} golden records, {len(reads)} reads so far", flush=True)
        stop.set()
        for thread in threads:
            thread.join(10)

        with engine.connect() as conn:
            batches = conn.execute(sa.text(
                "SELECT count(*), sum(rows_in), sum(accepted), sum(quarantined),"
                " bool_and(rows_in = accepted + quarantined) FROM staging.batches")).one()
            staged = conn.execute(sa.text("SELECT count(*) FROM staging.population")).scalar_one()
            quarantined = conn.execute(sa.text("SELECT count(*) FROM staging.quarantine")).scalar_one()
            releases = conn.execute(sa.text(
                "SELECT count(*) FROM golden.releases WHERE domain = 'population'")).scalar_one()
        processed = len(list((inbox / "processed").iterdir()))
        failed = len([p for p in (inbox / "failed").iterdir() if not p.name.endswith(".reason.txt")]) \
            if (inbox / "failed").exists() else 0
        accounted = (batches[1] == dropped_rows and batches[2] + batches[3] == batches[1]
                     and staged == batches[2] and quarantined == batches[3] and bool(batches[4]))
        report = {
            "cycles": args.cycles, "rows_per_extract": args.rows, "readers": args.readers,
            "files_dropped": dropped_files, "files_processed": processed, "files_failed": failed,
            "duplicates_recognised": sum(c["duplicates"] for c in cycles), "duplicates_dropped": expected_duplicates,
            "rows_dropped": dropped_rows, "rows_in": batches[1], "accepted": batches[2],
            "quarantined": batches[3], "staged_rows": staged, "quarantine_rows": quarantined,
            "every_row_accounted_for": accounted,
            "every_file_accounted_for": processed + failed == dropped_files and failed == expected_failed,
            "releases": releases, "reads": len(reads), "mixed_reads": len(mixed),
            "every_read_saw_a_whole_release": not mixed and len(reads) > 0,
            "cycle_seconds_median": statistics.median(c["seconds"] for c in cycles),
            "cycle_seconds_max": max(c["seconds"] for c in cycles),
            "cycles_detail": cycles,
        }
        print(json.dumps({k: v for k, v in report.items() if k != "cycles_detail"}, indent=2, ensure_ascii=False))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
        if not (report["every_row_accounted_for"] and report["every_file_accounted_for"]
                and report["every_read_saw_a_whole_release"]):
            raise SystemExit("soak FAILED: see the report above")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
