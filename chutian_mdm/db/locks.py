"""Run locks: at most one run per domain at a time, across processes and machines.

A PostgreSQL session-level advisory lock, held on a dedicated connection for the whole run: if
the process dies, the server releases it with the connection, so a crashed run never leaves a
stale lock behind (no lock files to clean up).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from ..errors import LockedError

_NAMESPACE = "chutian-mdm:run:"


def _holder(conn: sa.Connection, key: str) -> str:
    row = conn.execute(sa.text(
        "SELECT a.pid, a.application_name, a.backend_start FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objid = (hashtext(:key)::bigint & 4294967295)::oid "
        "LIMIT 1"), {"key": key}).first()
    if row is None:
        return "another run"
    return f"another run (server process {row.pid}, connected since {row.backend_start:%Y-%m-%d %H:%M:%S})"


@contextmanager
def domain_lock(engine: sa.Engine, domain: str, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the run lock of ``domain``; raise :class:`LockedError` at once (or after waiting up to
    ``wait_seconds``) if another run holds it."""
    key = _NAMESPACE + domain
    conn = engine.connect()
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(hashtext(:key))"), {"key": key}).scalar()
            conn.commit()
            if got:
                break
            if time.monotonic() >= deadline:
                waited = f" after waiting {wait_seconds:g} s" if wait_seconds else ""
                raise LockedError(
                    f"{domain}: {_holder(conn, key)} is in progress{waited}; "
                    "try again later or use --wait SECONDS"
                )
            time.sleep(min(0.5, max(deadline - time.monotonic(), 0.01)))
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": key})
            conn.commit()
    finally:
        conn.close()
