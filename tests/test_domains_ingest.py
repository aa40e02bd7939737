"""Domain standardisation at ingest, on the real PostgreSQL and the committed samples' truth."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from chutian_mdm.ingest import ingest_file
from chutian_mdm.reconcile.macroeconomic import reconcile
from chutian_mdm.resources import samples_dir

SAMPLES = samples_dir()
GEO_HEADERS = ["地址编码", "标准地址", "省", "市", "区县", "乡镇街道", "社区村", "街路巷", "门牌号", "楼栋号", "单元号",
               "户室号", "行政区划代码", "经度", "纬度", "坐标系", "地名", "更新时间"]


def truth(name: str) -> list[dict[str, str]]:
    with (SAMPLES / "truth" / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def staged(engine: sa.Engine, domain: str) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT * FROM staging.{domain} WHERE superseded_by_batch_id IS NULL"
                                    " ORDER BY record_id"))
        return [dict(r._mapping) for r in rows]


def flags(row: dict, code: str) -> list[dict]:
    return [f for f in row["dq_flags"] or [] if f["code"] == code]


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return math.hypot((lon1 - lon2) * 111_320 * math.cos(math.radians(lat1)), (lat1 - lat2) * 110_574)


# -- geospatial -------------------------------------------------------------------------------------


def test_sample_places_get_the_true_standard_address_and_wgs84_point(engine: sa.Engine) -> None:
    ingest_file(engine, "geospatial", SAMPLES / "geospatial" / "natural_resources.csv", "natural_resources")
    entity_of = {r["source_record_id"]: r["entity_id"] for r in truth("geospatial.csv")}
    entities = {r["entity_id"]: r for r in truth("geospatial_entities.csv")}
    rows = staged(engine, "geospatial")
    assert len(rows) == 310  # 311 rows, one quarantined (empty 标准地址)
    keys: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        entity = entities[entity_of[row["source_record_id"]]]
        assert row["address_standard"] == entity["address"], row["source_record_id"]
        assert row["address_division"] == entity["division_code"]
        keys[row["address_key"]].add(entity["entity_id"])
        if row["longitude_wgs84"] is not None:  # re-registrations lie a few metres apart
            assert metres(row["longitude_wgs84"], row["latitude_wgs84"], float(entity["longitude_wgs84"]),
                          float(entity["latitude_wgs84"])) < 25, row["source_record_id"]
        assert not flags(row, "address_component_conflict") and not flags(row, "address_division_conflict")
    assert all(len(found) == 1 for found in keys.values())  # one key never names two places
    assert len(keys) == len({entity_of[r["source_record_id"]] for r in rows})  # one place, one key
    converted = [r for r in rows if r["crs"] == "GCJ02" and r["longitude_wgs84"] is not None]
    assert converted and all(r["longitude"] != r["longitude_wgs84"] for r in converted)  # given values kept


def test_swapped_coordinates_are_fixed_with_a_note_not_dropped(engine: sa.Engine) -> None:
    ingest_file(engine, "geospatial", SAMPLES / "geospatial" / "natural_resources.csv", "natural_resources")
    swapped = {r["source_record_id"]: r for r in staged(engine, "geospatial") if flags(r, "coordinates_swapped")}
    assert set(swapped) == {"4201020000001245", "4200000000001289"}
    row = swapped["4201020000001245"]
    assert (row["longitude"], row["latitude"]) == (114.345614, 30.616278)
    assert row["longitude_wgs84"] == 114.345614
    assert flags(row, "coordinates_swapped")[0]["severity"] == "note"


def test_empty_components_are_filled_from_the_address_and_conflicts_flagged(engine: sa.Engine,
                                                                             tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    rows = [
        ["G1", "武汉市洪山区卓刀泉路303号", "", "", "", "", "", "", "", "18", "4", "1202", "", "114.35", "30.51",
         "WGS84", "", "2024-01-01"],
        ["G2", "湖北省武汉市洪山区珞喻路1号", "", "", "武昌区", "", "", "", "2", "", "", "", "420502", "", "", "", "",
         ""],
        ["G3", "洪山区珞喻路5号", "", "", "", "", "", "", "", "", "", "", "", "114.36", "30.52", "", "", ""],
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([GEO_HEADERS, *rows])
    result = ingest_file(engine, "geospatial", path, "natural_resources")
    assert (result.accepted, result.quarantined) == (3, 0)
    first, second, third = staged(engine, "geospatial")
    assert (first["province"], first["city"], first["county"], first["road"], first["door_number"]) == \
        ("湖北省", "武汉市", "洪山区", "卓刀泉路", "303号")
    assert first["building"] == "18"  # given values stay as given
    assert (first["division_code"], first["division_code_name"]) == ("420111", "湖北省武汉市洪山区")
    assert first["address_standard"] == "湖北省武汉市洪山区卓刀泉路303号18栋4单元1202室"
    assert first["address_key"] == "420111|卓刀泉路303号18栋4单元1202室"
    assert "province" in flags(first, "address_components_filled")[0]["message"]
    conflict = flags(second, "address_component_conflict")
    assert [(f["field"], f["severity"]) for f in conflict] == [("county", "warning"), ("door_number", "warning")]
    assert "'武昌区' differs from '洪山区'" in conflict[0]["message"]
    assert second["county"] == "武昌区"
    assert flags(second, "address_division_conflict")[0]["field"] == "division_code"
    assert flags(third, "crs_missing") and third["longitude"] == 114.36 and third["longitude_wgs84"] is None


def test_an_ambiguous_county_is_placed_by_the_city_column(engine: sa.Engine, tmp_path: Path) -> None:
    """青山区 is in 武汉 and in 包头: without a division code, the 市 column says which."""
    path = tmp_path / "places.csv"
    rows = [["G1", "青山区友谊大道747号5栋", "", "武汉市", "青山区", "", "", "", "", "", "", "", "", "", "", "", "",
             ""],
            ["G2", "青山区友谊大道747号5栋", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
            ["G3", "青山区友谊大道747号5栋", "", "武汉市", "", "", "", "", "", "", "", "", "", "", "", "", "", ""]]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([GEO_HEADERS, *rows])
    ingest_file(engine, "geospatial", path, "natural_resources")
    placed, unplaced, by_city = staged(engine, "geospatial")
    assert placed["address_key"] == "420107|友谊大道747号5栋" and placed["division_code"] == "420107"
    assert placed["address_standard"] == "湖北省武汉市青山区友谊大道747号5栋"
    assert unplaced["address_key"] is None and unplaced["division_code"] is None
    assert by_city["address_key"] == placed["address_key"]  # the county as the text names it


# -- population ------------------------------------------------------------------------------------


def test_population_addresses_get_a_standard_form_and_their_county_code(engine: sa.Engine) -> None:
    ingest_file(engine, "population", SAMPLES / "population" / "police.csv", "police")
    entity_of = {r["source_record_id"]: r["entity_id"] for r in truth("population.csv") if r["source"] == "police"}
    household = {r["entity_id"]: r["household_division_code"] for r in truth("population_entities.csv")}
    rows = [r for r in staged(engine, "population") if r["address"]]
    right = sum(r["address_division"] == household[entity_of[r["source_record_id"]]] for r in rows)
    assert right >= len(rows) - 2  # police's two duplicates that moved house
    assert all(r["address_standard"].startswith("湖北省") for r in rows)


# -- legal entities -------------------------------------------------------------------------------


def _ingest_legal_entities(engine: sa.Engine) -> list[dict]:
    for name, source in (("market_regulation.csv", "market_regulation"), ("tax.parquet", "tax"),
                         ("statistics.csv", "statistics")):
        ingest_file(engine, "legal_entity", SAMPLES / "legal_entity" / name, source)
    return staged(engine, "legal_entity")


def test_company_keys_keep_branches_and_cities_apart(engine: sa.Engine) -> None:
    rows = _ingest_legal_entities(engine)
    entity_of = {(r["source"], r["source_record_id"]): r["entity_id"] for r in truth("legal_entity.csv")}
    entities = {r["entity_id"]: r for r in truth("legal_entity_entities.csv")}
    by_key: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    key_of: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
    for row in rows:
        entity = entity_of[(row["source"], row["source_record_id"])]
        key = (row["name_normalized"], row["name_region"])
        by_key[key].add(entity)
        key_of[entity].add(key)
    for entity, keys in key_of.items():
        parent = entities[entity]["parent_entity_id"]
        if parent:
            assert not keys & key_of[parent], entity  # a branch never has its parent's key
    shared = {key: found for key, found in by_key.items() if len(found) > 1}
    # The samples' one hard negative by name: 武汉骏旺物流有限公司 and 骏旺（武汉）物流有限公司 are two
    # companies (told apart by their USCCs), while one company is written both ways elsewhere.
    assert shared == {("骏旺物流", "武汉市"): {"L0094", "L0184"}}
    trade_names: dict[str, set[str | None]] = defaultdict(set)
    for key in by_key:
        trade_names[key[0]].add(key[1])
    assert any(len(regions) > 1 for regions in trade_names.values())  # 武汉安瑞物流 / 宜昌安瑞物流 …
    assert all(len(keys) == 1 for keys in key_of.values())  # every company: one key whatever the spelling


def test_tax_numbers_are_mapped_to_kinds_and_the_uscc(engine: sa.Engine) -> None:
    rows = [r for r in _ingest_legal_entities(engine) if r["source"] == "tax"]
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        assert row["taxpayer_id"] == row["source_record_id"]
        by_kind[row["taxpayer_id_kind"]].append(row)
    assert {k: len(v) for k, v in by_kind.items()} == {"uscc": 157, "legacy_15": 27, "uscc_suffixed": 9}
    for row in by_kind["legacy_15"]:
        assert flags(row, "taxpayer_id_legacy")[0]["severity"] == "note"
        assert row["uscc"][8:17] == row["taxpayer_id_org_code"]  # the link to the USCC issued later
    for row in by_kind["uscc_suffixed"]:
        assert row["taxpayer_id_uscc"] == row["taxpayer_id"][:18]
        assert row["uscc"] == row["taxpayer_id_uscc"]
    filled = [r for r in rows if flags(r, "uscc_from_taxpayer_id")]
    assert len(filled) == 10  # USCC column empty, or with a wrong check character
    assert all(r["uscc"] == r["taxpayer_id_uscc"] for r in filled)
    assert not any(flags(r, "taxpayer_id_mismatch") for r in rows)


def test_uscc_division_and_legal_representative_are_cross_checked(engine: sa.Engine, tmp_path: Path) -> None:
    from .helpers import citizen_id

    headers = ["名录编号", "统一社会信用代码", "单位详细名称", "法定代表人", "区划代码", "更新时间"]
    minor = citizen_id("420106", "20150101", "123")
    rows = [["S1", "91420100MA4B58QRXG", "武汉创益酒店管理有限公司", "周红", "420502", "2024-05-01"],
            ["S2", "91420100MA4B58QRXG", "武汉创益酒店管理有限公司", "", "420111", "2024-05-01"]]
    path = tmp_path / "statistics.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([headers, *rows])
    ingest_file(engine, "legal_entity", path, "statistics")
    first, second = staged(engine, "legal_entity")
    assert flags(first, "uscc_division_mismatch")[0]["severity"] == "note"
    assert not flags(second, "uscc_division_mismatch")  # 420111 lies within 420100

    tax_headers = ["纳税人识别号", "纳税人名称", "法定代表人姓名", "法定代表人身份证件号码", "录入日期"]
    tax = tmp_path / "tax.csv"
    with tax.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([tax_headers, ["91420100MA4B58QRXG", "武汉创益酒店管理有限公司", "", minor,
                                                    "2024-05-01"]])
    ingest_file(engine, "legal_entity", tax, "tax")
    row = next(r for r in staged(engine, "legal_entity") if r["source"] == "tax")
    assert flags(row, "legal_representative_missing")
    assert "9 years old" in flags(row, "legal_representative_underage")[0]["message"]
    assert row["uscc"] == "91420100MA4B58QRXG"  # taken from the 纳税人识别号 (no USCC column)


# -- macro-economic indicators -----------------------------------------------------------------------


def _ingest_indicators(engine: sa.Engine) -> None:
    ingest_file(engine, "macroeconomic", SAMPLES / "macroeconomic" / "statistics.csv", "statistics")
    ingest_file(engine, "macroeconomic", SAMPLES / "macroeconomic" / "tax.jsonl", "tax")


def test_indicator_records_are_mapped_by_code_or_synonym_and_converted(engine: sa.Engine) -> None:
    _ingest_indicators(engine)
    rows = staged(engine, "macroeconomic")
    assert all(r["indicator"] is not None and r["value_canonical"] is not None for r in rows)
    by_name = {(r["indicator_name"], r["indicator"]) for r in rows}
    for name, code in [("社零总额", "A02"), ("年末常住人口", "A03"), ("GDP", "A01"), ("地区生产总值(GDP)", "A01"),
                       ("地方一般公共预算收入", "A04"), ("城镇常住居民人均可支配收入", "A05"), ("GDP增速", "A06")]:
        assert (name, code) in by_name
    no_code = [r for r in rows if r["indicator_code"] is None]
    assert no_code and all(flags(r, "indicator_from_name") for r in no_code)
    tax = next(r for r in rows if r["source_record_id"] == "SW000003")  # 2661100 万元 of A04
    assert (tax["indicator"], tax["value_canonical"], tax["unit_canonical"]) == ("A04", Decimal("266.11"), "亿元")
    persons = next(r for r in rows if r["unit"] == "人")
    assert persons["unit_canonical"] == "万人" and persons["value_canonical"] == persons["value"] / 10000


def test_unknown_indicators_and_incompatible_units_are_flagged(engine: sa.Engine, tmp_path: Path) -> None:
    headers = ["记录编号", "指标代码", "指标名称", "行政区划代码", "统计期", "指标值", "计量单位"]
    rows = [["X1", "", "不存在的指标", "420100", "2024", "1", "亿元"],
            ["X2", "A01", "GDP", "420100", "2024", "5", "万人"],
            ["X3", "A01", "社零总额", "420100", "2024", "5", "亿元"]]
    path = tmp_path / "statistics.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([headers, *rows])
    result = ingest_file(engine, "macroeconomic", path, "statistics")
    assert result.accepted == 3
    unknown, wrong_unit, mismatch = staged(engine, "macroeconomic")
    assert unknown["indicator"] is None and flags(unknown, "indicator_unknown")[0]["field"] == "indicator_name"
    assert wrong_unit["indicator"] == "A01" and wrong_unit["value_canonical"] is None
    assert "万人 cannot express A01" in flags(wrong_unit, "indicator_unit_mismatch")[0]["message"]
    assert mismatch["indicator"] == "A01" and flags(mismatch, "indicator_name_mismatch")


def test_reconciliation_gives_exactly_the_true_values(engine: sa.Engine) -> None:
    _ingest_indicators(engine)
    values = reconcile(engine)
    got = {(v.indicator, v.division_code, v.period): (v.value, v.unit) for v in values}
    expected = {(t["indicator_code"], t["division_code"], t["period"]): (Decimal(t["value"]), t["unit"])
                for t in truth("macroeconomic_values.csv")}
    assert got == expected
    assert all(v.source == "statistics" for v in values if v.indicator != "T01")  # statistics first
    assert values == reconcile(engine)  # deterministic


def test_reconciliation_reports_groups_whose_sources_disagree(engine: sa.Engine) -> None:
    _ingest_indicators(engine)
    values = reconcile(engine)
    disagreeing = [v for v in values if v.disagrees]
    assert disagreeing  # the revised and stale preliminary figures
    for v in values:
        spread = (v.high - v.low) / abs(v.value)
        assert v.disagrees == (spread > Decimal("0.001"))
        assert v.low <= v.value <= v.high and v.records >= v.sources >= 1
    revised = [v for v in disagreeing if v.sources == 1]
    assert revised and all(v.release_date is not None for v in revised)  # the latest revision won


def test_indicators_cli_lists_the_catalog_and_shows_a_regions_series(cli, engine: sa.Engine) -> None:
    code, out, _ = cli("indicators", "list", "--json")
    assert code == 0
    assert [i["code"] for i in json.loads(out)] == ["A01", "A02", "A03", "A04", "A05", "A06", "T01"]
    code, out, _ = cli("indicators", "list")
    assert code == 0 and "社零总额" in out

    _ingest_indicators(engine)
    code, out, err = cli("indicators", "show", "A01", "--region", "420100", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["region"] == "湖北省武汉市"
    expected = [(t["period"], t["value"]) for t in truth("macroeconomic_values.csv")
                if t["indicator_code"] == "A01" and t["division_code"] == "420100"]
    assert sorted((v["period"], Decimal(v["value"])) for v in shown["values"]) == \
        sorted((p, Decimal(v)) for p, v in expected)
    assert [v["period"] for v in shown["values"]][:3] == ["2022", "2023", "2024"]
    assert shown["values"][3]["cumulative"] is True  # 2024Q1: the year so far

    code, out, _ = cli("indicators", "show", "GDP", "--region", "武汉市")
    assert code == 0 and "2024Q3" in out and "21106.23" in out
    code, _, err = cli("indicators", "show", "X99", "--region", "420100")
    assert code == 2 and "unknown indicator" in err
