"""The golden-record commands, run as a user runs them, against a real database."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from .golden_helpers import golden_id_of, ingest_samples, rows, truth_run


@pytest.fixture
def published(engine: sa.Engine, cli) -> sa.Engine:  # type: ignore[no-untyped-def]
    for domain in ("population", "legal_entity"):
        ingest_samples(engine, domain)
        run_id = truth_run(engine, domain)
        code, out, err = cli("golden", "publish", domain, "--run", str(run_id), "--quiet")
        assert code == 0, err
        assert "release 1" in out
    return engine


def test_publish_again_says_nothing_changed_with_exit_code_3(published: sa.Engine, cli) -> None:  # type: ignore[no-untyped-def]
    truth_run(published, "population")
    code, out, _ = cli("golden", "publish", "population", "--json")  # the latest run by default
    assert code == 3
    result = json.loads(out)
    assert result["release"] is None and result["published"] is False
    assert result["previous_release"] == 1


def test_golden_show_lists_attributes_with_lineage_and_source_records(published: sa.Engine, cli) -> None:  # type: ignore[no-untyped-def]
    golden_id = golden_id_of(published, "population", "police", "RY4200000006")
    code, out, err = cli("golden", "show", golden_id.lower())  # IDs are case-insensitive
    assert code == 0, err
    assert golden_id in out and "current since release 1" in out
    assert "RY4200000006" in out and "police" in out
    code, out, _ = cli("golden", "show", golden_id, "--json")
    record = json.loads(out)
    assert record["domain"] == "population" and record["golden_id"] == golden_id
    assert record["lineage"]["name"]["source"] in {m["source"] for m in record["members"]}
    assert {"source": "police", "source_record_id": "RY4200000006"}.items() <= \
        next(m for m in record["members"] if m["source_record_id"] == "RY4200000006").items()
    assert record["record_count"] == len(record["members"])


def test_golden_history_shows_versions_and_changes(published: sa.Engine, cli) -> None:  # type: ignore[no-untyped-def]
    golden_id = golden_id_of(published, "legal_entity", "market_regulation", "420000000000005")
    code, out, err = cli("golden", "history", golden_id)
    assert code == 0, err
    assert "1–now" in out and f"release 1: {golden_id} created" in out
    code, out, _ = cli("golden", "history", golden_id, "--json")
    history = json.loads(out)
    assert [v["valid_from_release"] for v in history["versions"]] == [1]
    assert history["changes"] == [{"release": 1, "golden_id": golden_id, "change": "created",
                                   "merged_into": None, "split_from": None}]


def test_golden_search_by_name_id_and_phone(published: sa.Engine, cli) -> None:  # type: ignore[no-untyped-def]
    person = rows(published, "SELECT golden_id, name, citizen_id, phone FROM golden.population"
                             " WHERE citizen_id IS NOT NULL AND phone LIKE '1%' ORDER BY golden_id LIMIT 1")[0]
    code, out, _ = cli("golden", "search", "--id", person["citizen_id"].lower(), "--json")
    assert code == 0
    assert [r["golden_id"] for r in json.loads(out)] == [person["golden_id"]]
    spaced = f"+86 {person['phone'][:3]}-{person['phone'][3:7]}-{person['phone'][7:]}"
    code, out, _ = cli("golden", "search", "--phone", spaced, "--json")
    assert person["golden_id"] in [r["golden_id"] for r in json.loads(out)]
    code, out, _ = cli("golden", "search", "--name", person["name"])
    assert code == 0 and person["golden_id"] in out
    company = rows(published, "SELECT golden_id, name, uscc FROM golden.legal_entity WHERE uscc IS NOT NULL LIMIT 1")[0]
    code, out, _ = cli("golden", "search", "--id", company["uscc"], "--json")
    assert [r["golden_id"] for r in json.loads(out)] == [company["golden_id"]]
    code, out, _ = cli("golden", "search", "--name", "没有这个名字")
    assert code == 0 and "No golden record found." in out


def test_releases_and_changes_since(published: sa.Engine, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("releases", "--json")
    assert code == 0
    assert sorted((r["domain"], r["release"]) for r in json.loads(out)) == [("legal_entity", 1), ("population", 1)]
    code, out, _ = cli("releases", "population", "--json")
    assert code == 0 and [r["domain"] for r in json.loads(out)] == ["population"]
    code, out, _ = cli("releases")
    assert code == 0 and "Releases" in out
    code, out, _ = cli("changes", "population", "--since", "0", "--json")
    created = json.loads(out)
    assert len(created) == rows(published, "SELECT count(*) AS n FROM golden.population")[0]["n"]
    assert {c["change"] for c in created} == {"created"}
    code, out, _ = cli("changes", "population", "--since", "1")
    assert code == 0 and "No changes to population since release 1." in out


@pytest.mark.parametrize(("args", "code", "message"), [
    (("golden", "show", "XYZ-12"), 2, "is not a golden ID; golden IDs start with PSN-"),
    (("golden", "show", "PSN-0000999999"), 1, "no golden record PSN-0000999999 in population"),
    (("golden", "search"), 2, "search for something: --name, --id or --phone"),
    (("golden", "search", "--id", "420106199003051230"), 2, "check digit"),
    (("golden", "search", "--domain", "geospatial", "--phone", "13812345678"), 2, "cannot be searched by phone"),
    (("golden", "publish", "population", "--run", "999"), 1, "no matching run 999"),
    (("golden", "publish", "geospatial"), 2, "no matching run of geospatial yet"),
    (("changes", "people"), 2, "unknown domain 'people'"),
])
def test_errors_are_one_clear_line_with_documented_exit_codes(
        published: sa.Engine, cli, args: tuple[str, ...], code: int, message: str) -> None:  # type: ignore[no-untyped-def]
    result, _, err = cli(*args)
    assert result == code
    assert message in err
    assert "Traceback" not in err


def test_a_merged_golden_id_still_shows_its_last_version_and_where_it_went(
        engine: sa.Engine, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from .golden_helpers import create_run, stage_rows

    stage_rows(engine, tmp_path, "population", "police", [
        {"source_record_id": "P1", "name": "张伟"}, {"source_record_id": "P2", "name": "张伟"}])
    cli("golden", "publish", "population", "--run",
        str(create_run(engine, "population", {("police", "P1"): "a", ("police", "P2"): "b"})))
    absorbed = golden_id_of(engine, "population", "police", "P2")
    cli("golden", "publish", "population", "--run",
        str(create_run(engine, "population", {("police", "P1"): "a", ("police", "P2"): "a"})))
    survivor = golden_id_of(engine, "population", "police", "P1")
    code, out, _ = cli("golden", "show", absorbed, "--json")
    assert code == 0
    record = json.loads(out)
    assert record["valid_to_release"] == 2 and [m["source_record_id"] for m in record["members"]] == ["P2"]
    code, out, _ = cli("golden", "history", absorbed)
    assert code == 0 and f"release 2: {absorbed} merged into {survivor}" in out
    code, out, _ = cli("golden", "show", absorbed)
    assert "retired in release 2" in out
