"""``run`` on the samples of legal entities, places and indicator values, checked against
data/samples/truth: the clusters, the hard negatives, the published golden records."""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from stdnum.cn import uscc

from chutian_mdm.resources import samples_dir
from chutian_mdm.standardize.orgs import org_name

from .conftest import Cli
from .golden_helpers import ingest_samples, rows, stage_rows, truth_clusters


def truth(name: str) -> list[dict[str, str]]:
    with (samples_dir() / "truth" / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def run(cli: Cli, domain: str) -> dict:
    code, out, err = cli("run", domain, "--json", "--quiet")
    assert code == 0, err
    result = json.loads(out)["runs"][0]
    assert result["status"] == "succeeded" and result["release"]["release"] == 1
    return result


def clusters_of(engine: sa.Engine, run_id: int) -> dict[tuple[str, str], str]:
    return {(r["source"], r["source_record_id"]): r["cluster_key"] for r in rows(
        engine, "SELECT source, source_record_id, cluster_key FROM mdm.cluster_members WHERE run_id = :r", r=run_id)}


def pairwise(clusters: dict[tuple[str, str], str], entities: dict[tuple[str, str], str]) -> tuple[float, float]:
    """Pairwise precision and recall of the clusters against the true entities."""
    found = true = both = 0
    for a, b in itertools.combinations(sorted(clusters), 2):
        same_cluster, same_entity = clusters[a] == clusters[b], entities[a] == entities[b]
        found += same_cluster
        true += same_entity
        both += same_cluster and same_entity
    return both / found, both / true


def clusters_by_entity(clusters: dict[tuple[str, str], str], entities: dict[tuple[str, str], str]
                       ) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for key, cluster in clusters.items():
        out[entities[key]].add(cluster)
    return out


# -- 法人 ------------------------------------------------------------------------------------------


def test_run_legal_entity_on_the_samples_finds_the_true_companies(cli: Cli, engine: sa.Engine) -> None:
    ingest_samples(engine, "legal_entity")
    result = run(cli, "legal_entity")
    clusters, entities = clusters_of(engine, result["run_id"]), truth_clusters("legal_entity")
    precision, recall = pairwise(clusters, {k: entities[k] for k in clusters})
    assert precision >= 0.99 and recall >= 0.98, (precision, recall)
    held = clusters_by_entity(clusters, entities)
    companies = {c["entity_id"]: c for c in truth("legal_entity_entities.csv")}

    branches = [c for c in companies.values() if c["parent_entity_id"]]
    assert branches and all(held[b["entity_id"]].isdisjoint(held[b["parent_entity_id"]]) for b in branches)
    # The same trade name in other cities: different companies, never one cluster.
    by_key: dict[str, list[dict[str, str]]] = defaultdict(list)
    for company in companies.values():
        by_key[org_name(company["name"]).derived["normalized"]].append(company)
    other_city = [(a, b) for group in by_key.values() for a, b in itertools.combinations(group, 2)
                  if a["division_code"][:4] != b["division_code"][:4]]
    assert len(other_city) >= 10
    assert all(held[a["entity_id"]].isdisjoint(held[b["entity_id"]]) for a, b in other_city)
    # 武汉骏旺物流有限公司 and 骏旺（武汉）物流有限公司: same key, same region — only the USCCs differ.
    assert {companies["L0094"]["name"], companies["L0184"]["name"]} == \
        {"武汉骏旺物流有限公司", "骏旺（武汉）物流有限公司"}
    assert held["L0094"].isdisjoint(held["L0184"])
    code, out, _ = cli("explain", "legal_entity", "market_regulation:420000000000401", "tax:91420115800436195R")
    assert code == 0 and "kept apart (exclusive key)" in out

    # Golden records: 市场监管 gives name, status and legal representative; 税务 the tax registration.
    assert result["release"]["golden_records"] == result["clusters"]
    golden = {r["golden_id"]: r for r in rows(engine, "SELECT * FROM golden.legal_entity")}
    registered = rows(engine, """
        SELECT x.golden_id, s.name, s.status, s.legal_representative FROM golden.legal_entity_xref x
        JOIN staging.legal_entity s ON s.record_id = x.record_id
        WHERE x.valid_to_release IS NULL AND x.source = 'market_regulation'""")
    assert len(registered) >= 200
    for record in registered:
        for field in ("name", "status", "legal_representative"):
            if record[field] is not None:
                assert golden[record["golden_id"]][field] == record[field], (record["golden_id"], field)
    taxed = [g for g in golden.values() if g["taxpayer_id"] is not None]
    assert len(taxed) >= 150 and all(g["lineage"]["taxpayer_id"]["source"] == "tax" for g in taxed)

    code, _, _ = cli("run", "legal_entity", "--quiet")
    assert code == 3  # nothing new


def test_a_branch_is_never_merged_with_its_parent_even_under_the_parents_uscc(
        cli: Cli, engine: sa.Engine, tmp_path: Path) -> None:
    ingest_samples(engine, "legal_entity")
    code = "91420106" + "MA4K8Q2X3"
    code += uscc.calc_check_digit(code)
    company = {"uscc": code, "legal_representative": "王建国", "division_code": "420106",
               "registered_address": "武汉市武昌区中北路1号", "updated_at": "2024-05-01 08:00:00"}
    stage_rows(engine, tmp_path, "legal_entity", "market_regulation", [
        {"source_record_id": "R1", "name": "武汉鸿博科技有限公司", **company},
        # A department's error: the branch registered under its parent's USCC.
        {"source_record_id": "R2", "name": "武汉鸿博科技有限公司宜昌分公司", **company},
    ])
    stage_rows(engine, tmp_path, "legal_entity", "tax", [
        {"source_record_id": code, "taxpayer_id": code, "name": "武汉市鸿博科技有限公司", **company}])
    clusters = clusters_of(engine, run(cli, "legal_entity")["run_id"])
    parent, branch, tax = (clusters[("market_regulation", "R1")], clusters[("market_regulation", "R2")],
                           clusters[("tax", code)])
    assert parent == tax and branch != parent


# -- 空间地理 ---------------------------------------------------------------------------------------


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return math.hypot((lon1 - lon2) * 111_320 * math.cos(math.radians(lat1)), (lat1 - lat2) * 110_574)


def test_run_geospatial_finds_the_true_places_and_keeps_coordinates_with_their_crs(
        cli: Cli, engine: sa.Engine) -> None:
    ingest_samples(engine, "geospatial")
    result = run(cli, "geospatial")
    clusters, entities = clusters_of(engine, result["run_id"]), truth_clusters("geospatial")
    precision, recall = pairwise(clusters, {k: entities[k] for k in clusters})
    assert precision >= 0.99 and recall >= 0.98, (precision, recall)
    held = clusters_by_entity(clusters, entities)
    places = {p["entity_id"]: p for p in truth("geospatial_entities.csv")}
    behind_one_door: dict[str, list[str]] = defaultdict(list)
    for place in places.values():
        behind_one_door[re.sub(r"号.*$", "号", place["address"])].append(place["entity_id"])
    neighbours = [pair for group in behind_one_door.values() for pair in itertools.combinations(group, 2)]
    assert all(held[a].isdisjoint(held[b]) for a, b in neighbours)

    # The golden place keeps one record's coordinates with that record's CRS, and their WGS-84 pair.
    entity_of = {}
    for x in rows(engine, "SELECT golden_id, source, source_record_id FROM golden.geospatial_xref"):
        entity_of[x["golden_id"]] = entities[(x["source"], x["source_record_id"])]
    golden = rows(engine, "SELECT * FROM golden.geospatial")
    with_point = [g for g in golden if g["longitude"] is not None]
    assert len(with_point) >= 190
    for g in with_point:
        lineage = g["lineage"]
        assert lineage["longitude"] == lineage["latitude"] == lineage["crs"], g["golden_id"]
        truth_place = places[entity_of[g["golden_id"]]]
        assert metres(g["longitude_wgs84"], g["latitude_wgs84"], float(truth_place["longitude_wgs84"]),
                      float(truth_place["latitude_wgs84"])) < 25
    assert any(g["crs"] == "GCJ02" and g["longitude"] != g["longitude_wgs84"] for g in with_point)
    assert all(g["address_standard"] == places[entity_of[g["golden_id"]]]["address"] for g in golden)


# -- 宏观经济 ---------------------------------------------------------------------------------------


def test_run_macroeconomic_publishes_the_true_values_and_queues_sources_that_disagree(
        cli: Cli, engine: sa.Engine, tmp_path: Path) -> None:
    ingest_samples(engine, "macroeconomic")
    result = run(cli, "macroeconomic")
    assert result["model_version"] is None and result["stats"]["key"] == ["indicator", "division_code", "period"]
    clusters, entities = clusters_of(engine, result["run_id"]), truth_clusters("macroeconomic")
    assert pairwise(clusters, {k: entities[k] for k in clusters}) == (1.0, 1.0)

    expected = {(t["indicator_code"], t["division_code"], t["period"]): (Decimal(t["value"]), t["unit"])
                for t in truth("macroeconomic_values.csv")}
    golden = rows(engine, "SELECT indicator, division_code, period, value_canonical, unit_canonical, lineage "
                          "FROM golden.macroeconomic")
    assert {(g["indicator"], g["division_code"], g["period"]): (g["value_canonical"], g["unit_canonical"])
            for g in golden} == expected
    assert all(g["lineage"]["value"]["source"] == "statistics" for g in golden if g["indicator"] != "T01")

    # Tax's preliminary figures that were never revised disagree with statistics' final ones:
    # queued for a steward, still one golden value. Statistics' own revisions are not queued.
    queued = rows(engine, """
        SELECT q.status, l.source AS source_l, r.source AS source_r, l.value_canonical AS value_l,
               r.value_canonical AS value_r, xl.golden_id AS golden_l, xr.golden_id AS golden_r
        FROM mdm.review_queue q
        JOIN staging.macroeconomic l ON l.record_id = q.record_id_l
        JOIN staging.macroeconomic r ON r.record_id = q.record_id_r
        JOIN golden.macroeconomic_xref xl ON xl.record_id = l.record_id
        JOIN golden.macroeconomic_xref xr ON xr.record_id = r.record_id
        WHERE q.domain = 'macroeconomic'""")
    assert len(queued) == result["review_pairs"] == 4
    for pair in queued:
        assert pair["status"] == "open" and {pair["source_l"], pair["source_r"]} == {"statistics", "tax"}
        assert abs(pair["value_l"] - pair["value_r"]) > Decimal("0.001") * pair["value_l"]
        assert pair["golden_l"] == pair["golden_r"]

    assert cli("run", "macroeconomic", "--quiet")[0] == 3
    code, _, err = cli("train", "macroeconomic")
    assert code == 2 and "matches by key" in err

    # The run's report: no model charts, the key instead of thresholds, the queued pairs.
    report = tmp_path / "macro.html"
    code, _, err = cli("report", str(result["run_id"]), "--out", str(report))
    assert code == 0, err
    page = report.read_text(encoding="utf-8")
    assert "matched by key (indicator, division_code, period)" in page and "review rule" in page
    assert "matched by key, no model" in page and "model v" not in page

    # A steward works the queue: no model to explain, so the fields side by side with which of
    # them form the key, and why the pair is there.
    first, second = sorted(q["review_id"] for q in rows(engine, "SELECT review_id FROM mdm.review_queue"))[:2]
    code, out, err = cli("review", "show", str(first), "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["explanation"] is None and "disagree" in shown["reason"]
    levels = {f["field"]: f["level"] for f in shown["fields"]}
    assert levels["division_code"] == levels["period"] == levels["indicator"] == "same key"
    assert levels["value_canonical"] == "differs"
    code, out, err = cli("review", "show", str(first))
    assert code == 0 and "queued because the sources disagree" in out, err
    assert cli("review", "accept", str(first), "--note", "统计局终值为准")[0] == 0
    assert cli("review", "reject", str(second), "--note", "税务口径不同")[0] == 0
    code, out, err = cli("run", "macroeconomic", "--json", "--quiet")
    assert code == 0, err
    statuses = {q["review_id"]: q["status"] for q in rows(engine, "SELECT review_id, status FROM mdm.review_queue")}
    assert statuses[first] == "accepted" and statuses[second] == "rejected"
    assert sorted(statuses.values()).count("open") == 2
    apart = rows(engine, """
        SELECT xl.golden_id AS golden_l, xr.golden_id AS golden_r FROM mdm.review_queue q
        JOIN golden.macroeconomic_xref xl ON xl.record_id = q.record_id_l AND xl.valid_to_release IS NULL
        JOIN golden.macroeconomic_xref xr ON xr.record_id = q.record_id_r AND xr.valid_to_release IS NULL
        WHERE q.review_id = :r""", r=second)[0]
    assert apart["golden_l"] != apart["golden_r"]


def indicator_rows(**values: str) -> dict[str, str]:
    return {"indicator_code": "A01", "division_code": "420100", "period": "2024", "unit": "亿元", **values}


def test_a_later_revision_is_a_new_version_and_every_revision_stays_visible(
        cli: Cli, engine: sa.Engine, tmp_path: Path) -> None:
    stage_rows(engine, tmp_path, "macroeconomic", "statistics", [indicator_rows(
        source_record_id="S1", value="21000", release_date="2025-03-15", updated_at="2025-03-15 09:00:00")])
    code, out, _ = cli("indicators", "show", "A01", "--region", "420100", "--json")
    assert code == 0 and json.loads(out)["from"] == "staging" and json.loads(out)["release"] is None
    run(cli, "macroeconomic")

    stage_rows(engine, tmp_path, "macroeconomic", "statistics", [indicator_rows(
        source_record_id="S2", value="21106.23", release_date="2025-12-20", updated_at="2025-12-20 09:00:00")])
    stage_rows(engine, tmp_path, "macroeconomic", "tax", [indicator_rows(
        source_record_id="T1", value="2160000", unit="万元", release_date="2026-01-05",
        updated_at="2026-01-05 09:00:00")])
    code, out, err = cli("run", "macroeconomic", "--json", "--quiet")
    assert code == 0, err
    second = json.loads(out)["runs"][0]
    assert second["release"]["release"] == 2 and second["release"]["updated"] == 1

    golden_id = rows(engine, "SELECT golden_id FROM golden.macroeconomic")[0]["golden_id"]
    history = rows(engine, "SELECT valid_from_release, valid_to_release, value_canonical, lineage "
                           "FROM golden.macroeconomic_history WHERE golden_id = :g ORDER BY 1", g=golden_id)
    assert [(h["valid_from_release"], h["valid_to_release"], h["value_canonical"]) for h in history] == \
        [(1, 2, Decimal("21000")), (2, None, Decimal("21106.23"))]
    # statistics outranks a newer tax figure; of its revisions, the latest wins.
    assert history[1]["lineage"]["value"] == {"source": "statistics", "source_record_id": "S2", "rule": "recent"}
    assert {(x["source_record_id"]) for x in rows(
        engine, "SELECT source_record_id FROM golden.macroeconomic_xref WHERE valid_to_release IS NULL")} == \
        {"S1", "S2", "T1"}
    queued = rows(engine, "SELECT source_l, source_record_id_l, source_r, source_record_id_r FROM mdm.review_queue")
    assert [sorted([(q["source_l"], q["source_record_id_l"]), (q["source_r"], q["source_record_id_r"])])
            for q in queued] == [[("statistics", "S2"), ("tax", "T1")]]

    code, out, _ = cli("indicators", "show", "A01", "--region", "420100", "--json")
    shown = json.loads(out)
    assert shown["from"] == "golden" and shown["release"] == 2
    assert [(v["period"], Decimal(v["value"]), v["source_record_id"], v["records"]) for v in shown["values"]] == \
        [("2024", Decimal("21106.23"), "S2", 3)]
    code, out, _ = cli("indicators", "show", "A01", "--region", "420100")
    assert code == 0 and "from golden release 2" in out and "21106.23" in out


def test_merge_and_split_work_for_a_domain_matching_by_key(cli: Cli, engine: sa.Engine, tmp_path: Path) -> None:
    stage_rows(engine, tmp_path, "macroeconomic", "statistics", [
        indicator_rows(source_record_id="S1", value="21000", release_date="2025-03-15"),
        indicator_rows(source_record_id="S9", division_code="420500", value="5000", release_date="2025-03-15")])
    stage_rows(engine, tmp_path, "macroeconomic", "tax", [
        indicator_rows(source_record_id="T1", value="2100000", unit="万元", release_date="2025-03-20")])
    run(cli, "macroeconomic")

    def golden_of() -> dict[str, str]:
        return {r["source_record_id"]: r["golden_id"] for r in rows(
            engine, "SELECT source_record_id, golden_id FROM golden.macroeconomic_xref WHERE valid_to_release IS NULL")}

    before = golden_of()
    assert before["S1"] == before["T1"] != before["S9"]
    code, out, err = cli("split", before["S1"], "--records", "tax:T1", "--note", "税务口径不同", "--json")
    assert code == 0, err
    after = golden_of()
    assert after["S1"] == before["S1"] and after["T1"] not in (after["S1"], after["S9"])
    code, out, err = cli("merge", after["S1"], after["S9"], "--note", "区划代码填错", "--json")
    assert code == 0, err
    assert json.loads(out)["message"].startswith(f"merged {after['S1']} and {after['S9']} into ")
    merged = golden_of()
    assert merged["S1"] == merged["S9"] != merged["T1"]
    assert cli("run", "macroeconomic", "--full", "--quiet")[0] in (0, 3)
    assert golden_of() == merged
