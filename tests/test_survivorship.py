"""Survivorship rules and lineage, as configured in schemas/<domain>.yaml, on real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from chutian_mdm.domains import load_domain
from chutian_mdm.domains.survivorship import parse_survivorship
from chutian_mdm.errors import ConfigError
from chutian_mdm.golden import publish_release

from .golden_helpers import create_run, golden, golden_id_of, stage_rows
from .helpers import citizen_id, with_wrong_check_digit

VALID_ID = citizen_id(region="420106", birth="19900305", sequence="123")


def lineage(record: dict, attribute: str) -> tuple[str, str, str]:
    entry = record["lineage"][attribute]
    return entry["source"], entry["source_record_id"], entry["rule"]


@pytest.fixture
def person_a(engine: sa.Engine, tmp_path: Path) -> dict:
    """One person known to police, civil affairs and health, each with something different."""
    stage_rows(engine, tmp_path, "population", "police", [{
        "source_record_id": "P1", "citizen_id": with_wrong_check_digit(VALID_ID), "name": "张伟",
        "gender": "男", "birth_date": "1990-03-05", "ethnicity": "汉族", "phone": "13812345678",
        "address": "武昌区中北路1号", "household_division_code": "420106", "updated_at": "2024-05-01 08:00:00",
    }])
    stage_rows(engine, tmp_path, "population", "civil_affairs", [{
        "source_record_id": "M1", "citizen_id": VALID_ID, "name": "张伟", "gender": "男",
        "birth_date": "1990-03-05", "ethnicity": "回族", "phone": "13812345678",
        "address": "湖北省武汉市武昌区中北路1号3栋2单元501室", "household_division_code": "420106",
        "updated_at": "2023-01-01 08:00:00",
    }])
    stage_rows(engine, tmp_path, "population", "health", [{
        "source_record_id": "H1", "citizen_id": VALID_ID, "name": "张玮", "gender": "男",
        "birth_date": "1990-03-05", "ethnicity": "回族", "phone": "13900001111",
        "address": "武汉市武昌区中北路1号", "household_division_code": "420106",
        "updated_at": "2025-06-01 08:00:00",
    }])
    run_id = create_run(engine, "population", {("police", "P1"): "a", ("civil_affairs", "M1"): "a",
                                               ("health", "H1"): "a"})
    publish_release(engine, "population", run_id)
    return golden(engine, "population", golden_id_of(engine, "population", "police", "P1"))


def test_trust_rank_of_the_source_decides(person_a: dict) -> None:
    # name: [trust, frequent, recent]; police ranks 1 for names, health 3.
    assert person_a["name"] == "张伟"
    assert lineage(person_a, "name") == ("police", "P1", "trust")
    assert person_a["name_pinyin"] == "zhang wei"  # derived columns come with their value


def test_most_recent_valid_value_wins(person_a: dict) -> None:
    # phone: [valid, recent, trust]; health updated in 2025, police in 2024.
    assert person_a["phone"] == "13900001111"
    assert lineage(person_a, "phone") == ("health", "H1", "recent")


def test_most_frequent_value_wins(person_a: dict) -> None:
    # ethnicity: [valid, frequent, trust]; 回族 twice beats police's 汉族 although police ranks 1.
    assert person_a["ethnicity"] == "03"
    assert lineage(person_a, "ethnicity")[2] == "frequent"
    assert lineage(person_a, "ethnicity")[0] in ("civil_affairs", "health")


def test_most_complete_value_wins(person_a: dict) -> None:
    # address: [complete, trust, recent]
    assert person_a["address"] == "湖北省武汉市武昌区中北路1号3栋2单元501室"
    assert lineage(person_a, "address") == ("civil_affairs", "M1", "complete")


def test_an_invalid_id_never_survives_even_from_the_most_trusted_source(person_a: dict) -> None:
    # citizen_id: [valid, trust, recent]; police ranks 1 but its ID fails the check digit (it is
    # kept only in staging's citizen_id_raw); civil affairs ranks 2 with a valid one.
    assert person_a["citizen_id"] == VALID_ID
    assert lineage(person_a, "citizen_id") == ("civil_affairs", "M1", "valid")
    assert str(person_a["citizen_id_birth_date"]) == "1990-03-05"


def test_values_every_source_agrees_on_say_so(person_a: dict) -> None:
    assert person_a["household_division_code"] == "420106"
    assert lineage(person_a, "household_division_code") == ("police", "P1", "agreed")
    assert person_a["record_count"] == 3


def test_a_golden_record_of_one_source_record_takes_its_valid_values(engine: sa.Engine, tmp_path: Path) -> None:
    stage_rows(engine, tmp_path, "population", "police", [{
        "source_record_id": "P9", "citizen_id": with_wrong_check_digit(VALID_ID), "name": "李娜",
        "phone": "12345", "updated_at": "2024-05-01 08:00:00",
    }])
    publish_release(engine, "population", create_run(engine, "population", {("police", "P9"): "x"}))
    record = golden(engine, "population", golden_id_of(engine, "population", "police", "P9"))
    assert record["name"] == "李娜"
    assert lineage(record, "name") == ("police", "P9", "only_value")
    # The invalid ID and phone are only in staging's _raw columns: not in the golden record, and
    # without lineage.
    assert record["citizen_id"] is None and record["phone"] is None
    assert "citizen_id" not in record["lineage"] and "phone" not in record["lineage"]


def test_a_value_flagged_at_ingest_loses_to_a_clean_one(engine: sa.Engine, tmp_path: Path) -> None:
    # Police's birth date contradicts its own citizen ID (birth_date_mismatch, a warning).
    stage_rows(engine, tmp_path, "population", "police", [{
        "source_record_id": "P1", "citizen_id": VALID_ID, "name": "张伟", "birth_date": "1990-03-06",
        "updated_at": "2024-05-01 08:00:00",
    }])
    stage_rows(engine, tmp_path, "population", "social_security", [{
        "source_record_id": "S1", "citizen_id": VALID_ID, "name": "张伟", "birth_date": "1990-03-05",
        "updated_at": "2020-05-01 08:00:00",
    }])
    publish_release(engine, "population", create_run(engine, "population", {
        ("police", "P1"): "a", ("social_security", "S1"): "a"}))
    record = golden(engine, "population", golden_id_of(engine, "population", "police", "P1"))
    assert str(record["birth_date"]) == "1990-03-05"
    assert lineage(record, "birth_date") == ("social_security", "S1", "valid")


def test_market_regulation_is_authoritative_for_company_names_and_representatives(
        engine: sa.Engine, tmp_path: Path) -> None:
    rep_id = citizen_id(region="420106", birth="19700101", sequence="321")
    stage_rows(engine, tmp_path, "legal_entity", "tax", [{
        "source_record_id": "T1", "uscc": "91420106477343983T", "name": "武汉诚锦酒店管理有限公司（税务）",
        "legal_representative": "王五", "status": "正常", "updated_at": "2025-01-01 08:00:00",
    }])
    stage_rows(engine, tmp_path, "legal_entity", "market_regulation", [{
        "source_record_id": "R1", "uscc": "91420106477343983T", "name": "武汉诚锦酒店管理有限公司",
        "legal_representative": "王四", "legal_representative_id": rep_id, "status": "吊销",
        "updated_at": "2024-01-01 08:00:00",
    }])
    publish_release(engine, "legal_entity", create_run(engine, "legal_entity", {
        ("tax", "T1"): "c", ("market_regulation", "R1"): "c"}))
    record = golden(engine, "legal_entity", golden_id_of(engine, "legal_entity", "tax", "T1"))
    assert record["golden_id"].startswith("ORG-")
    assert (record["name"], record["status"]) == ("武汉诚锦酒店管理有限公司", "吊销")
    assert lineage(record, "name") == ("market_regulation", "R1", "trust")
    assert lineage(record, "status") == ("market_regulation", "R1", "trust")
    # A representative's name and ID survive together, from one record.
    assert (record["legal_representative"], record["legal_representative_id"]) == ("王四", rep_id)
    assert lineage(record, "legal_representative_id") == ("market_regulation", "R1", "trust")


def test_statistics_figures_win_over_tax_and_keep_their_unit(engine: sa.Engine, tmp_path: Path) -> None:
    common = {"indicator_code": "A02", "indicator_name": "社会消费品零售总额", "division_code": "420000",
              "period": "2024"}
    stage_rows(engine, tmp_path, "macroeconomic", "tax", [
        {"source_record_id": "X1", **common, "value": "250000000", "unit": "万元",
         "updated_at": "2025-03-01 00:00:00"}])
    stage_rows(engine, tmp_path, "macroeconomic", "statistics", [
        {"source_record_id": "S1", **common, "value": "25000.5", "unit": "亿元", "updated_at": "2025-01-01 00:00:00"}])
    publish_release(engine, "macroeconomic", create_run(engine, "macroeconomic", {
        ("tax", "X1"): "v", ("statistics", "S1"): "v"}))
    record = golden(engine, "macroeconomic", golden_id_of(engine, "macroeconomic", "tax", "X1"))
    assert (str(record["value"]), record["unit"]) == ("25000.5", "亿元")
    assert record["value_base"] == 25000.5 * 10**8
    assert lineage(record, "value") == ("statistics", "S1", "trust")
    assert lineage(record, "unit") == ("statistics", "S1", "trust")


def test_survivorship_configuration_is_checked() -> None:
    schema = load_domain("population")
    fields = list(schema.fields)
    path = schema.path
    with pytest.raises(ConfigError, match="unknown rule 'loudest'"):
        parse_survivorship({"survivorship": {"default": ["loudest"]}}, fields, path)
    with pytest.raises(ConfigError, match="`valid` is a filter and must come first"):
        parse_survivorship({"survivorship": {"fields": {"phone": ["recent", "valid"]}}}, fields, path)
    with pytest.raises(ConfigError, match="unknown field 'shoe_size'"):
        parse_survivorship({"survivorship": {"together": [["name", "shoe_size"]]}}, fields, path)
    groups = parse_survivorship({"survivorship": {"together": [["phone", "address"]]}}, fields, path).groups
    assert ("phone", "address") in [g.fields for g in groups]
