"""Accuracy of legal-entity and place matching at scale (called by bench/accuracy.py).

Both generate their department files with chutian_mdm/synth (the samples' generators, sized up),
run the product end to end on a throwaway PostgreSQL (``ingest`` of each file, then ``run``,
which trains the model first) and score the clusters against the true entities, with the hard
negatives of each domain counted apart:

- 法人: branches (…有限公司宜昌分公司) beside their parent; the same trade name in different
  cities (武汉安瑞物流 / 宜昌安瑞物流); and different companies with the same name key in the
  same city (武汉骏旺物流有限公司 / 骏旺（武汉）物流有限公司), which only their USCCs tell apart;
- 空间地理: places behind the same door (the door itself, its buildings, the flats in a
  building share the building's coordinates).
"""

from __future__ import annotations

import random
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from shared import accuracy, as_arrow, ingest_and_run, throwaway_database, truth_of  # type: ignore[import-not-found]

from chutian_mdm.standardize.orgs import org_name
from chutian_mdm.synth.geospatial import generate_geospatial
from chutian_mdm.synth.legal_entity import generate_legal_entities
from chutian_mdm.synth.output import SourceFile, write_source_file
from chutian_mdm.synth.population import generate_population


def legal_entity_benchmark(count: int, seed: int, work: Path, without_uscc: float = 0.0) -> dict[str, Any]:
    """``without_uscc``: the share of market-regulation and statistics records whose USCC is
    blanked out on top of the generated dirt, so that the model, not the USCC, must find them."""
    started = time.perf_counter()
    people, _ = generate_population(seed, max(1000, count // 3))  # the legal representatives
    companies, files = generate_legal_entities(seed, people, count, shared_trade_names=max(8, count // 40),
                                               public_bodies=min(100, max(30, count // 50)))
    if without_uscc:
        blank = random.Random(f"without_uscc/{seed}")
        for file in files:
            if file.source != "tax":
                for row in file.rows:
                    if blank.random() < without_uscc:
                        row["uscc"] = None
    by_id = {c.entity_id: c for c in companies}
    keys = {c.entity_id: org_name(c.name).derived["normalized"] for c in companies}
    pairs: dict[str, list[tuple[str, str]]] = {"branch_and_parent": [], "same_name_other_city": [],
                                               "same_name_same_city": []}
    for c in companies:
        if c.parent:
            pairs["branch_and_parent"].append((c.entity_id, c.parent))
    by_key: dict[str, list[str]] = {}
    for entity, key in keys.items():
        by_key.setdefault(key, []).append(entity)
    for group in by_key.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                same_city = by_id[a].district.city.code == by_id[b].district.city.code
                pairs["same_name_same_city" if same_city else "same_name_other_city"].append((a, b))
    print(f"legal_entity: generated {len(companies):,} entities ({len(pairs['branch_and_parent'])} branches), "
          f"{sum(len(f.rows) for f in files):,} records in {len(files)} files "
          f"({time.perf_counter() - started:.1f} s)")
    return _run_and_score("legal_entity", files, work, pairs)


def geospatial_benchmark(count: int, seed: int, work: Path) -> dict[str, Any]:
    started = time.perf_counter()
    places, files = generate_geospatial(seed, count=count)
    doors: dict[str, list[str]] = {}
    for place in places:
        door = replace(place.address, building=None, unit=None, room=None).standard()
        doors.setdefault(door, []).append(place.entity_id)
    pairs = {"same_door": [(a, b) for group in doors.values() for i, a in enumerate(group) for b in group[i + 1:]]}
    print(f"geospatial: generated {len(places):,} places ({len(pairs['same_door'])} pairs behind one door), "
          f"{sum(len(f.rows) for f in files):,} records ({time.perf_counter() - started:.1f} s)")
    return _run_and_score("geospatial", files, work, pairs)


def _run_and_score(domain: str, files: list[SourceFile], work: Path,
                   hard_pairs: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
    paths = [(write_source_file(f, work / domain), f.source) for f in files]
    truth = truth_of(files)
    out: dict[str, Any] = {"entities": len(set(truth.column("entity").to_pylist())),
                           "records_generated": truth.num_rows}
    with throwaway_database(work / f"{domain}-db") as (_, engine):
        members = ingest_and_run(engine, domain, paths, out)
    con = duckdb.connect()
    con.register("truth", truth)
    con.register("members", members)
    product = as_arrow(con.sql(
        "SELECT m.cluster, t.entity FROM members m JOIN truth t USING (source, source_record_id)"))
    out["product"] = accuracy(product)
    con.register("product", product)
    merged: dict[str, dict[str, int]] = {}
    for kind, found in hard_pairs.items():
        con.register("hard", pa.table({"a": [a for a, _ in found], "b": [b for _, b in found]}))
        together = con.execute("""
            SELECT count(*) FROM hard h WHERE EXISTS (
              SELECT 1 FROM product x JOIN product y USING (cluster) WHERE x.entity = h.a AND y.entity = h.b)
        """).fetchall()[0][0]
        merged[kind] = {"pairs": len(found), "merged": int(together)}
    out["hard_negatives_merged"] = merged
    out["mixed_examples"] = [list(map(str, r)) for r in con.execute("""
        WITH mixed AS (SELECT cluster FROM product GROUP BY 1 HAVING count(DISTINCT entity) > 1 LIMIT 5)
        SELECT m.cluster, t.entity, m.source, m.source_record_id FROM members m
        JOIN truth t USING (source, source_record_id) WHERE m.cluster IN (SELECT cluster FROM mixed)
        ORDER BY 1, 2""").fetchall()]
    out["split_examples"] = [list(map(str, r)) for r in con.execute("""
        WITH split AS (SELECT entity FROM product GROUP BY 1 HAVING count(DISTINCT cluster) > 1 LIMIT 8)
        SELECT t.entity, m.cluster, m.source, m.source_record_id FROM members m
        JOIN truth t USING (source, source_record_id) WHERE t.entity IN (SELECT entity FROM split)
        ORDER BY 1, 2""").fetchall()]
    return out


def report_domain(domain: str, result: dict[str, Any]) -> None:
    r = result["product"]
    hard = ", ".join(f"{k} {v['merged']}/{v['pairs']}" for k, v in result["hard_negatives_merged"].items())
    print(f"\n{domain}: {result['entities']:,} entities, {result['run']['records']:,} records; run "
          f"{result['run_seconds']} s")
    print(f"  product (match ≥ 0.95)     pairwise P {r['pairwise']['precision']:.4f} R {r['pairwise']['recall']:.4f} "
          f"F1 {r['pairwise']['f1']:.4f} | B³ F1 {r['bcubed']['f1']:.4f} | split {r['entities_split']}, "
          f"mixed {r['clusters_mixing_entities']} | hard negatives merged: {hard}")
    for example in result.get("mixed_examples", []):
        print("    mixed:", " ".join(example))
    for example in result.get("split_examples", []):
        print("    split:", " ".join(example))
