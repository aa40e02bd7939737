"""Ingest against the real PostgreSQL: nothing lost, bad rows quarantined with reasons."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from chutian_mdm.errors import ConfigError, InputFileError
from chutian_mdm.ingest import ingest_file

from .helpers import (
    POLICE_HEADERS,
    citizen_id,
    legacy_15,
    person,
    with_wrong_check_digit,
    write_csv,
    write_jsonl,
)


def staged(engine: sa.Engine, domain: str = "population", current_only: bool = True) -> list[dict]:
    where = "WHERE superseded_by_batch_id IS NULL" if current_only else ""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT * FROM staging.{domain} {where} ORDER BY record_id"))
        return [dict(r._mapping) for r in rows]


def quarantined(engine: sa.Engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM staging.quarantine ORDER BY row_number"))
        return [dict(r._mapping) for r in rows]


def batch_counts(engine: sa.Engine) -> list[tuple[int, int, int]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT rows_in, accepted, quarantined FROM staging.batches ORDER BY batch_id"))]


def test_clean_file_is_accepted_whole(engine: sa.Engine, tmp_path: Path) -> None:
    second = person("P2", "王芳", 公民身份号码=citizen_id(sequence="124"), 性别="女")
    path = write_csv(tmp_path / "police.csv", [person("P1"), second])
    result = ingest_file(engine, "population", path, "police")
    assert (result.rows_in, result.accepted, result.quarantined) == (2, 2, 0)
    rows = staged(engine)
    assert [r["source_record_id"] for r in rows] == ["P1", "P2"]
    first = rows[0]
    assert first["citizen_id"] == citizen_id()
    assert first["birth_date"] == dt.date(1990, 3, 5)
    assert first["gender"] == "1"
    assert first["ethnicity"] == "01"
    assert first["household_division_code_name"] == "湖北省武汉市武昌区"
    assert first["name_pinyin"] == "zhang wei"
    assert first["raw"]["姓名"] == "张伟"
    assert first["source"] == "police"


def test_broken_encoding_missing_name_and_impossible_date_are_quarantined_per_row(
    engine: sa.Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "police.csv", [
        person("P1"),
        person("P2", ""),                      # no name
        person("P3", 出生日期="1990-13-45"),    # impossible date
        person("P4"),                           # its bytes get broken below
        person("P5", 公民身份号码=citizen_id(sequence="125")),
    ])
    data = path.read_bytes().replace(b"P4,", b"P4\xff\xfe,", 1)
    path.write_bytes(data)

    result = ingest_file(engine, "population", path, "police")

    assert result.rows_in == 5
    assert (result.accepted, result.quarantined) == (2, 3)
    assert result.rows_in == result.accepted + result.quarantined
    assert batch_counts(engine) == [(5, 2, 3)]
    rejected = {q["row_number"]: q for q in quarantined(engine)}
    assert sorted(rejected) == [3, 4, 5]  # header is row 1
    assert rejected[3]["reasons"][0]["field"] == "name"
    assert rejected[3]["reasons"][0]["code"] == "required_missing"
    date_reason = rejected[4]["reasons"][0]
    assert (date_reason["field"], date_reason["code"]) == ("birth_date", "date_invalid")
    assert "1990-13-45" in date_reason["message"]
    assert rejected[5]["reasons"][0]["code"] == "encoding_invalid"
    assert "\\xff" in rejected[5]["raw"]["_raw_text"]
    assert rejected[4]["raw"]["出生日期"] == "1990-13-45"  # the raw row is kept for resending
    assert all(q["file_name"] == "police.csv" for q in rejected.values())


def test_reingesting_the_same_file_is_a_noop(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "police.csv", [person("P1"), person("P2", "")])
    first = ingest_file(engine, "population", path, "police")
    second = ingest_file(engine, "population", path, "police")
    assert not first.already_ingested
    assert second.already_ingested
    assert second.batch_id == first.batch_id
    assert batch_counts(engine) == [(2, 1, 1)]
    assert len(staged(engine, current_only=False)) == 1
    assert len(quarantined(engine)) == 1


def test_bad_check_digit_is_accepted_flagged_and_not_used_as_identifier(
    engine: sa.Engine, tmp_path: Path
) -> None:
    bad = with_wrong_check_digit(citizen_id())
    path = write_csv(tmp_path / "police.csv", [person("P1", 公民身份号码=bad)])
    result = ingest_file(engine, "population", path, "police")
    assert (result.accepted, result.quarantined, result.rows_with_warnings) == (1, 0, 1)
    row = staged(engine)[0]
    assert row["citizen_id"] is None
    assert row["citizen_id_raw"] == bad
    codes = {flag["code"] for flag in row["dq_flags"]}
    assert "citizen_id_checksum" in codes


def test_fifteen_digit_id_comes_out_as_eighteen_digits(engine: sa.Engine, tmp_path: Path) -> None:
    full = citizen_id(birth="19650712", sequence="031")
    row = person("P1", 公民身份号码=legacy_15(full), 出生日期="", 性别="")
    path = write_csv(tmp_path / "police.csv", [row])
    ingest_file(engine, "population", path, "police")
    row = staged(engine)[0]
    assert row["citizen_id"] == full
    assert row["birth_date"] == dt.date(1965, 7, 12)  # filled in from the ID
    assert row["gender"] == "1"
    assert {"citizen_id_upgraded", "derived_from_id"} <= {f["code"] for f in row["dq_flags"]}


def test_traditional_name_and_fullwidth_digits_are_normalised(engine: sa.Engine, tmp_path: Path) -> None:
    number = citizen_id()
    fullwidth = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    row = person("P1", "張偉", 公民身份号码=fullwidth, 联系电话="＋86 138-1234-5678")
    path = write_csv(tmp_path / "police.csv", [row])
    ingest_file(engine, "population", path, "police")
    row = staged(engine)[0]
    assert row["name"] == "张伟"
    assert row["citizen_id"] == number
    assert row["phone"] == "13812345678"


def test_given_birth_date_that_contradicts_the_id_is_flagged(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "police.csv", [person("P1", 出生日期="1990年3月6日", 性别="女")])
    result = ingest_file(engine, "population", path, "police")
    assert result.accepted == 1
    codes = {f["code"] for f in staged(engine)[0]["dq_flags"]}
    assert {"birth_date_mismatch", "gender_mismatch"} <= codes


def test_mixed_chinese_date_forms_are_understood(engine: sa.Engine, tmp_path: Path) -> None:
    forms = ["1990-03-05", "19900305", "1990/3/5", "1990年3月5日"]
    rows = [person(f"P{i}", 出生日期=form) for i, form in enumerate(forms)]
    for i, row in enumerate(rows):
        row["公民身份号码"] = citizen_id(sequence=f"{101 + 2 * i}")
    ingest_file(engine, "population", write_csv(tmp_path / "police.csv", rows), "police")
    assert {r["birth_date"] for r in staged(engine)} == {dt.date(1990, 3, 5)}


def test_later_batch_supersedes_earlier_state_and_keeps_history(engine: sa.Engine, tmp_path: Path) -> None:
    first_file = write_csv(tmp_path / "a.csv", [person("P1", 联系电话="13800000001")])
    second_file = write_csv(tmp_path / "b.csv", [person("P1", 联系电话="13800000002")])
    ingest_file(engine, "population", first_file, "police")
    second = ingest_file(engine, "population", second_file, "police")
    assert second.superseded == 1
    current = staged(engine)
    assert [r["phone"] for r in current] == ["13800000002"]
    history = staged(engine, current_only=False)
    assert [r["phone"] for r in history] == ["13800000001", "13800000002"]
    assert history[0]["superseded_by_batch_id"] == second.batch_id


def test_same_record_id_from_another_source_is_a_different_record(engine: sa.Engine, tmp_path: Path) -> None:
    ingest_file(engine, "population", write_csv(tmp_path / "a.csv", [person("X1")]), "police")
    headers = ["个人编号", "社会保障号码", "姓名"]
    row = {"个人编号": "X1", "社会保障号码": citizen_id(), "姓名": "张伟"}
    ingest_file(engine, "population", write_csv(tmp_path / "b.csv", [row], headers=headers), "social_security")
    assert sorted(r["source"] for r in staged(engine)) == ["police", "social_security"]


def test_duplicate_record_id_within_a_file_is_quarantined(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "police.csv", [person("P1"), person("P1", "王芳")])
    result = ingest_file(engine, "population", path, "police")
    assert (result.accepted, result.quarantined) == (1, 1)
    reason = quarantined(engine)[0]["reasons"][0]
    assert reason["code"] == "duplicate_source_record_id"
    assert "row 2" in reason["message"]


def test_file_without_required_column_fails_whole_and_writes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    headers = [h for h in POLICE_HEADERS if h != "姓名"]
    rows = [{k: v for k, v in person("P1").items() if k != "姓名"}]
    path = write_csv(tmp_path / "police.csv", rows, headers=headers)
    with pytest.raises(InputFileError, match=r"missing required column '姓名' \(name, 姓名\)"):
        ingest_file(engine, "population", path, "police")
    assert batch_counts(engine) == []


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"\x00\x01\x02binary\x00", "not a text file"),
])
def test_unreadable_file_fails_with_one_clear_message(
    engine: sa.Engine, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "police.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=message):
        ingest_file(engine, "population", path, "police")
    assert batch_counts(engine) == []


def test_unknown_source_and_domain_are_refused(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "police.csv", [person("P1")])
    with pytest.raises(ConfigError, match="unknown source 'polise'"):
        ingest_file(engine, "population", path, "polise")
    with pytest.raises(ConfigError, match="unknown domain"):
        ingest_file(engine, "people", path, "police")
    with pytest.raises(ConfigError, match="no profile for domain 'population'"):
        ingest_file(engine, "population", path, "tax")


@pytest.mark.parametrize("fmt", ["utf-8", "utf-8-sig", "gb18030", "jsonl", "parquet", "xlsx"])
def test_every_supported_format_gives_the_same_records(
    engine: sa.Engine, tmp_path: Path, fmt: str
) -> None:
    rows = [person("P1", "張偉"), person("P2", "李娜", 公民身份号码=citizen_id(sequence="124"), 性别="女")]
    if fmt in ("utf-8", "utf-8-sig", "gb18030"):
        path = write_csv(tmp_path / "police.csv", rows, encoding=fmt)
    elif fmt == "jsonl":
        path = write_jsonl(tmp_path / "police.jsonl", rows)
    elif fmt == "parquet":
        path = tmp_path / "police.parquet"
        pq.write_table(pa.Table.from_pylist(rows), path)
    else:
        path = tmp_path / "police.xlsx"
        book = Workbook()
        sheet = book.active
        sheet.append(POLICE_HEADERS)
        for row in rows:
            sheet.append([row[h] for h in POLICE_HEADERS])
        book.save(path)
    result = ingest_file(engine, "population", path, "police")
    assert (result.rows_in, result.accepted) == (2, 2)
    got = [(r["name"], r["citizen_id"], r["gender"]) for r in staged(engine)]
    assert got == [("张伟", citizen_id(), "1"), ("李娜", citizen_id(sequence="124"), "2")]
    with engine.connect() as conn:
        encoding = conn.execute(sa.text("SELECT encoding FROM staging.batches")).scalar_one()
    if fmt in ("utf-8", "utf-8-sig", "gb18030"):
        assert encoding == fmt


def test_fixed_and_resent_rows_resolve_their_quarantine_entry(engine: sa.Engine, tmp_path: Path) -> None:
    broken = write_csv(tmp_path / "a.csv", [person("P1", 出生日期="1990-13-45")])
    ingest_file(engine, "population", broken, "police")
    fixed = ingest_file(engine, "population", write_csv(tmp_path / "b.csv", [person("P1")]), "police")
    assert quarantined(engine)[0]["resolved_by_batch_id"] == fixed.batch_id


def test_quarantine_export_gives_department_columns_and_reasons(cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "police.csv", [
        person("P1"), person("P2", ""), person("P3", "=cmd|' /C calc'!A0", 出生日期="1990-13-45"),
    ])
    code, out, _ = cli("ingest", "population", str(path), "--source", "police", "--quiet")
    assert code == 4  # done, with quarantined rows
    assert "row 3: name: 姓名 is empty" in out
    export = tmp_path / "back.csv"
    code, out, _ = cli("quarantine", "export", "--out", str(export))
    assert code == 0, out
    with export.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["row_number"] for r in rows] == ["3", "4"]
    assert rows[0]["人员编号"] == "P2"
    assert "姓名 is empty" in rows[0]["reasons"]
    assert rows[1]["姓名"] == "'=cmd|' /C calc'!A0"  # a spreadsheet will not run it
    assert list(rows[0])[:4] == ["file_name", "row_number", "reasons", "人员编号"]


def test_exported_csv_neutralises_formulas() -> None:
    from chutian_mdm.ingest.quarantine import neutralise_formula

    assert neutralise_formula("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert neutralise_formula("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise_formula("+86 138-1234-5678") == "+86 138-1234-5678"
    assert neutralise_formula("-12.5") == "-12.5"
    assert neutralise_formula("+cmd") == "'+cmd"
    assert neutralise_formula("张伟") == "张伟"
