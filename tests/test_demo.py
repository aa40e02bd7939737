"""The demo, as the README's first command runs it, and the committed samples."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from chutian_mdm.db.embedded import EmbeddedPostgres
from chutian_mdm.demo import sample_files


def test_samples_cover_all_four_domains_from_several_departments() -> None:
    files = sample_files()
    assert set(files) == {"population", "legal_entity", "geospatial", "macroeconomic"}
    assert len({source for _, source in files["population"]}) >= 3
    formats = {path.suffix for paths in files.values() for path, _ in paths}
    assert {".csv", ".jsonl", ".parquet", ".xlsx"} <= formats


def test_demo_ingests_every_sample_row_and_reingest_is_a_noop(cli, engine: sa.Engine) -> None:
    code, out, err = cli("demo", "--quiet", "--json")
    assert code == 0, err
    summary = json.loads(out)
    batches = summary["batches"]
    assert len(batches) == sum(len(v) for v in sample_files().values())
    for batch in batches:
        assert batch["rows_in"] == batch["accepted"] + batch["quarantined"] > 0
        assert not batch["ignored_columns"], batch  # sample headers all map to canonical fields
    assert sum(b["quarantined"] for b in batches) > 0  # the samples carry quarantine bait
    with engine.connect() as conn:
        staged = conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM staging.population) + (SELECT count(*) FROM staging.legal_entity)"
            " + (SELECT count(*) FROM staging.geospatial) + (SELECT count(*) FROM staging.macroeconomic)"
        )).scalar_one()
        quarantined = conn.execute(sa.text("SELECT count(*) FROM staging.quarantine")).scalar_one()
    assert staged == sum(b["accepted"] for b in batches)
    assert quarantined == sum(b["quarantined"] for b in batches)

    runs = {r["domain"]: r for r in summary["runs"]}
    assert set(runs) == {"population", "legal_entity", "geospatial", "macroeconomic"}
    for domain, run in runs.items():
        assert run["status"] == "succeeded" and run["release"]["release"] == 1, domain
        with engine.connect() as conn:
            golden = conn.execute(sa.text(f"SELECT count(*) FROM golden.{domain}")).scalar_one()
            shared = conn.execute(sa.text(f"SELECT count(*) FROM open.{domain}")).scalar_one()
        assert golden == shared == run["clusters"] == run["release"]["golden_records"], domain
    with engine.connect() as conn:
        links = dict(conn.execute(sa.text("SELECT link, count(*) FROM golden.links GROUP BY 1")).all())
        regions = conn.execute(sa.text("SELECT count(*) FROM golden.regions")).scalar_one()
    assert set(links) == {"legal_representative", "registered_address", "address"} and regions > 3000

    code, out, _ = cli("demo", "--quiet", "--json")
    assert code == 0
    again = json.loads(out)
    assert all(b["already_ingested"] for b in again["batches"])
    assert all(r["status"] == "nothing_to_do" and r["release"] is None for r in again["runs"])


@pytest.mark.slow
def test_readme_first_command_runs_the_demo_on_the_embedded_default() -> None:
    """`chutian-mdm demo` with no database configured, as a user runs it after installing."""
    home = Path(tempfile.mkdtemp(prefix="chutian-mdm-demo-"))
    env = {k: v for k, v in os.environ.items() if k != "CHUTIAN_MDM_DATABASE_URL"}
    env["CHUTIAN_MDM_HOME"] = str(home)
    executable = Path(sys.executable).with_name("chutian-mdm")
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "chutian_mdm"]
    try:
        result = subprocess.run([*command, "demo"], env=env, capture_output=True, text=True,
                                timeout=600, check=False)
        assert result.returncode == 0, result.stderr
        assert "Sample batches" in result.stdout
        assert "published release 1" in result.stdout or "Matching and golden records" in result.stdout
        assert "accepted" in result.stdout and "quarantined" in result.stdout
        assert (home / "pgdata" / "PG_VERSION").exists()
    finally:
        EmbeddedPostgres(home).stop()
        shutil.rmtree(home, ignore_errors=True)


def test_demo_quarantines_exactly_the_rows_the_samples_break(cli, engine: sa.Engine) -> None:
    """The generator's truth lists every row it broke on purpose, with the rule it breaks."""
    import csv

    from chutian_mdm.resources import samples_dir

    code, _, err = cli("demo", "--quiet", "--json")
    assert code == 0, err
    with (samples_dir() / "truth" / "quarantine.csv").open(encoding="utf-8") as handle:
        bait = {(r["source"], int(r["row"])): r["rule"] for r in csv.DictReader(handle)}
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT source, row_number, reasons FROM staging.quarantine")).all()
    got = {(source, row): {r["code"] for r in reasons} for source, row, reasons in rows}
    assert set(got) == set(bait)
    for key, rule in bait.items():
        assert rule in got[key], (key, got[key])
