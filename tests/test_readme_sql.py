"""The README's SQL for downstream users, run against published releases."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import sqlalchemy as sa

from chutian_mdm.golden import publish_release

from .golden_helpers import create_run, golden_id_of, rows, stage_rows, truth_clusters
from .helpers import citizen_id

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def readme_queries() -> dict[str, str]:
    """The SQL blocks of the README's golden-records section, by their first-line comment."""
    section = README.split("## Golden records (for downstream users)", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.S)
    return {block.splitlines()[0].removeprefix("-- ").strip(): block for block in blocks}


def turning_60(months_ahead: int, day: int = 15) -> dt.date:
    today = dt.date.today()
    month = today.month - 1 + months_ahead
    return dt.date(today.year + month // 12 - 60, month % 12 + 1, day)


def test_readme_has_the_documented_queries() -> None:
    assert set(readme_queries()) == {
        "current golden persons", "as of release N", "changes since release N",
        "all source records of golden ID X", "persons in a county who turn 60 next month",
    }


def test_readme_queries_answer_what_they_promise(engine: sa.Engine, tmp_path: Path) -> None:
    queries = readme_queries()
    born_soon, born_later = turning_60(1), turning_60(2)
    stage_rows(engine, tmp_path, "population", "police", [
        {"source_record_id": "P1", "name": "李娜", "birth_date": born_soon.isoformat(),
         "household_division_code": "420506", "updated_at": "2024-05-01 08:00:00"},
        {"source_record_id": "P2", "name": "王芳", "birth_date": born_later.isoformat(),
         "household_division_code": "420506", "updated_at": "2024-05-01 08:00:00"},
        {"source_record_id": "P3", "name": "张伟", "birth_date": born_soon.isoformat(),
         "household_division_code": "420106", "updated_at": "2024-05-01 08:00:00"},
        {"source_record_id": "P4", "name": "刘成",
         "citizen_id": citizen_id(region="420506", birth=born_soon.strftime("%Y%m%d"), sequence="135"),
         "household_division_code": "420506", "updated_at": "2024-05-01 08:00:00"},
    ])
    groups = {("police", f"P{i}"): f"p{i}" for i in range(1, 5)}
    publish_release(engine, "population", create_run(engine, "population", groups))
    release_1 = rows(engine, queries["as of release N"], release=1)
    assert [r["golden_id"] for r in rows(engine, queries["current golden persons"])] == \
        [r["golden_id"] for r in release_1]

    # Release 2: P2 is found to be the same person as P1.
    publish_release(engine, "population", create_run(engine, "population", {**groups, ("police", "P2"): "p1"}))
    survivor = golden_id_of(engine, "population", "police", "P1")
    assert rows(engine, queries["as of release N"], release=1) == release_1
    assert len(rows(engine, queries["as of release N"], release=2)) == 3
    changes = rows(engine, queries["changes since release N"], release=1)
    assert [(c["change"], c["merged_into"]) for c in changes] == [("updated", None), ("merged", survivor)]
    assert rows(engine, queries["changes since release N"], release=2) == []
    members = rows(engine, queries["all source records of golden ID X"], golden_id=survivor)
    assert [(m["source"], m["source_record_id"]) for m in members] == [("police", "P1"), ("police", "P2")]

    elderly = rows(engine, queries["persons in a county who turn 60 next month"], county="420506")
    assert {r["name"] for r in elderly} == {"李娜", "刘成"}  # 刘成's birth date comes from his ID
    assert all(r["birth_date"] == born_soon for r in elderly)


def test_readme_queries_run_on_the_sample_release(engine: sa.Engine) -> None:
    from .golden_helpers import ingest_samples

    ingest_samples(engine, "population")
    truth = truth_clusters("population")
    with engine.connect() as conn:
        staged = conn.execute(sa.text("SELECT source, source_record_id FROM staging.population"
                                      " WHERE superseded_by_batch_id IS NULL")).all()
    publish_release(engine, "population", create_run(engine, "population", {tuple(k): truth[tuple(k)]
                                                                            for k in staged}))
    queries = readme_queries()
    assert len(rows(engine, queries["current golden persons"])) == len({truth[tuple(k)] for k in staged})
    some = rows(engine, "SELECT golden_id, record_count FROM golden.population WHERE record_count > 2 LIMIT 1")[0]
    assert len(rows(engine, queries["all source records of golden ID X"], golden_id=some["golden_id"])) \
        == some["record_count"]
    rows(engine, queries["persons in a county who turn 60 next month"], county="420506")
