"""Matching and clustering, end to end on real PostgreSQL with real Splink/DuckDB.

The samples are ingested and a model trained once per session into a template database; each
test gets its own copy of it (a few tens of ms).
"""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from chutian_mdm.db.embedded import EmbeddedPostgres
from chutian_mdm.demo import sample_files
from chutian_mdm.ingest import ingest_file
from chutian_mdm.match import train_model
from chutian_mdm.pipeline import run_domain
from chutian_mdm.resources import samples_dir

from .conftest import Cli, new_database
from .helpers import citizen_id, person, with_wrong_check_digit, write_csv

SAMPLES_TEMPLATE = "chutian_samples_template"


@pytest.fixture(scope="session")
def samples_template(pg_server: EmbeddedPostgres, template_database: str) -> str:
    """A database with the population samples ingested and a model trained (no run yet)."""
    with psycopg.connect(pg_server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {SAMPLES_TEMPLATE} TEMPLATE {template_database} STRATEGY FILE_COPY")
    engine = sa.create_engine(pg_server.url(SAMPLES_TEMPLATE))
    for path, source in sample_files()["population"]:
        ingest_file(engine, "population", path, source)
    train_model(engine, "population")
    engine.dispose()
    return SAMPLES_TEMPLATE


@pytest.fixture
def samples_url(pg_server: EmbeddedPostgres, samples_template: str) -> str:
    return new_database(pg_server, samples_template)


@pytest.fixture
def samples_engine(samples_url: str):
    engine = sa.create_engine(samples_url)
    yield engine
    engine.dispose()


@pytest.fixture
def samples_cli(samples_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(samples_url, capsys)


def clusters_of_run(engine: sa.Engine, run_id: int) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT source, source_record_id, cluster_key FROM mdm.cluster_members WHERE run_id = :r"
        ), {"r": run_id}).all()
    return {(s, r): k for s, r, k in rows}


def partition(clusters: dict[tuple[str, str], str]) -> set[frozenset[tuple[str, str]]]:
    groups: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for key, cluster in clusters.items():
        groups[cluster].add(key)
    return {frozenset(g) for g in groups.values()}


def latest_run_id(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT max(run_id) FROM mdm.runs WHERE status = 'succeeded'")).scalar_one())


def truth() -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    root = samples_dir() / "truth"
    with (root / "population.csv").open(encoding="utf-8") as handle:
        entity_of = {(r["source"], r["source_record_id"]): r["entity_id"] for r in csv.DictReader(handle)}
    with (root / "population_entities.csv").open(encoding="utf-8") as handle:
        group_of = {r["entity_id"]: r["group"] for r in csv.DictReader(handle) if r["group"]}
    return entity_of, group_of


def test_run_after_ingesting_the_samples_finds_the_true_persons(samples_engine: sa.Engine, samples_cli: Cli) -> None:
    code, out, _ = samples_cli("run", "population")
    assert code == 0, out
    assert "clusters" in out and "candidate pairs" in out
    clusters = clusters_of_run(samples_engine, latest_run_id(samples_engine))
    entity_of, group_of = truth()
    true_pairs = found_pairs = correct = 0
    for a, b in itertools.combinations(sorted(clusters), 2):
        same_entity = entity_of[a] == entity_of[b]
        same_cluster = clusters[a] == clusters[b]
        true_pairs += same_entity
        found_pairs += same_cluster
        correct += same_entity and same_cluster
    # The samples' dirt is fully recoverable except a record with no ID, no birth date and no
    # phone: we demand (near) perfect precision and at most a couple of missed pairs.
    assert correct / found_pairs >= 0.999
    assert correct / true_pairs >= 0.995
    # Hard negatives: twins, fathers and sons, the many 张伟/王芳/李娜 — never in one cluster.
    by_group: dict[str, set[str]] = defaultdict(set)
    for key, cluster in clusters.items():
        group = group_of.get(entity_of[key])
        if group and group != "middle_dot_name":
            by_group[group].add(f"{entity_of[key]}@{cluster}")
    assert by_group, "the samples hold hard-negative groups"
    for group, members in by_group.items():
        entities_per_cluster: dict[str, set[str]] = defaultdict(set)
        for member in members:
            entity, cluster = member.split("@")
            entities_per_cluster[cluster].add(entity)
        assert all(len(e) == 1 for e in entities_per_cluster.values()), group


def test_every_current_record_lands_in_exactly_one_cluster(samples_engine: sa.Engine) -> None:
    result = run_domain(samples_engine, "population")
    with samples_engine.connect() as conn:
        current = conn.execute(sa.text(
            "SELECT count(*) FROM staging.population WHERE superseded_by_batch_id IS NULL")).scalar_one()
        members = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT (source, source_record_id)), min(match_probability), "
            "max(match_probability) FROM mdm.cluster_members WHERE run_id = :r"), {"r": result.run_id}).one()
    assert result.records == current == members[0] == members[1]
    assert 0.95 <= members[2] <= members[3] <= 1.0
    assert result.clusters < current


def test_rerun_without_new_records_has_nothing_to_do(samples_cli: Cli) -> None:
    assert samples_cli("run", "population")[0] == 0
    code, out, _ = samples_cli("run", "population")
    assert code == 3
    assert "nothing to do" in out
    code, out, _ = samples_cli("run", "population", "--full", "--json")
    assert code == 0 and '"mode": "full"' in out


def test_incremental_run_gives_the_same_clusters_as_a_full_run(
        pg_server: EmbeddedPostgres, template_database: str, tmp_path: Path) -> None:
    engine = sa.create_engine(new_database(pg_server, template_database))
    files = sample_files()["population"]
    for path, source in files[:2]:
        ingest_file(engine, "population", path, source)
    first = run_domain(engine, "population")
    assert first.trained_model and first.mode == "full"
    for path, source in files[2:]:
        ingest_file(engine, "population", path, source)
    # A changed record too: a new version of one police record (another phone number).
    changed = person("RY4200000835", name="丁欣", 公民身份号码=citizen_id("420115", "20091001", "332"),
                     性别="女", 出生日期="2009-10-01", 联系电话="13900001111")
    ingest_file(engine, "population", write_csv(tmp_path / "police_fix.csv", [changed]), "police")
    incremental = run_domain(engine, "population")
    assert incremental.mode == "incremental"
    assert incremental.compared_records < incremental.records
    full = run_domain(engine, "population", full=True)
    assert full.mode == "full" and full.compared_records == full.records
    assert partition(clusters_of_run(engine, incremental.run_id)) == partition(clusters_of_run(engine, full.run_id))
    engine.dispose()


def _add_constraint(engine: sa.Engine, kind: str, a: tuple[str, str], b: tuple[str, str]) -> None:
    left, right = sorted([a, b])
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO mdm.constraints (domain, kind, source_l, source_record_id_l, source_r, "
            "source_record_id_r, created_by) VALUES ('population', :kind, :sl, :il, :sr, :ir, 'test')"
        ), {"kind": kind, "sl": left[0], "il": left[1], "sr": right[0], "ir": right[1]})


def _chain_of_one_person(tmp_path: Path) -> Path:
    """Three records of one person without a usable ID: each strongly like the next."""
    rows = [person(f"CHAIN{i}", name="欧阳志远", 公民身份号码="", 出生日期="1971-02-13",
                   联系电话="13712345678", 户籍地址="湖北省武汉市洪山区珞喻路1037号5栋2单元301室",
                   户籍地行政区划="420111") for i in range(3)]
    return write_csv(tmp_path / "chain.csv", rows)


def test_cannot_link_is_honoured_even_through_a_chain_of_strong_links(
        samples_engine: sa.Engine, tmp_path: Path) -> None:
    ingest_file(samples_engine, "population", _chain_of_one_person(tmp_path), "police")
    before = clusters_of_run(samples_engine, run_domain(samples_engine, "population").run_id)
    assert before[("police", "CHAIN0")] == before[("police", "CHAIN1")] == before[("police", "CHAIN2")]
    _add_constraint(samples_engine, "cannot_link", ("police", "CHAIN0"), ("police", "CHAIN2"))
    result = run_domain(samples_engine, "population")
    assert result.status == "succeeded"  # a new constraint is reason enough to re-cluster
    after = clusters_of_run(samples_engine, result.run_id)
    assert after[("police", "CHAIN0")] != after[("police", "CHAIN2")]
    assert after[("police", "CHAIN1")] in (after[("police", "CHAIN0")], after[("police", "CHAIN2")])
    assert result.stats["refused_by_cannot_link"] >= 1


def test_must_link_joins_records_the_model_keeps_apart(samples_engine: sa.Engine) -> None:
    a, b = ("police", "RY4200000835"), ("police", "RY4200000928")  # 丁欣 and 乔志强
    before = clusters_of_run(samples_engine, run_domain(samples_engine, "population").run_id)
    assert before[a] != before[b]
    _add_constraint(samples_engine, "must_link", a, b)
    after = clusters_of_run(samples_engine, run_domain(samples_engine, "population").run_id)
    assert after[a] == after[b]
    # … and each keeps the rest of its cluster.
    assert {k for k, c in before.items() if c == before[a]} <= {k for k, c in after.items() if c == after[a]}


def test_two_valid_ids_never_share_a_cluster_even_through_an_id_less_record(
        samples_engine: sa.Engine, tmp_path: Path) -> None:
    common = {"出生日期": "2015-06-01", "联系电话": "13811112222",
              "户籍地址": "湖北省武汉市武昌区中北路1号3栋1单元101室", "户籍地行政区划": "420106"}
    rows = [
        person("TWIN_A", name="龚子涵", 公民身份号码=citizen_id("420106", "20150601", "013"), **common),
        person("TWIN_NOID", name="龚子涵", 公民身份号码="", **common),
        person("TWIN_B", name="龚子涵", 公民身份号码=citizen_id("420106", "20150601", "015"), **common),
    ]
    ingest_file(samples_engine, "population", write_csv(tmp_path / "twins.csv", rows), "police")
    clusters = clusters_of_run(samples_engine, run_domain(samples_engine, "population").run_id)
    assert clusters[("police", "TWIN_A")] != clusters[("police", "TWIN_B")]


def test_explain_shows_each_comparison_level_weight_and_the_probability(samples_cli: Cli) -> None:
    samples_cli("run", "population")
    code, out, _ = samples_cli("explain", "population", "police:RY4200000835", "civil_affairs:MZ-0000176")
    assert code == 0, out
    for text in ("prior", "name", "same name", "birth_date", "citizen_id", "household_division_code",
                 "match probability", "outcome: linked"):
        assert text in out, text
    code, out, _ = samples_cli("explain", "population", "police:RY4200000835", "police:RY4200000928", "--json")
    import json

    data = json.loads(out)
    assert data["match_probability"] < 0.5 and data["outcome"].startswith("kept apart")
    assert {c["comparison"] for c in data["comparisons"]} >= {"name", "birth_date", "citizen_id", "phone"}
    assert samples_cli("explain", "population", "police:nope", "police:RY4200000835")[0] == 2


def test_first_run_trains_a_model_and_later_runs_reuse_it(engine: sa.Engine, cli: Cli, tmp_path: Path) -> None:
    files = sample_files()["population"]
    for path, source in files[:3]:
        ingest_file(engine, "population", path, source)
    code, out, _ = cli("run", "population")
    assert code == 0 and "no model yet" in out and "trained model version 1" in out
    ingest_file(engine, "population", *files[3])
    code, out, _ = cli("run", "population", "--json")
    assert code == 0 and '"model_version": 1' in out and '"mode": "incremental"' in out
    with engine.connect() as conn:
        models = conn.execute(sa.text("SELECT version, record_count, settings ? 'comparisons' FROM mdm.models")).all()
        frequencies = conn.execute(sa.text("SELECT count(*) FROM mdm.model_term_frequencies")).scalar_one()
    assert models == [(1, models[0][1], True)] and frequencies > 0
    code, out, _ = cli("train", "population")
    assert code == 0 and "model version 2" in out
    code, out, _ = cli("run", "population")
    assert code == 0 and "a new model (version 2)" in out


def _review_pair(tmp_path: Path, name: str, updated: str = "2024-05-01 08:30:00") -> Path:
    """Two records that agree on a rare name, birth date, gender and ethnicity only: a pair to review."""
    rows = [
        person("REVIEW_A", name="钭思远", 公民身份号码="", 出生日期="1988-08-08", 联系电话="13700000001",
               户籍地址="湖北省武汉市江岸区沿江大道1号1栋1单元101室", 户籍地行政区划="420102", 民族="汉族",
               更新时间=updated),
        person("REVIEW_B", name="钭思远", 公民身份号码="", 出生日期="1988-08-08", 联系电话="13900000002",
               户籍地址="湖北省宜昌市西陵区东山大道99号", 户籍地行政区划="420502", 民族="汉族"),
    ]
    return write_csv(tmp_path / name, rows)


def test_review_queue_gets_pairs_between_the_thresholds_and_a_decided_pair_never_comes_back(
        samples_engine: sa.Engine, tmp_path: Path) -> None:
    ingest_file(samples_engine, "population", _review_pair(tmp_path, "review.csv"), "police")
    run_domain(samples_engine, "population")
    query = sa.text("SELECT review_id, status, record_id_l, record_id_r, match_probability FROM mdm.review_queue "
                    "WHERE source_record_id_l LIKE 'REVIEW%' AND source_record_id_r LIKE 'REVIEW%' ORDER BY review_id")
    with samples_engine.connect() as conn:
        queued = conn.execute(query).all()
    assert len(queued) == 1 and queued[0].status == "open" and 0.5 <= queued[0].match_probability < 0.95
    with samples_engine.begin() as conn:
        conn.execute(sa.text("UPDATE mdm.review_queue SET status = 'rejected', decided_by = 'test' "
                             "WHERE review_id = :id"), {"id": queued[0].review_id})
    run_domain(samples_engine, "population", full=True)
    with samples_engine.connect() as conn:
        assert conn.execute(query).all() == [(*queued[0][:1], "rejected", *queued[0][2:])]
    # A new version of one of the records is a new pair to review.
    ingest_file(samples_engine, "population",
                _review_pair(tmp_path, "review2.csv", updated="2025-01-01 00:00:00"), "police")
    run_domain(samples_engine, "population")
    with samples_engine.connect() as conn:
        rows = conn.execute(query).all()
    assert [r.status for r in rows] == ["rejected", "open"]
    assert (rows[1].record_id_l, rows[1].record_id_r) != (rows[0].record_id_l, rows[0].record_id_r)
    # An open pair whose record changes again is superseded by the pair of the new versions.
    ingest_file(samples_engine, "population",
                _review_pair(tmp_path, "review3.csv", updated="2025-06-01 00:00:00"), "police")
    run_domain(samples_engine, "population")
    with samples_engine.connect() as conn:
        assert [r.status for r in conn.execute(query).all()] == ["rejected", "superseded", "open"]


def test_runs_of_a_domain_never_overlap(samples_url: str, samples_cli: Cli) -> None:
    with psycopg.connect(samples_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext('chutian-mdm:run:population'))")
        code, _, err = samples_cli("run", "population")
    assert code == 5 and "in progress" in err


def test_runs_lists_each_run_with_its_status(samples_cli: Cli) -> None:
    samples_cli("run", "population")
    samples_cli("run", "population")
    code, out, _ = samples_cli("runs", "--json")
    assert code == 0
    import json

    runs = json.loads(out)
    assert [r["status"] for r in runs] == ["nothing_to_do", "succeeded"]
    assert runs[1]["mode"] == "full" and runs[1]["stats"]["clusters"] > 0


def test_run_on_a_domain_without_records_has_nothing_to_do(cli: Cli) -> None:
    code, out, _ = cli("run")
    assert code == 3 and "no current records" in out
    code, _, err = cli("run", "nosuchdomain")
    assert code == 2 and "unknown domain" in err


def test_twins_sharing_birthday_flat_and_phone_are_reviewed_not_merged(
        samples_engine: sa.Engine, tmp_path: Path) -> None:
    """One twin's record has no usable ID: the model sees a birthday, a flat and a guardian's
    phone in common, but the names disagree and no ID confirms — review, never a link."""
    flat = {"出生日期": "2016-03-09", "联系电话": "13377778888", "户籍地行政区划": "420111",
            "户籍地址": "湖北省武汉市洪山区珞喻路88号2栋1单元502室", "性别": "女"}
    rows = [
        person("TW_1", name="龚佳怡", 公民身份号码=citizen_id("420111", "20160309", "022"), **flat),
        person("TW_1B", name="龚佳怡", 公民身份号码=citizen_id("420111", "20160309", "022"), **flat),
        person("TW_2", name="龚佳欣", 公民身份号码="4201112016030902", **flat),  # unusable ID
    ]
    ingest_file(samples_engine, "population", write_csv(tmp_path / "twins.csv", rows), "police")
    result = run_domain(samples_engine, "population")
    clusters = clusters_of_run(samples_engine, result.run_id)
    assert clusters[("police", "TW_1")] == clusters[("police", "TW_1B")] != clusters[("police", "TW_2")]
    with samples_engine.connect() as conn:
        queued = conn.execute(sa.text(
            "SELECT count(*) FROM mdm.review_queue WHERE source_record_id_r = 'TW_2' OR source_record_id_l = 'TW_2'"
        )).scalar_one()
    assert queued >= 1


def test_father_and_son_with_one_name_at_one_address_are_not_merged(
        samples_engine: sa.Engine, tmp_path: Path) -> None:
    home = {"户籍地址": "湖北省宜昌市夷陵区发展大道22号19栋2单元2603室", "户籍地行政区划": "420506", "联系电话": ""}
    rows = [
        person("FS_FATHER", name="颜佳彬", 出生日期="1967-03-14",
               公民身份号码=with_wrong_check_digit(citizen_id("420506", "19670314", "479")), **home),
        person("FS_FATHER2", name="颜佳彬", 出生日期="1967-03-14", 公民身份号码="", **home),
        person("FS_SON", name="颜佳彬", 出生日期="1999-01-13",
               公民身份号码=citizen_id("420506", "19990113", "549"), **home),
    ]
    ingest_file(samples_engine, "population", write_csv(tmp_path / "father_son.csv", rows), "police")
    clusters = clusters_of_run(samples_engine, run_domain(samples_engine, "population").run_id)
    assert clusters[("police", "FS_FATHER")] == clusters[("police", "FS_FATHER2")]
    assert clusters[("police", "FS_SON")] != clusters[("police", "FS_FATHER")]


def test_changed_thresholds_make_the_next_run_match_everything(
        samples_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import chutian_mdm.pipeline as pipeline
    from chutian_mdm.match.spec import Thresholds

    run_domain(samples_engine, "population")
    monkeypatch.setattr(pipeline, "thresholds", lambda domain: Thresholds(match=0.99, review=0.3))
    result = run_domain(samples_engine, "population")
    assert result.mode == "full" and result.full_reason and "configuration" in result.full_reason
    assert run_domain(samples_engine, "population").status == "nothing_to_do"
