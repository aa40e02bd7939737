"""A run killed with SIGKILL at any point leaves no half batch or half release behind, and the
next run completes with the same result as an uninterrupted one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from .helpers import person, write_csv


def start_killable(database_url: str, failpoint: str, marker: Path, *args: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, CHUTIAN_MDM_FAILPOINT=failpoint, CHUTIAN_MDM_FAILPOINT_MARKER=str(marker))
    return subprocess.Popen([sys.executable, "-m", "chutian_mdm", "--database-url", database_url, *args],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_at_failpoint(process: subprocess.Popen[bytes], marker: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if process.poll() is not None:
            raise AssertionError(f"finished before the failpoint: {process.stderr.read().decode()}")  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "failpoint not reached"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def table_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(sa.text(f"SELECT count(*) FROM staging.{name}")).scalar_one()
                for name in ("batches", "population", "quarantine")}


def test_ingest_killed_before_commit_leaves_nothing_and_retry_succeeds(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "police.csv", [person(f"P{i}", 出生日期="1990-13-45" if i == 3 else "1990-03-05")
                                               for i in range(1, 6)])
    marker = tmp_path / "marker"
    process = start_killable(database_url, "ingest:copied", marker, "ingest", "population", str(path),
                             "--source", "police", "--quiet")
    kill_at_failpoint(process, marker)
    assert table_counts(engine) == {"batches": 0, "population": 0, "quarantine": 0}

    retry = subprocess.run([sys.executable, "-m", "chutian_mdm", "--database-url", database_url, "ingest",
                            "population", str(path), "--source", "police", "--quiet"],
                           capture_output=True, text=True, check=False)
    assert retry.returncode == 4, retry.stderr
    assert table_counts(engine) == {"batches": 1, "population": 4, "quarantine": 1}


def test_inbox_killed_after_commit_before_move_sees_the_file_as_a_duplicate(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    from chutian_mdm.inbox import ingest_inbox

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "population__police__a.csv", [person("P1"), person("P2")])
    marker = tmp_path / "marker"
    code = (f"import sqlalchemy as sa; from pathlib import Path; from chutian_mdm.inbox import ingest_inbox; "
            f"ingest_inbox(sa.create_engine({database_url!r}), Path({str(inbox)!r}))")
    env = dict(os.environ, CHUTIAN_MDM_FAILPOINT="inbox:ingested", CHUTIAN_MDM_FAILPOINT_MARKER=str(marker))
    process = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE)
    kill_at_failpoint(process, marker)
    assert (inbox / "population__police__a.csv").exists()
    assert table_counts(engine)["population"] == 2

    result = ingest_inbox(engine, inbox)
    assert not result.ingested and len(result.duplicates) == 1
    assert table_counts(engine) == {"batches": 1, "population": 2, "quarantine": 0}
    assert [p.name for p in (inbox / "processed").iterdir()] == ["population__police__a.csv"]


def golden_state(engine: sa.Engine) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """What readers see: the current golden persons, their source records, the releases."""
    with engine.connect() as conn:
        persons = conn.execute(sa.text(
            "SELECT golden_id, name, citizen_id, birth_date, phone, record_count FROM golden.population "
            "ORDER BY golden_id")).all()
        xref = conn.execute(sa.text(
            "SELECT source, source_record_id, golden_id FROM golden.population_xref "
            "WHERE valid_to_release IS NULL ORDER BY 1, 2")).all()
        releases = conn.execute(sa.text(
            "SELECT release, golden_records, created, updated, merged, split, retired FROM golden.releases "
            "WHERE domain = 'population' ORDER BY release")).all()
    return [tuple(r) for r in persons], [tuple(r) for r in xref], [tuple(r) for r in releases]


@pytest.mark.parametrize("point", ["match:scored", "publish:written"])
def test_run_killed_mid_match_or_mid_publish_keeps_the_release_and_the_next_run_catches_up(
    point: str, pg_server, template_database: str, tmp_path: Path
) -> None:
    from chutian_mdm.demo import sample_files
    from chutian_mdm.ingest import ingest_file
    from chutian_mdm.pipeline import run_domain

    from .conftest import new_database

    files = sample_files()["population"]
    crashed_url, clean_url = (new_database(pg_server, template_database) for _ in range(2))
    crashed, clean = sa.create_engine(crashed_url), sa.create_engine(clean_url)
    for engine in (crashed, clean):
        for path, source in files[:2]:
            ingest_file(engine, "population", path, source)
        run_domain(engine, "population")
        for path, source in files[2:]:
            ingest_file(engine, "population", path, source)
    before = golden_state(crashed)

    marker = tmp_path / "marker"
    process = start_killable(crashed_url, point, marker, "run", "population", "--quiet")
    kill_at_failpoint(process, marker)
    assert golden_state(crashed) == before  # release 1 intact and readable, nothing half published

    run_domain(clean, "population")  # the uninterrupted history
    resumed = subprocess.run([sys.executable, "-m", "chutian_mdm", "--database-url", crashed_url, "run",
                              "population", "--quiet"], capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert golden_state(crashed) == golden_state(clean)
    with crashed.connect() as conn:
        statuses = conn.execute(sa.text("SELECT status FROM mdm.runs ORDER BY run_id")).scalars().all()
    if point == "match:scored":
        assert statuses == ["succeeded", "failed", "succeeded"]  # the killed run is recorded as failed
    else:
        assert statuses == ["succeeded", "succeeded", "nothing_to_do"]  # its clusters published next time
    crashed.dispose()
    clean.dispose()
