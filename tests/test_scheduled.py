"""Unattended runs: `run --inbox`, exit codes, JSON summary and JSON logs, no overlap."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import sqlalchemy as sa

from chutian_mdm.db.locks import domain_lock
from chutian_mdm.demo import sample_files

from .helpers import citizen_id, person, write_csv

NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴霞", "徐明", "孙丽"]


def clean_people(count: int = 12) -> list[dict[str, str]]:
    """Valid, distinct persons: enough records to train a matching model."""
    return [person(f"P{i}", NAMES[i % len(NAMES)], 公民身份号码=citizen_id(sequence=f"{101 + 2 * i:03d}"),
                   联系电话=f"1381234{i:04d}") for i in range(count)]


def fill_inbox(inbox: Path) -> None:
    inbox.mkdir(exist_ok=True)
    for path, source in sample_files()["population"][:2]:
        shutil.copy(path, inbox / f"population__{source}__{path.name}")


def test_run_inbox_ingests_matches_publishes_and_reports_partial(cli, engine: sa.Engine, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    fill_inbox(inbox)
    (inbox / "mystery.csv").write_text("a,b\n1,2\n", encoding="utf-8")

    code, out, err = cli("run", "--inbox", str(inbox), "--json", "--quiet")

    summary = json.loads(out)
    assert code == 4 and summary["status"] == "partial", err  # the samples carry quarantine bait
    assert len(summary["inbox"]["ingested"]) == 2
    assert summary["inbox"]["failed"][0]["file"] == "mystery.csv"
    population = next(r for r in summary["runs"] if r["domain"] == "population")
    assert population["status"] == "succeeded" and population["release"]["release"] == 1
    with engine.connect() as conn:
        golden = conn.execute(sa.text("SELECT count(*) FROM golden.population")).scalar_one()
    assert golden == population["release"]["golden_records"] > 0
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == sorted(
        f"population__{s}__{p.name}" for p, s in sample_files()["population"][:2])
    assert (inbox / "failed" / "mystery.csv.reason.txt").exists()

    code, out, _ = cli("run", "--inbox", str(inbox), "--json", "--quiet")
    assert code == 3 and json.loads(out)["status"] == "nothing_to_do"


def test_clean_new_file_gives_success(cli, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "population__police__1.csv", clean_people())
    code, out, err = cli("run", "--inbox", str(inbox), "--json", "--quiet")
    assert code == 0, err
    assert json.loads(out)["status"] == "success"


def test_a_second_run_of_a_domain_exits_locked_at_once(cli, engine: sa.Engine, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "population__police__1.csv", clean_people())
    with domain_lock(engine, "population"):
        code, out, _err = cli("run", "population", "--inbox", str(inbox), "--json", "--quiet")
        assert code == 5
        summary = json.loads(out)
        assert summary["status"] == "locked"
        assert "population: another run" in summary["locked"][0]["message"]
        assert len(summary["inbox"]["ingested"]) == 1  # files are taken even while matching waits
    code, out, _ = cli("run", "population", "--json", "--quiet")
    assert code == 0 and json.loads(out)["runs"][0]["release"]["release"] == 1


def test_json_log_lines_for_log_shippers(cli, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "population__police__1.csv", [*clean_people(), person("P99", "")])
    (inbox / "bad__name.csv").write_text("x\n", encoding="utf-8")
    code, _, err = cli("run", "--inbox", str(inbox), "--log-format", "json", "--quiet")
    assert code == 4
    events = [json.loads(line) for line in err.splitlines() if line.strip()]
    kinds = {e["event"] for e in events}
    assert {"file_ingested", "file_failed", "run_finished"} <= kinds
    ingested = next(e for e in events if e["event"] == "file_ingested")
    assert (ingested["domain"], ingested["rows_in"], ingested["quarantined"]) == ("population", 13, 1)
    assert all({"ts", "level", "message"} <= e.keys() for e in events)


def test_passwords_in_urls_never_reach_the_logs() -> None:
    from chutian_mdm.log import _redacted

    assert "s3cret" not in _redacted("cannot connect to postgresql://mdm:s3cret@db.example/chutian")


def test_unknown_log_format_is_a_usage_error(cli) -> None:
    code, _, err = cli("run", "--log-format", "xml")
    assert code == 2 and "unknown log format 'xml'" in err
