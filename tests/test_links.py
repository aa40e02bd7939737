"""Links across the databases (golden.links, golden.link_releases, golden.regions): found as
schemas/links.yaml says, published in the release's own transaction, versioned, and the README's
join queries."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from chutian_mdm.db import golden_tables
from chutian_mdm.db.embedded import EmbeddedPostgres
from chutian_mdm.demo import sample_files
from chutian_mdm.golden import publish_release
from chutian_mdm.golden.links import link_types, open_link_names
from chutian_mdm.ingest import ingest_file
from chutian_mdm.pipeline import run_domain
from chutian_mdm.resources import migrations_dir, samples_dir
from chutian_mdm.standardize import divisions

from .conftest import new_database
from .golden_helpers import create_run, golden_id_of, rows, singletons, stage_rows
from .helpers import citizen_id
from .test_crash_safety import kill_at_failpoint, start_killable

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
LINKED = ("population", "legal_entity", "geospatial")


def readme_queries() -> dict[str, str]:
    """The SQL blocks of the README's section on links, by their first-line comment."""
    section = README.split("## Links across the databases", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.S)
    return {block.splitlines()[0].removeprefix("-- ").strip(): block for block in blocks}


@pytest.fixture(scope="module")
def published(pg_server: EmbeddedPostgres, template_database: str) -> Iterator[sa.Engine]:
    """The samples of all four domains ingested, matched and published (read-only for tests)."""
    engine = sa.create_engine(new_database(pg_server, template_database))
    for domain, files in sample_files().items():
        for path, source in files:
            ingest_file(engine, domain, path, source)
    for domain in (*LINKED, "macroeconomic"):
        run_domain(engine, domain)
    yield engine
    engine.dispose()


def entity_of(engine: sa.Engine) -> dict[str, str]:
    """golden ID -> true entity, through the xref and data/samples/truth."""
    out: dict[str, str] = {}
    for domain in LINKED:
        with (samples_dir() / "truth" / f"{domain}.csv").open(encoding="utf-8") as handle:
            truth = {(r["source"], r["source_record_id"]): r["entity_id"] for r in csv.DictReader(handle)}
        for x in rows(engine, f"SELECT golden_id, source, source_record_id FROM golden.{domain}_xref "
                              "WHERE valid_to_release IS NULL"):
            out[x["golden_id"]] = truth[(x["source"], x["source_record_id"])]
    return out


def true_links() -> set[tuple[str, str, str]]:
    with (samples_dir() / "truth" / "links.csv").open(encoding="utf-8") as handle:
        return {(r["link"], r["from_entity_id"], r["to_entity_id"]) for r in csv.DictReader(handle)}


def test_links_on_the_samples_point_at_the_true_persons_and_places(published: sa.Engine) -> None:
    links = rows(published, "SELECT * FROM golden.links")
    entities, truth = entity_of(published), true_links()
    correct = Counter((link["link"], link["method"]) for link in links
                      if (link["link"], entities[link["from_golden_id"]], entities[link["to_golden_id"]]) in truth)
    found = Counter((link["link"], link["method"]) for link in links)
    # By citizen ID and by address: every link right.
    assert found[("legal_representative", "citizen_id")] == correct[("legal_representative", "citizen_id")] >= 250
    for kind in ("address", "registered_address"):
        assert sum(n for (k, _), n in found.items() if k == kind) == \
            sum(n for (k, _), n in correct.items() if k == kind)
    assert correct[("address", "address")] >= 25 and correct[("address", "building")] >= 8
    assert correct[("registered_address", "address")] >= 20
    # By name and region (no ID anywhere): fewer, less certain, mostly right.
    by_name = [link for link in links if link["method"] in ("name_county", "name_city")]
    assert len(by_name) >= 10
    assert sum(correct[("legal_representative", m)] for m in ("name_county", "name_city")) >= 0.8 * len(by_name)
    confidence = {m.name: m.confidence for t in link_types().values() for m in t.methods}
    assert all(link["confidence"] == confidence[link["method"]] < 1.0 for link in by_name)
    # A company has at most one legal representative.
    assert max(Counter(link["from_golden_id"] for link in links if link["link"] == "legal_representative")
               .values()) == 1

    # Every link points at current golden records of the right domains.
    for link in links:
        for side in ("from", "to"):
            assert rows(published, f"SELECT 1 FROM golden.{link[side + '_domain']} WHERE golden_id = :g",
                        g=link[f"{side}_golden_id"]), link


def test_each_release_of_a_linked_domain_publishes_a_link_release(published: sa.Engine) -> None:
    releases = rows(published, "SELECT * FROM golden.link_releases ORDER BY link_release")
    assert [(r["domain"], r["release"]) for r in releases] == [(d, 1) for d in LINKED]
    assert releases[-1]["releases"] == {"population": 1, "legal_entity": 1, "geospatial": 1}
    assert releases[0]["links"] == 0  # no companies or places yet
    assert releases[-1]["links"] == len(rows(published, "SELECT * FROM golden.links"))
    assert sum(r["opened"] for r in releases) - sum(r["closed"] for r in releases) == releases[-1]["links"]


def test_regions_give_every_division_code_its_name_and_hierarchy(published: sa.Engine) -> None:
    assert rows(published, "SELECT count(*) AS n FROM golden.regions")[0]["n"] == len(divisions.table())
    hongshan = rows(published, "SELECT * FROM golden.regions WHERE code = '420111'")[0]
    assert {k: hongshan[k] for k in ("name", "full_name", "level", "province_code", "city_code", "parent_code",
                                     "retired")} == {
        "name": "洪山区", "full_name": "湖北省武汉市洪山区", "level": "county", "province_code": "420000",
        "city_code": "420100", "parent_code": "420100", "retired": False}
    assert rows(published, "SELECT level, parent_code FROM golden.regions WHERE code = '420100'")[0] == \
        {"level": "city", "parent_code": "420000"}
    xiantao = rows(published, "SELECT city_code, parent_code FROM golden.regions WHERE code = '429004'")[0]
    assert xiantao == {"city_code": None, "parent_code": "420000"}  # 仙桃市: under the province directly
    assert rows(published, "SELECT retired FROM golden.regions WHERE code = '420122'")[0]["retired"]  # 武昌县
    # Every division code of every golden record has its region.
    for domain in ("population", "legal_entity", "geospatial", "macroeconomic"):
        column = "household_division_code" if domain == "population" else "division_code"
        assert not rows(published, f"SELECT {column} FROM golden.{domain} g WHERE {column} IS NOT NULL "
                                   f"AND NOT EXISTS (SELECT 1 FROM golden.regions r WHERE r.code = g.{column})")


def test_open_data_shows_only_the_open_links(published: sa.Engine) -> None:
    assert open_link_names() == ["registered_address"]
    shown = {r["link"] for r in rows(published, "SELECT DISTINCT link FROM open.links")}
    assert shown == {"registered_address"}
    assert rows(published, "SELECT count(*) AS n FROM open.regions")[0]["n"] == len(divisions.table())


def test_readme_join_queries_answer_what_they_promise(published: sa.Engine) -> None:
    queries = readme_queries()
    assert set(queries) == {"companies whose legal representative is golden person X",
                            "persons living at golden place X", "companies per county",
                            "links as published with release N of a domain"}
    busiest = rows(published, """SELECT to_golden_id AS person, count(*) AS n FROM golden.links
                                 WHERE link = 'legal_representative' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1""")[0]
    companies = rows(published, queries["companies whose legal representative is golden person X"],
                     golden_id=busiest["person"])
    assert len(companies) == busiest["n"] and all(c["golden_id"].startswith("ORG-") for c in companies)

    place = rows(published, """SELECT to_golden_id FROM golden.links WHERE link = 'address' AND method = 'building'
                               LIMIT 1""")[0]["to_golden_id"]
    residents = rows(published, queries["persons living at golden place X"], golden_id=place)
    building = rows(published, "SELECT address_standard FROM golden.geospatial WHERE golden_id = :g", g=place)[0]
    assert residents and all(r["address_standard"].startswith(building["address_standard"]) for r in residents)

    per_county = {r["code"]: r["companies"] for r in rows(published, queries["companies per county"])}
    expected = Counter(r["division_code"] for r in rows(published, "SELECT division_code FROM golden.legal_entity")
                       if r["division_code"] and divisions.lookup(r["division_code"]).level == "county")
    assert per_county == dict(expected) and per_county["420111"] > 0

    as_published = rows(published, queries["links as published with release N of a domain"],
                        domain="legal_entity", release=1)
    assert len(as_published) == rows(published, "SELECT links FROM golden.link_releases "
                                                "WHERE domain = 'legal_entity'")[0]["links"]


# -- found as declared, versioned with the releases ------------------------------------------------


def person(record_id: str, name: str, county: str, sequence: str | None = None) -> dict[str, str]:
    row = {"source_record_id": record_id, "name": name, "household_division_code": county,
           "updated_at": "2024-05-01 08:00:00"}
    if sequence:
        row["citizen_id"] = citizen_id(region=county, sequence=sequence)
    return row


def company(record_id: str, representative: str, county: str, representative_id: str = "") -> dict[str, str]:
    return {"source_record_id": record_id, "name": f"武汉{record_id}科技有限公司",
            "legal_representative": representative, "legal_representative_id": representative_id,
            "division_code": county, "updated_at": "2024-05-01 08:00:00"}


def publish_singletons(engine: sa.Engine, domain: str, **moved: str) -> int:
    with engine.connect() as conn:
        keys = [tuple(r) for r in conn.execute(sa.text(
            f"SELECT source, source_record_id FROM staging.{domain} WHERE superseded_by_batch_id IS NULL"))]
    clusters = {**singletons(keys), **{(domain_source(domain), k): v for k, v in moved.items()}}
    result = publish_release(engine, domain, create_run(engine, domain, clusters))
    assert result.link_release is not None
    return result.link_release


def domain_source(domain: str) -> str:
    return {"population": "police", "legal_entity": "market_regulation"}[domain]


def links_now(engine: sa.Engine) -> dict[str, tuple[str, str, float]]:
    """company source record -> (person source record, method, confidence)."""
    return {
        r["company"]: (r["person"], r["method"], r["confidence"]) for r in rows(engine, """
            SELECT c.source_record_id AS company, p.source_record_id AS person, l.method, l.confidence
            FROM golden.links l
            JOIN golden.legal_entity_xref c ON c.golden_id = l.from_golden_id AND c.valid_to_release IS NULL
            JOIN golden.population_xref p ON p.golden_id = l.to_golden_id AND p.valid_to_release IS NULL
            WHERE l.link = 'legal_representative' ORDER BY 1, 2""")}


def test_a_representative_is_found_by_citizen_id_else_by_the_only_namesake_in_county_or_city(
        engine: sa.Engine, tmp_path: Path) -> None:
    stage_rows(engine, tmp_path, "population", "police", [
        person("P1", "张伟", "420106", "111"), person("P2", "李娜", "420111"),
        person("P3", "王芳", "420106"), person("P4", "王芳", "420106"), person("P5", "刘成", "420102"),
        person("P6", "赵敏", "420106", "333"),
    ])
    publish_singletons(engine, "population")
    stage_rows(engine, tmp_path, "legal_entity", "market_regulation", [
        company("C1", "张伟", "420111", citizen_id(region="420106", sequence="111")),  # by ID, not by county
        company("C2", "李娜", "420111"),  # the only 李娜 in 洪山区
        company("C3", "王芳", "420106"),  # two 王芳 in 武昌区: no guess
        company("C4", "刘成", "420111"),  # no 刘成 in 洪山区, one in 武汉市
        company("C5", "赵敏", "420106", citizen_id(region="420106", sequence="555")),  # an ID no person has
    ])
    publish_singletons(engine, "legal_entity")
    found = links_now(engine)
    assert found == {"C1": ("P1", "citizen_id", 1.0), "C2": ("P2", "name_county", 0.9),
                     "C4": ("P5", "name_city", 0.7)}


def test_links_follow_a_merge_in_the_same_release_and_keep_their_history(
        engine: sa.Engine, tmp_path: Path) -> None:
    number = citizen_id(region="420106", sequence="111")
    stage_rows(engine, tmp_path, "population", "police", [
        person("P1", "张伟", "420106"), {**person("P2", "张伟", "420106"), "citizen_id": number}])
    first = publish_singletons(engine, "population")
    stage_rows(engine, tmp_path, "legal_entity", "market_regulation", [company("C1", "张伟", "420106", number)])
    second = publish_singletons(engine, "legal_entity")
    p1, p2 = (golden_id_of(engine, "population", "police", p) for p in ("P1", "P2"))
    c1 = golden_id_of(engine, "legal_entity", "market_regulation", "C1")
    assert rows(engine, "SELECT to_golden_id FROM golden.links")[0]["to_golden_id"] == p2

    # Release 2 of population: P2 is P1 (P1's ID lives on, P2's is merged into it). The link
    # moves in the same transaction.
    third = publish_singletons(engine, "population", P2="police:P1")
    assert golden_id_of(engine, "population", "police", "P2") == p1
    assert [(r["from_golden_id"], r["to_golden_id"]) for r in rows(engine, "SELECT * FROM golden.links")] == \
        [(c1, p1)]
    history = rows(engine, "SELECT to_golden_id, valid_from_link_release, valid_to_link_release "
                           "FROM golden.links_history ORDER BY valid_from_link_release")
    assert [tuple(h.values()) for h in history] == [(p2, second, third), (p1, third, None)]
    releases = rows(engine, "SELECT link_release, domain, release, releases FROM golden.link_releases ORDER BY 1")
    assert [(r["link_release"], r["domain"], r["release"]) for r in releases] == \
        [(first, "population", 1), (second, "legal_entity", 1), (third, "population", 2)]
    assert releases[-1]["releases"] == {"population": 2, "legal_entity": 1}
    as_published = readme_queries()["links as published with release N of a domain"]
    assert [r["to_golden_id"] for r in rows(engine, as_published, domain="legal_entity", release=1)] == [p2]
    assert [r["to_golden_id"] for r in rows(engine, as_published, domain="population", release=2)] == [p1]


def test_a_publish_killed_before_commit_leaves_release_and_links_as_they_were(
        engine: sa.Engine, database_url: str, tmp_path: Path) -> None:
    number = citizen_id(region="420106", sequence="111")
    stage_rows(engine, tmp_path, "population", "police", [{**person("P1", "张伟", "420106"), "citizen_id": number}])
    publish_singletons(engine, "population")
    stage_rows(engine, tmp_path, "legal_entity", "market_regulation", [company("C1", "张伟", "420106", number)])
    run_id = create_run(engine, "legal_entity", {("market_regulation", "C1"): "c1"})
    marker = tmp_path / "marker"
    process = start_killable(database_url, "publish:written", marker, "golden", "publish", "legal_entity",
                             "--run", str(run_id))
    kill_at_failpoint(process, marker)
    assert rows(engine, "SELECT count(*) AS n FROM golden.link_releases")[0]["n"] == 1
    assert not rows(engine, "SELECT * FROM golden.links") and not rows(engine, "SELECT * FROM golden.legal_entity")

    retry = subprocess.run([sys.executable, "-m", "chutian_mdm", "--database-url", database_url, "golden",
                            "publish", "legal_entity", "--run", str(run_id)], capture_output=True, text=True,
                           check=False)
    assert retry.returncode == 0, retry.stderr
    assert len(rows(engine, "SELECT * FROM golden.links")) == 1
    assert rows(engine, "SELECT domain, release FROM golden.link_releases ORDER BY link_release")[-1] == \
        {"domain": "legal_entity", "release": 1}


# -- the migration against its descriptions ---------------------------------------------------------


def _columns(engine: sa.Engine, schema: str, name: str) -> dict[str, str]:
    return {c["name"]: str(c["type"].compile(dialect=engine.dialect)).split("(")[0]
            for c in sa.inspect(engine).get_columns(name, schema=schema)}


def test_link_tables_match_their_definitions_and_the_open_view_the_schema_file(engine: sa.Engine) -> None:
    for table in (golden_tables.regions, golden_tables.link_releases, golden_tables.links_history,
                  golden_tables.links_view):
        expected = {c.name: str(c.type.compile(dialect=engine.dialect)).split("(")[0] for c in table.columns}
        assert _columns(engine, "golden", table.name) == expected, table.name
    indexes = {i["name"]: i["column_names"] for i in sa.inspect(engine).get_indexes("links_history", schema="golden")}
    assert indexes == {i.name: [c.name for c in i.columns] for i in golden_tables.links_history.indexes}
    migration = (migrations_dir() / "versions" / "0006_links.py").read_text(encoding="utf-8")
    frozen = re.search(r"OPEN_LINKS = \((.*?)\)", migration)
    assert frozen and re.findall(r'"(\w+)"', frozen.group(1)) == open_link_names()
    assert set(_columns(engine, "open", "links")) == set(_columns(engine, "golden", "links")) - {
        "valid_from_link_release"}


def test_the_roles_read_links_and_regions_as_their_schemas_allow(database_url: str) -> None:
    url = sa.make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET ROLE chutian_reader")
        conn.execute("SELECT * FROM golden.links, golden.links_history, golden.link_releases, golden.regions, "
                     "open.links, open.regions LIMIT 1")
        conn.execute("SET ROLE chutian_open")
        conn.execute("SELECT * FROM open.links, open.regions LIMIT 1")
        for table in ("golden.links", "golden.links_history", "golden.regions"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT 1 FROM {table} LIMIT 1")
