"""De-identified open views and the database roles, on real PostgreSQL."""

from __future__ import annotations

import itertools
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from chutian_mdm.domains import domain_names
from chutian_mdm.golden import publish_release
from chutian_mdm.golden.masking import open_columns

from .golden_helpers import create_run, golden_id_of, rows, stage_rows
from .helpers import citizen_id

_users = itertools.count(1)


def sql(engine: sa.Engine, query: str) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(query)).scalar()


@pytest.mark.parametrize(("call", "expected"), [
    ("mask.id_middle('420106199003051234')", "420106********1234"),
    ("mask.id_middle('42010619900305123X')", "420106********123X"),
    ("mask.name_middle('张伟')", "张*"),
    ("mask.name_middle('张三丰')", "张*丰"),
    ("mask.name_middle('欧阳娜娜')", "欧**娜"),
    ("mask.name_middle('阿卜杜·热合曼')", "阿*****曼"),
    ("mask.phone_middle('13812345678')", "138****5678"),
    ("mask.phone_middle('027-87654321')", "027*****4321"),
    ("mask.year(date '1990-03-05')", 1990),
    ("mask.address_county('湖北省武汉市武昌区中北路1号3栋')", "湖北省武汉市武昌区"),
    ("mask.address_county('湖北省宜昌市宜都市陆城街道')", "湖北省宜昌市宜都市"),
    ("mask.address_county('武昌区中北路1号')", "武昌区"),
    ("mask.address_county('中北路1号')", None),  # no county-level part: nothing rather than too much
    ("mask.id_middle(NULL)", None),
])
def test_masking_functions(engine: sa.Engine, call: str, expected: object) -> None:
    assert sql(engine, f"SELECT {call}") == expected


def test_open_view_shows_only_masked_current_records(engine: sa.Engine, tmp_path: Path) -> None:
    number = citizen_id(region="420106", birth="19900305", sequence="123")
    stage_rows(engine, tmp_path, "population", "police", [{
        "source_record_id": "P1", "citizen_id": number, "name": "张三丰", "phone": "13812345678",
        "birth_date": "1990-03-05", "address": "湖北省武汉市武昌区中北路1号3栋", "household_division_code": "420106",
        "updated_at": "2024-05-01 08:00:00",
    }])
    publish_release(engine, "population", create_run(engine, "population", {("police", "P1"): "a"}))
    shown = rows(engine, "SELECT * FROM open.population")
    assert shown == [{
        "golden_id": golden_id_of(engine, "population", "police", "P1"), "valid_from_release": 1,
        "citizen_id": number[:6] + "********" + number[-4:], "name": "张*丰", "gender": "1", "birth_year": 1990,
        "ethnicity": None, "phone": "138****5678", "address": "湖北省武汉市武昌区",
        "household_division_code": "420106", "household_division_code_name": "湖北省武汉市武昌区",
        "record_count": 1,
    }]


def test_open_views_leave_out_dropped_and_giveaway_columns() -> None:
    population = [c.name for c in open_columns("population")]
    assert "lineage" not in population
    assert not {"citizen_id_birth_date", "name_pinyin", "birth_date"} & set(population)
    legal = [c.name for c in open_columns("legal_entity")]
    assert "legal_representative_id" not in legal  # mask: drop
    assert "legal_representative_pinyin" not in legal
    assert "name" in legal and "uscc" in legal  # company names and codes are public


def _login_user(engine: sa.Engine, role: str) -> str:
    user = f"test_{role}_{next(_users)}_{engine.url.database}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE ROLE {user} LOGIN IN ROLE {role}"))
    return user


def _connect_as(database_url: str, user: str) -> psycopg.Connection:
    url = sa.make_url(database_url).set(drivername="postgresql", username=user)
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def test_open_data_role_reads_open_views_only(engine: sa.Engine, database_url: str, tmp_path: Path) -> None:
    stage_rows(engine, tmp_path, "population", "police", [{"source_record_id": "P1", "name": "张伟"}])
    publish_release(engine, "population", create_run(engine, "population", {("police", "P1"): "a"}))
    user = _login_user(engine, "chutian_open")
    with _connect_as(database_url, user) as conn:
        for domain in domain_names():
            conn.execute(f"SELECT * FROM open.{domain}").fetchall()
        assert conn.execute("SELECT name FROM open.population").fetchall() == [("张*",)]
        for table in ("golden.population", "golden.population_history", "golden.releases", "staging.population",
                      "staging.batches", "mdm.runs", "mdm.cluster_members"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT 1 FROM {table} LIMIT 1")


def test_reader_role_reads_golden_and_open_but_not_staging(
        engine: sa.Engine, database_url: str, tmp_path: Path) -> None:
    stage_rows(engine, tmp_path, "population", "police", [{"source_record_id": "P1", "name": "张伟"}])
    publish_release(engine, "population", create_run(engine, "population", {("police", "P1"): "a"}))
    user = _login_user(engine, "chutian_reader")
    with _connect_as(database_url, user) as conn:
        assert conn.execute("SELECT name FROM golden.population").fetchall() == [("张伟",)]
        for table in ("population_history", "population_xref", "population_changes", "releases"):
            assert conn.execute(f"SELECT count(*) FROM golden.{table}").fetchone()[0] >= 1  # type: ignore[index]
        assert conn.execute("SELECT name FROM open.population").fetchall() == [("张*",)]
        for table in ("staging.population", "mdm.cluster_members"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT 1 FROM {table} LIMIT 1")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM golden.population_history")
