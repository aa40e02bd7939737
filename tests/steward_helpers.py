"""Builders for steward and report tests: the population samples plus pairs that land in the
review queue, matched and published once per session into a template database."""

from __future__ import annotations

import tempfile
from pathlib import Path

import psycopg
import sqlalchemy as sa

from chutian_mdm.db.embedded import EmbeddedPostgres
from chutian_mdm.demo import sample_files
from chutian_mdm.ingest import ingest_file
from chutian_mdm.pipeline import run_domain

from .helpers import person, write_csv

STEWARD_TEMPLATE = "chutian_steward_template"
_made: set[str] = set()

WUHAN = ("湖北省武汉市武昌区中北路10号", "420106")


def _pair(tag: str, name: str, birth: str, a: tuple[str, str], b: tuple[str, str], **extra_b: str) -> list[dict]:
    """Two records without a citizen ID that agree on a rare name and the birth date, with
    different phones: the model is unsure, the pair goes to review."""
    number = int(tag.strip("PQ") or 0)
    return [
        person(f"{tag}_A", name=name, 公民身份号码="", 出生日期=birth, 联系电话=f"137000000{number:02d}", 户籍地址=a[0],
               户籍地行政区划=a[1]),
        person(f"{tag}_B", name=name, 公民身份号码="", 出生日期=birth, 联系电话=f"139000000{number:02d}", 户籍地址=b[0],
               户籍地行政区划=b[1], **extra_b),
    ]


def review_pairs_file(folder: Path) -> Path:
    """P1 (p ≈ 0.69: other city), P2 (≈ 0.88: same city), P4 (≈ 0.69), P6 (≈ 0.55: like P1 but the
    given names are homophones, 蔺思远 / 蔺思源)."""
    yichang = ("湖北省宜昌市西陵区东山大道99号", "420502")
    rows = [
        *_pair("P1", "钭思远", "1988-08-08", ("湖北省武汉市江岸区沿江大道1号1栋1单元101室", "420102"), yichang),
        *_pair("P2", "蒯雨桐", "1979-03-14", WUHAN, ("湖北省武汉市洪山区珞喻路5号", "420111")),
        *_pair("P4", "笪静怡", "2001-01-09", ("湖北省襄阳市樊城区人民路8号", "420606"), yichang),
        *_pair("P6", "蔺思远", "1986-04-04", ("湖北省武汉市江岸区沿江大道1号1栋1单元101室", "420102"), yichang,
               姓名="蔺思源"),
    ]
    return write_csv(folder / "police_pairs.csv", rows)


def steward_template(server: EmbeddedPostgres, base_template: str) -> str:
    """A database with the population samples and the review pairs ingested, matched and
    published as release 1 (built once per session)."""
    if STEWARD_TEMPLATE in _made:
        return STEWARD_TEMPLATE
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {STEWARD_TEMPLATE} TEMPLATE {base_template} STRATEGY FILE_COPY")
    engine = sa.create_engine(server.url(STEWARD_TEMPLATE))
    try:
        for path, source in sample_files()["population"]:
            ingest_file(engine, "population", path, source)
        with tempfile.TemporaryDirectory() as folder:
            ingest_file(engine, "population", review_pairs_file(Path(folder)), "police")
        run_domain(engine, "population")
    finally:
        engine.dispose()
    _made.add(STEWARD_TEMPLATE)
    return STEWARD_TEMPLATE


def golden_of(engine: sa.Engine, source: str, record: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.text(
            "SELECT golden_id FROM golden.population_xref WHERE source = :s AND source_record_id = :r "
            "AND valid_to_release IS NULL"), {"s": source, "r": record}).scalar_one())


def review_id_of(engine: sa.Engine, tag: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT review_id FROM mdm.review_queue WHERE source_record_id_l LIKE :t AND source_record_id_r LIKE :t "
            "ORDER BY review_id DESC LIMIT 1"), {"t": f"{tag}\\_%"}).scalar_one())
