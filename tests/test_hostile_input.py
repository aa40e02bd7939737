"""Hostile and broken input: the outcome is always a clear error or quarantined rows with their
reasons — never a traceback, never a lost row."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chutian_mdm.cli import main

from .helpers import POLICE_HEADERS, person, write_csv

HOSTILE_VALUES = [
    "=cmd|' /C calc'!A0", "+SUM(1+1)*cmd", "@SUM(A1)", "-2+3+cmd|' /C calc'!A0",
    "'; DROP TABLE staging.population; --", "Robert'); DELETE FROM staging.batches;--",
    "\\N", "\\.", "a\tb", "line\nbreak", "quote\"inside", "\x00nul", "\u202eRLO", "🙂",
    "张伟" * 3000,
]
_settings = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def run_ingest(database_url: str, path: Path, capsys: pytest.CaptureFixture[str],
               domain: str = "population", source: str = "police") -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--database-url", database_url, "ingest", domain, str(path), "--source", source,
                 "--quiet", "--json"])
    out, err = capsys.readouterr()
    return code, out, err


def counts(engine: sa.Engine) -> tuple[int, int, int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text(
            "SELECT (SELECT coalesce(sum(rows_in), 0) FROM staging.batches),"
            " (SELECT coalesce(sum(accepted), 0) FROM staging.batches),"
            " (SELECT coalesce(sum(quarantined), 0) FROM staging.batches),"
            " (SELECT count(*) FROM staging.population), (SELECT count(*) FROM staging.quarantine)"
        )).one())  # type: ignore[return-value]


def assert_accounted(engine: sa.Engine) -> None:
    rows_in, accepted, quarantined, staged, rejected = counts(engine)
    assert rows_in == accepted + quarantined
    assert staged == accepted and rejected == quarantined


@_settings
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".jsonl", ".parquet", ".xlsx", ".txt"]))
def test_random_bytes_give_a_clear_error_or_accounted_rows(
    data: bytes, suffix: str, database_url: str, engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path_factory.mktemp("bytes") / f"police{suffix}"
    path.write_bytes(data)
    code, _out, err = run_ingest(database_url, path, capsys)
    assert "Traceback" not in err
    if code in (0, 3, 4):
        assert_accounted(engine)
    else:
        assert code in (1, 2), (code, err)
        assert err.startswith("chutian-mdm: error: ") and str(path) in err
        assert err.count("\n") == 1  # one clear line


_cell = st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(st.characters(codec="utf-8"), max_size=30))


@_settings
@given(rows=st.lists(st.lists(_cell, min_size=len(POLICE_HEADERS), max_size=len(POLICE_HEADERS)),
                     min_size=1, max_size=25),
       extra_columns=st.integers(0, 3))
def test_every_row_of_a_hostile_csv_is_staged_or_quarantined(
    rows: list[list[str]], extra_columns: int, database_url: str, engine: sa.Engine,
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str],
) -> None:
    headers = POLICE_HEADERS + [f"备注{i}" for i in range(extra_columns)]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(row + ["x"] * extra_columns)
    path = tmp_path_factory.mktemp("csv") / "police.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    before = counts(engine)
    code, out, err = run_ingest(database_url, path, capsys)
    assert code in (0, 3, 4), err
    assert "Traceback" not in err
    result = json.loads(out)[0]
    if not result["already_ingested"]:
        assert result["rows_in"] == len(rows)
        after = counts(engine)
        assert after[0] - before[0] == len(rows)
    assert_accounted(engine)


def test_sql_and_formula_values_are_stored_verbatim(engine: sa.Engine, database_url: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    evil = "'; DROP TABLE staging.population; --"
    rows = [person("P1", 户籍地址=evil), person("P2", 户籍地址="=cmd|' /C calc'!A0")]
    path = write_csv(tmp_path / "police.csv", rows)
    code, _, err = run_ingest(database_url, path, capsys)
    assert code == 0, err
    with engine.connect() as conn:
        addresses = conn.execute(sa.text("SELECT address FROM staging.population ORDER BY source_record_id")).scalars()
        assert list(addresses) == [evil, "=cmd|' /C calc'!A0"]


def test_nul_characters_and_copy_control_characters(engine: sa.Engine, database_url: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # A row with a NUL is quarantined (PostgreSQL text cannot hold it); backslashes, tabs and
    # line breaks inside values reach the staging table exactly as sent.
    tricky = "路\\N\t1号\n2栋\r\\."
    rows = [person("P1", 户籍地址="湖北省武汉市洪山区卓刀泉路1号"), person("P2", 户籍地址="坏\x00地址"),
            person("P3", 户籍地址=tricky)]
    path = write_csv(tmp_path / "police.csv", rows)
    code, out, err = run_ingest(database_url, path, capsys)
    assert code == 4, err
    result = json.loads(out)[0]
    assert (result["rows_in"], result["accepted"], result["quarantined"]) == (3, 2, 1)
    assert_accounted(engine)
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text(
            "SELECT source_record_id, raw->>'户籍地址' FROM staging.population")).all())
        standard = conn.execute(sa.text("SELECT address FROM staging.population WHERE source_record_id = 'P3'")
                                ).scalar_one()
        reasons = conn.execute(sa.text("SELECT row_number, reasons FROM staging.quarantine")).all()
    assert stored == {"P1": "湖北省武汉市洪山区卓刀泉路1号", "P3": tricky}
    assert standard == "路\\N1号2栋\\."  # whitespace dropped by the address standardiser, backslashes kept
    assert [(n, r[0]["code"]) for n, r in reasons] == [(3, "encoding_invalid")]


def test_truncated_csv_keeps_the_broken_last_row(engine: sa.Engine, database_url: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "police.csv", [person("P1"), person("P2", 户籍地址='带"引号"的地址')])
    data = path.read_bytes()
    path.write_bytes(data[: data.index("带".encode()) + 3])  # cut inside a quoted field
    code, out, err = run_ingest(database_url, path, capsys)
    assert code == 4, err
    result = json.loads(out)[0]
    assert (result["rows_in"], result["accepted"], result["quarantined"]) == (2, 1, 1)
    assert_accounted(engine)


def test_enormous_fields_and_thousand_column_rows(engine: sa.Engine, database_url: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    headers = POLICE_HEADERS + [f"列{i}" for i in range(1000)]
    rows = [dict(person("P1"), **{f"列{i}": str(i) for i in range(1000)}),
            dict(person("P2", "张" * 1_000_000), **{f"列{i}": "" for i in range(1000)})]
    path = write_csv(tmp_path / "police.csv", rows, headers=headers)
    code, out, err = run_ingest(database_url, path, capsys)
    assert code == 4, err
    result = json.loads(out)[0]
    assert (result["accepted"], result["quarantined"]) == (1, 1)
    with engine.connect() as conn:
        reasons = conn.execute(sa.text("SELECT reasons FROM staging.quarantine")).scalar_one()
        ignored = conn.execute(sa.text("SELECT cardinality(ignored_columns) FROM staging.batches")).scalar_one()
    assert reasons[0]["code"] == "value_too_long"
    assert ignored == 1000


def test_duplicate_header_names_keep_every_value_in_raw(engine: sa.Engine, database_url: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    headers = [*POLICE_HEADERS, "备注", "备注"]
    path = tmp_path / "police.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerow([person("P1")[h] for h in POLICE_HEADERS] + ["first", "second"])
    code, _, err = run_ingest(database_url, path, capsys)
    assert code == 0, err
    with engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT raw FROM staging.population")).scalar_one()
    assert {raw[k] for k in raw if k.startswith("备注")} == {"first", "second"}


def test_wrong_types_in_json_lines_are_judged_not_crashed(engine: sa.Engine, database_url: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    records = [
        dict(person("P1"), 姓名=["张", "伟"]),
        dict(person("P2"), 出生日期=19900305, 联系电话=13812345678),
        dict(person("P3"), 公民身份号码={"id": "x"}),
        [1, 2, 3],
        "just a string",
        dict(person("P6"), 人员编号=None),
    ]
    path = tmp_path / "police.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n{truncated", encoding="utf-8")
    code, out, err = run_ingest(database_url, path, capsys)
    assert code == 4, err
    result = json.loads(out)[0]
    assert result["rows_in"] == 7
    assert_accounted(engine)
    with engine.connect() as conn:
        birth = conn.execute(sa.text(
            "SELECT birth_date FROM staging.population WHERE source_record_id = 'P2'")).scalar_one()
    assert str(birth) == "1990-03-05"


@pytest.mark.parametrize("suffix, content", [
    (".parquet", b"PAR1\x00\x00garbage"),
    (".xlsx", b"PK\x03\x04 truncated zip"),
    (".csv", "姓名,公民身份号码\n".encode("utf-16")),
    (".doc", b"whatever"),
])
def test_unreadable_files_fail_whole_with_one_line(database_url: str, engine: sa.Engine, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str], suffix: str,
                                                   content: bytes) -> None:
    path = tmp_path / f"police{suffix}"
    path.write_bytes(content)
    code, _, err = run_ingest(database_url, path, capsys)
    assert code in (1, 2)
    assert err.startswith(f"chutian-mdm: error: {path}") and err.count("\n") == 1
    assert counts(engine)[0] == 0


@pytest.mark.parametrize("args", [
    ["ingest", "population; DROP TABLE staging.batches; --", "x.csv", "--source", "police"],
    ["ingest", "population", "x.csv", "--source", "police' OR '1'='1"],
    ["run", "population\"; DROP SCHEMA golden CASCADE; --"],
    ["changes", "population_history; DELETE FROM golden.releases", "--since", "0"],
    ["releases", "x' OR 1=1 --"],
    ["train", "../../etc/passwd"],
    ["golden", "show", "PSN-1'; DROP TABLE golden.releases; --"],
])
def test_hostile_identifiers_are_refused_before_any_sql(cli, engine: sa.Engine, tmp_path: Path,
                                                        args: list[str]) -> None:
    args = [str(tmp_path / a) if a == "x.csv" else a for a in args]
    (tmp_path / "x.csv").write_text("人员编号,姓名\nP1,张伟\n", encoding="utf-8")
    code, _, err = cli(*args)
    assert code in (1, 2), err
    assert err.startswith("chutian-mdm: error: ") and "Traceback" not in err
    with engine.connect() as conn:  # nothing dropped, nothing written
        assert conn.execute(sa.text("SELECT count(*) FROM staging.batches")).scalar_one() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM golden.releases")).scalar_one() == 0
